/** The file against the schema: unknown keys (with the closest known key), missing and mistyped values. */
import type { z } from 'zod';
import { didYouMean } from '../../lib/aws/close-match';
import type { FieldPath } from '../problems';
import { knownKeysAt } from '../schema';
import type { FileCheck } from './context';

export const schemaIssues: FileCheck = (context) => {
  for (const issue of context.schemaIssues) {
    for (const { path, message } of describeIssue(issue)) context.add(path, message);
  }
};

function describeIssue(issue: z.core.$ZodIssue): { path: FieldPath; message: string }[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown key${didYouMean(key, known) || (known.length > 0 ? `: remove it (the keys here: ${known.join(', ')})` : '')}`,
    }));
  }
  // Zod's own wording is replaced; messages the schema words itself are kept.
  const zodWording = issue.message.startsWith('Invalid input');
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: zodWording ? 'is required' : issue.message }];
  }
  if (issue.code === 'invalid_type' && zodWording) {
    return [{ path, message: `must be ${article(issue.expected)}, not ${describeValue(issue.input)}` }];
  }
  return [{ path, message: issue.message }];
}

function article(expected: string): string {
  const names: Record<string, string> = { object: 'a map', array: 'a list', record: 'a map' };
  return names[expected] ?? `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}
