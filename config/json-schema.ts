import { z } from 'zod';
import { environmentSchema } from './schema';

/** The JSON Schema of environment files, as committed in schema/environment.schema.json. */
export function environmentJsonSchema(): string {
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'ecr-pull-through-cache environment' }, null, 2)}\n`;
}
