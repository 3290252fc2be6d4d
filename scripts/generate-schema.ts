/** Writes schema/environment.schema.json from the zod schema, so editors autocomplete environment files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentJsonSchema } from '../config/json-schema';
import { PROJECT_ROOT } from '../config/environments';

const target = join(PROJECT_ROOT, 'schema', 'environment.schema.json');
writeFileSync(target, environmentJsonSchema());
console.log(`wrote ${target}`);
