/** One validated environment: everything a stack needs, defaults applied. */
import type { AlertSettings } from '../lib/checks/alerts';
import type { CacheRegistry } from '../lib/checks/common';
import type { CacheConsumers } from '../lib/checks/consumers';
import type { RepositoryTemplateSettings } from '../lib/checks/repository-template';
import { RECOVERY_WINDOW_DAYS, type RuleSettings } from '../lib/checks/rule';
import type { FileContext } from './file-checks/context';
import { STACK_NAME_PREFIX } from './read-file';
import type { EnvironmentFile, SCANNING_SCOPES } from './schema';

/** The address name of the node role a stack creates (`aws_iam_role.node`), which a grant to an existing role must not take. */
export const CREATED_NODE_ROLE_ADDRESS = 'node';

export interface Environment extends CacheRegistry {
  /** The file's base name: `prod` for environments/prod.yaml. */
  readonly name: string;
  /** The Terraform stack: `ecr-cache-<name>`. */
  readonly stackName: string;
  /** The file it came from, as displayed in messages. */
  readonly file: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly state?: { readonly bucket: string; readonly key: string; readonly region: string };
  /** `cluster`: the EKS cluster the nodes join, where a created role gets its access entry. */
  readonly nodes: { readonly createRole?: string; readonly existingRoles: readonly string[]; readonly cluster?: string };
  readonly secrets: { readonly recoveryWindowDays: number };
  /** Production: credential secrets get prevent_destroy, and scripts/plan-guard.mjs guards its plans. */
  readonly production: boolean;
  /** Production: the addresses the guard lets a plan delete or replace (`allowDeletions`); none by default. */
  readonly allowDeletions: readonly string[];
  /** Creation template settings of every rule's cache repositories (a rule's own `repositories` win). */
  readonly repositories: RepositoryTemplateSettings;
  readonly scanning?: {
    readonly type: 'basic' | 'enhanced';
    readonly frequency: 'scan-on-push' | 'continuous';
    /** `registry`: every repository; `cache`: only the cache prefixes, and every other repository loses scanning. */
    readonly scope: (typeof SCANNING_SCOPES)[number];
  };
  /** Principals whose pulls do not update last pull times (ECR pull-time update exclusions). */
  readonly pullTimeExclusions: readonly string[];
  /** Where the alerts of failed pull-through cache actions go; none without `alerts`. */
  readonly alerts?: AlertSettings;
  /** The cache's rules; none for a consumer, whose nodes pull through its hub's. */
  readonly rules: readonly RuleSettings[];
  /** A hub: the other accounts that pull through this cache. */
  readonly consumers?: CacheConsumers;
  /** What `adopt` found already in the account: import blocks the stack carries (`<name>.imports.json`). */
  readonly imports?: readonly { readonly to: string; readonly id: string }[];
  /** A consumer: the environment whose cache its nodes pull through, found when the folder is checked. */
  readonly cacheFrom?: { readonly name: string; readonly hub?: Hub };
}

/** The hub of a consumer: the registry and rules its nodes pull through. */
export interface Hub extends CacheRegistry {
  readonly name: string;
  readonly file: string;
  readonly stackName: string;
  readonly rules: readonly RuleSettings[];
  /** Creation template settings of every rule (a rule's own `repositories` win): whether its templates tag. */
  readonly repositories?: RepositoryTemplateSettings;
  readonly consumers?: CacheConsumers;
}

/** The cache an environment's nodes pull through: its own, or its hub's. */
export function cacheOf(environment: Environment): Hub {
  if (!environment.cacheFrom) return environment;
  if (!environment.cacheFrom.hub) throw new Error(`${environment.name}: its hub ${environment.cacheFrom.name} was not found (check the folder)`);
  return environment.cacheFrom.hub;
}

/** The node role an environment creates: `nodes.createRole`, `ecr-cache-<name>-node` by default, none for `false`. */
export function createdNodeRole(settings: EnvironmentFile, name: string): string | undefined {
  const createRole = settings.nodes?.createRole;
  return createRole === false ? undefined : (createRole ?? `${STACK_NAME_PREFIX}${name}-node`);
}

/** The environment of a file whose every check passed. */
export function toEnvironment(context: FileContext & { readonly settings: EnvironmentFile; readonly registry: CacheRegistry }): Environment {
  const { settings, name, file, rules } = context;
  const createRole = createdNodeRole(settings, name);
  return {
    name,
    stackName: `${STACK_NAME_PREFIX}${name}`,
    file,
    account: settings.account,
    region: settings.region,
    ...(settings.allowUnlistedRegion ? { allowUnlistedRegion: true } : {}),
    tags: settings.tags ?? {},
    ...(settings.state
      ? {
          state: {
            bucket: settings.state.bucket,
            key: settings.state.key ?? `ecr-pull-through-cache/${name}.tfstate`,
            region: settings.state.region ?? settings.region,
          },
        }
      : {}),
    nodes: {
      ...(createRole !== undefined ? { createRole } : {}),
      existingRoles: settings.nodes?.existingRoles ?? [],
      ...(settings.nodes?.cluster !== undefined ? { cluster: settings.nodes.cluster } : {}),
    },
    secrets: { recoveryWindowDays: settings.secrets?.recoveryWindowDays ?? RECOVERY_WINDOW_DAYS.default },
    production: settings.production ?? false,
    allowDeletions: settings.allowDeletions ?? [],
    repositories: settings.repositories ?? {},
    ...(settings.scanning
      ? { scanning: { type: settings.scanning.type, frequency: settings.scanning.frequency ?? 'scan-on-push', scope: settings.scanning.scope ?? 'registry' } }
      : {}),
    pullTimeExclusions: settings.pullTimeExclusions ?? [],
    ...(settings.alerts ? { alerts: settings.alerts } : {}),
    rules,
    ...(settings.consumers ? { consumers: settings.consumers } : {}),
    ...(settings.cacheFrom !== undefined ? { cacheFrom: { name: settings.cacheFrom } } : {}),
  };
}
