/** Chapter 5's own checks on its executed quick-mode run (see ./types). */
import * as assert from 'node:assert/strict';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter } from './types';

/**
 * The category a verdict line must state, recomputed by hand from the per-seed "seed s: a → b" pairs printed in
 * it (a = baseline, b = treated; lower is better): the paired t statistic against Student's t at 95 %.
 */
function recomputed(line: string, where: string): { head: string; t: number } {
  const pairs = [...line.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  const n = pairs.length;
  assert.ok(CRITICAL_T[n], `${where}: expected 2–15 seeds in "${line}", got ${n}`);
  const gains = pairs.map(([b, t]) => b - t);
  const t = pairedT(gains);
  const printed = /t = (-?[\d.]+|∞|-∞)/.exec(line);
  assert.ok(printed, `${where}: the verdict states t: ${line}`);
  if (Number.isFinite(t))
    assert.ok(
      Math.abs(Number(printed[1]) - t) < 0.051,
      `${where}: printed t ${printed[1]}, recomputed ${t.toFixed(2)}`,
    );
  const head = t > CRITICAL_T[n] ? 'helps' : t < -CRITICAL_T[n] ? 'hurts' : 'no clear effect';
  return { head, t };
}

/** Every "- **method** against base: **verdict** — …" line of the first markdown output matching `marker`. */
function verdictLines(markdown: string[], marker: RegExp, where: string, count: number): Map<string, string> {
  const block = markdown.find((m) => marker.test(m) && /^- \*\*/.test(m));
  assert.ok(block, `${where}: the verdict list (${String(marker)}) is present`);
  const lines = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^- \*\*(.+?)\*\* against .+?: \*\*(helps|hurts|no clear effect)\*\*/.exec(line);
    if (!m) continue;
    const { head, t } = recomputed(line, where);
    assert.equal(m[2], head, `${where}: t = ${t.toFixed(2)} should read "${head}": ${line}`);
    lines.set(m[1], head);
  }
  assert.equal(lines.size, count, `${where}: expected ${count} verdicts in ${String(marker)}, got ${lines.size}`);
  return lines;
}

/**
 * §5.2's central lesson — does the teacher's knowledge help the compact embedding student on the unseen classes? —
 * pinned to the category every measured run produced (quick mode on wasm and tensorflow, full mode on tensorflow;
 * README's chapter table). The other comparisons are only recomputed from their printed numbers: they are marginal at
 * quick-mode size ('+ absolute' and §5.4's two-stage FitNets read 'hurts', AT at block2 'helps', in full mode only).
 */
const CENTRAL: Record<string, string> = { '+ relative': 'no clear effect', '+ both': 'no clear effect' };

/** "R@1 85.9, R@2 92.3, R@4 95.3, R@8 97.6" after `who` in the sentence → the four numbers. */
function recallsAfter(sentence: string, who: string, where: string): number[] {
  const m = new RegExp(`${who}[^R]*R@1 ([\\d.]+), R@2 ([\\d.]+), R@4 ([\\d.]+), R@8 ([\\d.]+)`).exec(sentence);
  assert.ok(m, `${where}: §5.1 states the Recall@K of ${who}: ${sentence}`);
  return m.slice(1, 5).map(Number);
}

/** Chapter 5's verdicts must follow from the per-seed numbers printed beside them (recomputed here by hand). */
export function check({ markdown, where }: ExecutedChapter): void {
  const note = markdown.find((m) => /^(Data: |Fashion-MNIST is not installed)/.test(m));
  assert.ok(note, `${where}: §5.1 names the data it ran on`);

  const setting = markdown.find((m) => m.startsWith('On the ') && m.includes('the trained teacher reaches'));
  assert.ok(setting, `${where}: §5.1's sentence on the teacher against raw pixels is present`);
  const teacher = recallsAfter(setting, 'the trained teacher reaches', where);
  const pixels = recallsAfter(setting, 'raw pixels reach', where);
  // the printed values are rounded to 0.1: a printed tie could go either way
  const says = /made the distances better for classes it never saw, at every K/.test(setting);
  const printed = `teacher ${teacher.join('/')} against pixels ${pixels.join('/')}`;
  if (teacher.every((r, i) => r > pixels[i])) assert.ok(says, `${where}: better at every K: ${printed}`);
  if (teacher.some((r, i) => r < pixels[i])) assert.ok(!says, `${where}: not better at every K: ${printed}`);

  const metric = verdictLines(markdown, /misses at Recall@1/, where, 5);
  const cls = verdictLines(markdown, /against the baseline/, where, 5);
  assert.deepEqual(
    [...metric.keys()],
    ['+ absolute', '+ relative', '+ both', '16-d, + relative', '16-d, + absolute via projection'],
    `${where}: §5.2 compares every teacher loss with the triplet-only student`,
  );
  assert.deepEqual(
    [...cls.keys()],
    ['KD', 'FitNets, one-stage', 'FitNets, two-stage', 'AT, block2', 'AT, block1 + block2'],
    `${where}: §5.4 compares every method with the baseline`,
  );
  for (const [name, head] of Object.entries(CENTRAL))
    assert.equal(metric.get(name), head, `${where}: "${name}" read "${head}" in every measured run`);

  const refusal = markdown.find((m) => m.startsWith('absoluteTeacherLoss(16-d student, 64-d teacher) throws'));
  assert.ok(refusal, `${where}: §5.2 shows the absolute loss refusing a 16-d student against a 64-d teacher`);
  assert.match(refusal, /\[4,16\].*\[4,64\]/, `${where}: the refusal names both shapes`);
  const relative = /returns (\d+\.\d+)/.exec(refusal);
  assert.ok(relative && Number(relative[1]) > 0, `${where}: the relative loss gives a positive value for 16 vs 64`);

  const ckaLine = markdown.find((m) => m.startsWith('CKA between same-named layers'));
  assert.ok(ckaLine, `${where}: §5.3's CKA sentence is present`);
  const values = [...ckaLine.matchAll(/(\d\.\d\d) → (\d\.\d\d)/g)].flatMap((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(values.length, 10, `${where}: CKA before → after for the five student layers`);
  assert.ok(
    values.every((v) => v >= 0 && v <= 1),
    `${where}: CKA values lie in [0, 1]: ${values.join(', ')}`,
  );
}
