/**
 * The IAM actions each principal of the cache needs, in one place (aws-cdk keeps its grants' actions the same way,
 * in perms.ts). Sources: ../shared/reference/ecr-pull-through-cache.md and the ECR user guide (pull-through-cache-iam,
 * pull-through-cache-private, repository-creation-templates-custom).
 */

/** Which pulls make a call: the one that creates the cache repository, the ones after it, or both. */
export type PullKind = 'first' | 'later';

/**
 * A resource policy that AWS documents as able to grant a call to a principal of another account, besides that
 * principal's own identity policy (IAM user guide, cross-account policy evaluation: both sides must allow).
 */
export type GrantingResourcePolicy = 'registry policy' | 'repository policy';

/** One call ECR authorizes when a principal pulls an image through the cache. */
export interface PullCall {
  readonly action: string;
  readonly pulls: readonly PullKind[];
  /** `repository`: the cache repository the image lands in; `none`: the call takes no resource (`*`). */
  readonly resource: 'repository' | 'none';
  /** Made only when the rule's creation template tags the repositories it creates. */
  readonly whenTemplateTags?: true;
  /** The resource policies that may grant it to another account; none: only an identity policy can. */
  readonly grantedBy: readonly GrantingResourcePolicy[];
}

/**
 * Every call a pull through the cache makes, in one list: the node policies are built from it, and `can-pull`
 * evaluates it against the synthesized policies. Not in it: KMS permissions for a repository a template encrypts
 * with a key, since ECR decrypts under its own grant on the key, made when it creates the repository (ECR user
 * guide, encryption-at-rest), not as the puller.
 */
export const PULL_CALLS: readonly PullCall[] = [
  // ECR user guide, repository-policy-examples: "Amazon ECR requires that users have permission to make calls to the
  // ecr:GetAuthorizationToken API through an IAM policy before they can authenticate to a registry and push or pull
  // any images"; the Service Authorization Reference lists no resource type for it.
  { action: 'ecr:GetAuthorizationToken', pulls: ['first', 'later'], resource: 'none', grantedBy: [] },
  // ECR user guide, image pull (docker-pull-ecr-image) and the AmazonEC2ContainerRegistryPullOnly managed policy: a pull
  // reads the manifest (BatchGetImage) and each layer's download URL (GetDownloadUrlForLayer); another account gets
  // them from the repository's policy (repository-policy-examples).
  { action: 'ecr:BatchGetImage', pulls: ['first', 'later'], resource: 'repository', grantedBy: ['repository policy'] },
  { action: 'ecr:GetDownloadUrlForLayer', pulls: ['first', 'later'], resource: 'repository', grantedBy: ['repository policy'] },
  // ECR user guide, pull-through-cache-iam: imports the image from upstream, on the first pull and on a later pull
  // that refreshes a tag; "can be granted by using the private registry permissions policy, an identity-based IAM
  // policy, or by using the resource-based repository permissions policy".
  { action: 'ecr:BatchImportUpstreamImage', pulls: ['first', 'later'], resource: 'repository', grantedBy: ['registry policy', 'repository policy'] },
  // Same page: "required if the repository storing the cached images doesn't already exist"; "can be granted by
  // either an identity-based IAM policy or the private registry permissions policy".
  { action: 'ecr:CreateRepository', pulls: ['first'], resource: 'repository', grantedBy: ['registry policy'] },
  // Same page: "only required if you are pulling an image that uses a pull through cache rule that has an associated
  // repository creation template that is configured to add resource tags"; ecr-supported-iam-actions-tagging: tags
  // given at creation get "additional authorization" beyond ecr:CreateRepository. The page names the identity
  // policy; for another account the registry's policy is the resource side, the only one before the repository
  // exists (user guide, registry-permissions: the default V2 scope enforces every ECR action in it).
  { action: 'ecr:TagResource', pulls: ['first'], resource: 'repository', whenTemplateTags: true, grantedBy: ['registry policy'] },
];

/** Registry login: needed by every principal that pulls, and the one ECR action that cannot be scoped. */
export const REGISTRY_LOGIN_ACTION = PULL_CALLS.find((call) => call.resource === 'none')!.action;

/**
 * What a node needs on the cache repositories of every rule: pull, refresh a tag from upstream
 * (BatchImportUpstreamImage) and create the repository on the first pull of an image (CreateRepository).
 * ReplicateImage, in the seed article's policy, is for replication, not pulls.
 */
export const NODE_CACHE_ACTIONS: readonly string[] = PULL_CALLS.filter((call) => call.resource === 'repository' && !call.whenTemplateTags).map(
  (call) => call.action,
);

/** What a node needs, besides NODE_CACHE_ACTIONS, on the cache repositories of rules whose creation template tags. */
export const TEMPLATE_TAGGING_ACTIONS: readonly string[] = PULL_CALLS.filter((call) => call.whenTemplateTags).map((call) => call.action);

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

/**
 * What another account needs in a cache repository's policy to pull from it (BatchCheckLayerAvailability too, which
 * AWS's own cross-account examples grant).
 */
export const CONSUMER_REPOSITORY_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'] as const;
