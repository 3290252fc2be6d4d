import { createRequire } from 'node:module';
import type { TestProject } from 'vitest/node';
import type * as Bundle from '../../scripts/bundle.cjs';
import { discoverProviderMirror, type ProviderMirror } from '../../scripts/offline-terraform';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The provider mirror for offline plans, or why there is none. */
    providerMirror: ProviderMirror | string;
  }
}

/**
 * Finds the provider mirror once per run (CI exports TF_PROVIDER_MIRROR; a developer's machine need not), and brings
 * the bundle the CLI and synth run from up to date once, rather than in every process the tests start at once.
 */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('providerMirror', discoverProviderMirror());
  const { ensureBundle } = createRequire(import.meta.url)('../../scripts/bundle.cjs') as typeof Bundle;
  await ensureBundle();
}
