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

/** The fork's packages declare Node.js 22.11 or later. */
export const FORK_NODE = '>= 22.11.0';

/** True when `cdktf` is the fork's package. */
export function underFork(): boolean {
  return (createRequire(__filename)('cdktf/package.json') as { name: string }).name === 'cdktn';
}

/** What the fork may change in a stack's cdk.tf.json, and why. */
export const FORK_DIFFERENCES: readonly { readonly path: readonly string[]; readonly why: string }[] = [
  { path: ['//', 'metadata', 'version'], why: "the library's own version in cdktf's metadata comment" },
  {
    path: ['terraform', 'required_providers', 'aws', 'version'],
    why: 'the provider release its bindings were generated from (6.25.0 and 6.66.0), and so the constraint (~> 6.25, ~> 6.66)',
  },
];

/** A stack's cdk.tf.json with the allowed differences taken out, for comparing the fork's with CDKTF's. */
export function withoutForkDifferences(stackJson: string): unknown {
  const stack = JSON.parse(stackJson) as Record<string, unknown>;
  for (const { path } of FORK_DIFFERENCES) {
    let node: Record<string, unknown> | undefined = stack;
    for (const key of path.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
    if (node && path.at(-1)! in node) node[path.at(-1)!] = '(may differ under the fork)';
  }
  return stack;
}
