/**
 * The bundle's stand-in for json-stable-stringify (scripts/bundle/stable-stringify.cjs), which cdktf writes every stack
 * with: it must write the same text as the real one for every stack and every odd value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';

const require = createRequire(import.meta.url);
type StableStringify = (value: unknown, options?: { space?: string | number }) => string | undefined;
/** cdktf's own; the CDK Terrain fork writes with a serializer of its own, which the bundle leaves alone. */
const fromCdktf = ((): StableStringify | undefined => {
  try {
    return createRequire(require.resolve('cdktf'))('json-stable-stringify') as StableStringify;
  } catch {
    return undefined;
  }
})();
const ours = require(join(PROJECT_ROOT, 'scripts', 'bundle', 'stable-stringify.cjs')) as StableStringify;

const recorded = join(PROJECT_ROOT, '__tests__', 'recorded');
const stacks = readdirSync(recorded).flatMap((group) =>
  readdirSync(join(recorded, group)).map((stack) => [`${group}/${stack}`, JSON.parse(readFileSync(join(recorded, group, stack, 'cdk.tf.json'), 'utf8')) as unknown]),
);

const odd: [string, unknown][] = [
  ['empty containers at every depth', { a: [], b: {}, c: [[], {}, { d: [] }] }],
  ['undefined, functions and symbols', { a: undefined, b: () => 1, c: Symbol('x'), d: [undefined, () => 1, Symbol('y'), null] }],
  ['keys sorted by code unit', { b: 1, a: 2, B: 3, _: 4, '10': 5, '9': 6, é: 7 }],
  ['toJSON', { when: new Date(0), custom: { toJSON: () => ({ z: 1, a: [] }) } }],
  ['strings with brackets and escapes', { policy: '{"Statement":[]}', quote: 'a "b"\n\t\u0001' }],
  ['numbers and literals', [0, -0, 1.5, 1e21, NaN, Infinity, true, false, null]],
  ['a scalar', 'text'],
  ['an empty array', []],
];

describe.skipIf(!fromCdktf)('stable-stringify, where cdktf writes with json-stable-stringify', () => {
  it.each([...stacks, ...odd])('writes %s as json-stable-stringify does', (_, value) => {
    for (const space of [2, 0, '', '\t']) expect(ours(value, { space })).toBe(fromCdktf!(value, { space }));
  });

  it('throws on a cycle, as json-stable-stringify does', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => fromCdktf!(cycle)).toThrow(TypeError);
    expect(() => ours(cycle)).toThrow(TypeError);
  });
});
