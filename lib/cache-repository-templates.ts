import { Construct } from 'constructs';
import { CacheRepositoryTemplate } from './cache-repository-template';
import { type RepositoryTemplateSettings, templateNeedsRole } from './repository-template-checks';
import { RepositoryTemplateRole } from './repository-template-role';

export interface CacheRepositoryTemplatesProps {
  /** The cache registry's account. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /** One template per rule prefix, with its settings. */
  readonly templates: readonly (RepositoryTemplateSettings & { readonly prefix: string })[];
  /** Name of the role created for templates that use KMS or tags without a `roleArn`. */
  readonly roleName: string;
}

/**
 * The creation templates of every rule's cache repositories, and the one role ECR needs for those that encrypt
 * with KMS or tag and name no role of their own: without it apply succeeds and the first pull fails.
 */
export class CacheRepositoryTemplates extends Construct {
  readonly templates: CacheRepositoryTemplate[];
  /** The role this construct created, if any template needed one. */
  readonly role?: RepositoryTemplateRole;

  constructor(scope: Construct, id: string, props: CacheRepositoryTemplatesProps) {
    super(scope, id);
    const needRole = props.templates.filter((template) => templateNeedsRole(template) && template.roleArn === undefined);
    if (needRole.length > 0) {
      this.role = new RepositoryTemplateRole(this, 'role', {
        roleName: props.roleName,
        account: props.account,
        region: props.region,
        prefixes: needRole.map((template) => template.prefix),
        kmsKeys: needRole.flatMap((template) => (template.kmsKey ? [template.kmsKey] : [])),
      });
    }
    this.templates = props.templates.map(
      (template) =>
        new CacheRepositoryTemplate(this, template.prefix, {
          ...template,
          roleArn: template.roleArn ?? (needRole.includes(template) ? this.role!.arn : undefined),
        }),
    );
  }
}
