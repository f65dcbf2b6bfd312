/**
 * Assignment A2 (attention maps and attention transfer) end to end on real sandboxed kernels (cpu backend): its
 * release self-check passes, and `grade` scores a correct, a partial, an empty and a plausibly wrong submission
 * with the points counted by hand from A2's tests (notebooks/assignments/a2-attention-transfer/README.md):
 * attention_tests 6 visible + 3 hidden, at_tests 6 + 3, term_tests 3 + 2; why_normalise (2) by hand.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { CORRECT, releaseAndGrade, type Submission } from '../support/assign-submissions';
import type { AssignRun } from '../support/kdlab-assign';
import type { Gradebook } from '../../kernel/assign/gradebook';

const DIR = path.resolve(__dirname, '..', '..', '..', 'notebooks', 'assignments', 'a2-attention-transfer');
const opts = makeTestKernelspec('kdlab-assign-a2-');
test.after(() => fs.rmSync(opts.tmp, { recursive: true, force: true }));

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

let release: AssignRun;
let grade: AssignRun;
let book: Gradebook;
before(async () => ({ release, grade, book } = await releaseAndGrade(DIR, submissions, opts)));

test('A2 release: the self-check passes (15 visible points) and the student version is written', () => {
  assert.equal(release.code, 0, release.stderr);
  assert.match(release.stderr, /self-check passed \(15 visible points\)/);
  assert.deepEqual(fs.readdirSync(path.join(opts.tmp, 'release')), ['a2-attention-transfer.ipynb']);
});

for (const f of submissions)
  test(`A2 grade: '${f.id}' scores ${JSON.stringify(f.expected)} of 9 + 9 + 5`, () => {
    assert.equal(grade.code, 0, grade.stderr);
    const s = book.students.find((x) => x.id === f.id);
    assert.ok(s, `no gradebook row for ${f.id}:\n${grade.stderr}`);
    const lost = s.tests.filter((t) => t.points < t.max);
    assert.deepEqual(s.cells, f.expected, JSON.stringify(lost, null, 1));
    assert.equal(s.max, 23);
    assert.deepEqual(s.tamper, []);
  });
