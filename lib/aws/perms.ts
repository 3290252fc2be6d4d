/**
 * The IAM actions each principal of the cache needs, in one place (aws-cdk keeps its grants' actions the same way,
 * in perms.ts). Sources: ../shared/reference/ecr-pull-through-cache.md and the ECR user guide (pull-through-cache-iam,
 * pull-through-cache-private, repository-creation-templates-custom).
 */

/** Registry login: needed by every principal that pulls, and the one ECR action that cannot be scoped. */
export const REGISTRY_LOGIN_ACTION = 'ecr:GetAuthorizationToken';

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
export const EKS_NODE_MANAGED_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly'] as const;

/** What ECR does with an ECR-to-ECR rule's role in the upstream registry: read its images. */
export const ECR_UPSTREAM_READ_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchImportUpstreamImage',
  'ecr:GetImageCopyStatus',
] as const;

/** What ECR does with that role in the cache: write the images it copied, and read them back. */
export const ECR_CACHE_WRITE_ACTIONS = [
  ...ECR_UPSTREAM_READ_ACTIONS,
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
] as const;

/** What ECR does with a creation template's role: create the repository, and tag it. */
export const TEMPLATE_REPOSITORY_ACTIONS = ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'] as const;

/** What ECR does with a creation template's role on its KMS key. */
export const TEMPLATE_KMS_ACTIONS = ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'] as const;

/**
 * What another account needs in the hub's registry policy for its first pull to create a cache repository and import
 * an image (ECR user guide, pull-through-cache-iam: "the registry permissions policy ... ecr:CreateRepository and
 * ecr:BatchImportUpstreamImage").
 */
export const CONSUMER_REGISTRY_ACTIONS = ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'] as const;

/** What another account needs in a cache repository's policy to pull from it. */
export const CONSUMER_REPOSITORY_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'] as const;
