import { inject } from 'vitest';
import type { ProviderMirror } from '../../scripts/offline-terraform';
import { skipLoudly } from './skip-loudly';

/**
 * The provider mirror for offline plans. Without one, plan tests say so loudly and skip; under CI they fail,
 * so a pipeline can never pass without having planned.
 */
export function requireProviderMirror(): ProviderMirror | undefined {
  const mirror = inject('providerMirror');
  if (typeof mirror !== 'string') return mirror;
  skipLoudly('the offline terraform plan tests', mirror);
  return undefined;
}
