// @ts-check
/**
 * What json-stable-stringify 1.x returns for `stableStringify(value, { space })`, without its per-call machinery: the
 * bundle (scripts/bundle.cjs) gives it to cdktf, which writes every stack with it, where it cost a tenth of the
 * synthesis of 50 environments. Keys sorted as Array.prototype.sort sorts them; `toJSON` honoured; `undefined`,
 * functions and symbols left out of objects and `null` in arrays; an empty array or object written as
 * json-stable-stringify writes it (`[` newline `]`, not `[]`); a cycle throws. __tests__/stable-stringify.test.ts
 * compares the two on every stack the tests synthesize.
 */

/**
 * @param {unknown} value
 * @param {{ space?: string | number, replacer?: unknown, cmp?: unknown, cycles?: boolean, collapseEmpty?: boolean } | Function} [options]
 * @returns {string | undefined}
 */
module.exports = function stableStringify(value, options) {
  if (typeof options === 'function' || (options && (options.replacer || options.cmp || options.cycles || options.collapseEmpty))) {
    throw new Error('this stable-stringify supports the space option only (what cdktf uses)');
  }
  const space = typeof options?.space === 'number' ? ' '.repeat(options.space) : (options?.space ?? '');
  const colon = space ? ': ' : ':';
  /** @type {Set<object>} */
  const ancestors = new Set();

  /** @param {unknown} node @param {number} level @returns {string | undefined} */
  function write(node, level) {
    if (node !== null && typeof node === 'object' && typeof (/** @type {{ toJSON?: unknown }} */ (node).toJSON) === 'function') {
      node = /** @type {{ toJSON: () => unknown }} */ (node).toJSON();
    }
    if (node === undefined) return undefined;
    if (typeof node !== 'object' || node === null) return JSON.stringify(node);
    const indent = space ? `\n${space.repeat(level)}` : '';
    const inner = indent + space;
    if (Array.isArray(node)) {
      let out = '[';
      for (let index = 0; index < node.length; index++) out += `${index > 0 ? ',' : ''}${inner}${write(node[index], level + 1) ?? 'null'}`;
      return `${out}${indent}]`;
    }
    if (ancestors.has(node)) throw new TypeError('Converting circular structure to JSON');
    ancestors.add(node);
    const record = /** @type {Record<string, unknown>} */ (node);
    let out = '{';
    let first = true;
    for (const key of Object.keys(record).sort()) {
      const written = write(record[key], level + 1);
      if (!written) continue;
      out += `${first ? '' : ','}${inner}${JSON.stringify(key)}${colon}${written}`;
      first = false;
    }
    ancestors.delete(node);
    return `${out}${indent}}`;
  }

  return write(value, 0);
};
