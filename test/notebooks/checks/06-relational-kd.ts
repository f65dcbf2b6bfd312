/** Chapter 6's own checks on its executed quick-mode run (see ./types). */
import * as assert from 'node:assert/strict';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter } from './types';

interface Verdict {
  name: string;
  head: string;
  t: number;
  line: string;
}

/**
 * Each verdict line `- **<name>: <head>** — … t = <t>, … <before → after per seed>`: the printed t must lie within the
 * range of t recomputed by hand from the per-seed numbers (over their rounding), and the head word must be the one
 * that t gives. `gain(before, after)` is positive when the treated side is better.
 */
function verdicts(
  block: string,
  where: string,
  gain: (before: number, after: number) => number,
  heads: [string, string, string],
): Verdict[] {
  const out: Verdict[] = [];
  for (const line of block.split('\n').filter((l) => l.startsWith('- **'))) {
    const m = /^- \*\*(.+?): (.+?)\*\* — /.exec(line);
    assert.ok(m, `${where}: verdict line has a name and a head: ${line}`);
    const seeds = [...line.matchAll(/seed \d+: (\d+(?:\.\d+)?) → (\d+(?:\.\d+)?)/g)];
    const n = seeds.length;
    assert.ok(CRITICAL_T[n], `${where}: 2–15 seeds on "${m[1]}", got ${n}`);
    // Values printed with k decimals are exact to ± half a unit of the last one: t is bounded over every rounding.
    const half = (v: string) => (v.includes('.') ? 0.5 * 10 ** -(v.length - v.indexOf('.') - 1) : 0);
    let lo = Infinity;
    let hi = -Infinity;
    for (let mask = 0; mask < 4 ** n; mask++) {
      const t = pairedT(
        seeds.map((p, i) => {
          const [ea, eb] = [(mask >> (2 * i)) & 1 ? 1 : -1, (mask >> (2 * i + 1)) & 1 ? 1 : -1];
          return gain(Number(p[1]) + ea * half(p[1]), Number(p[2]) + eb * half(p[2]));
        }),
      );
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
    const printed = /t = (-?[\d.]+|∞|−∞)/.exec(line);
    assert.ok(printed, `${where}: "${m[1]}" states t`);
    const pt = printed[1] === '∞' ? Infinity : printed[1] === '−∞' ? -Infinity : Number(printed[1]);
    if (Number.isFinite(pt))
      assert.ok(
        pt >= lo - 0.051 && pt <= hi + 0.051,
        `${where}: "${m[1]}" printed t ${printed[1]} outside [${lo.toFixed(2)}, ${hi.toFixed(2)}] from its per-seed numbers`,
      );
    const c = CRITICAL_T[n];
    const [better, worse, none] = heads;
    const category = (t: number) => (t > c ? better : t < -c ? worse : none);
    assert.equal(m[2], category(pt), `${where}: "${m[1]}" with t = ${printed[1]} (critical ${c})`);
    if (category(lo) === category(hi))
      assert.equal(
        m[2],
        category(lo),
        `${where}: "${m[1]}": its per-seed numbers give t in [${lo.toFixed(2)}, ${hi.toFixed(2)}]`,
      );
    out.push({ name: m[1], head: m[2], t: pt, line });
  }
  return out;
}

/**
 * Chapter 6's measured lessons and its verdicts recomputed from the numbers printed beside them:
 * - §6.1: scaling the teacher by 10 leaves both RKD losses unchanged (ratio 1 to 4 decimals) and multiplies the
 *   unnormalised distance loss (≈ 11 measured); RKD training brings both potentials closer to the teacher's.
 * - §6.2 / §6.3: every verdict's category (students against each other, and against the metric teacher) follows from
 *   its per-seed numbers (t recomputed by hand); these comparisons are marginal at quick-mode size, so no category is
 *   pinned (README gives the full-mode run).
 * - §6.4: from its four printed errors, KD is closer to the teacher's positions and Procrustes alignment removes more
 *   of the RKD-only student's distance — the same in every measured run — and the sentence says so.
 */
export function check({ markdown, where }: ExecutedChapter): void {
  const all = markdown.join('\n');
  const scale =
    /distance loss by a factor ([\d.]+) and the angle loss by ([\d.]+) \(\*\*both unchanged\*\*.*unnormalised distance loss grows by a factor \*\*([\d.]+)\*\*/.exec(
      all,
    );
  assert.ok(scale, `${where}: the ×10 sentence is present and says both RKD losses are unchanged`);
  assert.ok(Math.abs(Number(scale[1]) - 1) <= 1e-3, `${where}: L_D ratio ${scale[1]} is 1`);
  assert.ok(Math.abs(Number(scale[2]) - 1) <= 1e-3, `${where}: L_A ratio ${scale[2]} is 1`);
  assert.ok(Number(scale[3]) > 2, `${where}: the unnormalised loss changes with the scale (×${scale[3]})`);

  const pot =
    /ψ_D ([\d.]+) before training → \*\*([\d.]+)\*\* after RKD training; angle cosines ([\d.]+) → \*\*([\d.]+)\*\*/.exec(
      all,
    );
  assert.ok(pot, `${where}: the before/after potentials sentence is present`);
  assert.ok(Number(pot[2]) < Number(pot[1]), `${where}: ψ_D closer to the teacher after RKD (${pot[1]} → ${pot[2]})`);
  assert.ok(
    Number(pot[4]) < Number(pot[3]),
    `${where}: angles closer to the teacher after RKD (${pot[3]} → ${pot[4]})`,
  );

  const metricBlock = markdown.find((m) => m.startsWith('- **RKD-D: '));
  assert.ok(metricBlock, `${where}: the §6.2 verdicts are present`);
  // Recall printed to 0.1 points: t from the rounded per-seed values may differ a little from the printed one.
  const metric = verdicts(metricBlock, `${where} §6.2`, (before, after) => after - before, [
    'better than the triplet student',
    'worse than the triplet student',
    'no clear difference from the triplet student',
  ]);
  assert.deepEqual(
    metric.map((v) => v.name),
    ['RKD-D', 'RKD-A', 'RKD-DA', 'RKD-DA, 16-d'],
  );

  // §6.2's comparisons are marginal at quick-mode size (a few recall points over three seeds): no category is pinned.
  // Each student-against-teacher verdict follows from its per-seed Recall@1 against the teacher's (t by hand), and
  // the closing sentence from whether any student beat the teacher.
  const teacherLine = markdown.find((m) => m.startsWith('Teacher Recall@1:'));
  assert.ok(teacherLine, `${where}: the student-against-teacher sentence is present`);
  const teacherR1 = /^Teacher Recall@1: \*\*([\d.]+) %\*\*/.exec(teacherLine);
  assert.ok(teacherR1, `${where}: the teacher's Recall@1 is stated`);
  const beaten: string[] = [];
  for (const name of ['RKD-D', 'RKD-A', 'RKD-DA', 'RKD-DA, 16-d']) {
    const m = new RegExp(
      `${name} [\\d.]+ % \\(([^,]+), per seed ((?:[\\d.]+, )*[\\d.]+), t = (-?[\\d.]+|∞|−∞)\\)`,
    ).exec(teacherLine);
    assert.ok(m, `${where}: ${name} against the teacher is stated`);
    const perSeed = m[2].split(', ');
    const line = `- **${name}: ${m[1].replace(/\*\*/g, '')}** — t = ${m[3]}, ${perSeed.map((v, i) => `seed ${i}: ${teacherR1[1]} → ${v}`).join('; ')}`;
    const [v] = verdicts(line, `${where} §6.2 teacher`, (before, after) => after - before, [
      'beats the teacher',
      'below the teacher',
      'no clear difference from the teacher',
    ]);
    if (v.head === 'beats the teacher') beaten.push(name);
  }
  assert.equal(
    teacherLine.includes('no RKD student beat its teacher beyond the seed-to-seed noise'),
    beaten.length === 0,
    `${where}: the closing sentence follows from the verdicts (beat the teacher: ${beaten.join(', ') || 'none'})`,
  );

  const classBlock = markdown.find((m) => m.includes('**KD against baseline:'));
  assert.ok(classBlock, `${where}: the §6.3 verdicts are present`);
  const cls = verdicts(classBlock, `${where} §6.3`, (before, after) => before - after, [
    'helps',
    'hurts',
    'no clear effect',
  ]);
  assert.deepEqual(
    cls.map((v) => v.name),
    ['KD against baseline', 'RKD against baseline', 'KD + RKD against baseline', 'KD + RKD against KD'],
  );

  // §6.3's comparisons are marginal (a few tens of errors of 5,000; two changed category between backends in earlier
  // runs): checked against their numbers only, above.

  const pic =
    /relative squared distance of \*\*([\d.]+)\*\* from the teacher's, ([\d.]+) after alignment .*?RKD-only student's at \*\*([\d.]+)\*\*, which alignment brings down to \*\*([\d.]+)\*\*/.exec(
      all,
    );
  assert.ok(pic, `${where}: the §6.4 sentence is present`);
  const [kdRaw, kdAligned, rkdRaw, rkdAligned] = pic.slice(1).map(Number);
  const textbook = kdRaw < rkdRaw && rkdRaw / rkdAligned > kdRaw / kdAligned;
  // Central lesson, the same in every measured run: the KD student sits closer to the teacher's positions, and
  // alignment removes far more of the RKD-only student's distance (it copied structure, not positions).
  assert.ok(
    textbook,
    `${where}: §6.4 KD copies positions, RKD structure (KD ${kdRaw}/${kdAligned}, RKD-only ${rkdRaw}/${rkdAligned})`,
  );
  assert.ok(all.includes('One-to-one KD copies *positions*'), `${where}: the §6.4 conclusion states it`);
}
