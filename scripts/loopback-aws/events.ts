/**
 * Amazon EventBridge in the loopback AWS (awsJson1_1, target prefix `AWSEvents.`), as the EventBridge API reference
 * documents each action: rules of the default event bus with their event patterns, targets and tags. It delivers no
 * event: what a rule matches is shown by the tests against AWS's documented sample events, not here.
 */
import { AwsError, checkString, required, text, withoutTags, withTags } from './protocol';
import type { EventRule, RegionState } from './state';

export const EVENTS_TARGET = 'AWSEvents.';

/** API reference, PutRule: Name, 1-64 characters of `[\.\-_A-Za-z0-9]+`. */
const RULE_NAME = { min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ };
/** API reference, PutTargets: Target Id, 1-64 characters of `[\.\-_A-Za-z0-9]+`. */
const TARGET_ID = { min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ };

/**
 * What EventBridge checks of an event pattern when a rule is put (EventBridge user guide, "Creating event patterns":
 * a JSON object whose matched fields hold arrays of values, "Empty arrays are not allowed"; API reference, PutRule:
 * EventPattern of at most 4096 characters): `InvalidEventPatternException` otherwise.
 */
function checkEventPattern(pattern: string): void {
  const invalid = (why: string) => new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${why}`);
  if (pattern.length > 4096) throw invalid('longer than 4096 characters');
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch {
    throw invalid('not JSON');
  }
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) throw invalid(`"${path}" must be an object`);
    const entries = Object.entries(node);
    if (entries.length === 0) throw invalid(`"${path}" has no field to match`);
    for (const [key, value] of entries) {
      if (Array.isArray(value)) {
        if (value.length === 0) throw invalid(`Empty arrays are not allowed at "${path}${key}"`);
      } else walk(value, `${path}${key}.`);
    }
  };
  walk(parsed, '');
}

type Tags = { Key: string; Value: string }[];

export function eventsHandlers(): Record<string, (body: Record<string, unknown>, state: RegionState) => unknown> {
  /** Only the default bus exists here; a rule on another bus is refused, as for a bus that does not exist. */
  const checkBus = (body: Record<string, unknown>) => {
    if (body.EventBusName !== undefined && body.EventBusName !== 'default' && !text(body.EventBusName).endsWith(':event-bus/default')) {
      throw new AwsError('ResourceNotFoundException', `Event bus ${text(body.EventBusName)} does not exist.`);
    }
  };
  const rule = (state: RegionState, name: unknown, member = 'Name'): EventRule => {
    const found = state.eventRules.get(checkString(required(name, member, 'ValidationException'), member, RULE_NAME, 'ValidationException'));
    if (!found) throw new AwsError('ResourceNotFoundException', `Rule ${text(name)} does not exist on EventBus default.`);
    return found;
  };
  const byArn = (state: RegionState, arn: unknown): EventRule => {
    const found = [...state.eventRules.values()].find((candidate) => candidate.arn === arn);
    if (!found) throw new AwsError('ResourceNotFoundException', `Rule ${text(arn)} does not exist.`);
    return found;
  };
  const tagsOf = (tags: unknown): Tags => ((tags as Tags | undefined) ?? []).map((tag) => ({ Key: checkString(tag.Key, 'Tags.Key', { min: 1, max: 128 }, 'ValidationException'), Value: tag.Value ?? '' }));

  return {
    // API reference, PutRule: creates or updates; a rule has an EventPattern, a ScheduleExpression, or both.
    PutRule(body, state) {
      checkBus(body);
      const name = checkString(required(body.Name, 'Name', 'ValidationException'), 'Name', RULE_NAME, 'ValidationException');
      if (body.EventPattern === undefined && body.ScheduleExpression === undefined) {
        throw new AwsError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
      }
      if (body.EventPattern !== undefined) checkEventPattern(text(body.EventPattern));
      if (body.Description !== undefined) checkString(body.Description, 'Description', { max: 512 }, 'ValidationException');
      const state_ = body.State ?? 'ENABLED';
      if (!['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'].includes(text(state_))) throw new AwsError('ValidationException', `Invalid State ${text(state_)}.`);
      const existing = state.eventRules.get(name);
      const arn = `arn:aws:events:${state.region}:${state.account}:rule/${name}`;
      const updated: EventRule = {
        name,
        arn,
        state: text(state_),
        tags: existing?.tags ?? tagsOf(body.Tags),
        targets: existing?.targets ?? new Map<string, Record<string, unknown>>(),
        ...(body.EventPattern !== undefined ? { eventPattern: text(body.EventPattern) } : {}),
        ...(body.ScheduleExpression !== undefined ? { scheduleExpression: text(body.ScheduleExpression) } : {}),
        ...(body.Description !== undefined ? { description: text(body.Description) } : {}),
        ...(body.RoleArn !== undefined ? { roleArn: text(body.RoleArn) } : {}),
      };
      state.eventRules.set(name, updated);
      return { RuleArn: arn };
    },
    DescribeRule(body, state) {
      checkBus(body);
      const found = rule(state, body.Name);
      return {
        Name: found.name,
        Arn: found.arn,
        EventPattern: found.eventPattern,
        ScheduleExpression: found.scheduleExpression,
        State: found.state,
        Description: found.description,
        RoleArn: found.roleArn,
        EventBusName: 'default',
        CreatedBy: state.account,
      };
    },
    // API reference, DeleteRule: "you must remove all targets from the rule" first.
    DeleteRule(body, state) {
      checkBus(body);
      const name = checkString(required(body.Name, 'Name', 'ValidationException'), 'Name', RULE_NAME, 'ValidationException');
      const found = state.eventRules.get(name);
      if (!found) return {};
      if (found.targets.size > 0) throw new AwsError('ValidationException', 'Rule can\'t be deleted since it has targets.');
      state.eventRules.delete(name);
      return {};
    },
    // API reference, PutTargets: 1-5 targets per call, at most 5 per rule; a target's Arn is required.
    PutTargets(body, state) {
      checkBus(body);
      const found = rule(state, body.Rule, 'Rule');
      const targets = (body.Targets as Record<string, unknown>[] | undefined) ?? [];
      if (targets.length < 1 || targets.length > 10) throw new AwsError('ValidationException', 'Targets takes 1 to 10 targets.');
      for (const target of targets) {
        const id = checkString(required(target.Id, 'Targets.Id', 'ValidationException'), 'Targets.Id', TARGET_ID, 'ValidationException');
        checkString(required(target.Arn, 'Targets.Arn', 'ValidationException'), 'Targets.Arn', { min: 1, max: 1600 }, 'ValidationException');
        // "Targets must be in the same Region as the rule" (AWS Knowledge Center, sns-not-getting-eventbridge-notification).
        if (text(target.Arn).startsWith('arn:aws:sns:') && text(target.Arn).split(':')[3] !== state.region) {
          throw new AwsError('ValidationException', `Target ${id}'s topic is not in the rule's region ${state.region}.`);
        }
        found.targets.set(id, target);
      }
      if (found.targets.size > 5) throw new AwsError('LimitExceededException', 'The requested resource exceeds the maximum number allowed (5 targets per rule).');
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule(body, state) {
      checkBus(body);
      return { Targets: [...rule(state, body.Rule, 'Rule').targets.values()] };
    },
    RemoveTargets(body, state) {
      checkBus(body);
      const found = rule(state, body.Rule, 'Rule');
      for (const id of (body.Ids as string[] | undefined) ?? []) found.targets.delete(id);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTagsForResource(body, state) {
      return { Tags: byArn(state, required(body.ResourceARN, 'ResourceARN', 'ValidationException')).tags };
    },
    TagResource(body, state) {
      const found = byArn(state, required(body.ResourceARN, 'ResourceARN', 'ValidationException'));
      found.tags = withTags(found.tags, tagsOf(body.Tags), (tag) => tag.Key);
      return {};
    },
    UntagResource(body, state) {
      const found = byArn(state, required(body.ResourceARN, 'ResourceARN', 'ValidationException'));
      found.tags = withoutTags(found.tags, body, (tag) => tag.Key);
      return {};
    },
  };
}
