import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import { accountPrincipalArn } from '../aws/arns';
import { type CacheFailurePattern, cacheFailurePattern, EVENTBRIDGE_PRINCIPAL } from '../aws/events';
import { policyDocument } from '../aws/iam';
import { partitionOf } from '../aws/regions';
import { type AlertSettings, alertsProblems } from '../checks/alerts';
import { nameElement } from './addresses';
import { isToken } from './tokens';

export interface CacheAlertsProps extends AlertSettings {
  /** The cache registry's account. */
  readonly account: string;
  /** The cache registry's region. */
  readonly region: string;
  /** The cache's rule prefixes whose failures alert (`ROOT`: every failure of the registry). */
  readonly prefixes: readonly string[];
  /** Name of the EventBridge rule, and of the topic when one is created (1-64 letters, digits, ".", "-" or "_"). */
  readonly name: string;
}

/** What a created topic's KMS key lets EventBridge do: encrypt what it publishes (AWS Knowledge Center, "sns-not-getting-eventbridge-notification"). */
const EVENTBRIDGE_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/**
 * Failure alerts of a pull-through cache: an EventBridge rule that matches ECR's `ECR Pull Through Cache Action` events
 * whose `sync-status` is FAILED for the cache's prefixes, and sends them to an SNS topic: one given, or one created
 * here with email subscriptions. A created topic is encrypted with a customer managed KMS key created with it: EventBridge
 * cannot publish to a topic under the AWS managed key `alias/aws/sns`, whose policy cannot grant it the key (AWS
 * Knowledge Center, "Why isn't my Amazon SNS topic receiving EventBridge notifications?": the topic "must use a customer
 * managed AWS KMS key" whose policy grants EventBridge). Its topic policy lets EventBridge publish only for this rule
 * (`aws:SourceArn`, EventBridge user guide, "Amazon SNS permissions").
 */
export class CacheAlerts extends Construct {
  readonly rule: CloudwatchEventRule;
  readonly target: CloudwatchEventTarget;
  /** The topic the alerts go to: the given one's ARN, or the created topic's. */
  readonly topicArn: string;
  /** The topic created here, with its key, policy and subscriptions; none for a given `topicArn`. */
  readonly topic?: SnsTopic;
  readonly key?: KmsKey;
  readonly topicPolicy?: SnsTopicPolicy;
  readonly subscriptions: readonly SnsTopicSubscription[];
  private readonly prefixes: string[];

  constructor(scope: Construct, id: string, props: CacheAlertsProps) {
    super(scope, id);
    const problems = alertsProblems(props, props, isToken);
    if (!/^[\w.-]{1,64}$/.test(props.name)) problems.push({ message: `name "${props.name}" must be 1-64 letters, digits, ".", "-" or "_" (an EventBridge rule's name)` });
    if (problems.length > 0) throw new Error(`CacheAlerts: ${problems.map((problem) => `${problem.field ?? 'alerts'}: ${problem.message}`).join('; ')}`);
    this.prefixes = [...props.prefixes];

    this.rule = new CloudwatchEventRule(this, 'rule', {
      name: props.name,
      description: 'Failed pull-through cache actions of the cache rules (ECR Pull Through Cache Action, sync-status FAILED)',
      eventPattern: this.pattern(),
    });
    nameElement(this.rule, 'cache_failures');
    this.node.addValidation({ validate: () => (this.prefixes.length === 0 ? ['CacheAlerts: no rule prefix to alert on; add a rule'] : []) });

    if (props.topicArn !== undefined) {
      this.topicArn = props.topicArn;
      this.subscriptions = [];
    } else {
      const partition = isToken(props.region) ? 'aws' : partitionOf(props.region);
      this.key = new KmsKey(this, 'key', {
        description: `Encrypts the SNS topic ${props.name}: alerts of failed pull-through cache actions`,
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: policyDocument(
          // KMS developer guide, "Default key policy": the account administers the key through IAM; without it, nobody could.
          { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: accountPrincipalArn(partition, props.account) }, Action: 'kms:*', Resource: '*' },
          // No condition: AWS documents none that EventBridge's use of the key through SNS carries, and one it does not send would stop every alert.
          { Sid: 'EventBridgeEncryptsAlerts', Effect: 'Allow', Principal: { Service: EVENTBRIDGE_PRINCIPAL }, Action: [...EVENTBRIDGE_KEY_ACTIONS], Resource: '*' },
        ),
      });
      nameElement(this.key, 'alerts');
      this.topic = new SnsTopic(this, 'topic', { name: props.name, kmsMasterKeyId: this.key.arn });
      nameElement(this.topic, 'alerts');
      this.topicArn = this.topic.arn;
      this.topicPolicy = new SnsTopicPolicy(this, 'topic-policy', {
        arn: this.topic.arn,
        policy: policyDocument({
          Sid: 'OnlyTheCacheFailureRulePublishes',
          Effect: 'Allow',
          Principal: { Service: EVENTBRIDGE_PRINCIPAL },
          Action: 'sns:Publish',
          Resource: this.topic.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': this.rule.arn } },
        }),
      });
      nameElement(this.topicPolicy, 'alerts');
      this.subscriptions = (props.email ?? []).map((address) => {
        const subscription = new SnsTopicSubscription(this, `email-${address}`, { topicArn: this.topic!.arn, protocol: 'email', endpoint: address });
        nameElement(subscription, 'alerts', address);
        return subscription;
      });
    }

    this.target = new CloudwatchEventTarget(this, 'target', { rule: this.rule.name, targetId: 'alerts', arn: this.topicArn });
    nameElement(this.target, 'cache_failures');
  }

  /** Alerts on one more rule's prefix too. */
  addPrefix(prefix: string): void {
    this.prefixes.push(prefix);
    this.rule.eventPattern = this.pattern();
  }

  /** The rule's event pattern: the failed actions of the cache's prefixes. */
  get failurePattern(): CacheFailurePattern {
    return cacheFailurePattern(this.prefixes);
  }

  private pattern(): string {
    return JSON.stringify(this.failurePattern);
  }
}
