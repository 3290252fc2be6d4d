/**
 * Readable, stable Terraform addresses. A resource's address (`aws_ecr_pull_through_cache_rule.docker_hub`) is what
 * Terraform tracks it by: renaming one destroys and recreates the resource. The constructs name their resources from
 * what they are (the rule's prefix, the role's purpose), never from where they sit in the construct tree, so the
 * addresses survive refactoring, and a reviewer reads them without a lookup table.
 */
import { TerraformDataSource, type TerraformElement, TerraformResource, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { terraformName } from '../aws/names';

const guarded = new WeakSet<TerraformStack>();

/**
 * Gives an element its address name, and makes its stack refuse to synthesize two elements of one kind at one
 * address (cdktf would merge them into one JSON object, silently).
 */
export function nameElement(element: TerraformElement, ...parts: readonly string[]): void {
  element.overrideLogicalId(terraformName(...parts));
  const stack = TerraformStack.of(element);
  if (guarded.has(stack)) return;
  guarded.add(stack);
  stack.node.addValidation({ validate: () => duplicateAddresses(stack) });
}

/** A resource's or data source's Terraform address (`aws_iam_role.node`, `data.aws_region.here`); else undefined. */
export function terraformAddress(node: IConstruct): string | undefined {
  if (TerraformResource.isTerraformResource(node)) return `${node.terraformResourceType}.${node.friendlyUniqueId}`;
  if (TerraformDataSource.isTerraformDataSource(node)) return `data.${node.terraformResourceType}.${node.friendlyUniqueId}`;
  return undefined;
}

function duplicateAddresses(stack: TerraformStack): string[] {
  const seen = new Map<string, IConstruct>();
  const problems: string[] = [];
  for (const node of stack.node.findAll()) {
    const address = terraformAddress(node);
    if (address === undefined) continue;
    const first = seen.get(address);
    if (first) problems.push(`${node.node.path} and ${first.node.path} would both be ${address}: give one of them another name`);
    else seen.set(address, node);
  }
  return problems;
}

const movedBlocks = new WeakMap<TerraformStack, { from: string; to: string }[]>();

/**
 * Records that the object at `from` is now at `to` (a `moved` block, Terraform >= 1.1), so that a change of address
 * does not destroy and recreate it: the address contract's way to change one.
 */
export function recordMove(scope: IConstruct, from: string, to: string): void {
  const stack = TerraformStack.of(scope);
  const moves = movedBlocks.get(stack) ?? [];
  moves.push({ from, to });
  movedBlocks.set(stack, moves);
  stack.addOverride('moved', moves);
}

/**
 * A `check` block (Terraform >= 1.5): its assertion is evaluated at every plan and apply, and a failed one is a
 * warning, not an error, so it tells without stopping anything else.
 */
export function addCheck(scope: IConstruct, name: string, condition: string, errorMessage: string): void {
  TerraformStack.of(scope).addOverride(`check.${name}`, { assert: [{ condition, error_message: errorMessage }] });
}
