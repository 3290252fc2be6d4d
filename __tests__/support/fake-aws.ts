/**
 * The loopback AWS (scripts/loopback-aws) set up as a test of `validate` needs it: rules that already exist, each with
 * the answer ValidatePullThroughCacheRule gives for it (ECR authenticates to the upstream, which no test can), and
 * credential secrets with or without a value. Keys the test chooses act in `account`.
 */
import { type LoopbackAws, startLoopbackAws } from '../../scripts/loopback-aws';

/** What ValidatePullThroughCacheRule answers for one rule; `upstreamRegistryUrl` where ECR's rule differs from the file. */
export type RuleAnswer = ({ readonly isValid: true } | { readonly isValid: false; readonly failure: string }) & { readonly upstreamRegistryUrl?: string };

export interface FakeAwsOptions {
  /** Rules that exist, by prefix, with ValidatePullThroughCacheRule's answer. */
  readonly rules?: Record<string, RuleAnswer>;
  /** Secrets that exist, by name: with a value or not. */
  readonly secrets?: Record<string, { readonly hasValue: boolean }>;
  /** Answer every request with this error (`AccessDeniedException`, ...). */
  readonly errorType?: string;
  readonly status?: number;
  /** The account the registry and secrets belong to, and that the test's keys act in. */
  readonly account?: string;
  readonly region?: string;
}

export type FakeAws = LoopbackAws;

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const account = options.account ?? '111111111111';
  const region = options.region ?? 'eu-west-2';
  const aws = await startLoopbackAws({
    defaultAccount: account,
    ...(options.errorType ? { fault: { code: options.errorType, status: options.status ?? 400, message: `User: arn:aws:sts::${account}:assumed-role/ci is not authorized` } } : {}),
  });
  const registry = aws.region(account, region);
  for (const [name, { hasValue }] of Object.entries(options.secrets ?? {})) {
    aws.seedSecret(account, region, name);
    if (hasValue) aws.putSecretValue(account, region, name);
  }
  for (const [prefix, answer] of Object.entries(options.rules ?? {})) {
    // A rule as validate sees it: ECR's own fields come from the answer (its upstream, when it differs from the file).
    registry.rules.set(prefix, { ecrRepositoryPrefix: prefix, registryId: account, createdAt: aws.state.now() });
    aws.state.validationAnswers.set(`${account}/${region}/${prefix}`, answer);
  }
  return aws;
}
