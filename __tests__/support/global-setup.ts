import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { MIRROR_VARIABLE, type ProviderMirror, providerMirror } from '../../scripts/offline-terraform';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The provider mirror for offline plans, or why there is none. */
    providerMirror: ProviderMirror | string;
  }
}

/** Finds the provider mirror once per run (CI exports TF_PROVIDER_MIRROR; a developer's machine need not). */
export default function setup(project: TestProject): void {
  if (!process.env[MIRROR_VARIABLE]) {
    const found = execFileSync(join(import.meta.dirname, '../../scripts/find-provider-mirror.sh'), { encoding: 'utf8' }).trim();
    if (found) process.env[MIRROR_VARIABLE] = found;
  }
  project.provide('providerMirror', providerMirror());
}
