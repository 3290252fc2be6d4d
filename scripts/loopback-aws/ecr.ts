/**
 * Amazon ECR in the loopback AWS: pull-through cache rules, repository creation templates, the registry policy, the
 * registry scanning configuration and DescribeRegistry, as the ECR API reference documents them (cited per action).
 * The list of upstream registries is AWS's own (API reference, CreatePullThroughCacheRule `upstreamRegistry` and the
 * user guide's "Sync an upstream registry with an Amazon ECR private registry"), written here independently of the
 * project's catalogue on purpose: the loopback AWS is the oracle the catalogue is tested against.
 */
import { checkLifecyclePolicy } from './ecr-lifecycle';
import { AwsError, checkString, epochSeconds, randomId, required, text } from './protocol';
import type { ImageState, LoopbackState, RegionState, RepositoryState } from './state';

export const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.';

/** API reference, CreatePullThroughCacheRule: ecrRepositoryPrefix, 2-30 characters and this pattern. */
const PREFIX_PATTERN = /^(?:[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/;
/** API reference, CreatePullThroughCacheRule: credentialArn pattern (the secret's name starts ecr-pullthroughcache/). */
const CREDENTIAL_ARN_PATTERN = /^arn:aws:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/;
/** API reference, CreatePullThroughCacheRule: customRoleArn, at most 2048 characters; an IAM role ARN. */
const ROLE_ARN_PATTERN = /^arn:aws:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
/** API reference, RegistryId: 12 digits. */
const REGISTRY_ID_PATTERN = /^[0-9]{12}$/;

type UpstreamKind = 'ecr-public' | 'k8s' | 'quay' | 'docker-hub' | 'github-container-registry' | 'azure-container-registry' | 'gitlab-container-registry' | 'chainguard' | 'ecr';

/**
 * The upstream registry a URL names, and whether it needs a credential secret: the user guide, "Creating a pull
 * through cache rule": Docker Hub, GitHub, GitLab, Azure and Chainguard need "a secret that contains the credentials";
 * ECR Public, Kubernetes and Quay "do not require authentication"; a private ECR upstream takes an IAM role.
 */
function upstreamOf(url: string): { kind: UpstreamKind; needsCredential: boolean; ecrAccount?: string; ecrRegion?: string } {
  const fixed: Record<string, [UpstreamKind, boolean]> = {
    'public.ecr.aws': ['ecr-public', false],
    'registry.k8s.io': ['k8s', false],
    'quay.io': ['quay', false],
    'registry-1.docker.io': ['docker-hub', true],
    'ghcr.io': ['github-container-registry', true],
    'registry.gitlab.com': ['gitlab-container-registry', true],
    'cgr.dev': ['chainguard', true],
  };
  const known = fixed[url];
  if (known) return { kind: known[0], needsCredential: known[1] };
  if (/^[a-z0-9]{5,50}\.azurecr\.io$/.test(url)) return { kind: 'azure-container-registry', needsCredential: true };
  const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url);
  if (ecr) return { kind: 'ecr', needsCredential: false, ecrAccount: ecr[1], ecrRegion: ecr[2] };
  // API reference, CreatePullThroughCacheRule errors: "The specified upstream registry isn't supported."
  throw new AwsError('UnsupportedUpstreamRegistryException', `The specified upstream registry '${url}' isn't supported.`);
}

const checkPrefix = (value: unknown, member: string) => checkString(value, member, { min: 2, max: 30, pattern: PREFIX_PATTERN });

function checkRegistryId(state: RegionState, body: Record<string, unknown>): void {
  if (body.registryId === undefined) return;
  checkString(body.registryId, 'registryId', { pattern: REGISTRY_ID_PATTERN });
  // The loopback AWS keeps one registry per account and region: another account's is not the caller's to change.
  if (body.registryId !== state.account) throw new AwsError('AccessDeniedException', `User is not authorized to act on registry ${text(body.registryId)} (the loopback AWS grants no cross-account registry access).`);
}

export type EcrHandlers = Record<string, (body: Record<string, unknown>, state: RegionState) => unknown>;

/** A manifest pulled from a registry standing in for the cache, as a distribution registry's notification names it. */
export interface PulledManifest {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly tag?: string;
}

/**
 * IMITATION, not an AWS API: what a pull through the cache leaves in the registry. The user guide ("Sync an upstream
 * registry with an Amazon ECR private registry") says that once a rule exists, a pull through the cache's URI makes
 * ECR create a repository and cache the image in it. The loopback AWS pulls nothing: a registry standing in for the
 * cache reports each manifest it served (distribution's notifications) and it is recorded here as ECR would hold it,
 * the repository created on the first pull, the tag moved to the digest pulled by it, the pull time recorded. Only
 * manifests pulled through a rule's prefix count, as only those go through the cache.
 */
export function recordPull(state: RegionState, pulled: PulledManifest, at: Date): void {
  const served = [...state.rules.keys()].some((prefix) => prefix === 'ROOT' || pulled.repository.startsWith(`${prefix}/`));
  if (!served) return;
  let repository = state.repositories.get(pulled.repository);
  if (!repository) {
    repository = { repositoryName: pulled.repository, repositoryArn: `arn:aws:ecr:${state.region}:${state.account}:repository/${pulled.repository}`, createdAt: at, images: [] };
    state.repositories.set(pulled.repository, repository);
  }
  if (pulled.tag !== undefined) for (const image of repository.images) image.imageTags = image.imageTags.filter((tag) => tag !== pulled.tag);
  let image = repository.images.find((candidate) => candidate.imageDigest === pulled.digest);
  if (!image) {
    image = { imageDigest: pulled.digest, imageTags: [], imageSizeInBytes: pulled.size, imagePushedAt: at, imageManifestMediaType: pulled.mediaType };
    repository.images.push(image);
  }
  if (pulled.tag !== undefined) image.imageTags.push(pulled.tag);
  image.lastRecordedPullTime = at;
}

export function ecrHandlers(loopback: LoopbackState): EcrHandlers {
  const now = () => loopback.now();
  const ruleNotFound = (state: RegionState, prefix: string) =>
    new AwsError('PullThroughCacheRuleNotFoundException', `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${state.account}'`);
  const ruleView = (rule: Record<string, unknown>) => ({ ...rule, createdAt: epochSeconds(rule.createdAt as Date), ...(rule.updatedAt ? { updatedAt: epochSeconds(rule.updatedAt as Date) } : {}) });

  /** ECR reads the credential when a rule is created or updated (API reference: SecretNotFoundException, UnableToAccessSecretException). */
  function checkCredential(state: RegionState, arn: string): void {
    const secret = [...state.secrets.values()].find((candidate) => candidate.arn === arn);
    if (!secret) throw new AwsError('SecretNotFoundException', 'The ARN of the secret specified in the pull through cache rule was not found. Make sure that the secret exists and try the request again.');
    if (secret.deletedAt) throw new AwsError('UnableToAccessSecretException', 'The secret that you specified could not be accessed: it is scheduled for deletion.');
    if (!secret.currentVersion()) {
      // Whether ECR accepts a secret with no value is not documented: the loopback AWS refuses to guess.
      throw new AwsError('LoopbackUndocumentedBehaviour', `The secret ${secret.name} has no value. What ECR does with a credential secret that has no value is not documented, so the loopback AWS refuses it: the stack must never send one.`);
    }
  }

  function checkRole(state: RegionState, arn: unknown, member: string): string {
    const role = checkString(arn, member, { max: 2048, pattern: ROLE_ARN_PATTERN });
    if (ROLE_ARN_PATTERN.exec(role)![1] !== state.account) throw new AwsError('InvalidParameterException', `The ${member} '${role}' must be a role in the registry's own account ${state.account}.`);
    if (!loopback.iam(state.account).roleByArn(role)) throw new AwsError('InvalidParameterException', `The role '${role}' does not exist.`);
    return role;
  }

  const templateNotFound = (prefix: string) => new AwsError('TemplateNotFoundException', `The specified repository creation template with prefix ${prefix} does not exist.`);
  const templateView = (template: Record<string, unknown>) => ({ ...template, createdAt: epochSeconds(template.createdAt as Date), updatedAt: epochSeconds(template.updatedAt as Date) });

  /** API reference, CreateRepositoryCreationTemplate: the members and their constraints. */
  function templateSettings(state: RegionState, body: Record<string, unknown>, existing?: Record<string, unknown>): Record<string, unknown> {
    const appliedFor = (body.appliedFor ?? existing?.appliedFor);
    if (!Array.isArray(appliedFor) || appliedFor.length === 0) required(undefined, 'appliedFor');
    for (const value of appliedFor as unknown[]) {
      if (value !== 'REPLICATION' && value !== 'PULL_THROUGH_CACHE' && value !== 'CREATE_ON_PUSH') throw new AwsError('InvalidParameterException', `Invalid appliedFor value '${text(value)}': REPLICATION, PULL_THROUGH_CACHE or CREATE_ON_PUSH.`);
    }
    const settings: Record<string, unknown> = { ...existing, appliedFor };
    for (const member of ['description', 'imageTagMutability', 'repositoryPolicy', 'lifecyclePolicy', 'customRoleArn', 'resourceTags', 'encryptionConfiguration'] as const) {
      if (body[member] !== undefined) settings[member] = body[member];
    }
    if (settings.description !== undefined) checkString(settings.description, 'description', { max: 256 });
    if (settings.imageTagMutability !== undefined && !['MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION', 'IMMUTABLE_WITH_EXCLUSION'].includes(text(settings.imageTagMutability))) {
      throw new AwsError('InvalidParameterException', `Invalid imageTagMutability '${text(settings.imageTagMutability)}'.`);
    }
    for (const member of ['repositoryPolicy', 'lifecyclePolicy'] as const) {
      if (settings[member] === undefined || settings[member] === '') continue;
      try {
        JSON.parse(text(settings[member]));
      } catch {
        throw new AwsError(member === 'repositoryPolicy' ? 'InvalidParameterException' : 'InvalidParameterException', `Invalid parameter at '${member}': the ${member} is not valid JSON.`);
      }
    }
    if (settings.lifecyclePolicy !== undefined && settings.lifecyclePolicy !== '') checkLifecyclePolicy(text(settings.lifecyclePolicy), 'lifecyclePolicy');
    if (settings.customRoleArn !== undefined && settings.customRoleArn !== '') checkRole(state, settings.customRoleArn, 'customRoleArn');
    const encryption = settings.encryptionConfiguration as { encryptionType?: string; kmsKey?: string } | undefined;
    if (encryption) {
      if (!['AES256', 'KMS', 'KMS_DSSE'].includes(text(encryption.encryptionType))) throw new AwsError('InvalidParameterException', `Invalid encryptionType '${text(encryption.encryptionType)}'.`);
      if (encryption.encryptionType === 'AES256' && encryption.kmsKey) throw new AwsError('InvalidParameterException', 'A KMS key may only be given with the KMS encryption type.');
    }
    const tags = (settings.resourceTags as { Key?: string; Value?: string }[] | undefined) ?? [];
    if (tags.length > 50) throw new AwsError('InvalidParameterException', 'At most 50 resourceTags.');
    return settings;
  }

  return {
    // API reference, CreatePullThroughCacheRule.
    CreatePullThroughCacheRule(body, state) {
      checkRegistryId(state, body);
      const prefix = checkPrefix(required(body.ecrRepositoryPrefix, 'ecrRepositoryPrefix'), 'ecrRepositoryPrefix');
      const url = checkString(required(body.upstreamRegistryUrl, 'upstreamRegistryUrl'), 'upstreamRegistryUrl', { min: 1 });
      const upstream = upstreamOf(url);
      if (body.upstreamRegistry !== undefined && body.upstreamRegistry !== upstream.kind) {
        throw new AwsError('InvalidParameterException', `The upstreamRegistry '${text(body.upstreamRegistry)}' does not match the upstream registry URL '${url}'.`);
      }
      // User guide, "Customizing repository prefixes for ECR to ECR pull through cache": ROOT is documented for
      // ECR-to-ECR rules only; the loopback AWS refuses what no source says AWS accepts.
      if (prefix === 'ROOT' && upstream.kind !== 'ecr') {
        throw new AwsError('LoopbackUndocumentedBehaviour', `The ROOT prefix is documented only for ECR to ECR rules (user guide, pull-through-cache-private-wildcards), not for ${url}: the loopback AWS refuses it.`);
      }
      if (body.upstreamRepositoryPrefix !== undefined) {
        if (upstream.kind !== 'ecr') throw new AwsError('InvalidParameterException', 'An upstream repository prefix may only be set for an Amazon ECR private registry upstream.');
        checkPrefix(body.upstreamRepositoryPrefix, 'upstreamRepositoryPrefix');
        // The same page: "You can set the upstream repository prefix only when the Amazon ECR repository prefix has a non-ROOT value."
        if (prefix === 'ROOT' && body.upstreamRepositoryPrefix !== 'ROOT') throw new AwsError('InvalidParameterException', 'The upstream repository prefix can be set only when the ECR repository prefix is not ROOT.');
      }
      if (upstream.needsCredential) {
        const arn = checkString(required(body.credentialArn, 'credentialArn'), 'credentialArn', { max: 612, pattern: CREDENTIAL_ARN_PATTERN });
        // The service-linked role reads secret:ecr-pullthroughcache/* in the registry's own account and region
        // (user guide, "Service-linked role for pull through cache").
        if (!arn.startsWith(`arn:aws:secretsmanager:${state.region}:${state.account}:secret:`)) {
          throw new AwsError('InvalidParameterException', `The credential secret must be in the registry's account ${state.account} and region ${state.region}: ${arn}`);
        }
        checkCredential(state, arn);
      } else if (body.credentialArn !== undefined) {
        throw new AwsError('InvalidParameterException', `The upstream registry ${url} takes no credential (user guide, "Creating a pull through cache rule").`);
      }
      if (upstream.kind === 'ecr') {
        // User guide, pull-through-cache-private: a role is required when the upstream is another account's registry.
        if (upstream.ecrAccount !== state.account && body.customRoleArn === undefined) {
          throw new AwsError('InvalidParameterException', `A custom role ARN is required for an upstream registry of another account (${url}).`);
        }
        if (body.customRoleArn !== undefined) checkRole(state, body.customRoleArn, 'customRoleArn');
      } else if (body.customRoleArn !== undefined) {
        throw new AwsError('InvalidParameterException', 'A custom role ARN may only be given for an Amazon ECR private registry upstream.');
      }
      if (state.rules.has(prefix)) throw new AwsError('PullThroughCacheRuleAlreadyExistsException', `A pull through cache rule with prefix '${prefix}' already exists in the registry with id '${state.account}'`);
      // Service quotas: 50 pull-through cache rules per registry, not adjustable.
      if (state.rules.size >= 50) throw new AwsError('LimitExceededException', 'The operation did not succeed because it would have exceeded a service limit for your account: 50 pull through cache rules.');
      const rule: Record<string, unknown> = {
        ecrRepositoryPrefix: prefix,
        upstreamRegistryUrl: url,
        createdAt: now(),
        registryId: state.account,
        upstreamRegistry: upstream.kind,
        ...(body.credentialArn !== undefined ? { credentialArn: body.credentialArn } : {}),
        ...(body.customRoleArn !== undefined ? { customRoleArn: body.customRoleArn } : {}),
        // API reference: upstreamRepositoryPrefix "defaults to ROOT" for an ECR upstream.
        ...(upstream.kind === 'ecr' ? { upstreamRepositoryPrefix: body.upstreamRepositoryPrefix ?? 'ROOT' } : {}),
      };
      state.rules.set(prefix, rule);
      return ruleView(rule);
    },
    // API reference, DescribePullThroughCacheRules: at most 100 prefixes; an unknown one is an error.
    DescribePullThroughCacheRules(body, state) {
      checkRegistryId(state, body);
      const prefixes = body.ecrRepositoryPrefixes as string[] | undefined;
      if (prefixes && (prefixes.length < 1 || prefixes.length > 100)) throw new AwsError('InvalidParameterException', 'ecrRepositoryPrefixes takes 1 to 100 prefixes.');
      const found = (prefixes ?? [...state.rules.keys()].sort()).map((prefix) => {
        const rule = state.rules.get(prefix);
        if (!rule) throw ruleNotFound(state, prefix);
        return ruleView(rule);
      });
      return { pullThroughCacheRules: found };
    },
    // API reference, UpdatePullThroughCacheRule: credentialArn and customRoleArn change in place.
    UpdatePullThroughCacheRule(body, state) {
      checkRegistryId(state, body);
      const prefix = checkPrefix(required(body.ecrRepositoryPrefix, 'ecrRepositoryPrefix'), 'ecrRepositoryPrefix');
      const rule = state.rules.get(prefix);
      if (!rule) throw ruleNotFound(state, prefix);
      if (body.credentialArn !== undefined) {
        checkString(body.credentialArn, 'credentialArn', { max: 612, pattern: CREDENTIAL_ARN_PATTERN });
        checkCredential(state, text(body.credentialArn));
        rule.credentialArn = body.credentialArn;
      }
      if (body.customRoleArn !== undefined) rule.customRoleArn = checkRole(state, body.customRoleArn, 'customRoleArn');
      rule.updatedAt = now();
      return { ecrRepositoryPrefix: prefix, registryId: state.account, updatedAt: epochSeconds(rule.updatedAt as Date), credentialArn: rule.credentialArn, customRoleArn: rule.customRoleArn, upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix };
    },
    DeletePullThroughCacheRule(body, state) {
      checkRegistryId(state, body);
      const prefix = checkPrefix(required(body.ecrRepositoryPrefix, 'ecrRepositoryPrefix'), 'ecrRepositoryPrefix');
      const rule = state.rules.get(prefix);
      if (!rule) throw ruleNotFound(state, prefix);
      state.rules.delete(prefix);
      return ruleView(rule);
    },
    /**
     * API reference, ValidatePullThroughCacheRule: the rule with `isValid` and `failure`. ECR authenticates to the
     * upstream, which the loopback AWS cannot: it checks what it holds (the secret exists, has a value, and that value
     * is JSON with username and accessToken, user guide "Creating a pull through cache rule"); a test may set the answer.
     */
    ValidatePullThroughCacheRule(body, state) {
      checkRegistryId(state, body);
      const prefix = checkPrefix(required(body.ecrRepositoryPrefix, 'ecrRepositoryPrefix'), 'ecrRepositoryPrefix');
      const rule = state.rules.get(prefix);
      if (!rule) throw ruleNotFound(state, prefix);
      const answer = loopback.validationAnswers.get(`${state.account}/${state.region}/${prefix}`) ?? validity(state, rule);
      return { ...ruleView(rule), ...answer };
    },
    // API reference, CreateRepositoryCreationTemplate.
    CreateRepositoryCreationTemplate(body, state) {
      const prefix = checkPrefix(required(body.prefix, 'prefix'), 'prefix');
      if (state.templates.has(prefix)) throw new AwsError('TemplateAlreadyExistsException', `The repository creation template with prefix ${prefix} already exists.`);
      const template = { prefix, ...templateSettings(state, body), createdAt: now(), updatedAt: now() };
      state.templates.set(prefix, template);
      return { registryId: state.account, repositoryCreationTemplate: templateView(template) };
    },
    DescribeRepositoryCreationTemplates(body, state) {
      const prefixes = body.prefixes as string[] | undefined;
      const found = (prefixes ?? [...state.templates.keys()].sort()).flatMap((prefix) => {
        const template = state.templates.get(prefix);
        // API reference: the templates that exist among those asked for (no error for the others).
        return template ? [templateView(template)] : [];
      });
      return { registryId: state.account, repositoryCreationTemplates: found };
    },
    UpdateRepositoryCreationTemplate(body, state) {
      const prefix = checkPrefix(required(body.prefix, 'prefix'), 'prefix');
      const existing = state.templates.get(prefix);
      if (!existing) throw templateNotFound(prefix);
      const template = { ...templateSettings(state, body, existing), prefix, createdAt: existing.createdAt, updatedAt: now() };
      state.templates.set(prefix, template);
      return { registryId: state.account, repositoryCreationTemplate: templateView(template) };
    },
    DeleteRepositoryCreationTemplate(body, state) {
      const prefix = checkPrefix(required(body.prefix, 'prefix'), 'prefix');
      const template = state.templates.get(prefix);
      if (!template) throw templateNotFound(prefix);
      state.templates.delete(prefix);
      return { registryId: state.account, repositoryCreationTemplate: templateView(template) };
    },
    // API reference, PutRegistryPolicy / GetRegistryPolicy / DeleteRegistryPolicy: one policy per registry.
    PutRegistryPolicy(body, state) {
      const text = checkString(required(body.policyText, 'policyText'), 'policyText', { max: 10240 });
      try {
        JSON.parse(text);
      } catch {
        throw new AwsError('InvalidParameterException', 'Invalid parameter at policyText: the policy is not valid JSON.');
      }
      state.registryPolicy = text;
      return { registryId: state.account, policyText: text };
    },
    GetRegistryPolicy(_body, state) {
      if (state.registryPolicy === undefined) throw new AwsError('RegistryPolicyNotFoundException', `Registry policy does not exist in the registry with id '${state.account}'`);
      return { registryId: state.account, policyText: state.registryPolicy };
    },
    DeleteRegistryPolicy(_body, state) {
      if (state.registryPolicy === undefined) throw new AwsError('RegistryPolicyNotFoundException', `Registry policy does not exist in the registry with id '${state.account}'`);
      const policyText = state.registryPolicy;
      state.registryPolicy = undefined;
      return { registryId: state.account, policyText };
    },
    /**
     * API reference, PutRegistryScanningConfiguration: BASIC takes SCAN_ON_PUSH (and MANUAL) rules, ENHANCED takes
     * SCAN_ON_PUSH and CONTINUOUS_SCAN; filters are WILDCARD with the documented pattern; at most 2 rules.
     */
    PutRegistryScanningConfiguration(body, state) {
      const scanType = body.scanType ?? 'BASIC';
      if (scanType !== 'BASIC' && scanType !== 'ENHANCED') throw new AwsError('InvalidParameterException', `Invalid scanType '${text(scanType)}'.`);
      const rules = (body.rules as { scanFrequency?: string; repositoryFilters?: { filter?: string; filterType?: string }[] }[] | undefined) ?? [];
      if (rules.length > 2) throw new AwsError('InvalidParameterException', 'At most 2 scanning rules.');
      for (const rule of rules) {
        const allowed = scanType === 'BASIC' ? ['SCAN_ON_PUSH', 'MANUAL'] : ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'];
        if (!allowed.includes(text(rule.scanFrequency))) throw new AwsError('ValidationException', `Scan frequency ${text(rule.scanFrequency)} is not valid for scan type ${text(scanType)}.`);
        for (const filter of rule.repositoryFilters ?? []) {
          checkString(filter.filter, 'repositoryFilters.filter', { min: 1, max: 256, pattern: /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/ }, 'ValidationException');
          if (filter.filterType !== 'WILDCARD') throw new AwsError('ValidationException', `Invalid filterType '${text(filter.filterType)}'.`);
        }
      }
      state.scanning = { scanType: text(scanType), rules };
      return { registryScanningConfiguration: state.scanning };
    },
    GetRegistryScanningConfiguration(_body, state) {
      return { registryId: state.account, scanningConfiguration: state.scanning };
    },
    /**
     * API reference, DescribeRepositories: every repository, or those named (RepositoryNotFoundException for one that
     * is not there); pages of maxResults (1-1000, not with repositoryNames; 100 by default) and nextToken.
     */
    DescribeRepositories(body, state) {
      checkRegistryId(state, body);
      const names = body.repositoryNames as string[] | undefined;
      if (names !== undefined && body.maxResults !== undefined) throw new AwsError('InvalidParameterException', 'maxResults cannot be used with repositoryNames.');
      if (names) {
        return {
          repositories: names.map((name) => {
            const repository = state.repositories.get(name);
            if (!repository) throw repositoryNotFound(state, name);
            return repositoryView(state, repository);
          }),
        };
      }
      const all = [...state.repositories.values()].sort((a, b) => a.repositoryName.localeCompare(b.repositoryName));
      const { items, nextToken } = page(all, body, 'DescribeRepositories');
      return { repositories: items.map((repository) => repositoryView(state, repository)), ...(nextToken ? { nextToken } : {}) };
    },
    /**
     * API reference, DescribeImages: a repository's images (repositoryName required; RepositoryNotFoundException),
     * filtered by tagStatus, in pages of maxResults (1-1000, 100 by default) and nextToken; ImageDetail with
     * imageSizeInBytes, imagePushedAt and lastRecordedPullTime (absent for an image never pulled).
     */
    DescribeImages(body, state) {
      checkRegistryId(state, body);
      const name = checkString(required(body.repositoryName, 'repositoryName'), 'repositoryName', { min: 2, max: 256 });
      const repository = state.repositories.get(name);
      if (!repository) throw repositoryNotFound(state, name);
      // imageIds (1-100, each an imageTag and/or an imageDigest): those images, ImageNotFoundException for one that is
      // not there; not with filter or maxResults.
      const imageIds = body.imageIds as { imageTag?: string; imageDigest?: string }[] | undefined;
      if (imageIds !== undefined) {
        if (!Array.isArray(imageIds) || imageIds.length < 1 || imageIds.length > 100) throw new AwsError('InvalidParameterException', 'imageIds must hold 1 to 100 image ids.');
        if (body.filter !== undefined || body.maxResults !== undefined) throw new AwsError('InvalidParameterException', 'imageIds cannot be used with filter or maxResults.');
        return {
          imageDetails: imageIds.map((id) => {
            const image = repository.images.find(
              (candidate) => (id.imageTag === undefined || candidate.imageTags.includes(id.imageTag)) && (id.imageDigest === undefined || candidate.imageDigest === id.imageDigest),
            );
            if (!image || (id.imageTag === undefined && id.imageDigest === undefined)) {
              throw new AwsError('ImageNotFoundException', `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${state.account}'`);
            }
            return imageView(state, repository, image);
          }),
        };
      }
      const tagStatus = (body.filter as { tagStatus?: string } | undefined)?.tagStatus ?? 'ANY';
      if (!['TAGGED', 'UNTAGGED', 'ANY'].includes(tagStatus)) throw new AwsError('InvalidParameterException', `Invalid tagStatus ${tagStatus}.`);
      const images = repository.images.filter((image) => tagStatus === 'ANY' || (tagStatus === 'TAGGED') === image.imageTags.length > 0);
      const { items, nextToken } = page(images, body, `DescribeImages ${name}`);
      return { imageDetails: items.map((image) => imageView(state, repository, image)), ...(nextToken ? { nextToken } : {}) };
    },
    /**
     * API reference, GetAuthorizationToken: one AuthorizationData, a base64 `AWS:<password>` that the registry API takes
     * as basic authentication (user guide, "Private registry authentication": `Authorization: Basic <token>`), valid for
     * 12 hours, and the proxyEndpoint `https://<account>.dkr.ecr.<region>.amazonaws.com` of the caller's registry.
     * registryIds is deprecated: the token opens every registry the principal may access.
     */
    GetAuthorizationToken(body, state) {
      const ids = body.registryIds as unknown[] | undefined;
      if (ids !== undefined && (!Array.isArray(ids) || ids.length < 1 || ids.length > 10)) throw new AwsError('InvalidParameterException', 'registryIds must hold 1 to 10 account ids.');
      for (const id of ids ?? []) checkString(id, 'registryIds', { pattern: REGISTRY_ID_PATTERN });
      const password = `loopback-${randomId(32)}`;
      state.authorizationPasswords.push(password);
      return {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${password}`, 'utf8').toString('base64'),
            expiresAt: epochSeconds(new Date(now().getTime() + 12 * 3600_000)),
            proxyEndpoint: `https://${state.account}.dkr.ecr.${state.region}.amazonaws.com`,
          },
        ],
      };
    },
    // API reference, DescribeRegistry: the registry id and its replication configuration (none here).
    DescribeRegistry(_body, state) {
      return { registryId: state.account, replicationConfiguration: { rules: [] } };
    },
  };

  function repositoryNotFound(state: RegionState, name: string): AwsError {
    return new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${state.account}'`);
  }

  function repositoryView(state: RegionState, repository: RepositoryState) {
    return {
      repositoryArn: repository.repositoryArn,
      registryId: state.account,
      repositoryName: repository.repositoryName,
      repositoryUri: `${state.account}.dkr.ecr.${state.region}.amazonaws.com/${repository.repositoryName}`,
      createdAt: epochSeconds(repository.createdAt),
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }

  function imageView(state: RegionState, repository: RepositoryState, image: ImageState) {
    return {
      registryId: state.account,
      repositoryName: repository.repositoryName,
      imageDigest: image.imageDigest,
      ...(image.imageTags.length > 0 ? { imageTags: image.imageTags } : {}),
      imageSizeInBytes: image.imageSizeInBytes,
      imagePushedAt: epochSeconds(image.imagePushedAt),
      imageManifestMediaType: image.imageManifestMediaType,
      ...(image.lastRecordedPullTime ? { lastRecordedPullTime: epochSeconds(image.lastRecordedPullTime) } : {}),
    };
  }

  /**
   * One page of a list: `maxResults` items (1-1000, 100 by default) from the position `nextToken` names. A token is
   * good only for the listing that made it (the API reference: "This token should be treated as an opaque identifier
   * that is only used to retrieve the next items in a list").
   */
  function page<T>(all: readonly T[], body: Record<string, unknown>, listing: string): { items: T[]; nextToken?: string } {
    const maxResults = body.maxResults === undefined ? 100 : Number(body.maxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) throw new AwsError('InvalidParameterException', 'maxResults must be from 1 to 1000.');
    let start = 0;
    if (body.nextToken !== undefined) {
      const token = /^(\d+):(.*)$/.exec(Buffer.from(text(body.nextToken), 'base64url').toString('utf8'));
      if (!token || token[2] !== listing) throw new AwsError('InvalidParameterException', 'Invalid parameter at nextToken: the token is not valid for this request.');
      start = Number(token[1]);
    }
    const items = all.slice(start, start + maxResults);
    const next = start + maxResults;
    return { items, ...(next < all.length ? { nextToken: Buffer.from(`${next}:${listing}`, 'utf8').toString('base64url') } : {}) };
  }

  /** What the loopback AWS can check of a rule without reaching the upstream. */
  function validity(state: RegionState, rule: Record<string, unknown>): { isValid: boolean; failure?: string } {
    if (rule.credentialArn === undefined) return { isValid: true };
    const secret = [...state.secrets.values()].find((candidate) => candidate.arn === rule.credentialArn);
    if (!secret || secret.deletedAt) return { isValid: false, failure: 'SecretNotFound: The secret associated with the pull through cache rule was not found.' };
    const value = secret.currentVersion()?.secretString;
    try {
      const parsed = JSON.parse(value ?? '') as Record<string, unknown>;
      if (typeof parsed.username === 'string' && typeof parsed.accessToken === 'string') return { isValid: true };
    } catch {
      // below
    }
    return { isValid: false, failure: 'InvalidSecretFormat: The secret must be JSON with username and accessToken.' };
  }
}
