import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { isToken } from './tokens';
import {
  cacheLifecyclePolicy,
  type RepositoryTemplateSettings,
  repositoryTemplateProblems,
  TEMPLATE_DEFAULTS,
  templateNeedsRole,
} from '../checks/repository-template';

export interface CacheRepositoryTemplateProps extends RepositoryTemplateSettings {
  /** The pull-through cache rule's prefix (`ROOT` for the rest of the registry). */
  readonly prefix: string;
  /**
   * The repository policy of every repository the template creates (JSON): how other accounts may pull from a hub.
   * @default - none: only the registry's own account may pull
   */
  readonly repositoryPolicy?: string;
}

/**
 * The repository creation template of one cache prefix, applied when pull-through cache creates a repository:
 * a lifecycle policy so the cache does not grow forever (by push age and count; archiving by last pull only when asked),
 * mutable tags so it can refresh, AES256 or a KMS key, tags.
 */
export class CacheRepositoryTemplate extends Construct {
  readonly template: EcrRepositoryCreationTemplate;

  constructor(scope: Construct, id: string, props: CacheRepositoryTemplateProps) {
    super(scope, id);
    // A token (a key or a role of this app) is checked for where it may be given; its format is the provider's to check.
    const problems = repositoryTemplateProblems(props, undefined, isToken);
    if (templateNeedsRole(props) && props.roleArn === undefined) {
      problems.push({ field: 'roleArn', message: 'KMS encryption and resource tags need a role: without it apply succeeds and the first pull fails' });
    }
    const expireUntaggedAfterDays = props.expireUntaggedAfterDays ?? TEMPLATE_DEFAULTS.expireUntaggedAfterDays;
    const keepImages = props.keepImages ?? TEMPLATE_DEFAULTS.keepImages;
    for (const [field, value] of [['expireUntaggedAfterDays', expireUntaggedAfterDays], ['keepImages', keepImages]] as const) {
      if (!Number.isInteger(value) || value < 1) problems.push({ field, message: `${value} must be a whole number from 1` });
    }
    if (problems.length > 0) {
      throw new Error(`creation template ${props.prefix}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    }
    const tagMutability = props.tagMutability ?? TEMPLATE_DEFAULTS.tagMutability;
    this.template = new EcrRepositoryCreationTemplate(this, 'template', {
      prefix: props.prefix,
      appliedFor: ['PULL_THROUGH_CACHE'],
      description: `Cache repositories of the pull-through cache rule ${props.prefix}`,
      imageTagMutability: tagMutability,
      ...(props.immutableTags?.length
        ? { imageTagMutabilityExclusionFilter: props.immutableTags.map((filter) => ({ filter, filterType: 'WILDCARD' })) }
        : {}),
      lifecyclePolicy: cacheLifecyclePolicy(
        expireUntaggedAfterDays,
        keepImages,
        props.archiveAfterDaysUnpulled === undefined
          ? undefined
          : { afterDaysUnpulled: props.archiveAfterDaysUnpulled, deleteAfterDays: props.deleteArchivedAfterDays ?? TEMPLATE_DEFAULTS.deleteArchivedAfterDays },
      ),
      encryptionConfiguration: [props.kmsKey ? { encryptionType: 'KMS', kmsKey: props.kmsKey } : { encryptionType: 'AES256' }],
      ...(props.tags && Object.keys(props.tags).length > 0 ? { resourceTags: { ...props.tags } } : {}),
      customRoleArn: props.roleArn,
      repositoryPolicy: props.repositoryPolicy,
    });
    nameElement(this.template, props.prefix);
  }
}
