import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { eksClusterNameProblem, roleNameProblem } from '../aws/names';
import { partitionOf } from '../aws/regions';
import { checkLiteral, isToken } from './tokens';
import { stackRegion } from './stack-registry';
import { awsManagedPolicyArn, serviceTrustPolicy } from '../aws/iam';
import { EKS_NODE_MANAGED_POLICIES } from '../aws/perms';

export interface EksNodeRoleProps {
  /** The role's IAM name (1-64 characters); may be a token. */
  readonly roleName: string;
  /**
   * The region the nodes run in: it decides the partition of the managed policies' ARNs.
   * @default - the stack's: its AWS provider's `region`, else `data.aws_region.cache_registry` (a token: partition `aws`)
   */
  readonly region?: string;
  /**
   * The EKS cluster the nodes join: the role gets an access entry of type EC2_LINUX there, which EKS needs before
   * nodes with the role can join (EKS user guide, "Create access entries"); may be a token.
   * @default - no access entry: give the role one, or an aws-auth mapping, yourself
   */
  readonly cluster?: string;
  /**
   * The name of the role's Terraform address: `aws_iam_role.<addressName>`, and its attachments
   * `aws_iam_role_policy_attachment.<addressName>_<policy>`.
   * @default "node"
   */
  readonly addressName?: string;
}

/**
 * An EKS worker node role, as the seed article makes it: trusted by EC2, with the EKS node managed policies
 * (AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, AmazonEC2ContainerRegistryPullOnly). Give it the cache with
 * `PullThroughCache.grantPull(role.role)`.
 */
export class EksNodeRole extends Construct {
  readonly role: IamRole;
  /** The role's access entry, when `cluster` is given. */
  readonly accessEntry?: EksAccessEntry;

  constructor(scope: Construct, id: string, props: EksNodeRoleProps) {
    super(scope, id);
    const addressName = props.addressName ?? 'node';
    checkLiteral('EksNodeRole', props.roleName, roleNameProblem);
    checkLiteral('EksNodeRole cluster', props.cluster, eksClusterNameProblem);
    this.role = new IamRole(this, 'node-role', {
      name: props.roleName,
      description: 'EKS worker nodes that pull through the ECR pull-through cache',
      assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'),
    });
    nameElement(this.role, addressName);
    const region = props.region ?? stackRegion(this);
    const partition = isToken(region) ? 'aws' : partitionOf(region);
    for (const managed of EKS_NODE_MANAGED_POLICIES) {
      const attachment = new IamRolePolicyAttachment(this, `node-role-${managed}`, {
        role: this.role.name,
        policyArn: awsManagedPolicyArn(partition, managed),
      });
      nameElement(attachment, addressName, managed);
    }
    if (props.cluster !== undefined) {
      // EC2_LINUX: EKS maps the role to system:nodes itself; such an entry takes no groups or access policies.
      this.accessEntry = new EksAccessEntry(this, 'access-entry', { clusterName: props.cluster, principalArn: this.role.arn, type: 'EC2_LINUX' });
      nameElement(this.accessEntry, addressName);
    }
  }
}
