import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { cacheRepositoriesArn } from './ecr-facts';
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from './iam-policy';

export interface RepositoryTemplateRoleProps {
  /** IAM role name. */
  readonly roleName: string;
  /** The cache registry's account. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /** The prefixes whose templates use the role. */
  readonly prefixes: readonly string[];
  /**
   * The KMS keys the templates encrypt with.
   * @default - none: the role only creates and tags repositories
   */
  readonly kmsKeys?: readonly string[];
}

/**
 * The role a repository creation template names in `custom_role_arn` so ECR can create cache repositories with a
 * KMS key or tags: trusted by ecr.amazonaws.com as AWS documents it, limited to the cache prefixes and the keys.
 */
export class RepositoryTemplateRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: RepositoryTemplateRoleProps) {
    super(scope, id);
    if (props.prefixes.length === 0) throw new Error('RepositoryTemplateRole needs at least one prefix');
    const kmsKeys = [...new Set(props.kmsKeys ?? [])];
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'ECR creates pull-through cache repositories with KMS encryption or tags',
      assumeRolePolicy: serviceTrustPolicy('ecr.amazonaws.com'),
    });
    nameElement(this.role, 'repository_template');
    const statements: PolicyStatement[] = [
      {
        Sid: 'CreateCacheRepositories',
        Effect: 'Allow',
        Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
        Resource: props.prefixes.map((prefix) => cacheRepositoriesArn(props.account, props.region, prefix)),
      },
    ];
    if (kmsKeys.length > 0) {
      statements.push({ Sid: 'EncryptCacheRepositories', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'], Resource: kmsKeys });
    }
    const policy = new IamRolePolicy(this, 'policy', { name: 'ecr-repository-creation-template', role: this.role.name, policy: policyDocument(...statements) });
    nameElement(policy, 'repository_template');
    this.arn = this.role.arn;
  }
}
