import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { expandShorthandProperties } from '../../kernel/engine/shorthand';

test('shorthand properties are spelled out, everything else is left alone', () => {
  assert.equal(expandShorthandProperties('f({ teacher, seed: 1 })'), 'f({ teacher: teacher, seed: 1 })');
  assert.equal(expandShorthandProperties('const o = { a, b };'), 'const o = { a: a, b: b };');
  // destructuring declarations use binding patterns, not shorthand assignments: unchanged
  assert.equal(expandShorthandProperties('const { a, b } = o;'), 'const { a, b } = o;');
  // assignment patterns keep their defaults
  assert.equal(expandShorthandProperties('({ a = 1 } = o);'), '({ a: a = 1 } = o);');
  assert.equal(expandShorthandProperties('let x = 1;'), 'let x = 1;');
  assert.equal(expandShorthandProperties('const s = `{ a }`;'), 'const s = `{ a }`;');
});
