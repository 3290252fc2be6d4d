/**
 * The stacks of every environment of a folder, synthesized as `npm run synth` does (every file validated, every policy
 * check run) into a temporary folder, and read as cdktf wrote them (cdk.tf.json); the folder is removed afterwards.
 * Commands that reason about what Terraform would apply (can-pull, adopt) read it here, not from the constructs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../config/environments';
import { synthesize } from '../stacks';

/** Resources of a synthesized stack: by type, then by name, their arguments. */
export type StackResources = Record<string, Record<string, Record<string, unknown>>>;

/** A `${type.name.attribute}` reference to one of the stack's own resources, as cdktf writes it. */
export interface StackReference {
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

export function stackReference(value: string): StackReference | undefined {
  const match = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/.exec(value);
  return match ? { type: match[1], name: match[2], attribute: match[3] } : undefined;
}

export interface SynthesizedStacks {
  readonly environments: readonly Environment[];
  /** Each stack's resources, by stack name. */
  readonly resources: ReadonlyMap<string, StackResources>;
}

export function synthesizedStacks(environmentsFolder: string): SynthesizedStacks {
  const outdir = mkdtempSync(join(tmpdir(), 'ecr-cache-synth-'));
  try {
    const { environments } = synthesize({ environments: environmentsFolder, outdir: join(outdir, 'cdktf.out') });
    const resources = new Map(
      environments.map((environment) => {
        const file = join(outdir, 'cdktf.out', 'stacks', environment.stackName, 'cdk.tf.json');
        return [environment.stackName, (JSON.parse(readFileSync(file, 'utf8')) as { resource?: StackResources }).resource ?? {}] as const;
      }),
    );
    return { environments, resources };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
