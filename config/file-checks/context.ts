/** What every check of one environment file sees: the file, its settings as far as they parse, and where to report. */
import type { RegionOptions } from '../../lib/aws/regions';
import type { CacheRegistry } from '../../lib/checks/common';
import type { RuleSettings } from '../../lib/checks/rule';
import type { FieldPath } from '../problems';
import type { z } from 'zod';
import type { EnvironmentFile } from '../schema';

export interface FileContext {
  readonly file: string;
  /** The environment's name. */
  readonly name: string;
  /** The file's settings as YAML read them, before the schema. */
  readonly raw: Record<string, unknown>;
  /** The settings as the schema parsed them, when the whole file parses. */
  readonly settings?: EnvironmentFile;
  /** What the schema found wrong with the file. */
  readonly schemaIssues: readonly z.core.$ZodIssue[];
  readonly regionOptions: RegionOptions;
  /** The cache's account and region, when both are valid: the checks that compare with them need them. */
  readonly registry?: CacheRegistry;
  /** The rules whose own fields parse, checked against AWS's rules even when other parts of the file do not. */
  readonly rules: readonly RuleSettings[];
  /** Reports a problem at a field; the file fails. */
  readonly add: (path: FieldPath, message: string) => void;
  /** Reports a warning at a field; the file does not fail. */
  readonly warn: (path: FieldPath, message: string) => void;
}

/** One check of one file: a small function of its context. */
export type FileCheck = (context: FileContext) => void;
