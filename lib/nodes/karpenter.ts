/**
 * A Karpenter EC2NodeClass (karpenter.k8s.aws/v1) whose user data carries the mirrors. Karpenter merges its own
 * NodeConfig (AL2023) or settings (Bottlerocket) into the user data it is given (karpenter-provider-aws,
 * pkg/providers/amifamily/bootstrap): the mirrors' parts stay.
 */
import { Document, type Scalar, type YAMLMap } from 'yaml';

export type NodeFamily = 'al2023' | 'bottlerocket';

export interface EC2NodeClassOptions {
  readonly name: string;
  readonly family: NodeFamily;
  /** The user data: nodeadm's MIME document, or Bottlerocket's TOML. */
  readonly userData: string;
  /** The cluster, as its subnets and security groups are tagged for Karpenter (`karpenter.sh/discovery`). */
  readonly cluster: string;
  /** The nodes' IAM role. */
  readonly role: string;
}

export function ec2NodeClass(options: EC2NodeClassOptions): string {
  const discovery = () => [{ tags: { 'karpenter.sh/discovery': options.cluster } }];
  const document = new Document({
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: options.name },
    spec: {
      amiSelectorTerms: [{ alias: `${options.family}@latest` }],
      role: options.role,
      subnetSelectorTerms: discovery(),
      securityGroupSelectorTerms: discovery(),
      userData: options.userData,
    },
  });
  const amiSelector = (document.get('spec', true) as YAMLMap<Scalar>).items[0].key;
  amiSelector.commentBefore = ` @latest follows every new AMI: pin a version (${options.family}@v...) in production.`;
  return document.toString({ lineWidth: 0, blockQuote: 'literal' });
}
