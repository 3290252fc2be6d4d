/**
 * The wire protocols of the loopback AWS: who is calling (from the SigV4 Authorization header), the three request
 * shapes the services this project uses speak (awsJson1_1 with X-Amz-Target, the Query protocol of IAM and STS,
 * restJson1 of EKS), and their answers and errors as the AWS SDKs parse them (Smithy protocol specifications:
 * awsJson1_1, awsQuery, restJson1).
 */
import { randomBytes } from 'node:crypto';

/** An error as AWS answers it: its code (`__type` or `<Code>`), message and HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Refuses a request whose `member` AWS's API reference marks required (every service answers a validation error). */
export function required<T>(value: T | undefined | null, member: string, code = 'InvalidParameterException'): T {
  if (value === undefined || value === null || value === '') throw new AwsError(code, `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  return value;
}

/** Refuses a string member outside AWS's documented length and pattern. */
export function checkString(value: unknown, member: string, rule: { min?: number; max?: number; pattern?: RegExp }, code = 'InvalidParameterException'): string {
  if (typeof value !== 'string') throw new AwsError(code, `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be a string`);
  if (rule.min !== undefined && value.length < rule.min) throw new AwsError(code, `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) throw new AwsError(code, `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`);
  if (rule.pattern && !rule.pattern.test(value)) throw new AwsError(code, `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  return value;
}

/** The caller: the account its access key stands for, and the region and service its request was signed for. */
export interface Caller {
  readonly account: string;
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

/**
 * The loopback AWS's access keys: `loopback-<account>` is the account's. Signatures are not checked: the server
 * trusts the key id, which is what lets one server stand for several accounts.
 */
export const loopbackCredentials = (account: string) => ({ accessKeyId: `loopback-${account}`, secretAccessKey: 'loopback-secret' });

/** The caller named by a SigV4 `Authorization` header (AWS General Reference, "Signature Version 4 request elements"). */
export function callerOf(authorization: string | undefined, defaultAccount?: string): Caller {
  const credential = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  if (!credential) throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  const [, accessKeyId, region, service] = credential as unknown as [string, string, string, string];
  const account = /^loopback-(\d{12})$/.exec(accessKeyId)?.[1] ?? defaultAccount;
  if (!account) throw new AwsError('UnrecognizedClientException', `The security token included in the request is invalid (the loopback AWS knows only access keys loopback-<account>, not ${accessKeyId}).`, 403);
  return { account, accessKeyId, region, service };
}

/** A Query-protocol form (`Tags.member.1.Key=k`) as the structure it encodes (`{ Tags: [{ Key: 'k' }] }`). */
export function parseQuery(form: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(form)) {
    const path = key.split('.');
    let node: Record<string, unknown> = root;
    for (let index = 0; index < path.length; index++) {
      const part = path[index];
      const last = index === path.length - 1;
      // `X.member.N` (and `X.entry.N` of maps) are the N-th element of list X.
      if ((path[index + 1] === 'member' || path[index + 1] === 'entry') && /^\d+$/.test(path[index + 2] ?? '')) {
        const list = (node[part] ??= []) as Record<string, unknown>[];
        const position = Number(path[index + 2]) - 1;
        if (index + 2 === path.length - 1) {
          (list as unknown[])[position] = value;
          break;
        }
        node = list[position] ??= {};
        index += 2;
        continue;
      }
      if (last) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    }
  }
  return root;
}

/** A member's value in a message or a stored string: strings as they are, anything else as JSON. */
export const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value));

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A map of a Query-protocol answer, written as `<entry><key>k</key><value>v</value></entry>` (awsQuery, map serialization). */
export class QueryMap {
  constructor(readonly entries: Readonly<Record<string, string>>) {}
}

/** A value as Query-protocol XML: lists as `<member>` elements, dates in ISO 8601, undefined left out. */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof QueryMap) {
    return `<${name}>${Object.entries(value.entries)
      .map(([key, entry]) => `<entry><key>${escapeXml(key)}</key><value>${escapeXml(entry)}</value></entry>`)
      .join('')}</${name}>`;
  }
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toXml('member', item)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => toXml(key, child))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(text(value))}</${name}>`;
}

export const requestId = () => randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** The answer of a Query action: `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/>` (awsQuery). */
export function queryResponse(action: string, namespace: string, result: Record<string, unknown>): string {
  return `<${action}Response xmlns="${namespace}">${toXml(`${action}Result`, result)}<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryError(error: AwsError): string {
  return `<ErrorResponse><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
}

/** A resource's tags after TagResource: each tag given replaces the one with its key (every service's API reference). */
export function withTags<T>(tags: readonly T[], added: readonly T[], keyOf: (tag: T) => string): T[] {
  const keys = new Set(added.map(keyOf));
  return [...tags.filter((tag) => !keys.has(keyOf(tag))), ...added];
}

/** A resource's tags after UntagResource: those with the request's `TagKeys` removed. */
export function withoutTags<T>(tags: readonly T[], body: Record<string, unknown>, keyOf: (tag: T) => string): T[] {
  const keys = (body.TagKeys as string[] | undefined) ?? [];
  return tags.filter((tag) => !keys.includes(keyOf(tag)));
}

/** Random characters of the kinds AWS uses in ids (role ids, policy ids, secret ARN suffixes). */
export function randomId(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const bytes = randomBytes(length);
  return [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** Epoch seconds, as awsJson1_1 and restJson1 send timestamps. */
export const epochSeconds = (date: Date) => date.getTime() / 1000;
