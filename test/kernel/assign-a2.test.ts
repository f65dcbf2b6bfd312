/**
 * Assignment A2 (attention maps and attention transfer) end to end on real sandboxed kernels (cpu backend): its
 * release self-check passes, and `grade` scores a correct, a partial, an empty and a plausibly wrong submission
 * with the points counted by hand from A2's tests (notebooks/assignments/a2-attention-transfer/README.md):
 * attention_tests 6 visible + 3 hidden, at_tests 6 + 3, term_tests 3 + 2; why_normalise (2) by hand.
 */
import * as path from 'node:path';
import { assignmentTests, CORRECT, type Submission } from '../support/assign-submissions';

const DIR = path.resolve(__dirname, '..', '..', '..', 'notebooks', 'assignments', 'a2-attention-transfer');

/** The map without |·|: right for even p only. p = 1 (a visible test, and the hidden comparisons) fails. */
const SIGNED_POWER = `function attentionMap(features: tf.Tensor4D, p = 2): tf.Tensor3D {
  return tf.tidy(() => {
    const q = tf.mean(tf.pow(features, p), -1) as tf.Tensor3D;
    return tf.div(q, tf.maximum(tf.sqrt(tf.sum(tf.square(q), [1, 2], true)), 1e-12)) as tf.Tensor3D;
  });
}`;

const submissions: Submission[] = [
  {
    id: 'correct',
    cells: { attention_impl: CORRECT, at_impl: CORRECT, term_impl: CORRECT },
    expected: { attention_tests: 9, at_tests: 9, term_tests: 5 },
  },
  {
    id: 'partial',
    inFolder: true,
    cells: { attention_impl: CORRECT, at_impl: CORRECT },
    expected: { attention_tests: 9, at_tests: 9, term_tests: 0 },
  },
  { id: 'empty', expected: { attention_tests: 0, at_tests: 0, term_tests: 0 } },
  {
    // attention: visible 5 (p = 1 fails), hidden 1 (scaling at p = 2; the comparisons include p = 1);
    // at: visible 6 (all at p = 2), hidden 1 (the gradient at p = 2); term: 5 (p = 2 throughout).
    id: 'signed-power',
    cells: { attention_impl: SIGNED_POWER, at_impl: CORRECT, term_impl: CORRECT },
    expected: { attention_tests: 6, at_tests: 7, term_tests: 5 },
  },
];

assignmentTests('A2', DIR, 15, 23, submissions);
