/**
 * The schema of an environment file (`environments/<name>.yaml`). `account`, `region`, `rules` and the rule keys
 * `upstream`, `registry` and `upstreamPrefix` are fixed: tools outside this code write these files.
 * The JSON Schema in schema/environment.schema.json is generated from this one (`npm run schema`).
 */
import { z } from 'zod';
import { accountProblem } from '../lib/aws/arns';
import { tagProblems } from '../lib/aws/tags';
import { EKS_CLUSTER_NAME, EKS_CLUSTER_NAME_RULE, IAM_ROLE_NAME_CHARACTER, IAM_ROLE_NAME_MAX_LENGTH, s3BackendKeyProblem } from '../lib/aws/names';
import { CACHE_TAG_MUTABILITIES, EXPIRE_BY_PULL_PROBLEM, IMMUTABLE_TAGS_PROBLEM, MIN_DAYS_IN_ARCHIVE, MIN_DAYS_UNPULLED, TEMPLATE_DEFAULTS } from '../lib/checks/repository-template';
import { RECOVERY_WINDOW_DAYS } from '../lib/checks/rule';
import { UPSTREAM_NAMES, unknownUpstreamProblem } from '../lib/aws/upstreams';
import { SCANNING_FREQUENCIES, SCANNING_TYPES } from '../lib/aws/ecr';

// IAM's characters and length, in one pattern for the JSON Schema.
const IAM_ROLE_NAME = new RegExp(`^${IAM_ROLE_NAME_CHARACTER}{1,${IAM_ROLE_NAME_MAX_LENGTH}}$`);
const IAM_ROLE_NAME_RULE = `1-${IAM_ROLE_NAME_MAX_LENGTH} letters, digits or +=,.@_-`;

const account = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required: the 12-digit AWS account of the cache, in quotes'
        : typeof issue.input === 'number'
          ? 'must be quoted ("123456789012"): unquoted, YAML reads a number and drops leading zeros'
          : undefined,
  })
  .check((ctx) => {
    const problem = accountProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  })
  .describe('The AWS account that holds the cache: a 12-digit string, in quotes.');

// Which regions are allowed depends on `allowUnlistedRegion`: checked with the whole file (environments.ts).
const region = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required: the AWS region of the cache, for example eu-west-2' : undefined) })
  .describe('The AWS region of the cache, for example eu-west-2. Not China or GovCloud.');

/** Tags, checked against AWS's limits; `alsoApplied` counts the tags the stack adds to every resource. */
const tagsSchema = (alsoApplied: number) =>
  z.record(z.string(), z.string()).check((ctx) => {
    for (const problem of tagProblems(ctx.value, alsoApplied)) {
      ctx.issues.push({ code: 'custom', message: problem.message, input: ctx.value, ...(problem.key !== undefined ? { path: [problem.key] } : {}) });
    }
  });

const upstream = z
  .enum(UPSTREAM_NAMES, {
    error: (issue) =>
      issue.input === undefined
        ? `is required: one of ${UPSTREAM_NAMES.join(', ')}`
        : unknownUpstreamProblem(issue.input),
  })
  .describe("AWS's name for the upstream registry.");

const roleName = z.string().regex(IAM_ROLE_NAME, { error: (issue) => `"${String(issue.input)}" is not an IAM role name (${IAM_ROLE_NAME_RULE})` });

/** The default tags every resource gets; an environment's own `tags` may not redefine them. */
export const ENVIRONMENT_TAG = 'Environment';
export const PROJECT_TAG = 'Project';
const STACK_TAGS = [ENVIRONMENT_TAG, PROJECT_TAG] as const;
export const PROJECT = 'ecr-pull-through-cache';

/** What the registry's scanning configuration covers: the whole registry, or only the cache prefixes. */
export const SCANNING_SCOPES = ['registry', 'cache'] as const;

/**
 * A resource's address in a stack (`<type>.<name>`, and `[0]` for a rule that waits for its secret: no modules or
 * for_each), as the production guard names it.
 */
const RESOURCE_ADDRESS = /^[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*(?:\[\d+\])?$/;

const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const wholeNumber = (min: number, max?: number) => {
  const range = max === undefined ? `must be a whole number from ${min}` : `must be a whole number from ${min} to ${max}`;
  const number = z
    .number({ error: (issue) => (typeof issue.input === 'number' ? undefined : range) })
    .int({ error: range })
    .min(min, { error: range });
  return max === undefined ? number : number.max(max, { error: range });
};

const repositoriesSchema = z
  .strictObject({
    expireUntaggedAfterDays: wholeNumber(1, 3650).optional().describe('Untagged images expire after this many days. Default: 7.'),
    keepImages: wholeNumber(1, 10000).optional().describe('At most this many images per cache repository. Default: 100.'),
    archiveAfterDaysUnpulled: wholeNumber(1, 3650)
      .optional()
      .describe(
        `Archive tagged images no one pulled for this many days (at least ${MIN_DAYS_UNPULLED}). Archived images answer pulls with 404 until restored. Default: never archive.`,
      ),
    deleteArchivedAfterDays: wholeNumber(1, 3650)
      .optional()
      .describe(`With archiveAfterDaysUnpulled: delete images archived this many days (at least ${MIN_DAYS_IN_ARCHIVE}). Default: ${TEMPLATE_DEFAULTS.deleteArchivedAfterDays}.`),
    expireAfterDaysUnpulled: z.never({ error: EXPIRE_BY_PULL_PROBLEM }).optional().describe(`Not available: ${EXPIRE_BY_PULL_PROBLEM}.`),
    tagMutability: z
      .enum(CACHE_TAG_MUTABILITIES, {
        error: (issue) =>
          String(issue.input).startsWith('IMMUTABLE') ? IMMUTABLE_TAGS_PROBLEM : `one of ${CACHE_TAG_MUTABILITIES.join(', ')}`,
      })
      .optional()
      .describe('MUTABLE (default) or MUTABLE_WITH_EXCLUSION. IMMUTABLE would stop the cache from refreshing tags.'),
    immutableTags: z.array(z.string().min(1)).optional().describe('With MUTABLE_WITH_EXCLUSION: wildcard filters of immutable tags.'),
    kmsKey: z.string().optional().describe("KMS key ARN, in the environment's region, to encrypt cache repositories with. Default: AES256."),
    tags: tagsSchema(0).optional().describe('Tags of the cache repositories ECR creates.'),
    roleArn: z
      .string()
      .optional()
      .describe('Role ECR uses for kmsKey or tags. Default: the stack creates one when they need it.'),
  })
  .describe('The repository creation template of the cache repositories (lifecycle, tags, encryption).');

export const ruleSchema = z
  .strictObject({
    upstream,
    registry: z
      .string()
      .optional()
      .describe('The upstream host, required where it varies (<name>.azurecr.io, or <account>.dkr.ecr.<region>.amazonaws.com) and checked where it is fixed.'),
    upstreamPrefix: z
      .string()
      .optional()
      .describe('ECR-to-ECR only: the upstream repository prefix that <key>/ maps to. Not with the ROOT key.'),
    secretArn: z
      .string()
      .optional()
      .describe('Use this existing ecr-pullthroughcache/ secret (same account and region) instead of creating one.'),
    roleArn: z
      .string()
      .optional()
      .describe('ECR-to-ECR only: use this existing role for custom_role_arn (created by default cross-account).'),
    secretValueVersion: wholeNumber(1)
      .optional()
      .describe(
        'Write the secret from the ephemeral variable credentials_<prefix> (TF_VAR_...), write-only; bump to write a new value.',
      ),
    repositories: repositoriesSchema.optional().describe("This rule's creation template settings, over the environment's repositories."),
  })
  .describe('One pull-through cache rule; its key is the ECR repository prefix, or ROOT for none.');

export const environmentSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
    account,
    region,
    allowUnlistedRegion: z
      .boolean()
      .optional()
      .describe("Accept a region this tool's list (the AWS SDK's) does not have yet, for a region AWS opened after it. Default: false."),
    production: z
      .boolean()
      .optional()
      .describe('Production: the credential secrets cannot be destroyed (prevent_destroy), and the production guard refuses plans that delete or replace what the cache depends on.'),
    allowDeletions: z
      .array(
        z.string().regex(RESOURCE_ADDRESS, {
          error: (issue) => `"${String(issue.input)}" is not a Terraform resource address as the production guard names it (aws_ecr_pull_through_cache_rule.quay)`,
        }),
      )
      .optional()
      .describe(
        'Production only: the Terraform addresses the production guard lets the next plan delete or replace, for one reviewed change. Remove them once it is applied.',
      ),
    tags: tagsSchema(STACK_TAGS.length)
      .check((ctx) => {
        for (const key of STACK_TAGS) {
          if (Object.hasOwn(ctx.value, key)) {
            ctx.issues.push({ code: 'custom', path: [key], message: `is set by the stack (${key}: the environment's name or the project); use another key`, input: ctx.value });
          }
        }
      })
      .optional()
      .describe('Tags on every resource, beside Environment and Project.'),
    state: z
      .strictObject({
        bucket: z
          .string()
          .regex(S3_BUCKET_NAME, { error: (issue) => `"${String(issue.input)}" is not an S3 bucket name (3-63 lower-case letters, digits, "." or "-")` })
          .describe('S3 bucket of the Terraform state.'),
        key: z
          .string()
          .min(1, { error: 'must not be empty: the object key of the state, for example ecr-pull-through-cache/<environment>.tfstate' })
          .check((ctx) => {
            // As `terraform init` checks it; an empty key is min's.
            const problem = ctx.value === '' ? undefined : s3BackendKeyProblem(ctx.value);
            if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
          })
          .optional()
          .describe('Object key. Default: ecr-pull-through-cache/<environment>.tfstate.'),
        region: z.string().optional().describe("The bucket's region. Default: the environment's region."),
      })
      .optional()
      .describe(
        'Keep the Terraform state in S3 (encrypted, with S3-native locking: use_lockfile). Default: a local state file, terraform.ecr-cache-<environment>.tfstate in the project root.',
      ),
    nodes: z
      .strictObject({
        createRole: z
          .union([roleName, z.literal(false)], { error: `must be the name of the role to create (${IAM_ROLE_NAME_RULE}), or false for none` })
          .optional()
          .describe('Name of the EKS node role to create, or false for none. Default: ecr-cache-<environment>-node.'),
        existingRoles: z.array(roleName).optional().describe('Existing EKS node role names to attach the cache policy to.'),
        cluster: z
          .string()
          .regex(EKS_CLUSTER_NAME, { error: (issue) => `"${String(issue.input)}" is not an EKS cluster name: ${EKS_CLUSTER_NAME_RULE}` })
          .optional()
          .describe('The EKS cluster the nodes join: the role this stack creates gets an access entry (EC2_LINUX) there, so its nodes can join.'),
      })
      .optional()
      .describe('The EKS worker node roles that pull through the cache.'),
    secrets: z
      .strictObject({
        recoveryWindowDays: wholeNumber(RECOVERY_WINDOW_DAYS.min, RECOVERY_WINDOW_DAYS.max)
          .optional()
          .describe(`Days a deleted credential secret can be restored. Default: ${RECOVERY_WINDOW_DAYS.default}.`),
      })
      .optional()
      .describe('Settings of the credential secrets this project creates.'),
    repositories: repositoriesSchema.optional(),
    pullTimeExclusions: z
      .array(z.string())
      .optional()
      .describe(
        "IAM roles or users (scanners such as Snyk or Trivy) whose pulls do not update an image's last pull time, so scans do not keep unused images from archiveAfterDaysUnpulled. Needs AWS provider 6.28 or later.",
      ),
    alerts: z
      .strictObject({
        email: z
          .array(z.string())
          .optional()
          .describe('Addresses to alert: the stack creates an encrypted SNS topic with these email subscriptions (each address confirms from the mail SNS sends).'),
        topicArn: z
          .string()
          .optional()
          .describe("An existing SNS topic in the cache's account and region to alert instead; its policy must let this stack's EventBridge rule publish (docs/operating.md, Failure alerts)."),
      })
      .optional()
      .describe("Alert when a pull-through cache action of this cache's rules fails (ECR's EventBridge events): by email, or to an existing SNS topic. Default: none."),
    scanning: z
      .strictObject({
        type: z.enum(SCANNING_TYPES).describe('basic (on push, free) or enhanced (Amazon Inspector).'),
        frequency: z.enum(SCANNING_FREQUENCIES).optional().describe('Default: scan-on-push. continuous needs enhanced.'),
        scope: z
          .enum(SCANNING_SCOPES)
          .optional()
          .describe(
            'registry (default): every repository of the registry. cache: only the cache prefixes; every other repository of the registry then loses scanning.',
          ),
      })
      .optional()
      .describe(
      "Owns the registry's scanning configuration (one per account and region): scans every repository, or only the cache's. Default: none, and the stack leaves the registry's scanning alone.",
    ),
    // Required unless the environment is a consumer (cacheFrom): the file checks say so, naming both.
    rules: z
      .record(z.string(), ruleSchema)
      .optional()
      .describe('Pull-through cache rules, by ECR repository prefix (ROOT for no prefix). Required, except in a consumer (cacheFrom), which has none.'),
    consumers: z
      .strictObject({
        organization: z.string().optional().describe('Every account of this AWS Organization (o-...) may pull through this cache.'),
        accounts: z.array(z.string()).optional().describe('These accounts (12 digits, quoted) may pull through this cache.'),
      })
      .optional()
      .describe("A hub: the other accounts whose nodes pull through this environment's cache. Owns the registry's permissions policy."),
    cacheFrom: z
      .string()
      .optional()
      .describe('A consumer: the environment, in the same folder, whose cache these nodes pull through. No rules of its own.'),
  })
  .describe('One environment of the ECR pull-through cache: one Terraform stack, ecr-cache-<file name>.');

export type EnvironmentFile = z.infer<typeof environmentSchema>;
export type RuleEntry = z.infer<typeof ruleSchema>;

/** The keys an object schema allows at `path`, for "did you mean" suggestions. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = environmentSchema;
  for (const segment of path) {
    schema = schema && unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)];
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return [];
  }
  schema = schema && unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault ? unwrap(schema.unwrap() as z.ZodType) : schema;
}
