/**
 * CDK Terrain (cdktn), the community fork of CDKTF after HashiCorp archived it: the package.json change that switches
 * to it, and the only differences its synthesized Terraform may have from CDKTF's. The fork check
 * (`npm run fork-check`) and the recorded-output test hold the fork to these.
 */
import { createRequire } from 'node:module';

/** The switch: npm aliases, so that no import changes (`cdktf` is cdktn, `@cdktf/provider-aws` is cdktn's). */
export const FORK_PACKAGES: Readonly<Record<string, string>> = {
  cdktf: 'npm:cdktn@0.24.0',
  '@cdktf/provider-aws': 'npm:@cdktn/provider-aws@25.7.0',
  'cdktf-cli': 'npm:cdktn-cli@0.24.0',
  constructs: '10.7.0',
};

/** The fork's packages declare Node.js 22.19 or later (cdktn-cli 0.24.0; @cdktn/provider-aws 22.11). */
export const FORK_NODE = { major: 22, minor: 19, range: '>= 22.19.0' } as const;

/** Resolved from what the registry had then: a later release of some dependency cannot change the check's result. */
export const FORK_RESOLVED_BEFORE = '2026-11-28';

/** True when `cdktf` is the fork's package. */
export function underFork(): boolean {
  return (createRequire(__filename)('cdktf/package.json') as { name: string }).name === 'cdktn';
}

/** What the fork may change in a stack's cdk.tf.json, and to what, given the fork's versions. */
export const FORK_DIFFERENCES: readonly { readonly path: readonly string[]; readonly why: string }[] = [
  { path: ['//', 'metadata', 'version'], why: "the library's own version in cdktf's metadata comment" },
  {
    path: ['terraform', 'required_providers', 'aws', 'version'],
    why: 'the constraint from the provider release the bindings were generated from (~> 6.25 for 6.25.0, ~> 6.66 for 6.66.0)',
  },
];

function valueAt(stack: unknown, path: readonly string[]): unknown {
  let node = stack;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/** A stack's cdk.tf.json with the allowed differences taken out, for comparing the fork's with CDKTF's. */
export function withoutForkDifferences(stackJson: string): unknown {
  const stack = JSON.parse(stackJson) as unknown;
  for (const { path } of FORK_DIFFERENCES) {
    const parent = valueAt(stack, path.slice(0, -1));
    if (parent !== null && typeof parent === 'object' && path.at(-1)! in parent) (parent as Record<string, unknown>)[path.at(-1)!] = '(may differ under the fork)';
  }
  return stack;
}

/** The values the differing fields must hold in a stack synthesized with library `libraryVersion`, whose provider bindings give `constraint`. */
export function expectedForkValues(libraryVersion: string, constraint: string): readonly unknown[] {
  return [libraryVersion, constraint];
}

/** The fields' values in a stack, in FORK_DIFFERENCES' order. */
export function forkFields(stackJson: string): readonly unknown[] {
  const stack = JSON.parse(stackJson) as unknown;
  return FORK_DIFFERENCES.map(({ path }) => valueAt(stack, path));
}
