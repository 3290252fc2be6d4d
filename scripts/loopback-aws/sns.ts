/**
 * Amazon SNS in the loopback AWS, over its Query protocol, as the SNS API reference documents each action: standard
 * topics with their attributes (Policy, KmsMasterKeyId, DisplayName, ...) and tags, and subscriptions. An email
 * subscription waits for its address to confirm (SNS API reference, Subscribe: "the endpoint owner must call
 * ConfirmSubscription"): the loopback AWS sends no mail, so it stays pending, as it does until a person clicks.
 */
import { AwsError, checkString, QueryMap, required, text, withoutTags, withTags } from './protocol';
import type { RegionState, Subscription, Topic } from './state';

export const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** SNS API reference, CreateTopic: Name, 1-256 letters, digits, "-" and "_" (".fifo" for a FIFO topic). */
const TOPIC_NAME = { min: 1, max: 256, pattern: /^[\w-]+(\.fifo)?$/ };
/**
 * SNS API reference, SetTopicAttributes: the attributes a topic takes, with the delivery status logging attributes of
 * each protocol (`<Protocol>SuccessFeedbackRoleArn`, `...SuccessFeedbackSampleRate`, `...FailureFeedbackRoleArn`).
 */
const TOPIC_ATTRIBUTES = [
  'DeliveryPolicy', 'DisplayName', 'Policy', 'TracingConfig', 'KmsMasterKeyId', 'SignatureVersion', 'ArchivePolicy', 'ContentBasedDeduplication', 'FifoTopic', 'FifoThroughputScope', 'DataProtectionPolicy',
  ...['Application', 'Firehose', 'HTTP', 'Lambda', 'SQS'].flatMap((protocol) => [`${protocol}SuccessFeedbackRoleArn`, `${protocol}SuccessFeedbackSampleRate`, `${protocol}FailureFeedbackRoleArn`]),
];
/** SNS API reference, Subscribe: Protocol. */
const PROTOCOLS = ['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose'];

type Handler = (body: Record<string, unknown>, state: RegionState) => Record<string, unknown>;

/** `Attributes.entry.N.key/value` of a request, as a record. */
const attributesOf = (body: Record<string, unknown>, member = 'Attributes'): Record<string, string> =>
  Object.fromEntries(((body[member] as { key: string; value?: string }[] | undefined) ?? []).map((entry) => [entry.key, entry.value ?? '']));

export function snsHandlers(): Record<string, Handler> {
  const notFound = (what: string) => new AwsError('NotFound', `${what} does not exist`, 404);
  const topic = (state: RegionState, arn: unknown, member = 'TopicArn'): Topic => {
    const found = state.topics.get(checkString(required(arn, member, 'InvalidParameter'), member, { min: 1 }, 'InvalidParameter'));
    if (!found) throw notFound('Topic');
    return found;
  };
  /** The policy SNS gives a topic it creates (SNS developer guide, "Example cases for Amazon SNS access control"): the owner account's. */
  const defaultPolicy = (arn: string, account: string) =>
    JSON.stringify({
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        {
          Sid: '__default_statement_ID',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
          Resource: arn,
          Condition: { StringEquals: { 'AWS:SourceOwner': account } },
        },
      ],
    });
  const checkAttribute = (name: string, value: string) => {
    if (!TOPIC_ATTRIBUTES.includes(name)) throw new AwsError('InvalidParameter', `Invalid parameter: AttributeName ${name}`);
    if (name === 'Policy' || name === 'DeliveryPolicy') {
      try {
        JSON.parse(value);
      } catch {
        throw new AwsError('InvalidParameter', `Invalid parameter: ${name} Error: the value is not JSON`);
      }
    }
  };
  const subscriptionView = (subscription: Subscription) => ({
    SubscriptionArn: subscription.pendingConfirmation ? 'PendingConfirmation' : subscription.arn,
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    TopicArn: subscription.topicArn,
  });

  return {
    // API reference, CreateTopic: idempotent for a name that exists with the same attributes.
    CreateTopic(body, state) {
      const name = checkString(required(body.Name, 'Name', 'InvalidParameter'), 'Name', TOPIC_NAME, 'InvalidParameter');
      const attributes = attributesOf(body);
      for (const [key, value] of Object.entries(attributes)) checkAttribute(key, value);
      if (name.endsWith('.fifo') !== (attributes.FifoTopic === 'true')) throw new AwsError('InvalidParameter', 'Invalid parameter: Topic Name: a FIFO topic name ends in .fifo and sets FifoTopic');
      const arn = `arn:aws:sns:${state.region}:${state.account}:${name}`;
      const existing = state.topics.get(arn);
      if (existing) {
        if (Object.entries(attributes).some(([key, value]) => existing.attributes[key] !== value)) {
          throw new AwsError('InvalidParameter', 'Invalid parameter: Attributes Reason: Topic already exists with different attributes');
        }
        return { TopicArn: arn };
      }
      const tags = ((body.Tags as { Key: string; Value?: string }[] | undefined) ?? []).map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }));
      state.topics.set(arn, { arn, name, attributes: { Policy: defaultPolicy(arn, state.account), ...attributes }, tags });
      return { TopicArn: arn };
    },
    // API reference, GetTopicAttributes: the topic's attributes and the ones SNS computes.
    GetTopicAttributes(body, state) {
      const found = topic(state, body.TopicArn);
      const subscriptions = [...state.subscriptions.values()].filter((subscription) => subscription.topicArn === found.arn);
      return {
        Attributes: new QueryMap({
          TopicArn: found.arn,
          Owner: state.account,
          DisplayName: '',
          SubscriptionsConfirmed: String(subscriptions.filter((subscription) => !subscription.pendingConfirmation).length),
          SubscriptionsPending: String(subscriptions.filter((subscription) => subscription.pendingConfirmation).length),
          SubscriptionsDeleted: '0',
          EffectiveDeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numMaxDelayRetries: 0, numNoDelayRetries: 0, numMinDelayRetries: 0, backoffFunction: 'linear' }, disableSubscriptionOverrides: false } }),
          ...found.attributes,
        }),
      };
    },
    SetTopicAttributes(body, state) {
      const found = topic(state, body.TopicArn);
      const name = checkString(required(body.AttributeName, 'AttributeName', 'InvalidParameter'), 'AttributeName', { min: 1 }, 'InvalidParameter');
      const value = text(body.AttributeValue ?? '');
      checkAttribute(name, value);
      if (name === 'Policy' && value === '') found.attributes.Policy = defaultPolicy(found.arn, state.account);
      else found.attributes[name] = value;
      return {};
    },
    DeleteTopic(body, state) {
      const arn = checkString(required(body.TopicArn, 'TopicArn', 'InvalidParameter'), 'TopicArn', { min: 1 }, 'InvalidParameter');
      // API reference, DeleteTopic: "Deleting a topic that doesn't exist doesn't result in an error"; its subscriptions go with it.
      state.topics.delete(arn);
      for (const [subscriptionArn, subscription] of state.subscriptions) if (subscription.topicArn === arn) state.subscriptions.delete(subscriptionArn);
      return {};
    },
    ListTagsForResource(body, state) {
      return { Tags: topic(state, body.ResourceArn, 'ResourceArn').tags };
    },
    TagResource(body, state) {
      const found = topic(state, body.ResourceArn, 'ResourceArn');
      const added = ((body.Tags as { Key: string; Value?: string }[] | undefined) ?? []).map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }));
      found.tags = withTags(found.tags, added, (tag) => tag.Key);
      return {};
    },
    UntagResource(body, state) {
      const found = topic(state, body.ResourceArn, 'ResourceArn');
      found.tags = withoutTags(found.tags, body, (tag) => tag.Key);
      return {};
    },
    /**
     * API reference, Subscribe: an email subscription is pending until its owner confirms; its ARN is returned only
     * with ReturnSubscriptionArn, else the answer says "pending confirmation".
     */
    Subscribe(body, state) {
      const found = topic(state, body.TopicArn);
      const protocol = checkString(required(body.Protocol, 'Protocol', 'InvalidParameter'), 'Protocol', { min: 1 }, 'InvalidParameter');
      if (!PROTOCOLS.includes(protocol)) throw new AwsError('InvalidParameter', `Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`);
      const endpoint = text(required(body.Endpoint, 'Endpoint', 'InvalidParameter'));
      if (protocol.startsWith('email') && !/^[^\s@]+@[^\s@]+$/.test(endpoint)) throw new AwsError('InvalidParameter', 'Invalid parameter: Email address');
      const existing = [...state.subscriptions.values()].find((subscription) => subscription.topicArn === found.arn && subscription.protocol === protocol && subscription.endpoint === endpoint);
      const subscription = existing ?? {
        arn: `${found.arn}:${crypto.randomUUID()}`,
        topicArn: found.arn,
        protocol,
        endpoint,
        owner: state.account,
        // Email and HTTP endpoints confirm; AWS endpoints of the same account do not (API reference, Subscribe).
        pendingConfirmation: ['email', 'email-json', 'http', 'https'].includes(protocol),
        attributes: attributesOf(body),
      };
      state.subscriptions.set(subscription.arn, subscription);
      return { SubscriptionArn: subscription.pendingConfirmation && body.ReturnSubscriptionArn !== 'true' ? 'pending confirmation' : subscription.arn };
    },
    GetSubscriptionAttributes(body, state) {
      const arn = checkString(required(body.SubscriptionArn, 'SubscriptionArn', 'InvalidParameter'), 'SubscriptionArn', { min: 1 }, 'InvalidParameter');
      const subscription = state.subscriptions.get(arn);
      if (!subscription) throw notFound('Subscription');
      return {
        Attributes: new QueryMap({
          SubscriptionArn: subscription.arn,
          TopicArn: subscription.topicArn,
          Owner: subscription.owner,
          Protocol: subscription.protocol,
          Endpoint: subscription.endpoint,
          PendingConfirmation: String(subscription.pendingConfirmation),
          ConfirmationWasAuthenticated: 'false',
          RawMessageDelivery: 'false',
          ...subscription.attributes,
        }),
      };
    },
    SetSubscriptionAttributes(body, state) {
      const subscription = state.subscriptions.get(text(body.SubscriptionArn));
      if (!subscription) throw notFound('Subscription');
      subscription.attributes[text(body.AttributeName)] = text(body.AttributeValue ?? '');
      return {};
    },
    ListSubscriptionsByTopic(body, state) {
      const found = topic(state, body.TopicArn);
      return { Subscriptions: [...state.subscriptions.values()].filter((subscription) => subscription.topicArn === found.arn).map(subscriptionView) };
    },
    Unsubscribe(body, state) {
      const arn = checkString(required(body.SubscriptionArn, 'SubscriptionArn', 'InvalidParameter'), 'SubscriptionArn', { min: 1 }, 'InvalidParameter');
      if (!state.subscriptions.delete(arn)) throw notFound('Subscription');
      return {};
    },
  };
}
