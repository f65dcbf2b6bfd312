/** Chapter 4's own checks on its executed quick-mode run (see ./types). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LIVE_MODELS_MIME, LiveModels } from '../../../kernel/display/live-models';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter } from './types';

/**
 * Chapter 4's verdict must follow from the per-seed numbers printed beside it: recompute the paired t statistic
 * from them here (by hand, not with kd.experiment) and check the sentence's category. Quick mode was measured to
 * give t = 6.6 (wasm) and 10.4 (tensorflow) against a critical 4.30, with every seed's gain ≥ 55 errors of 8,000
 * (README's chapter table), so it must say "helps"; a teacher trained 30 instead of 40 epochs gives t = 1.4.
 */
export function check({ markdown, outputs, where }: ExecutedChapter): void {
  const verdict = markdown.find((m) => /Test errors without → with KD/.test(m));
  assert.ok(verdict, `${where}: the §4.3 verdict sentence is present`);
  const pairs = [...verdict.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(pairs.length >= 2, `${where}: the verdict lists the per-seed errors (got ${pairs.length} pairs)`);
  const gains = pairs.map(([b, k]) => b - k);
  const n = gains.length;
  const t = pairedT(gains);
  assert.ok(CRITICAL_T[n], `${where}: expected 2–15 seeds, got ${n}`);
  const printed = /t = (-?[\d.]+|∞)/.exec(verdict);
  assert.ok(printed, `${where}: the verdict states t`);
  if (Number.isFinite(t))
    assert.ok(
      Math.abs(Number(printed[1]) - t) < 0.051,
      `${where}: printed t ${printed[1]}, recomputed ${t.toFixed(2)}`,
    );
  const expected =
    t > CRITICAL_T[n]
      ? 'Distillation helps here'
      : t < -CRITICAL_T[n]
        ? 'Distillation hurt in this run'
        : 'No clear effect in this run';
  assert.ok(
    verdict.includes(expected),
    `${where}: t = ${t.toFixed(2)} with ${n} seeds should read "${expected}": ${verdict}`,
  );
  assert.equal(
    expected,
    'Distillation helps here',
    `${where}: quick mode must teach the chapter's measured lesson (KD helps)`,
  );
  const omitted =
    /gets \*\*(\d+) of (\d+)\*\* test 3s wrong\. Distilled on the same 3-free transfer set it gets (\d+) wrong/.exec(
      markdown.join('\n'),
    );
  assert.ok(omitted, `${where}: the omitted-class sentence is present`);
  assert.ok(
    Number(omitted[3]) < Number(omitted[1]),
    `${where}: the distilled student gets fewer of the never-seen 3s wrong (${omitted[3]} vs ${omitted[1]})`,
  );
  // The last cell hands the models to the site's live page: the teacher and the first seed's two students, saved.
  const live = outputs.find((o) => o.data?.[LIVE_MODELS_MIME])?.data?.[LIVE_MODELS_MIME] as LiveModels | undefined;
  assert.ok(live, `${where}: the models are handed to the live page (saveForLivePage's output)`);
  // Parameters by hand: 784·1200 + 1200 + 1200·1200 + 1200 + 1200·10 + 10 and 784·800 + 800 + 800·800 + 800 + 800·10 + 10.
  assert.deepEqual(
    live.models.map((m) => [m.role, m.label, m.parameters]),
    [
      ['teacher', 'teacher 784-1200-1200-10', 2395210],
      ['student', 'distilled student 784-800-800-10', 1276810],
      ['baseline', 'student without KD 784-800-800-10', 1276810],
    ],
  );
  for (const m of live.models)
    assert.ok(fs.existsSync(path.join(m.dir, 'weights.bin')), `${where}: the ${m.role}'s weights are in ${m.dir}`);
}
