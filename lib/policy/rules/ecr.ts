import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import type { Config, PolicyRule } from '../rule';

export const ECR_RULES: readonly PolicyRule[] = [
  {
    id: 'PTC-ECR1',
    title: 'creation template makes cache repositories with immutable tags',
    mirrors: 'the opposite of checkov CKV_AWS_51 and trivy AVD-AWS-0031, which do not apply to pull-through caches',
    check: ({ type, config }) =>
      type === EcrRepositoryCreationTemplate.tfResourceType && typeof config.image_tag_mutability === 'string' && config.image_tag_mutability.startsWith('IMMUTABLE')
        ? { message: `image_tag_mutability = ${config.image_tag_mutability} stops the cache from refreshing a tag from upstream` }
        : undefined,
  },
  {
    id: 'PTC-ECR2',
    title: 'creation template with KMS encryption or tags but no role',
    mirrors: 'none in checkov or trivy: apply succeeds and the first pull fails',
    check: ({ type, config }) => {
      if (type !== EcrRepositoryCreationTemplate.tfResourceType || config.custom_role_arn !== undefined) return undefined;
      const kms = ((config.encryption_configuration as Config[] | undefined) ?? []).some((encryption) => encryption.encryption_type === 'KMS');
      const tags = Object.keys((config.resource_tags as Config | undefined) ?? {}).length > 0;
      return kms || tags ? { message: `uses ${[kms && 'KMS encryption', tags && 'resource tags'].filter(Boolean).join(' and ')} without custom_role_arn` } : undefined;
    },
  },
  {
    id: 'PTC-ECR3',
    title: 'pull-through cache rule without a repository creation template',
    mirrors: 'none in checkov or trivy: without a template, cache repositories have no lifecycle policy and grow forever',
    check: ({ type, config, stackResources }) => {
      if (type !== EcrPullThroughCacheRule.tfResourceType) return undefined;
      const templates = stackResources(EcrRepositoryCreationTemplate.tfResourceType).filter((template) =>
        ((template.applied_for as string[] | undefined) ?? []).includes('PULL_THROUGH_CACHE'),
      );
      return templates.some((template) => template.prefix === config.ecr_repository_prefix)
        ? undefined
        : { message: `no creation template for prefix ${String(config.ecr_repository_prefix)} applies to PULL_THROUGH_CACHE` };
    },
  },
];
