import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { cacheRepositoriesArn } from '../aws/ecr';
import { roleNameProblem } from '../aws/names';
import { checkLiteral } from './tokens';
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from '../aws/iam';
import { TEMPLATE_KMS_ACTIONS, TEMPLATE_REPOSITORY_ACTIONS } from '../aws/perms';

export interface RepositoryTemplateRoleProps {
  /** IAM role name (1-64 characters); may be a token. */
  readonly roleName: string;
  /** The cache registry's account. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /**
   * The prefixes whose templates use the role; more can be allowed later with `allow`.
   * @default - none yet
   */
  readonly prefixes?: readonly string[];
  /**
   * The KMS keys the templates encrypt with.
   * @default - none: the role only creates and tags repositories
   */
  readonly kmsKeys?: readonly string[];
}

/**
 * The role a repository creation template names in `custom_role_arn` so ECR can create cache repositories with a
 * KMS key or tags: trusted by ecr.amazonaws.com as AWS documents it, limited to the cache prefixes and the keys of
 * the templates that use it.
 */
export class RepositoryTemplateRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  readonly arn: string;
  private readonly props: RepositoryTemplateRoleProps;
  private readonly prefixes: string[];
  private readonly kmsKeys: string[];

  constructor(scope: Construct, id: string, props: RepositoryTemplateRoleProps) {
    super(scope, id);
    checkLiteral('RepositoryTemplateRole', props.roleName, roleNameProblem);
    this.props = props;
    this.prefixes = [...(props.prefixes ?? [])];
    this.kmsKeys = [...new Set(props.kmsKeys ?? [])];
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'ECR creates pull-through cache repositories with KMS encryption or tags',
      assumeRolePolicy: serviceTrustPolicy('ecr.amazonaws.com'),
    });
    nameElement(this.role, 'repository_template');
    this.policy = new IamRolePolicy(this, 'policy', { name: 'ecr-repository-creation-template', role: this.role.name, policy: this.document() });
    nameElement(this.policy, 'repository_template');
    this.node.addValidation({ validate: () => (this.prefixes.length === 0 ? ['RepositoryTemplateRole: no template uses it; allow a prefix'] : []) });
    this.arn = this.role.arn;
  }

  /** Lets the role create the repositories of one more prefix, encrypted with this key when one is given. */
  allow(prefix: string, kmsKey?: string): void {
    this.prefixes.push(prefix);
    if (kmsKey !== undefined && !this.kmsKeys.includes(kmsKey)) this.kmsKeys.push(kmsKey);
    this.policy.policy = this.document();
  }

  private document(): string {
    const statements: PolicyStatement[] = [
      {
        Sid: 'CreateCacheRepositories',
        Effect: 'Allow',
        Action: [...TEMPLATE_REPOSITORY_ACTIONS],
        Resource: this.prefixes.map((prefix) => cacheRepositoriesArn(this.props.account, this.props.region, prefix)),
      },
    ];
    if (this.kmsKeys.length > 0) {
      statements.push({ Sid: 'EncryptCacheRepositories', Effect: 'Allow', Action: [...TEMPLATE_KMS_ACTIONS], Resource: [...this.kmsKeys] });
    }
    return policyDocument(...statements);
  }
}
