/**
 * Cells use the preloaded globals as namespaces (types such as tf.Tensor, kd.data.Dataset) and refer to an earlier
 * cell's variables inside shorthand properties — both broke in plain tslab — through the real runner and kernel.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const cell = (source: string) => ({
  cell_type: 'code',
  id: Math.random().toString(16).slice(2, 10),
  metadata: {},
  execution_count: null,
  outputs: [],
  source,
});

test('kd and tf are namespaces in cells, and shorthand properties see earlier cells', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-globals-'));
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'kdlab', display_name: 'TypeScript (kdlab)', language: 'typescript' } },
    cells: [
      cell(
        'const t: tf.Tensor = tf.tensor([1, 2, 3]);\nconst ds: kd.data.Dataset = kd.data.mnist({ train: 5, test: 5 }).train;',
      ),
      cell(
        'const seed = 7;\nfunction pack() { return { seed, n: ds.n, sum: t.sum().dataSync()[0] }; }\nJSON.stringify(pack())',
      ),
    ],
  };
  fs.writeFileSync(path.join(dir, 'g.ipynb'), JSON.stringify(nb));
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'kernel', 'cli.js'), 'run', path.join(dir, 'g.ipynb'), '--out', path.join(dir, 'out')],
    { encoding: 'utf8', env: { ...process.env, KDLAB_BACKEND: 'cpu' }, timeout: 180_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'g.ipynb'), 'utf8'));
  const result = out.cells[1].outputs.find((o: { output_type: string }) => o.output_type === 'execute_result');
  // seed from cell 2, 5 training samples, 1 + 2 + 3 = 6
  assert.equal([].concat(result.data['text/plain']).join(''), `'{"seed":7,"n":5,"sum":6}'`);
  fs.rmSync(dir, { recursive: true, force: true });
});
