/**
 * Writes what is generated from the zod schema of environment files (config/schema.ts): the JSON Schema editors
 * autocomplete them with (schema/environment.schema.json), and the reference of every field
 * (docs/environment-reference.md). Tests fail when either is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentJsonSchema } from '../config/json-schema';
import { environmentReferenceMarkdown } from '../config/environment-reference';
import { PROJECT_ROOT } from '../config/environments';

for (const [target, text] of [
  [join(PROJECT_ROOT, 'schema', 'environment.schema.json'), environmentJsonSchema()],
  [join(PROJECT_ROOT, 'docs', 'environment-reference.md'), environmentReferenceMarkdown()],
] as const) {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
