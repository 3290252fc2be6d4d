/**
 * docs/environment-reference.md, every field of an environment file, rendered from the JSON Schema that the zod schema
 * gives (config/json-schema.ts): the descriptions are written once, in config/schema.ts. `npm run schema` writes it
 * beside schema/environment.schema.json, and a test fails when the committed page is not this text.
 */
import { environmentJsonSchema } from './json-schema';

/** The part of JSON Schema that z.toJSONSchema writes for the environment schema. */
interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly not?: JsonSchema;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
}

/** One table of the page: an object of the schema at a path (`rules.<prefix>`), and its fields. */
interface Section {
  readonly path: string;
  readonly schema: JsonSchema;
  /** The section with the same fields, rendered earlier: this one links to it rather than repeat them. */
  readonly sameAs?: string;
}

/** Where a map's keys are named in a path, by the map's field. */
const MAP_KEYS: Readonly<Record<string, string>> = { rules: '<prefix>' };

const code = (text: string) => `\`${text.replaceAll('|', '\\|')}\``;

/** The id GitHub gives a heading of plain ASCII text: lower case, punctuation dropped, spaces made `-`. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');

const heading = (path: string) => (path === '' ? 'Top level' : code(path));

function isObject(schema: JsonSchema): boolean {
  return schema.type === 'object' && schema.properties !== undefined;
}

function isMap(schema: JsonSchema): schema is JsonSchema & { additionalProperties: JsonSchema } {
  return schema.type === 'object' && schema.properties === undefined && typeof schema.additionalProperties === 'object';
}

/** Every object of the schema, depth first in the order of its fields, the top level first. */
function sections(schema: JsonSchema, path = '', seen: Section[] = []): Section[] {
  const earlier = seen.find((section) => JSON.stringify(section.schema.properties) === JSON.stringify(schema.properties));
  seen.push({ path, schema, ...(earlier ? { sameAs: earlier.path } : {}) });
  if (earlier) return seen;
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const fieldPath = path === '' ? name : `${path}.${name}`;
    if (isObject(field)) sections(field, fieldPath, seen);
    else if (isMap(field) && isObject(field.additionalProperties)) sections(field.additionalProperties, `${fieldPath}.${MAP_KEYS[name] ?? '<key>'}`, seen);
  }
  return seen;
}

function link(path: string): string {
  return `[${code(path)}](#${anchor(heading(path))})`;
}

/** A field's type and limits, in words. */
function typeOf(schema: JsonSchema, path: string): string {
  if (schema.not !== undefined) return 'refused';
  if (schema.anyOf) return schema.anyOf.map((option) => typeOf(option, path)).join(', or ');
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (schema.enum) return `one of ${schema.enum.map((value) => code(String(value))).join(', ')}`;
  if (isObject(schema)) return `object: ${link(path)}`;
  if (isMap(schema)) {
    const key = MAP_KEYS[path.split('.').pop()!] ?? '<key>';
    const value = schema.additionalProperties;
    return `map of ${code(key)} to ${isObject(value) ? `object: ${link(`${path}.${key}`)}` : typeOf(value, `${path}.${key}`)}`;
  }
  if (schema.type === 'array') return `list of ${typeOf(schema.items ?? {}, path)}`;
  const limits: string[] = [];
  // zod bounds an unbounded whole number by the largest safe integer: no limit a reader needs.
  const maximum = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
  if (schema.minimum !== undefined && maximum !== undefined) limits.push(`${schema.minimum}-${maximum}`);
  else if (schema.minimum !== undefined) limits.push(`${schema.minimum} or more`);
  if (schema.minLength !== undefined) limits.push(`at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}`);
  if (schema.pattern !== undefined) limits.push(`matching ${code(schema.pattern)}`);
  const name = schema.type === 'integer' ? 'whole number' : (schema.type ?? 'any');
  return limits.length > 0 ? `${name}, ${limits.join(', ')}` : name;
}

/** A description as Markdown text: `<name>` is a placeholder, not an HTML tag. */
const prose = (text: string) => text.replaceAll('<', '&lt;');

/** Text for a table cell: one line, with `|` escaped outside code spans too. */
const cell = (text: string) => text.replaceAll('\n', ' ').replace(/(?<!\\)\|/g, '\\|');

function table(section: Section): string[] {
  const required = new Set(section.schema.required ?? []);
  const rows = Object.entries(section.schema.properties ?? {}).map(([name, field]) => {
    const path = section.path === '' ? name : `${section.path}.${name}`;
    return `| ${code(name)} | ${required.has(name) ? 'yes' : ''} | ${cell(typeOf(field, path))} | ${cell(prose(field.description ?? ''))} |`;
  });
  return ['| field | required | type | meaning |', '|---|---|---|---|', ...rows];
}

/** The Markdown of docs/environment-reference.md. */
export function environmentReferenceMarkdown(): string {
  const root = JSON.parse(environmentJsonSchema()) as JsonSchema;
  const lines = [
    '# Environment file reference',
    '',
    'By the end of this page you will have every field an environment file may hold: its type, its limits, its default',
    'and what it does. How to write, check and synthesize a file is in [Environment files](environment-files.md).',
    '',
    '<!-- Generated from the zod schema (config/schema.ts) by `npm run schema`; a test fails when it is stale. Edit the',
    '     descriptions there, not here. -->',
    '',
    prose(root.description ?? ''),
    '',
    'Every field is checked before Terraform runs; a default is the value a field takes when the file leaves it out.',
    'Editors that speak the YAML language server read the same schema from `schema/environment.schema.json`.',
  ];
  for (const section of sections(root)) {
    lines.push('', `## ${heading(section.path)}`, '');
    if (section.path !== '' && section.schema.description) lines.push(prose(section.schema.description), '');
    if (section.sameAs !== undefined) lines.push(`The same fields as ${link(section.sameAs)}.`);
    else lines.push(...table(section));
  }
  return `${lines.join('\n')}\n`;
}
