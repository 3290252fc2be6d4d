/**
 * Hubs and consumers, as far as one file tells: a hub has rules and may have consumers; a consumer names its hub
 * (`cacheFrom`) and has no cache of its own. Whether the hub exists and lists it is checked across files.
 */
import { consumersProblems } from '../../lib/checks/consumers';
import type { FileCheck } from './context';

/** Settings of a cache that a consumer, which has none, must not carry. */
const CACHE_SETTINGS = ['repositories', 'scanning', 'secrets', 'production', 'alerts', 'pullTimeExclusions'] as const;

export const hubOrConsumer: FileCheck = ({ raw, name, add }) => {
  const hasRules = raw.rules !== undefined;
  const cacheFrom = typeof raw.cacheFrom === 'string' ? raw.cacheFrom : undefined;
  if (cacheFrom !== undefined && hasRules) {
    add(['cacheFrom'], `a consumer has no rules of its own: remove rules to pull through ${cacheFrom}, or cacheFrom to keep a cache here`);
  }
  if (raw.cacheFrom === undefined && !hasRules) {
    add(['rules'], "is required: a map from repository prefix to rule (or cacheFrom: <environment> to pull through another environment's cache)");
  }
  if (cacheFrom === name) add(['cacheFrom'], 'names this environment itself');
  if (raw.consumers !== undefined && !hasRules) add(['consumers'], 'only an environment with rules (a hub) has consumers');
  if (cacheFrom === undefined) return;
  for (const key of CACHE_SETTINGS) {
    if (raw[key] !== undefined) add([key], `a consumer has no cache of its own: ${key} belongs in ${cacheFrom}, the hub`);
  }
};

export const consumerAccounts: FileCheck = ({ settings, registry, add }) => {
  if (!settings?.consumers) return;
  for (const problem of consumersProblems(settings.consumers, registry)) {
    add(['consumers', ...(problem.field ? [problem.field] : []), ...(problem.index !== undefined ? [problem.index] : [])], problem.message);
  }
};
