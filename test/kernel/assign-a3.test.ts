/**
 * Assignment A3 (RKD distance and angle potentials and the RKD loss) end to end on real sandboxed kernels (cpu
 * backend): its release self-check passes, and `grade` scores a correct, a partial, an empty and a plausibly wrong
 * submission with the points counted by hand from A3's tests (notebooks/assignments/a3-relational-kd/README.md):
 * distance_tests 6 visible + 3 hidden, angle_tests 5 + 3, loss_tests 5 + 3; why_relational (2) by hand.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { CORRECT, releaseAndGrade, type Submission } from '../support/assign-submissions';
import type { AssignRun } from '../support/kdlab-assign';
import type { Gradebook } from '../../kernel/assign/gradebook';

const DIR = path.resolve(__dirname, '..', '..', '..', 'notebooks', 'assignments', 'a3-relational-kd');
const opts = makeTestKernelspec('kdlab-assign-a3-');
test.after(() => fs.rmSync(opts.tmp, { recursive: true, force: true }));

/** μ averaged over all N² pairs, diagonal included: μ is (N − 1)/N of Park et al.'s, every ψ_D too large. */
const MU_OVER_N_SQUARED = `function distancePotential(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const squared = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(x, 0))), -1);
    const positive = tf.step(squared);
    const d = tf.mul(tf.sqrt(tf.add(tf.mul(squared, positive), tf.sub(1, positive))), positive);
    const mu = tf.div(tf.sum(d), n * n);
    return tf.div(d, tf.add(mu, tf.sub(1, tf.step(mu)))) as tf.Tensor2D;
  });
}`;

const submissions: Submission[] = [
  {
    id: 'correct',
    cells: { distance_impl: CORRECT, angle_impl: CORRECT, loss_impl: CORRECT },
    expected: { distance_tests: 9, angle_tests: 8, loss_tests: 8 },
  },
  {
    id: 'partial',
    inFolder: true,
    cells: { distance_impl: CORRECT },
    expected: { distance_tests: 9, angle_tests: 0, loss_tests: 0 },
  },
  { id: 'empty', expected: { distance_tests: 0, angle_tests: 0, loss_tests: 0 } },
  {
    // distance: visible 5 (the 3-4-5 case fails; symmetry, invariance, zeros, tensors, scratch pass), hidden 0.
    // angle: 8. loss (built on that distance): identical → 0, rotated copy → 0 and tensors pass (3); the 3-4-5
    // case and the Huber case (which gives 25 · 20/25 = 20, not 14) fail, hidden comparisons and gradient fail.
    id: 'mu-over-n-squared',
    cells: { distance_impl: MU_OVER_N_SQUARED, angle_impl: CORRECT, loss_impl: CORRECT },
    expected: { distance_tests: 5, angle_tests: 8, loss_tests: 3 },
  },
];

let release: AssignRun;
let grade: AssignRun;
let book: Gradebook;
before(async () => ({ release, grade, book } = await releaseAndGrade(DIR, submissions, opts)));

test('A3 release: the self-check passes (16 visible points) and the student version is written', () => {
  assert.equal(release.code, 0, release.stderr);
  assert.match(release.stderr, /self-check passed \(16 visible points\)/);
  assert.deepEqual(fs.readdirSync(path.join(opts.tmp, 'release')), ['a3-relational-kd.ipynb']);
});

for (const f of submissions)
  test(`A3 grade: '${f.id}' scores ${JSON.stringify(f.expected)} of 9 + 8 + 8`, () => {
    assert.equal(grade.code, 0, grade.stderr);
    const s = book.students.find((x) => x.id === f.id);
    assert.ok(s, `no gradebook row for ${f.id}:\n${grade.stderr}`);
    const lost = s.tests.filter((t) => t.points < t.max);
    assert.deepEqual(s.cells, f.expected, JSON.stringify(lost, null, 1));
    assert.equal(s.max, 25);
    assert.deepEqual(s.tamper, []);
  });
