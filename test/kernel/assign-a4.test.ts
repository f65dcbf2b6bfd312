/**
 * Assignment A4 (the mini project: the smallest student reaching a target accuracy on a held-out set) end to end on
 * real sandboxed kernels (cpu backend), released and graded with --quick: 2,000 training images, target 65 % on
 * 2,000 held-out images (notebooks/assignments/a4-mini-project/README.md). Points of project_tests, counted by hand
 * from the rules: the interface 1 (visible), on target 3, and on target with at most 50,000 / 12,000 / 5,000
 * parameters 2 each; why_distil (2) by hand.
 * Also: the held-out set is out of a submission's reach — the data set's test files cannot be read, and a cell
 * that looks for the set itself finds nothing (one hostile submission tries both, and would train on what it found).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fashionMnistDir } from '../../lib/data/idx';
import { text } from '../../kernel/runner/notebook';
import { assignmentTests, CORRECT, type Submission } from '../support/assign-submissions';

const DIR = path.resolve(__dirname, '..', '..', '..', 'notebooks', 'assignments', 'a4-mini-project');
const FASHION = fashionMnistDir();

/** Trains `hidden` units on the labels alone (no teacher), as quick as the solution's student. */
const direct = (hidden: number[]) => `async function distilStudent(train: kd.data.Dataset): Promise<tf.LayersModel> {
  const student = kd.models.mlp({ inputShape: [28, 28, 1], hidden: ${JSON.stringify(hidden)}, name: 'student' });
  await new kd.distill.Distiller({ student, optimizer: { name: 'adam', learningRate: 0.003 } }).fit(train, {
    epochs: 3,
    batchSize: 64,
  });
  return student;
}`;

/**
 * Both ways to the held-out set: the data set's test files (by every route it tries) and the set itself (where a
 * cell could reach it). It trains on whatever it finds; finding nothing, it hands in an untrained student.
 */
const HOSTILE_READS = `import * as fs from 'fs';
async function distilStudent(_train: kd.data.Dataset): Promise<tf.LayersModel> {
  const dir = kd.data.fashionMnistDir() ?? '/usr/share/datasets/fashion-mnist';
  const found: string[] = [];
  const denied: string[] = [];
  const look = (what: string, f: () => unknown) => {
    try {
      const v = f();
      if (v !== undefined && v !== null && v !== '') found.push(what);
      return v;
    } catch (e) {
      console.log(what + ': ' + (e as Error).message);
      if (/ERR_ACCESS_DENIED|Access to this API has been restricted/.test(String((e as { code?: string }).code) + (e as Error).message))
        denied.push(what);
    }
  };
  const test = [
    look('fashionMnist()', () => kd.data.fashionMnist().test),
    look('loadIdx(t10k)', () => kd.data.loadIdx(dir + '/t10k-images-idx3-ubyte.gz', dir + '/t10k-labels-idx1-ubyte.gz')),
    look('idxDataset()', () => kd.data.idxDataset(dir).test),
    look('readFileSync(t10k labels)', () => fs.readFileSync(dir + '/t10k-labels-idx1-ubyte.gz')),
  ].find((d): d is kd.data.Dataset => typeof d === 'object' && d !== null && 'x' in d);
  console.log('test files denied: ' + denied.length + ' of 4');
  const held = (look('heldOutSet()', () => heldOutSet()) as { data: kd.data.Dataset } | undefined)?.data;
  look('the connection file', () => fs.readFileSync(process.argv[process.argv.length - 1], 'utf8'));
  look('the sealed API', () => (globalThis as unknown as { __tslab__: { sealed(n: string): unknown } }).__tslab__.sealed('0'));
  look('a global', () => Object.getOwnPropertyNames(globalThis).find((k) => /held_out|kdlab_/i.test(k)));
  look('the environment', () => Object.keys(process.env).find((k) => /HELD|KDLAB_RUN/i.test(k)));
  console.log('found: ' + (found.length ? found.join(', ') : 'nothing'));
  const student = kd.models.mlp({ inputShape: [28, 28, 1], hidden: [6], name: 'student' });
  const data = test ?? held;
  if (data) await new kd.distill.Distiller({ student, optimizer: { name: 'adam', learningRate: 0.01 } }).fit(data, { epochs: 4, batchSize: 64 });
  return student;
}`;

const submissions: Submission[] = [
  // The solution: a 6-unit student (4,780 parameters) distilled from a 32-unit teacher.
  { id: 'correct', cells: { student_impl: CORRECT }, expected: { project_tests: 10 } },
  // 32 hidden units (784·32 + 32 + 32·10 + 10 = 25,450 parameters) trained on the labels: on target, ≤ 50,000 only.
  { id: 'too-big', inFolder: true, cells: { student_impl: direct([32]) }, expected: { project_tests: 6 } },
  // The solution's 4,780-parameter student, never trained: the interface point, nothing else (size needs the target).
  {
    id: 'too-weak',
    cells: {
      student_impl: `async function distilStudent(_train: kd.data.Dataset): Promise<tf.LayersModel> {
  return kd.models.mlp({ inputShape: [28, 28, 1], hidden: [6], name: 'student' });
}`,
    },
    expected: { project_tests: 1 },
  },
  { id: 'empty', expected: { project_tests: 0 } },
  // Finds nothing to train on: an untrained student, the interface point only.
  { id: 'hostile-reads', cells: { student_impl: HOSTILE_READS }, expected: { project_tests: 1 } },
];

const a4 = assignmentTests('A4', DIR, 1, 10, submissions, ['--quick']);

const outputText = (id: string) =>
  a4
    .gradedNotebook(id)
    .cells.flatMap((c) => c.outputs ?? [])
    .map((o) => (o.output_type === 'stream' ? text(o.text) : ''))
    .join('');

test('A4 grade: the data set used is named, and the held-out set is the grader’s (2,000 images in --quick)', () => {
  const source = FASHION ? 'fashion-mnist' : 'bundled-mnist';
  assert.match(a4.run().grade.stderr, new RegExp(`held-out set: 2000 ${source} samples`));
  assert.match(outputText('correct'), FASHION ? /Fashion-MNIST: 2000 training images \(quick\)/ : /bundled MNIST/);
});

test('A4 grade: a submission cannot read the data set’s test files by any route', (t) => {
  if (!FASHION) return t.skip('Fashion-MNIST is not installed: its test files are not there to protect');
  assert.match(outputText('hostile-reads'), /test files denied: 4 of 4/);
});

test('A4 grade: a cell looking for the held-out set finds nothing (heldOutSet throws, the connection file is gone)', () => {
  const out = outputText('hostile-reads');
  assert.match(out, /heldOutSet\(\): heldOutSet: the held-out set is for the grader's hidden tests only/);
  assert.match(out, /the connection file: ENOENT/);
  assert.match(out, /the sealed API: __tslab__\.sealed: not for you/);
  assert.match(out, /found: nothing/);
});
