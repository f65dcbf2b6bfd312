/**
 * The committed notebooks are sources: no outputs, no execution counts, no per-cell timing (a notebook saved
 * from JupyterLab or a `kdlab run --inplace` must not slip into the repository; `kdlab init` makes copies to work in).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function notebooks(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : notebooks(p);
    return e.name.endsWith('.ipynb') ? [p] : [];
  });
}

test('notebooks/ is committed without outputs and execution counts', () => {
  const files = notebooks(path.join(ROOT, 'notebooks'));
  assert.ok(files.length > 0, 'notebooks/ holds notebooks');
  for (const f of files) {
    const nb = JSON.parse(fs.readFileSync(f, 'utf8'));
    const name = path.relative(ROOT, f);
    nb.cells.forEach((c: any, i: number) => {
      if (c.cell_type !== 'code') return;
      assert.deepEqual(c.outputs, [], `${name} cell ${i} has outputs (clear them, or work in a copy: npx kdlab init)`);
      assert.equal(c.execution_count, null, `${name} cell ${i} has an execution count`);
      assert.equal(c.metadata?.execution, undefined, `${name} cell ${i} has execution timing`);
    });
    assert.equal(nb.metadata?.signature, undefined, `${name} is signed (trusted): commit it unsigned`);
  }
});
