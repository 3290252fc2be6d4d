/**
 * Policy checks at synth, in the style of cdk-nag: each rule has an id and names the checkov/trivy checks it
 * mirrors (rules/, by service). A finding fails synth unless it is acknowledged with a written reason, on the
 * resource or on any construct above it (a construct, a stack: the acknowledgement covers what is below it), for all
 * of the finding or only some of its actions (`appliesTo`). Acknowledgements are written into each resource's `//`
 * comment block, where reviewers of `cdktf synth` see them.
 */
import { Aspects, DefaultTokenResolver, type IAspect, StringConcat, TerraformResource, TerraformStack, Tokenization } from 'cdktf';
import type { IConstruct } from 'constructs';
import type { CheckedResource, Config, PolicyRule, Violation } from './rule';
import { ECR_RULES } from './rules/ecr';
import { IAM_RULES } from './rules/iam';
import { SECRETS_MANAGER_RULES } from './rules/secretsmanager';

export type { CheckedResource, PolicyRule, Violation } from './rule';

export const POLICY_RULES: readonly PolicyRule[] = [...IAM_RULES, ...SECRETS_MANAGER_RULES, ...ECR_RULES];

const ACKNOWLEDGEMENT = 'ecr-pull-through-cache:acknowledgement';

export interface AcknowledgeOptions {
  /**
   * Only these actions or resources of the finding, as the rule names them (cdk-nag's `appliesTo`): the finding
   * stands for any other.
   * @default - the whole finding
   */
  readonly appliesTo?: readonly string[];
}

interface Acknowledgement {
  readonly ruleId: string;
  readonly reason: string;
  readonly appliesTo?: readonly string[];
}

/**
 * Accepts a rule's findings on `scope` and every resource below it (a resource, a construct or a whole stack), for
 * a reason reviewers can read in the synthesized output.
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string, options: AcknowledgeOptions = {}): void {
  if (!POLICY_RULES.some((rule) => rule.id === ruleId)) throw new Error(`unknown policy rule ${ruleId}`);
  if (reason.trim().length < 10) throw new Error(`acknowledging ${ruleId} needs a written reason`);
  if (options.appliesTo?.length === 0) throw new Error(`acknowledging ${ruleId} for appliesTo: [] covers nothing; leave appliesTo out to cover all`);
  const acknowledgement: Acknowledgement = { ruleId, reason, ...(options.appliesTo ? { appliesTo: [...options.appliesTo] } : {}) };
  scope.node.addMetadata(ACKNOWLEDGEMENT, acknowledgement);
}

/** The acknowledgements of a rule that cover a resource: its own and its ancestors', the nearest first. */
function acknowledgementsOf(resource: IConstruct, ruleId: string): Acknowledgement[] {
  return [...resource.node.scopes]
    .reverse()
    .flatMap((scope) => scope.node.metadata.filter((entry) => entry.type === ACKNOWLEDGEMENT).map((entry) => entry.data as Acknowledgement))
    .filter((acknowledgement) => acknowledgement.ruleId === ruleId);
}

export interface Finding {
  readonly rule: PolicyRule;
  readonly resource: TerraformResource;
  /** The resource's construct path. */
  readonly path: string;
  readonly message: string;
  /** The actions or resources at fault, when the rule names them. */
  readonly items?: readonly string[];
  /** The reason it was accepted, when it was. */
  readonly acknowledged?: string;
}

function resourceConfig(resource: TerraformResource): Config {
  const synthesized = resource.toTerraform() as { resource: Record<string, Record<string, Config>> };
  return Object.values(Object.values(synthesized.resource)[0])[0];
}

/** One violation against the acknowledgements that cover it: what they accept, and what is left. */
function judge(rule: PolicyRule, resource: TerraformResource, { message, items, describeItems, exception }: Violation): Finding[] {
  const base = { rule, resource, path: resource.node.path };
  if (exception !== undefined) return [{ ...base, message, ...(items ? { items } : {}), acknowledged: exception }];
  const acknowledgements = acknowledgementsOf(resource, rule.id);
  const whole = acknowledgements.find((acknowledgement) => acknowledgement.appliesTo === undefined);
  if (whole) return [{ ...base, message, ...(items ? { items } : {}), acknowledged: whole.reason }];
  if (!items) return [{ ...base, message }];
  const findings: Finding[] = [];
  const left = new Set(items);
  for (const acknowledgement of acknowledgements) {
    const covered = acknowledgement.appliesTo!.filter((item) => left.has(item));
    if (covered.length === 0) continue;
    for (const item of covered) left.delete(item);
    const describe = describeItems ?? rule.describe ?? (() => message);
    findings.push({ ...base, message: describe(covered), items: covered, acknowledged: `for ${covered.join(', ')}: ${acknowledgement.reason}` });
  }
  if (left.size > 0) findings.push({ ...base, message: (describeItems ?? rule.describe ?? (() => message))([...left]), items: [...left] });
  return findings;
}

/**
 * The findings of one stack. A resource's arguments are synthesized when a rule first reads them, and once: most rules
 * look at the type first, and most resources are of types no rule reads.
 */
function findingsOfStack(stack: TerraformStack): Finding[] {
  const resources = stack.node.findAll().filter((node) => TerraformResource.isTerraformResource(node));
  const configs = new Map<TerraformResource, Config>();
  const configOf = (resource: TerraformResource): Config => {
    let config = configs.get(resource);
    if (config === undefined) configs.set(resource, (config = resourceConfig(resource)));
    return config;
  };
  const byType = new Map<string, TerraformResource[]>();
  for (const resource of resources) byType.set(resource.terraformResourceType, [...(byType.get(resource.terraformResourceType) ?? []), resource]);
  const stackResources = (type: string) => (byType.get(type) ?? []).map(configOf);

  const findings: Finding[] = [];
  for (const resource of resources) {
    const checked: CheckedResource = {
      type: resource.terraformResourceType,
      address: `${resource.terraformResourceType}.${resource.friendlyUniqueId}`,
      get config() {
        return configOf(resource);
      },
      stackResources,
      resolve: (value): unknown => Tokenization.resolve(value, { scope: resource, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) }),
    };
    for (const rule of POLICY_RULES) {
      const violation = rule.check(checked);
      if (violation) findings.push(...judge(rule, resource, violation));
    }
  }
  return findings;
}

/** Every finding of every resource below `scope` (a stack, or an app of stacks), acknowledged or not. */
export function policyFindings(scope: IConstruct): Finding[] {
  const stacks = TerraformStack.isStack(scope) ? [scope] : scope.node.findAll().filter((node): node is TerraformStack => TerraformStack.isStack(node));
  return stacks.flatMap(findingsOfStack);
}

/** A finding on one line: the resource's construct path and Terraform address, the rule, what is wrong. */
export function formatFinding(finding: Finding): string {
  const address = `${finding.resource.terraformResourceType}.${finding.resource.friendlyUniqueId}`;
  return `${finding.path} (${address}): [${finding.rule.id}] ${finding.rule.title}: ${finding.message} (mirrors ${finding.rule.mirrors})`;
}

/**
 * The aspect that applies the rules at synth: an unacknowledged finding becomes a validation error, which fails
 * synth; an acknowledged one is written into the resource's `//` block.
 */
export class PolicyChecks implements IAspect {
  /** What the checks found in each stack they visited, acknowledged or not. */
  private static readonly found = new WeakMap<TerraformStack, readonly Finding[]>();

  /**
   * Applies the checks to every resource of `stack`. cdktf keeps a stack's aspects under a symbol of its own copy of
   * the library: a stack from another copy (an app that imports `cdktn` beside this library's `cdktf`) would never run
   * them, and check nothing; it is refused instead.
   */
  static applyTo(stack: TerraformStack): void {
    // eslint-disable-next-line no-restricted-syntax -- the one place where the copy itself is the question
    if (!(stack instanceof TerraformStack)) {
      throw new Error(
        `${(stack as IConstruct).node.path}: the stack comes from another copy of cdktf than this library's, whose aspects it would never run: ` +
          'import cdktf under one name (under CDK Terrain, alias cdktf to cdktn as docs/versions.md shows)',
      );
    }
    Aspects.of(stack).add(new PolicyChecks());
  }

  /**
   * The findings of a stack's synthesis, acknowledged or not; undefined before it is synthesized. With
   * `skipValidation`, an app gets every stack's findings from here instead of cdktf's first failing stack.
   */
  static findingsOf(stack: TerraformStack): readonly Finding[] | undefined {
    return PolicyChecks.found.get(stack);
  }

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || PolicyChecks.found.has(node)) return;
    const findings = policyFindings(node);
    PolicyChecks.found.set(node, findings);
    const reasons = new Map<TerraformResource, Map<PolicyRule, string[]>>();
    for (const finding of findings) {
      const { resource } = finding;
      if (finding.acknowledged === undefined) {
        resource.node.addValidation({ validate: () => [formatFinding(finding)] });
        continue;
      }
      const byRule = reasons.get(resource) ?? new Map<PolicyRule, string[]>();
      byRule.set(finding.rule, [...(byRule.get(finding.rule) ?? []), finding.acknowledged]);
      reasons.set(resource, byRule);
    }
    for (const [resource, byRule] of reasons) {
      for (const [rule, accepted] of byRule) {
        resource.addOverride(`//.acknowledged_findings.${rule.id}`, `${rule.title} (${rule.mirrors}): ${accepted.join('; ')}`);
      }
    }
  }
}
