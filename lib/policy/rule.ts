/** What a policy rule is: an id, what it mirrors, and a check of one resource's synthesized arguments. */

export type Config = Record<string, unknown>;

/** What a rule sees of a resource: its type and its synthesized (snake_case) arguments. */
export interface CheckedResource {
  readonly type: string;
  /** Its Terraform address, `<type>.<name>`: what references to it name. */
  readonly address: string;
  readonly config: Config;
  /** The arguments of every resource in the same stack, by type (for rules that relate resources). */
  readonly stackResources: (type: string) => readonly Config[];
  /**
   * An argument as Terraform will read it: references become `${...}` expressions. For what a token hides, such as
   * a write-only argument, which CDK Terrain wraps in a resolvable of its own.
   */
  readonly resolve: (value: unknown) => unknown;
}

/** What is wrong with a resource. */
export interface Violation {
  readonly message: string;
  /**
   * The actions or resources at fault, when the rule can name them: an acknowledgement may cover only some
   * (`appliesTo`), and the finding stands for the rest.
   */
  readonly items?: readonly string[];
  /** The message for some of the items, when it needs what the check found (rule.describe otherwise). */
  readonly describeItems?: (items: readonly string[]) => string;
  /**
   * Why AWS documents the resource must be so: a known exception to the general rule, accepted without an
   * acknowledgement and written with the others where reviewers see them (a scanner that mirrors the rule flags it).
   */
  readonly exception?: string;
}

export interface PolicyRule {
  readonly id: string;
  readonly title: string;
  /** The checkov and trivy checks this rule mirrors, or why none does. */
  readonly mirrors: string;
  /** What is wrong with the resource, or undefined when nothing is. */
  readonly check: (resource: CheckedResource) => Violation | undefined;
  /** The message for the items an acknowledgement left: rules with items build their message from them. */
  readonly describe?: (items: readonly string[]) => string;
}
