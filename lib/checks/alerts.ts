/** Where a cache's failure alerts go: email addresses (a topic this project creates), or an existing SNS topic. */
import { parseArn } from '../aws/arns';
import { type CacheRegistry, type IsToken, literalRegistry, NO_TOKENS } from './common';

export interface AlertSettings {
  /** Addresses to subscribe to a topic the stack creates (each confirms its subscription from the mail SNS sends). */
  readonly email?: readonly string[];
  /** An existing SNS topic, in the cache's account and region, to send the alerts to instead. */
  readonly topicArn?: string;
}

export interface AlertsProblem {
  readonly field?: keyof AlertSettings;
  readonly index?: number;
  readonly message: string;
}

/** An address SNS can deliver to: one @, no spaces, a dot in the domain. SNS itself checks no more before it mails. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function alertsProblems(settings: AlertSettings, registry?: CacheRegistry, isToken: IsToken = NO_TOKENS): AlertsProblem[] {
  const problems: AlertsProblem[] = [];
  const email = settings.email ?? [];
  const known = literalRegistry(registry, isToken);
  if (settings.topicArn === undefined && email.length === 0) {
    problems.push({ message: 'says nowhere to send alerts: give email (addresses for a topic the stack creates) or topicArn (an existing topic)' });
  }
  if (settings.topicArn !== undefined && email.length > 0) {
    problems.push({ field: 'email', message: 'and topicArn both given: subscribe the addresses to your topic yourself, or leave topicArn out and the stack creates a topic for them' });
  }
  email.forEach((address, index) => {
    if (isToken(address)) return;
    if (!EMAIL.test(address)) problems.push({ field: 'email', index, message: `"${address}" is not an email address` });
    else if (email.indexOf(address) !== index) problems.push({ field: 'email', index, message: `${address} is listed twice` });
  });
  if (settings.topicArn !== undefined && !isToken(settings.topicArn)) {
    const arn = parseArn(settings.topicArn);
    if (!arn || arn.service !== 'sns' || !/^[\w-]{1,256}(\.fifo)?$/.test(arn.resource)) {
      problems.push({ field: 'topicArn', message: `"${settings.topicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)` });
    } else if (arn.resource.endsWith('.fifo')) {
      // EventBridge sends to a FIFO topic only with a message group id, which this stack does not set.
      problems.push({ field: 'topicArn', message: `${arn.resource} is a FIFO topic: use a standard topic` });
    } else if (known && arn.region !== known.region) {
      // A rule's targets must be in its region (AWS Knowledge Center, "sns-not-getting-eventbridge-notification").
      problems.push({ field: 'topicArn', message: `the topic is in ${arn.region}; EventBridge delivers only to a topic in the rule's region, ${known.region}` });
    } else if (known && arn.account !== known.account) {
      problems.push({ field: 'topicArn', message: `the topic is in account ${arn.account}; give one in the cache's account ${known.account}, which ECR's events reach` });
    }
  }
  return problems;
}
