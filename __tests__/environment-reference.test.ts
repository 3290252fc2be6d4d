/** docs/environment-reference.md is generated from the zod schema's descriptions: never edited, never stale. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentReferenceMarkdown } from '../config/environment-reference';
import { PROJECT_ROOT } from '../config/environments';
import { environmentJsonSchema } from '../config/json-schema';

interface JsonSchema {
  readonly description?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly additionalProperties?: JsonSchema | boolean;
}

/** Every field of an object schema and of the objects below it, by path. */
function fields(schema: JsonSchema, path = ''): [string, JsonSchema][] {
  const own = Object.entries(schema.properties ?? {}).map(([name, field]) => [path === '' ? name : `${path}.${name}`, field] as [string, JsonSchema]);
  const values = typeof schema.additionalProperties === 'object' ? fields(schema.additionalProperties, `${path}.<key>`) : [];
  return [...own, ...own.flatMap(([fieldPath, field]) => fields(field, fieldPath)), ...values];
}

describe('docs/environment-reference.md', () => {
  it('is what npm run schema writes from the zod schema', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'environment-reference.md'), 'utf8')).toBe(environmentReferenceMarkdown());
  });

  const all = fields(JSON.parse(environmentJsonSchema()) as JsonSchema);

  it.each(all.map(([path]) => path))('describes %s', (path) => {
    const [, field] = all.find(([candidate]) => candidate === path)!;
    expect(field.description).toMatch(/\S/);
    const name = path.split('.').pop()!;
    expect(environmentReferenceMarkdown()).toContain(`| \`${name}\` |`);
  });
});
