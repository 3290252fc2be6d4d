import type { TestProject } from 'vitest/node';
import { discoverProviderMirror, type ProviderMirror } from '../../scripts/offline-terraform';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The provider mirror for offline plans, or why there is none. */
    providerMirror: ProviderMirror | string;
  }
}

/** Finds the provider mirror once per run (CI exports TF_PROVIDER_MIRROR; a developer's machine need not). */
export default function setup(project: TestProject): void {
  project.provide('providerMirror', discoverProviderMirror());
}
