import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { cacheRepositoriesArn, parsePrivateRegistryHost, ROOT_PREFIX } from './ecr-facts';
import { LOGIN_IS_UNSCOPED, policyDocument, REGISTRY_LOGIN_STATEMENT, serviceTrustPolicy } from './iam-policy';
import { acknowledge } from './policy-checks';

/** What ECR does with the role: read the upstream's images and write them into the cache. */
export const ECR_UPSTREAM_ROLE_ACTIONS = [
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchImportUpstreamImage',
  'ecr:BatchGetImage',
  'ecr:GetImageCopyStatus',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
] as const;

export interface EcrUpstreamRoleProps {
  /** IAM role name (at most 64 characters). */
  readonly roleName: string;
  /** The cache registry's account: the role lives there. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /** The rule's ECR repository prefix (`ROOT` for the whole registry). */
  readonly prefix: string;
  /** The upstream registry host, `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly upstreamRegistry: string;
  /** @default ROOT - the whole upstream registry */
  readonly upstreamPrefix?: string;
}

/**
 * The role an ECR-to-ECR rule names in `custom_role_arn`: trusted by `pullthroughcache.ecr.amazonaws.com` on
 * behalf of this account only, allowed to read the upstream prefix and write the cache prefix, nothing else.
 * The upstream registry's owner must also allow this account (see the README).
 */
export class EcrUpstreamRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: EcrUpstreamRoleProps) {
    super(scope, id);
    const upstream = parsePrivateRegistryHost(props.upstreamRegistry);
    if (!upstream) throw new Error(`"${props.upstreamRegistry}" is not a private ECR registry host`);
    if (props.roleName.length > 64) throw new Error(`role name "${props.roleName}" is longer than 64 characters`);

    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: `ECR pull-through cache ${props.prefix} from ${props.upstreamRegistry}`,
      assumeRolePolicy: serviceTrustPolicy('pullthroughcache.ecr.amazonaws.com', props.account),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'ecr-pull-through-cache-upstream',
      role: this.role.name,
      policy: policyDocument(
        REGISTRY_LOGIN_STATEMENT,
        {
          Sid: 'CopyUpstreamIntoCache',
          Effect: 'Allow',
          Action: [...ECR_UPSTREAM_ROLE_ACTIONS],
          Resource: [
            cacheRepositoriesArn(upstream.account, upstream.region, props.upstreamPrefix ?? ROOT_PREFIX),
            cacheRepositoriesArn(props.account, props.region, props.prefix),
          ],
        },
      ),
    });
    acknowledge(policy, 'PTC-IAM1', LOGIN_IS_UNSCOPED);
    this.arn = this.role.arn;
  }
}
