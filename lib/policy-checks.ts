/**
 * Policy checks at synth, in the style of cdk-nag: each rule has an id and names the checkov/trivy checks it
 * mirrors. A finding fails synth unless the resource acknowledges that rule with a written reason; the
 * acknowledgements are written into the resource's `//` comment block, where reviewers of `cdktf synth` see them.
 */
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Aspects, type IAspect, TerraformResource, TerraformStack, Token } from 'cdktf';
import type { IConstruct } from 'constructs';

type Config = Record<string, unknown>;

/** What a rule sees of a resource: its type and its synthesized (snake_case) arguments. */
export interface CheckedResource {
  readonly type: string;
  readonly config: Config;
  /** The arguments of every resource in the same stack, by type (for rules that relate resources). */
  readonly stackResources: (type: string) => readonly Config[];
}

export interface PolicyRule {
  readonly id: string;
  readonly title: string;
  /** The checkov and trivy checks this rule mirrors, or why none does. */
  readonly mirrors: string;
  /** What is wrong with the resource, or undefined when nothing is. */
  readonly check: (resource: CheckedResource) => string | undefined;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The Allow statements of every policy document a resource carries, where they are literal JSON. */
function allowStatements(resource: CheckedResource): Statement[] {
  const documents: unknown[] = [];
  if (resource.type === IamPolicy.tfResourceType || resource.type === IamRolePolicy.tfResourceType) documents.push(resource.config.policy);
  if (resource.type === IamRole.tfResourceType) {
    for (const inline of (resource.config.inline_policy as Config[] | undefined) ?? []) documents.push(inline.policy);
  }
  return documents.flatMap((document) => {
    if (typeof document !== 'string' || Token.isUnresolved(document)) return [];
    const statements = (JSON.parse(document) as { Statement?: Statement | Statement[] }).Statement;
    return (Array.isArray(statements) ? statements : statements ? [statements] : []).filter((statement) => statement.Effect === 'Allow');
  });
}

/** Actions IAM cannot scope to a resource: "*" is their only resource, as checkov CKV_AWS_355 also allows. */
const UNSCOPABLE_ACTIONS: readonly string[] = ['ecr:GetAuthorizationToken'];

const isLiteral = (value: unknown) => value !== undefined && !(typeof value === 'string' && Token.isUnresolved(value));

export const POLICY_RULES: readonly PolicyRule[] = [
  {
    id: 'PTC-IAM1',
    title: 'IAM policy allows actions on every resource ("*")',
    mirrors: 'checkov CKV_AWS_355, trivy AVD-AWS-0057',
    check: (resource) => {
      const actions = allowStatements(resource)
        .filter((statement) => asList(statement.Resource).includes('*'))
        .flatMap((statement) => asList(statement.Action))
        .filter((action) => !UNSCOPABLE_ACTIONS.includes(action));
      return actions.length > 0 ? `allows ${actions.join(', ')} on "*"` : undefined;
    },
  },
  {
    id: 'PTC-IAM2',
    title: 'IAM policy allows wildcard actions',
    mirrors: 'checkov CKV_AWS_63, trivy AVD-AWS-0057',
    check: (resource) => {
      const wildcards = allowStatements(resource).flatMap((statement) => [
        ...asList(statement.Action).filter((action) => action.includes('*')),
        ...asList(statement.NotAction).map((action) => `NotAction ${action}`),
      ]);
      return wildcards.length > 0 ? `allows ${wildcards.join(', ')}` : undefined;
    },
  },
  {
    id: 'PTC-SM1',
    title: 'secret value in the configuration (and so in the Terraform state)',
    mirrors: 'checkov secrets scanning (CKV_SECRET_*), trivy secret scanning; a value in state is beyond both',
    check: ({ type, config }) => {
      if (type !== SecretsmanagerSecretVersion.tfResourceType) return undefined;
      if (config.secret_string !== undefined || config.secret_binary !== undefined) {
        return 'sets secret_string or secret_binary: the value lands in the configuration and the Terraform state; use secret_string_wo from an ephemeral variable';
      }
      return isLiteral(config.secret_string_wo) ? 'writes a literal secret_string_wo: the value is in the synthesized configuration' : undefined;
    },
  },
  {
    id: 'PTC-SM2',
    title: 'secret deleted without a recovery window',
    mirrors: 'none in checkov or trivy: this project requires 7-30 days',
    check: ({ type, config }) =>
      type === SecretsmanagerSecret.tfResourceType && config.recovery_window_in_days === 0
        ? 'recovery_window_in_days = 0 deletes the secret at once, with no way back'
        : undefined,
  },
  {
    id: 'PTC-SM3',
    title: 'secret not encrypted with a customer managed KMS key',
    mirrors: 'checkov CKV_AWS_149, trivy AVD-AWS-0098',
    check: ({ type, config }) =>
      type === SecretsmanagerSecret.tfResourceType && config.kms_key_id === undefined ? 'uses the default aws/secretsmanager key' : undefined,
  },
  {
    id: 'PTC-ECR1',
    title: 'creation template makes cache repositories with immutable tags',
    mirrors: 'the opposite of checkov CKV_AWS_51 and trivy AVD-AWS-0031, which do not apply to pull-through caches',
    check: ({ type, config }) =>
      type === EcrRepositoryCreationTemplate.tfResourceType && String(config.image_tag_mutability ?? '').startsWith('IMMUTABLE')
        ? `image_tag_mutability = ${String(config.image_tag_mutability)} stops the cache from refreshing a tag from upstream`
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
      return kms || tags ? `uses ${[kms && 'KMS encryption', tags && 'resource tags'].filter(Boolean).join(' and ')} without custom_role_arn` : undefined;
    },
  },
  {
    id: 'PTC-ECR3',
    title: 'pull-through cache rule without a repository creation template',
    mirrors: 'none in checkov or trivy: without a template, cache repositories have no lifecycle policy and grow forever',
    check: ({ type, config, stackResources }) => {
      if (type !== EcrPullThroughCacheRule.tfResourceType) return undefined;
      const templates = stackResources(EcrRepositoryCreationTemplate.tfResourceType).filter((template) =>
        asList(template.applied_for as string[] | undefined).includes('PULL_THROUGH_CACHE'),
      );
      return templates.some((template) => template.prefix === config.ecr_repository_prefix)
        ? undefined
        : `no creation template for prefix ${String(config.ecr_repository_prefix)} applies to PULL_THROUGH_CACHE`;
    },
  },
];

const ACKNOWLEDGEMENT = 'ecr-pull-through-cache:acknowledgement';

/** Accepts a rule's finding on this resource, for a reason reviewers can read in the synthesized output. */
export function acknowledge(resource: TerraformResource, ruleId: string, reason: string): void {
  if (!POLICY_RULES.some((rule) => rule.id === ruleId)) throw new Error(`unknown policy rule ${ruleId}`);
  if (reason.trim().length < 10) throw new Error(`acknowledging ${ruleId} needs a written reason`);
  resource.node.addMetadata(ACKNOWLEDGEMENT, { ruleId, reason });
}

function acknowledgements(resource: IConstruct): Map<string, string> {
  return new Map(
    resource.node.metadata
      .filter((entry) => entry.type === ACKNOWLEDGEMENT)
      .map((entry) => [(entry.data as { ruleId: string }).ruleId, (entry.data as { reason: string }).reason]),
  );
}

export interface Finding {
  readonly rule: PolicyRule;
  readonly resource: TerraformResource;
  /** The resource's construct path. */
  readonly path: string;
  readonly message: string;
  /** The reason it was accepted, when it was. */
  readonly acknowledged?: string;
}

function resourceConfig(resource: TerraformResource): Config {
  const synthesized = resource.toTerraform() as { resource: Record<string, Record<string, Config>> };
  return Object.values(Object.values(synthesized.resource)[0]!)[0]!;
}

/** The findings of one stack: each resource's arguments are synthesized once and shared by every rule. */
function findingsOfStack(stack: TerraformStack): Finding[] {
  const resources = stack.node.findAll().filter((node): node is TerraformResource => node instanceof TerraformResource);
  const configs = new Map(resources.map((resource) => [resource, resourceConfig(resource)]));
  const byType = new Map<string, Config[]>();
  for (const [resource, config] of configs) byType.set(resource.terraformResourceType, [...(byType.get(resource.terraformResourceType) ?? []), config]);

  const findings: Finding[] = [];
  for (const [resource, config] of configs) {
    const checked: CheckedResource = { type: resource.terraformResourceType, config, stackResources: (type) => byType.get(type) ?? [] };
    const accepted = acknowledgements(resource);
    for (const rule of POLICY_RULES) {
      const message = rule.check(checked);
      if (message === undefined) continue;
      const reason = accepted.get(rule.id);
      findings.push({ rule, resource, path: resource.node.path, message, ...(reason !== undefined ? { acknowledged: reason } : {}) });
    }
  }
  return findings;
}

/** Every finding of every resource below `scope` (a stack, or an app of stacks), acknowledged or not. */
export function policyFindings(scope: IConstruct): Finding[] {
  const stacks = TerraformStack.isStack(scope) ? [scope] : scope.node.findAll().filter((node): node is TerraformStack => TerraformStack.isStack(node));
  return stacks.flatMap(findingsOfStack);
}

export function formatFinding(finding: Finding): string {
  return `${finding.path}: [${finding.rule.id}] ${finding.rule.title}: ${finding.message} (mirrors ${finding.rule.mirrors})`;
}

/**
 * The aspect that applies the rules at synth: an unacknowledged finding becomes a validation error, which fails
 * synth; an acknowledged one is written into the resource's `//` block.
 */
export class PolicyChecks implements IAspect {
  private readonly done = new WeakSet<IConstruct>();

  /** Applies the checks to every resource of `stack`. */
  static applyTo(stack: TerraformStack): void {
    Aspects.of(stack).add(new PolicyChecks());
  }

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || this.done.has(node)) return;
    this.done.add(node);
    for (const finding of policyFindings(node)) {
      const { resource } = finding;
      if (finding.acknowledged !== undefined) {
        resource.addOverride(`//.acknowledged_findings.${finding.rule.id}`, `${finding.rule.title} (${finding.rule.mirrors}): ${finding.acknowledged}`);
      } else {
        resource.node.addValidation({ validate: () => [formatFinding(finding)] });
      }
    }
  }
}
