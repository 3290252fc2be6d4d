import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { cacheRepositoriesArn, partitionOf } from './ecr-facts';
import { awsManagedPolicyArn, policyDocument, REGISTRY_LOGIN_STATEMENT, serviceTrustPolicy } from './iam-policy';

/**
 * What a node needs on the cache repositories: pull, refresh a tag from upstream (BatchImportUpstreamImage) and
 * create the repository on the first pull of an image (CreateRepository). ReplicateImage, in the seed article's
 * policy, is for replication, not pulls.
 */
export const NODE_CACHE_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchImportUpstreamImage',
  'ecr:CreateRepository',
] as const;

/** AWS managed policies of an EKS worker node role; PullOnly (unlike ReadOnly) includes BatchImportUpstreamImage. */
export const EKS_NODE_MANAGED_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryPullOnly',
] as const;

export interface NodePullPermissionsProps {
  /** The cache registry's account. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /** The rules' repository prefixes (`ROOT` grants the whole registry). */
  readonly prefixes: readonly string[];
  /** Name of the customer managed policy holding the permissions. */
  readonly policyName: string;
  /**
   * Create an EKS worker node role with this name, with the EKS node managed policies and the cache policy.
   * @default - no role is created
   */
  readonly createRoleName?: string;
  /**
   * Existing node role names to attach the cache policy to.
   * @default - none
   */
  readonly existingRoleNames?: readonly string[];
}

/**
 * Lets EKS worker nodes pull through the cache: a policy scoped to the cache prefixes' repositories, attached to
 * a node role this construct creates, to existing node roles, or both.
 */
export class NodePullPermissions extends Construct {
  readonly policy: IamPolicy;
  /** The node role, when this construct created it. */
  readonly role?: IamRole;

  constructor(scope: Construct, id: string, props: NodePullPermissionsProps) {
    super(scope, id);
    const existingRoleNames = props.existingRoleNames ?? [];
    if (props.prefixes.length === 0) throw new Error('NodePullPermissions needs at least one cache prefix');
    if (props.createRoleName === undefined && existingRoleNames.length === 0) {
      throw new Error('NodePullPermissions needs a role to create (createRoleName) or existing roles (existingRoleNames)');
    }
    const duplicate = existingRoleNames.find((name, index) => existingRoleNames.indexOf(name) !== index || name === props.createRoleName);
    if (duplicate !== undefined) throw new Error(`node role "${duplicate}" is named twice`);

    this.policy = new IamPolicy(this, 'policy', {
      name: props.policyName,
      description: 'Pull through the ECR pull-through cache, creating cache repositories on first pull',
      policy: policyDocument(
        REGISTRY_LOGIN_STATEMENT,
        {
          Sid: 'PullThroughCache',
          Effect: 'Allow',
          Action: [...NODE_CACHE_ACTIONS],
          Resource: props.prefixes.map((prefix) => cacheRepositoriesArn(props.account, props.region, prefix)),
        },
      ),
    });
    nameElement(this.policy, 'node_pull');

    if (props.createRoleName !== undefined) {
      this.role = new IamRole(this, 'node-role', {
        name: props.createRoleName,
        description: 'EKS worker nodes that pull through the ECR pull-through cache',
        assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'),
      });
      nameElement(this.role, 'node');
      for (const managed of EKS_NODE_MANAGED_POLICIES) {
        const attachment = new IamRolePolicyAttachment(this, `node-role-${managed}`, {
          role: this.role.name,
          policyArn: awsManagedPolicyArn(partitionOf(props.region), managed),
        });
        nameElement(attachment, 'node', managed);
      }
      nameElement(new IamRolePolicyAttachment(this, 'node-role-cache', { role: this.role.name, policyArn: this.policy.arn }), 'node', 'cache_pull');
    }
    for (const roleName of existingRoleNames) {
      nameElement(new IamRolePolicyAttachment(this, `existing-${roleName}`, { role: roleName, policyArn: this.policy.arn }), 'existing', roleName);
    }
  }
}
