/**
 * Terraform's JSON configuration (cdk.tf.json) written as the HCL a Terraform user would write: one block per
 * resource with blank lines between them, plain references (`role = aws_iam_role.node.name`, not `"${...}"`),
 * policy documents as `jsonencode({...})` objects instead of escaped JSON strings, `precondition`, `provisioner` and
 * `check` as blocks, and the policy-check acknowledgements as comments. It is the way off CDKTF, so it renders what
 * Terraform's JSON syntax means (developer.hashicorp.com/terraform/language/syntax/json), from the JSON Terraform
 * plans; which nested arguments are blocks comes from the provider bindings, as cdktf's own renderer knows it.
 */
import { type App, TerraformDataSource, TerraformProvider, TerraformResource, TerraformStack } from 'cdktf';
import { terraformAddress } from '../lib/constructs/addresses';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Arguments that hold a JSON document: rendered as `jsonencode(...)` of an HCL object, with the same effect. */
const JSON_DOCUMENT_ARGUMENTS = new Set(['policy', 'assume_role_policy', 'lifecycle_policy', 'repository_policy']);

/** Which nested arguments of each resource, data source and provider type are blocks, as `kind.type:path`. */
export type BlockSchema = ReadonlySet<string>;

/** The blocks of the elements of one stack, read from the provider bindings. */
export function blockSchema(stack: TerraformStack): BlockSchema {
  const blocks = new Set<string>();
  const visit = (prefix: string, attributes: unknown, path: readonly string[]) => {
    if (attributes === null || typeof attributes !== 'object') return;
    for (const [name, attribute] of Object.entries(attributes as Record<string, unknown>)) {
      if (attribute === null || typeof attribute !== 'object' || !('value' in attribute)) continue;
      const typed = attribute as { value: unknown; isBlock?: boolean; is_block?: boolean };
      if (!(typed.isBlock ?? typed.is_block)) continue;
      blocks.add(`${prefix}:${[...path, name].join('.')}`);
      for (const item of Array.isArray(typed.value) ? typed.value : [typed.value]) visit(prefix, item, [...path, name]);
    }
  };
  for (const node of stack.node.findAll()) {
    if (!(TerraformResource.isTerraformResource(node) || TerraformDataSource.isTerraformDataSource(node) || TerraformProvider.isTerraformProvider(node))) continue;
    const fragment = node.toHclTerraform() as Record<string, Record<string, unknown>>;
    const kind = Object.keys(fragment).find((key) => ['resource', 'data', 'provider'].includes(key))!;
    for (const [type, byName] of Object.entries(fragment[kind])) {
      for (const body of kind === 'provider' ? (byName as unknown[]) : Object.values(byName as Record<string, unknown>)) {
        visit(`${kind}.${type}`, body, []);
      }
    }
  }
  return blocks;
}

/** The order a reader meets the elements in: the construct tree's, not the JSON's (grouped by type). */
export function elementOrder(stack: TerraformStack): string[] {
  return stack.node.findAll().flatMap((node) => {
    const address = terraformAddress(node);
    if (address === undefined) return [];
    return [address.startsWith('data.') ? address : `resource.${address}`];
  });
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDENT = '  ';

/** A template string split into literal text and `${...}` interpolations, as Terraform's JSON syntax reads it. */
function templateParts(template: string): { literal: boolean; text: string }[] {
  const parts: { literal: boolean; text: string }[] = [];
  let literal = '';
  let index = 0;
  while (index < template.length) {
    if (template.startsWith('$${', index)) {
      literal += '$${';
      index += 3;
    } else if (template.startsWith('${', index)) {
      const end = interpolationEnd(template, index + 2);
      if (literal) parts.push({ literal: true, text: literal });
      literal = '';
      parts.push({ literal: false, text: template.slice(index + 2, end) });
      index = end + 1;
    } else {
      literal += template[index];
      index += 1;
    }
  }
  if (literal || parts.length === 0) parts.push({ literal: true, text: literal });
  return parts;
}

/** The index of the `}` that closes an interpolation opened before `from`, skipping nested braces and strings. */
function interpolationEnd(template: string, from: number): number {
  let depth = 0;
  for (let index = from; index < template.length; index++) {
    const char = template[index];
    if (char === '"') {
      for (index++; index < template.length && template[index] !== '"'; index++) if (template[index] === '\\') index++;
    } else if (char === '{') depth++;
    else if (char === '}') {
      if (depth === 0) return index;
      depth--;
    }
  }
  throw new Error(`unterminated interpolation in ${JSON.stringify(template)}`);
}

/** A JSON-syntax string value as an HCL expression: a lone interpolation becomes the bare expression. */
function renderTemplate(template: string): string {
  const parts = templateParts(template);
  if (parts.length === 1 && !parts[0].literal) return parts[0].text.trim();
  const body = parts
    .map((part) =>
      part.literal
        ? part.text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/%\{/g, '%%{')
        : `\${${part.text}}`,
    )
    .join('');
  return `"${body}"`;
}

/** A value Terraform's JSON syntax wants a string for (an expression, a reference, a type). */
function text(value: Json | undefined): string {
  if (typeof value !== 'string') throw new Error(`expected a string in the Terraform JSON, not ${JSON.stringify(value)}`);
  return value;
}

function renderKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

function isScalar(value: Json): boolean {
  return value === null || typeof value !== 'object';
}

/** A value as an HCL expression, indented for `depth`. */
function renderValue(value: Json, depth: number, name?: string): string {
  if (typeof value === 'string') {
    const document = name !== undefined && JSON_DOCUMENT_ARGUMENTS.has(name) ? jsonDocument(value) : undefined;
    return document === undefined ? renderTemplate(value) : `jsonencode(${renderValue(document, depth)})`;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = INDENT.repeat(depth + 1);
  const outer = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => renderValue(item, depth + 1));
    const oneLine = `[${items.join(', ')}]`;
    if (value.every(isScalar) && oneLine.length <= 100) return oneLine;
    return `[\n${items.map((item) => `${inner}${item},`).join('\n')}\n${outer}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, item]) => `${inner}${renderKey(key)} = ${renderValue(item, depth + 1)}`).join('\n')}\n${outer}}`;
}

/** The object of a literal JSON document string (its strings may hold interpolations), or undefined. */
function jsonDocument(value: string): Json | undefined {
  if (!value.trimStart().startsWith('{')) return undefined;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}

/** The body of a block: arguments, then nested blocks, then the meta-arguments that close a block. */
function renderBody(body: JsonObject, depth: number, schemaPrefix: string | undefined, schema: BlockSchema, path: readonly string[] = []): string[] {
  const indent = INDENT.repeat(depth);
  const lines: string[] = [];
  const blocks: string[] = [];
  const { depends_on: dependsOn, lifecycle, provisioner, '//': _comment, ...rest } = body as JsonObject & {
    depends_on?: string[];
    lifecycle?: JsonObject;
    provisioner?: JsonObject[];
  };
  for (const [name, value] of Object.entries(rest)) {
    const isBlock = schemaPrefix !== undefined && schema.has(`${schemaPrefix}:${[...path, name].join('.')}`);
    if (isBlock && value !== null && typeof value === 'object') {
      for (const item of Array.isArray(value) ? value : [value]) {
        blocks.push(`${indent}${name} {`, ...renderBody(item as JsonObject, depth + 1, schemaPrefix, schema, [...path, name]), `${indent}}`);
      }
    } else {
      lines.push(`${indent}${renderKey(name)} = ${renderValue(value, depth, name)}`);
    }
  }
  for (const item of provisioner ?? []) {
    for (const [type, settings] of Object.entries(item)) {
      blocks.push(`${indent}provisioner ${JSON.stringify(type)} {`, ...renderBody(settings as JsonObject, depth + 1, undefined, schema), `${indent}}`);
    }
  }
  if (lifecycle !== undefined) blocks.push(...renderLifecycle(lifecycle, depth));
  if (dependsOn !== undefined) blocks.push(`${indent}depends_on = [${dependsOn.join(', ')}]`);
  return blocks.length > 0 && lines.length > 0 ? [...lines, '', ...blocks] : [...lines, ...blocks];
}

function renderLifecycle(lifecycle: JsonObject, depth: number): string[] {
  const indent = INDENT.repeat(depth);
  const inner = INDENT.repeat(depth + 1);
  const lines = [`${indent}lifecycle {`];
  for (const [name, value] of Object.entries(lifecycle)) {
    if (name === 'precondition' || name === 'postcondition') {
      for (const condition of value as JsonObject[]) {
        lines.push(`${inner}${name} {`);
        lines.push(`${inner}${INDENT}condition = ${renderTemplate(text(condition.condition))}`);
        lines.push(`${inner}${INDENT}error_message = ${renderTemplate(text(condition.error_message))}`);
        lines.push(`${inner}}`);
      }
    } else if (name === 'ignore_changes' && Array.isArray(value)) {
      lines.push(`${inner}ignore_changes = [${value.map(text).join(', ')}]`);
    } else {
      lines.push(`${inner}${name} = ${renderValue(value, depth + 1)}`);
    }
  }
  lines.push(`${indent}}`);
  return lines;
}

/** The acknowledged policy findings of an element, as comments above its block. */
function acknowledgementComments(body: JsonObject): string[] {
  const findings = ((body['//'] as JsonObject | undefined)?.acknowledged_findings ?? {}) as Record<string, string>;
  return Object.entries(findings).map(([rule, reason]) => `# Acknowledged ${rule}: ${reason}`);
}

function block(header: string, body: string[], comments: string[] = []): string {
  return [...comments, `${header} {`, ...body, '}'].join('\n');
}

/** The HCL of one stack's Terraform JSON. `order` lists `resource.type.name` and `data.type.name` as a reader meets them. */
export function renderHcl(config: JsonObject, schema: BlockSchema, order: readonly string[] = []): string {
  const blocks: string[] = [];
  const terraform = config.terraform as JsonObject | undefined;
  if (terraform) {
    const { required_providers: providers, backend, required_version: version, ...rest } = terraform as JsonObject & {
      required_providers?: JsonObject;
      backend?: Record<string, JsonObject>;
    };
    const body: string[] = [];
    if (version !== undefined) body.push(`${INDENT}required_version = ${renderValue(version, 1)}`);
    if (providers) body.push(`${INDENT}required_providers {`, ...renderBody(providers, 2, undefined, schema), `${INDENT}}`);
    for (const [type, settings] of Object.entries(backend ?? {})) {
      body.push(`${INDENT}backend ${JSON.stringify(type)} {`, ...renderBody(settings, 2, undefined, schema), `${INDENT}}`);
    }
    body.push(...renderBody(rest, 1, undefined, schema));
    blocks.push(block('terraform', body));
  }
  for (const [type, configurations] of Object.entries((config.provider ?? {}) as Record<string, JsonObject[]>)) {
    for (const settings of configurations) blocks.push(block(`provider ${JSON.stringify(type)}`, renderBody(settings, 1, `provider.${type}`, schema)));
  }
  for (const [name, settings] of Object.entries((config.variable ?? {}) as Record<string, JsonObject>)) {
    const { type, ...rest } = settings;
    // A variable's type is a type expression, not a string.
    const body = [...(type !== undefined ? [`${INDENT}type = ${text(type)}`] : []), ...renderBody(rest, 1, undefined, schema)];
    blocks.push(block(`variable ${JSON.stringify(name)}`, body));
  }
  const elements = new Map<string, string>();
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, byName] of Object.entries((config[kind] ?? {}) as Record<string, Record<string, JsonObject>>)) {
      for (const [name, body] of Object.entries(byName)) {
        const header = `${kind} ${JSON.stringify(type)} ${JSON.stringify(name)}`;
        elements.set(`${kind}.${type}.${name}`, block(header, renderBody(body, 1, `${kind}.${type}`, schema), acknowledgementComments(body)));
      }
    }
  }
  const ordered = [...order.filter((key) => elements.has(key)), ...[...elements.keys()].filter((key) => !order.includes(key))];
  blocks.push(...ordered.map((key) => elements.get(key)!));
  for (const [name, settings] of Object.entries((config.check ?? {}) as Record<string, { assert?: JsonObject[] }>)) {
    const body = (settings.assert ?? []).flatMap((assertion) => [
      `${INDENT}assert {`,
      `${INDENT}${INDENT}condition = ${renderTemplate(text(assertion.condition))}`,
      `${INDENT}${INDENT}error_message = ${renderTemplate(text(assertion.error_message))}`,
      `${INDENT}}`,
    ]);
    blocks.push(block(`check ${JSON.stringify(name)}`, body));
  }
  for (const imported of (config.import ?? []) as JsonObject[]) {
    blocks.push(block('import', [`${INDENT}to = ${text(imported.to)}`, `${INDENT}id = ${JSON.stringify(text(imported.id))}`]));
  }
  for (const moved of (config.moved ?? []) as JsonObject[]) {
    blocks.push(block('moved', [`${INDENT}from = ${text(moved.from)}`, `${INDENT}to   = ${text(moved.to)}`]));
  }
  for (const [name, settings] of Object.entries((config.output ?? {}) as Record<string, JsonObject>)) {
    blocks.push(block(`output ${JSON.stringify(name)}`, renderBody(settings, 1, undefined, schema)));
  }
  return `${blocks.join('\n\n')}\n`;
}

/** The stacks of an app, by name. */
export function stacksOf(app: App): Map<string, TerraformStack> {
  return new Map(app.node.children.filter((child) => TerraformStack.isStack(child)).map((stack) => [stack.node.id, stack]));
}
