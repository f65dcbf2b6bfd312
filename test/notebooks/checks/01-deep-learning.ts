/** Chapter 1's own checks on its executed quick-mode run (see ./types). */
import * as assert from 'node:assert/strict';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter } from './types';

/** Paired t of baseline − treated over the "seed s: a → b" pairs of a sentence, recomputed here by hand. */
function sentenceT(sentence: string, where: string): { t: number; n: number; printed: number } {
  const pairs = [...sentence.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => Number(m[1]) - Number(m[2]));
  const n = pairs.length;
  assert.ok(CRITICAL_T[n], `${where}: expected 2–15 seed pairs, got ${n}: ${sentence}`);
  const t = pairedT(pairs);
  const printed = /t = (-?[\d.]+|∞|−∞)/.exec(sentence);
  assert.ok(printed, `${where}: the sentence states t`);
  const value = printed[1] === '∞' ? Infinity : printed[1] === '−∞' ? -Infinity : Number(printed[1]);
  if (Number.isFinite(t))
    assert.ok(Math.abs(value - t) < 0.051, `${where}: printed t ${printed[1]}, recomputed ${t.toFixed(2)}`);
  return { t, n, printed: value };
}

/** 'better' | 'worse' | 'noise' for the treated side, as kd.experiment.paired decides it. */
const category = ({ t, n }: { t: number; n: number }) =>
  t > CRITICAL_T[n] ? 'better' : t < -CRITICAL_T[n] ? 'worse' : 'noise';

/**
 * Quick mode runs §1.1 and §1.2 with exactly the settings of full mode, so these must read as full mode's did
 * (tensorflow and wasm, README's chapter table): on MNIST and Fashion-MNIST at 2,000 images no clear difference
 * between the CNN and the hand features (|t| 2.0–3.7 against 4.30: close to the line); end to end clearly beats the
 * PCA pipeline; the learning curves cross (hand features ahead at 100 images, the CNN at the largest size); the
 * whole embedding classifies far better than any single coordinate.
 */
export function check({ markdown, where }: ExecutedChapter): void {
  const all = markdown.join('\n');
  for (const name of ['MNIST', 'Fashion-MNIST']) {
    const sentence = all.split('\n').find((l) => l.startsWith(`On ${name} **`));
    if (name === 'Fashion-MNIST' && !sentence) {
      assert.match(all, /Fashion-MNIST was skipped/, `${where}: Fashion-MNIST either runs or says it was skipped`);
      continue;
    }
    assert.ok(sentence, `${where}: the §1.1 verdict for ${name} is present`);
    const c = category(sentenceT(sentence, `${where} §1.1 ${name}`));
    const words = {
      better: 'the CNN beats the hand-designed features',
      worse: 'the hand-designed features beat the CNN',
      noise: 'no clear difference',
    };
    assert.ok(sentence.includes(`**${words[c]}`), `${where}: §1.1 ${name} should read "${words[c]}": ${sentence}`);
    assert.equal(
      c,
      'noise',
      `${where}: §1.1 ${name}: at 2,000 images full and quick mode (tensorflow, wasm) found no clear difference`,
    );
  }

  const e2e = markdown.find((m) => /pipeline → end to end/.test(m));
  assert.ok(e2e, `${where}: the §1.2 verdict is present`);
  const c2 = category(sentenceT(e2e, `${where} §1.2`));
  assert.equal(c2, 'better', `${where}: §1.2 end to end must beat the pipeline beyond the noise: ${e2e}`);
  assert.match(e2e, /^\*\*End-to-end training wins\*\*/, `${where}: §1.2 sentence category`);

  const curve = markdown.find((m) => /by training-set size: /.test(m));
  assert.ok(curve, `${where}: the §1.3 verdict is present`);
  const points = [...curve.matchAll(/(\d+): (\d+(?:\.\d+)?) vs (\d+(?:\.\d+)?)/g)].map((m) => ({
    n: Number(m[1]),
    hand: Number(m[2]),
    cnn: Number(m[3]),
  }));
  assert.ok(points.length >= 3, `${where}: §1.3 lists its sizes (${points.length})`);
  assert.ok(
    points.every((p, i) => i === 0 || p.n > points[i - 1].n),
    `${where}: §1.3 sizes increase`,
  );
  assert.ok(points[0].hand > points[0].cnn, `${where}: hand features ahead at ${points[0].n} images: ${curve}`);
  const last = points[points.length - 1];
  assert.ok(last.cnn > last.hand, `${where}: the CNN ahead at ${last.n} images: ${curve}`);
  const ahead = points.map((p) => p.cnn > p.hand);
  const first = ahead.indexOf(true);
  if (ahead.slice(first).every((a) => a))
    assert.ok(
      curve.includes(
        `the hand features are ahead up to ${points[first - 1].n} training images, the CNN from ${points[first].n} on`,
      ),
      `${where}: §1.3 names the crossing: ${curve}`,
    );

  const size = /weights grow \*\*(\d+)×\*\* \(([\d,]+) KB → ([\d,]+) KB\)/.exec(all);
  assert.ok(size, `${where}: the §1.4 sentence is present`);
  const [small, big] = [Number(size[2].replace(/,/g, '')), Number(size[3].replace(/,/g, ''))];
  assert.equal(Number(size[1]), Math.round(big / small), `${where}: §1.4 growth factor ${size[1]} = ${big} / ${small}`);
  assert.match(all, /the largest is [\d.]+× over budget/, `${where}: §1.4 the largest model is over the device budget`);

  const emb =
    /whole embedding: \*\*([\d.]+) %\*\* test accuracy\. On the single most informative coordinate \(\d+\): ([\d.]+) %/.exec(
      all,
    );
  assert.ok(emb, `${where}: the §1.5 sentence is present`);
  assert.ok(
    Number(emb[1]) > Number(emb[2]) + 30,
    `${where}: §1.5 whole embedding ${emb[1]} % ≫ best coordinate ${emb[2]} %`,
  );
}
