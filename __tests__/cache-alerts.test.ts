/**
 * Failure alerts: the EventBridge rule on ECR's pull-through cache events, its SNS target, the topic's key and policy.
 * The event pattern is checked against AWS's documented sample event field by field: no EventBridge pattern matcher
 * that runs without AWS is maintained on npm (docs/operating.md), and a matcher written here would only
 * prove itself.
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Testing, TerraformStack } from 'cdktf';
import { PullThroughCache } from '../lib/constructs/pull-through-cache';
import { checkEnvironmentFile } from '../config/environments';
import { environmentFromText, environmentsFolder, parseStack, resourcesOf, synthEnvironment } from './support/stacks';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

/**
 * AWS's sample event for a pull through cache action (ECR user guide, "Amazon ECR events and EventBridge", "Event for a
 * pull through cache action"), as published, with its account and digest placeholders.
 */
const DOCUMENTED_EVENT = {
  version: '0',
  id: '85fc3613-e913-7fc4-a80c-a3753e4aa9ae',
  'detail-type': 'ECR Pull Through Cache Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: '2023-02-29T02:36:48Z',
  region: 'us-west-2',
  resources: ['arn:aws:ecr:us-west-2:123456789012:repository/docker-hub/alpine'],
  detail: {
    'rule-version': '1',
    'sync-status': 'SUCCESS',
    'ecr-repository-prefix': 'docker-hub',
    'repository-name': 'docker-hub/alpine',
    'upstream-registry-url': 'public.ecr.aws',
    'image-tag': '3.17.2',
    'image-digest': 'sha256:4aa08ef415aecc80814cb42fa41b658480779d80c77ab15EXAMPLE',
  },
} as const;

/**
 * The same action failed. AWS publishes no failed sample: the user guide names the sync-status values, and the event's
 * schema (EventBridge schema registry, aws.ecr@ECRPullThroughCacheAction) the failure-code and failure-reason fields.
 */
const FAILED_EVENT = {
  ...DOCUMENTED_EVENT,
  detail: { ...DOCUMENTED_EVENT.detail, 'sync-status': 'FAILED', 'failure-code': 'UPSTREAM_AUTHENTICATION_FAILED', 'failure-reason': 'example' },
};

const HUB = `account: "111111111111"
region: eu-west-2
nodes: { cluster: c1 }
alerts: { email: [ops@example.com, oncall@example.com] }
rules:
  docker-hub: { upstream: docker-hub }
  quay: { upstream: quay }
`;

describe('failure alerts by email', () => {
  const environment = environmentFromText(HUB, 'hub.yaml');
  const synthesized = synthEnvironment(environment);
  const stack = parseStack(synthesized);
  const [rule] = resourcesOf(stack, CloudwatchEventRule.tfResourceType);
  const pattern = JSON.parse(rule.event_pattern as string) as { source: string[]; 'detail-type': string[]; detail: Record<string, string[]> };

  it('has one EventBridge rule on the failed pull-through cache actions of its own prefixes', () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventRule, { name: 'ecr-cache-hub-cache-failures' });
    expect(pattern).toEqual({
      source: ['aws.ecr'],
      'detail-type': ['ECR Pull Through Cache Action'],
      detail: { 'sync-status': ['FAILED'], 'ecr-repository-prefix': ['docker-hub', 'quay'] },
    });
  });

  it("names only fields of AWS's documented event, with its values", () => {
    expect(pattern.source).toEqual([DOCUMENTED_EVENT.source]);
    expect(pattern['detail-type']).toEqual([DOCUMENTED_EVENT['detail-type']]);
    for (const field of Object.keys(pattern.detail)) expect(Object.keys(DOCUMENTED_EVENT.detail)).toContain(field);
  });

  it('leaves out the documented event, which succeeded, and takes the same action failed', () => {
    expect(pattern.detail['sync-status']).not.toContain(DOCUMENTED_EVENT.detail['sync-status']);
    expect(pattern.detail['sync-status']).toContain(FAILED_EVENT.detail['sync-status']);
    expect(pattern.detail['ecr-repository-prefix']).toContain(FAILED_EVENT.detail['ecr-repository-prefix']);
    // Another prefix's failure is another cache's: not this one's alert.
    expect(pattern.detail['ecr-repository-prefix']).not.toContain('github');
  });

  it("sends them to a topic encrypted with its own customer managed key, whose policy lets EventBridge use it", () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventTarget, { rule: '${aws_cloudwatch_event_rule.cache_failures.name}', arn: '${aws_sns_topic.alerts.arn}', target_id: 'alerts' });
    expect(synthesized).toHaveResourceWithProperties(SnsTopic, { name: 'ecr-cache-hub-cache-failures', kms_master_key_id: '${aws_kms_key.alerts.arn}' });
    const [key] = resourcesOf(stack, KmsKey.tfResourceType);
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7 });
    expect(JSON.parse(key.policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' },
        { Sid: 'EventBridgeEncryptsAlerts', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' },
      ],
    });
  });

  it('lets only this rule publish to the topic (aws:SourceArn)', () => {
    const [policy] = resourcesOf(stack, SnsTopicPolicy.tfResourceType);
    expect(policy.arn).toBe('${aws_sns_topic.alerts.arn}');
    expect(JSON.parse(policy.policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyTheCacheFailureRulePublishes',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: '${aws_sns_topic.alerts.arn}',
          Condition: { ArnEquals: { 'aws:SourceArn': '${aws_cloudwatch_event_rule.cache_failures.arn}' } },
        },
      ],
    });
  });

  it('subscribes each address by email, and outputs the rule and the topic', () => {
    expect(resourcesOf(stack, SnsTopicSubscription.tfResourceType).sort((a, b) => String(a.endpoint).localeCompare(String(b.endpoint)))).toEqual([
      { topic_arn: '${aws_sns_topic.alerts.arn}', protocol: 'email', endpoint: 'oncall@example.com' },
      { topic_arn: '${aws_sns_topic.alerts.arn}', protocol: 'email', endpoint: 'ops@example.com' },
    ]);
    expect(Object.keys(stack.resource[SnsTopicSubscription.tfResourceType]).sort()).toEqual(['alerts_oncall_example_com', 'alerts_ops_example_com']);
    expect(stack.output.alert_rule_arn.value).toBe('${aws_cloudwatch_event_rule.cache_failures.arn}');
    expect(stack.output.alert_topic_arn.value).toBe('${aws_sns_topic.alerts.arn}');
  });
});

describe('failure alerts to an existing topic', () => {
  const topicArn = 'arn:aws:sns:eu-west-2:111111111111:platform-alerts';
  const synthesized = synthEnvironment(environmentFromText(HUB.replace('{ email: [ops@example.com, oncall@example.com] }', `{ topicArn: "${topicArn}" }`), 'hub.yaml'));
  const stack = parseStack(synthesized);

  it('targets the topic, and creates no topic, key, policy or subscription', () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventTarget, { arn: topicArn });
    for (const type of [SnsTopic, KmsKey, SnsTopicPolicy, SnsTopicSubscription]) expect(resourcesOf(stack, type.tfResourceType)).toEqual([]);
    expect(stack.output.alert_topic_arn.value).toBe(topicArn);
  });
});

describe('failure alerts of a cache with a ROOT rule', () => {
  it('match every failure of the registry: AWS documents no ecr-repository-prefix for ROOT', () => {
    const stack = parseStack(
      synthEnvironment(
        environmentFromText(`account: "111111111111"
region: eu-west-2
nodes: { cluster: c1 }
alerts: { topicArn: "arn:aws:sns:eu-west-2:111111111111:t" }
rules:
  ROOT: { upstream: ecr, registry: 111111111111.dkr.ecr.us-west-2.amazonaws.com }
  quay: { upstream: quay }
`),
      ),
    );
    const [rule] = resourcesOf(stack, CloudwatchEventRule.tfResourceType);
    expect(JSON.parse(rule.event_pattern as string).detail).toEqual({ 'sync-status': ['FAILED'] });
  });
});

describe('PullThroughCache.addAlerts', () => {
  it('covers a rule added after the alerts, and refuses alerts with nowhere to go', () => {
    const stack = new TerraformStack(Testing.app(), 'library');
    const cache = new PullThroughCache(stack, 'cache', { account: '111111111111', region: 'eu-west-2' });
    cache.addRule('quay', { upstream: 'quay' });
    const alerts = cache.addAlerts({ email: ['ops@example.com'] });
    cache.addRule('k8s', { upstream: 'k8s' });
    expect(alerts.failurePattern.detail['ecr-repository-prefix']).toEqual(['k8s', 'quay']);
    expect(JSON.parse(parseStack(Testing.synth(stack)).resource.aws_cloudwatch_event_rule.cache_failures.event_pattern as string)).toEqual(alerts.failurePattern);
    expect(parseStack(Testing.synth(stack)).resource.aws_cloudwatch_event_rule.cache_failures.name).toBe('library-cache-failures');
    expect(() => cache.addAlerts({ email: ['ops@example.com'] })).toThrow('the failure alerts are added already');
    const other = new PullThroughCache(new TerraformStack(Testing.app(), 'other'), 'cache', { account: '111111111111', region: 'eu-west-2' });
    expect(() => other.addAlerts({})).toThrow(/^CacheAlerts: alerts: says nowhere to send alerts/);
  });
});

describe('alerts in an environment file', () => {
  const check = (files: Record<string, string>, name: string) => {
    const dir = environmentsFolder(files);
    try {
      return checkEnvironmentFile(join(dir, name)).problems.map((problem) => `${problem.path?.join('.') ?? ''}: ${problem.message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('refuses a topic of another region or account, a FIFO topic, both email and topicArn, and addresses that are not', () => {
    const file = (alerts: string) => ({ 'hub.yaml': HUB.replace('{ email: [ops@example.com, oncall@example.com] }', alerts) });
    expect(check(file('{ topicArn: "arn:aws:sns:us-east-1:111111111111:t" }'), 'hub.yaml')).toEqual([
      "alerts.topicArn: the topic is in us-east-1; EventBridge delivers only to a topic in the rule's region, eu-west-2",
    ]);
    expect(check(file('{ topicArn: "arn:aws:sns:eu-west-2:222222222222:t" }'), 'hub.yaml')).toEqual([
      "alerts.topicArn: the topic is in account 222222222222; give one in the cache's account 111111111111, which ECR's events reach",
    ]);
    expect(check(file('{ topicArn: "arn:aws:sns:eu-west-2:111111111111:t.fifo" }'), 'hub.yaml')).toEqual(['alerts.topicArn: t.fifo is a FIFO topic: use a standard topic']);
    expect(check(file('{ email: [ops, a@b.io, a@b.io], topicArn: "arn:aws:sns:eu-west-2:111111111111:t" }'), 'hub.yaml')).toEqual([
      'alerts.email: and topicArn both given: subscribe the addresses to your topic yourself, or leave topicArn out and the stack creates a topic for them',
      'alerts.email.0: "ops" is not an email address',
      'alerts.email.2: a@b.io is listed twice',
    ]);
  });

  it("refuses alerts in a consumer: ECR's events are its hub's", () => {
    const problems = check(
      { 'hub.yaml': HUB.replace('rules:', 'consumers: { accounts: ["222222222222"] }\nrules:'), 'team.yaml': 'account: "222222222222"\nregion: eu-west-2\ncacheFrom: hub\nnodes: { cluster: c2 }\nalerts: { email: [a@b.io] }\n' },
      'team.yaml',
    );
    expect(problems).toEqual(['alerts: a consumer has no cache of its own: alerts belongs in hub, the hub']);
  });
});
