/**
 * The public surface, read from the build: what `require('kdlab')` gives at run time, the declarations
 * dist/lib/index.d.ts exports (namespaces included, types too), and the entry points package.json `exports` opens.
 * Internals stay out of all three; a concept that has one home is exported once.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ts from 'typescript';

const PACKAGE_ROOT = path.join(__dirname, '..', '..', '..');
const INDEX_DTS = path.join(PACKAGE_ROOT, 'dist', 'lib', 'index.d.ts');

/** Internals a library user never calls (wasm kernel registration, cache-key hashing, the seeded RNG, display tags). */
const INTERNAL = [
  'registerWasmTrainingKernels',
  'WASM_TRAINING_KERNELS',
  'stableHash',
  'stableStringify',
  'mulberry32',
  'deriveSeed',
  'permutation',
  'randInt',
  'randNormal',
  'SeededRandom',
  'FIGURE_KIND',
  'TABLE_KIND',
  'MARKDOWN_KIND',
  'IMAGE_KIND',
];
const isInternal = (name: string) => INTERNAL.includes(name) || /_KIND$/.test(name);

/** `namespace.name` for every export of the built declarations, one level into each `export * as ns`. */
function declaredExports(): string[] {
  const program = ts.createProgram([INDEX_DTS], { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(INDEX_DTS);
  assert.ok(source, `${INDEX_DTS} is missing: run npm run build`);
  const module = checker.getSymbolAtLocation(source);
  assert.ok(module, 'dist/lib/index.d.ts is a module');
  const out: string[] = [];
  for (const top of checker.getExportsOfModule(module)) {
    const target = top.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(top) : top;
    if (target.flags & ts.SymbolFlags.ValueModule && top.name !== 'tf') {
      for (const inner of checker.getExportsOfModule(target)) out.push(`${top.name}.${inner.name}`);
    } else out.push(top.name);
  }
  return out;
}

/** `namespace.name` for every run-time export of require('kdlab') (tf is TensorFlow.js itself, not kdlab's). */
function runtimeExports(kd: Record<string, unknown>): string[] {
  return Object.entries(kd).flatMap(([name, value]) =>
    name !== 'tf' && typeof value === 'object' && value !== null
      ? Object.keys(value).map((k) => `${name}.${k}`)
      : [name],
  );
}

const last = (qualified: string) => qualified.slice(qualified.lastIndexOf('.') + 1);

test('require("kdlab") resolves through package.json exports to the built library, without internals', () => {
  const kd = require('kdlab') as Record<string, unknown>;
  assert.equal(require.resolve('kdlab'), path.join(PACKAGE_ROOT, 'dist', 'lib', 'index.js'));
  const names = runtimeExports(kd);
  // the surface is read, not empty: the namespaces and a few names every chapter uses are there
  for (const expected of [
    'Distiller',
    'version',
    'backend.init',
    'data.mnist',
    'data.batches',
    'models.inputShapeOf',
    'plot.table',
    'distill.cachedModel',
  ]) {
    assert.ok(names.includes(expected), `${expected} is exported`);
  }
  assert.deepEqual(
    names.filter((n) => isInternal(last(n))),
    [],
    'internals exported at run time',
  );
  assert.deepEqual(
    names.filter((n) => last(n) === 'inputShapeOf'),
    ['models.inputShapeOf'],
    'one inputShapeOf',
  );
});

test('dist/lib/index.d.ts declares no internals, one Batch and one inputShapeOf', () => {
  const names = declaredExports();
  for (const expected of ['Distiller', 'data.Batch', 'data.Dataset', 'distill.FitOptions', 'losses.registry']) {
    assert.ok(names.includes(expected), `${expected} is declared`);
  }
  assert.deepEqual(
    names.filter((n) => isInternal(last(n))),
    [],
    'internals declared',
  );
  assert.deepEqual(
    names.filter((n) => last(n) === 'Batch'),
    ['data.Batch'],
  );
  assert.deepEqual(
    names.filter((n) => last(n) === 'inputShapeOf'),
    ['models.inputShapeOf'],
  );
});

test('package.json exports opens the library and package.json only, not deep paths', () => {
  assert.equal((require('kdlab/package.json') as { name: string }).name, 'kdlab');
  for (const deep of [
    'kdlab/dist/lib/common/random',
    'kdlab/dist/lib/distill/cache.js',
    'kdlab/dist/kernel/cli.js',
    'kdlab/lib/index.ts',
  ]) {
    assert.throws(
      () => require.resolve(deep),
      (e: NodeJS.ErrnoException) => e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      deep,
    );
  }
});
