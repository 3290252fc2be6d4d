import { inject } from 'vitest';
import type { ProviderMirror } from '../../scripts/offline-terraform';

const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/**
 * The provider mirror for offline plans. Without one, plan tests say so loudly and skip; under CI they fail,
 * so a pipeline can never pass without having planned.
 */
export function requireProviderMirror(): ProviderMirror | undefined {
  const mirror = inject('providerMirror');
  if (typeof mirror !== 'string') return mirror;
  if (ci) throw new Error(`offline terraform plan cannot run under CI: ${mirror}`);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING the offline terraform plan tests: ${mirror}\n${'!'.repeat(100)}\n`);
  return undefined;
}
