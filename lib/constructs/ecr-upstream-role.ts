import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { roleNameProblem } from '../aws/names';
import { checkLiteral, isToken } from './tokens';
import { cacheRepositoriesArn, parsePrivateRegistryHost, ROOT_PREFIX } from '../aws/ecr';
import { policyDocument, REGISTRY_LOGIN_STATEMENT, serviceTrustPolicy } from '../aws/iam';
import { ECR_CACHE_WRITE_ACTIONS, ECR_UPSTREAM_READ_ACTIONS } from '../aws/perms';

export interface EcrUpstreamRoleProps {
  /** IAM role name (1-64 characters); may be a token. */
  readonly roleName: string;
  /** The cache registry's account: the role lives there. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /** The rule's ECR repository prefix (`ROOT` for the whole registry). */
  readonly prefix: string;
  /** The upstream registry host, `<account>.dkr.ecr.<region>.amazonaws.com`: a literal, since the policy names its account and region. */
  readonly registry: string;
  /** @default ROOT - the whole upstream registry */
  readonly upstreamPrefix?: string;
}

/**
 * The role an ECR-to-ECR rule names in `custom_role_arn`: trusted by `pullthroughcache.ecr.amazonaws.com` as AWS
 * documents it, allowed to read the upstream prefix and to write the cache prefix, nothing else.
 * The upstream registry's owner must also allow this account (see docs/environment-files.md, "Rules").
 */
export class EcrUpstreamRole extends Construct {
  readonly role: IamRole;
  /** The role's permissions: a rule using the role depends on them, not only on the role. */
  readonly policy: IamRolePolicy;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: EcrUpstreamRoleProps) {
    super(scope, id);
    // The upstream's account and region are written into the role's policy, so the host must be known at synth.
    if (isToken(props.registry)) {
      throw new Error('EcrUpstreamRole: registry must be a literal ECR registry host, not a token: the role\'s policy names its account and region');
    }
    const upstream = parsePrivateRegistryHost(props.registry);
    if (!upstream) throw new Error(`EcrUpstreamRole: "${props.registry}" is not a private ECR registry host`);
    checkLiteral('EcrUpstreamRole', props.roleName, roleNameProblem);

    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: `ECR pull-through cache ${props.prefix} from ${props.registry}`,
      assumeRolePolicy: serviceTrustPolicy('pullthroughcache.ecr.amazonaws.com'),
    });
    nameElement(this.role, props.prefix, 'upstream');
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'ecr-pull-through-cache-upstream',
      role: this.role.name,
      policy: policyDocument(
        REGISTRY_LOGIN_STATEMENT,
        {
          Sid: 'ReadUpstream',
          Effect: 'Allow',
          Action: [...ECR_UPSTREAM_READ_ACTIONS],
          Resource: cacheRepositoriesArn(upstream.account, upstream.region, props.upstreamPrefix ?? ROOT_PREFIX),
        },
        {
          Sid: 'WriteCache',
          Effect: 'Allow',
          Action: [...ECR_CACHE_WRITE_ACTIONS],
          Resource: cacheRepositoriesArn(props.account, props.region, props.prefix),
        },
      ),
    });
    nameElement(policy, props.prefix, 'upstream');
    this.arn = this.role.arn;
    this.policy = policy;
  }
}
