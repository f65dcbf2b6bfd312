/**
 * Assignment A3 (RKD distance and angle potentials and the RKD loss) end to end on real sandboxed kernels (cpu
 * backend): its release self-check passes, and `grade` scores a correct, a partial, an empty and a plausibly wrong
 * submission with the points counted by hand from A3's tests (notebooks/assignments/a3-relational-kd/README.md):
 * distance_tests 6 visible + 3 hidden, angle_tests 5 + 3, loss_tests 5 + 3; why_relational (2) by hand.
 */
import * as path from 'node:path';
import { assignmentTests, CORRECT, type Submission } from '../support/assign-submissions';

const DIR = path.resolve(__dirname, '..', '..', '..', 'notebooks', 'assignments', 'a3-relational-kd');

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

assignmentTests('A3', DIR, 16, 25, submissions);
