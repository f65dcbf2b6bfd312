/** Chapter 3's own checks on its executed quick-mode run (see ./types). */
import * as assert from 'node:assert/strict';
import type { ExecutedChapter } from './types';

type Category = 'helps' | 'hurts' | 'no clear effect';

/** Two-sided 95 % t quantiles (Student's t tables) for 1–4 degrees of freedom. */
const CRITICAL: Record<number, number> = { 2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776 };

/**
 * Every verdict line reads `**<what>: <category>** … t = <t> … Test errors seed s: a → b; …`. Recompute the paired
 * t statistic from the per-seed errors by hand and check both the printed t and the category.
 */
function verdicts(markdown: string[], where: string): Map<string, Category> {
  const found = new Map<string, Category>();
  for (const line of markdown.join('\n').split('\n')) {
    const head = /\*\*(.+): (helps|hurts|no clear effect)\*\*/.exec(line);
    if (!head || !line.includes('Test errors seed')) continue;
    const pairs = [...line.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const gains = pairs.map(([b, k]) => b - k);
    const n = gains.length;
    assert.ok(CRITICAL[n], `${where}: ${head[1]}: expected 2–5 seeds, got ${n}`);
    const mean = gains.reduce((a, g) => a + g, 0) / n;
    const sd = Math.sqrt(gains.reduce((a, g) => a + (g - mean) ** 2, 0) / (n - 1));
    const t = sd === 0 ? (mean === 0 ? 0 : Math.sign(mean) * Infinity) : mean / (sd / Math.sqrt(n));
    const printed = /t = (-?[\d.]+|−?∞)/.exec(line);
    assert.ok(printed, `${where}: ${head[1]}: the verdict states t`);
    if (Number.isFinite(t))
      assert.ok(
        Math.abs(Number(printed[1]) - t) < 0.051,
        `${where}: ${head[1]}: printed t ${printed[1]}, recomputed ${t.toFixed(2)}`,
      );
    const expected: Category = t > CRITICAL[n] ? 'helps' : t < -CRITICAL[n] ? 'hurts' : 'no clear effect';
    assert.equal(
      head[2],
      expected,
      `${where}: ${head[1]}: t = ${t.toFixed(2)} with ${n} seeds should read "${expected}"`,
    );
    found.set(head[1], expected);
  }
  return found;
}

/**
 * The categories quick and full mode both produced on tensorflow and quick mode on wasm (2026-12-05; see the README's
 * chapter table). Quick mode runs the MLP (so every §3.2 and §3.3 comparison) and the GRU over the same five seeds as
 * full mode, the CNN and the Transformer over the first three: on tensorflow those five-seed numbers are the same in
 * both modes, and the CNN's and Transformer's gains measured t = 6.1 / 17.3 (3 seeds) and 5.0 / 17.1 (5 seeds).
 */
const MEASURED: Record<string, Category> = {
  'KD for the MLP student': 'no clear effect',
  'KD for the CNN student': 'helps',
  'KD for the RNN (GRU) student': 'helps',
  'KD for the Transformer student': 'helps',
  'response (Hinton) knowledge': 'no clear effect',
  'feature (FitNets hint) knowledge': 'helps',
  'relation (RKD distances) knowledge': 'no clear effect',
  'Offline KD (frozen teacher → MLP)': 'no clear effect',
  'Born-again MLP against its teacher': 'no clear effect',
  'Deep mutual learning against training alone': 'no clear effect',
};

export function check({ markdown, where }: ExecutedChapter): void {
  const found = verdicts(markdown, where);
  for (const [what, category] of Object.entries(MEASURED)) {
    assert.ok(found.has(what), `${where}: the verdict "${what}" is present`);
    assert.equal(found.get(what), category, `${where}: ${what} must read "${category}" (both modes measured so)`);
  }
  // The summary names exactly the structures whose own verdict reads "helps".
  const summary = /KD helped beyond the noise for (.+?); /.exec(markdown.join('\n'));
  assert.ok(summary, `${where}: the §3.1 summary line is present`);
  const helped = ['MLP', 'CNN', 'RNN (GRU)', 'Transformer'].filter(
    (f) => found.get(`KD for the ${f} student`) === 'helps',
  );
  assert.equal(
    summary[1],
    helped.length ? helped.join(', ') : 'none of the four',
    `${where}: the summary's structures`,
  );
  const unrolled = /matches its recurrent layer to (\S+)\./.exec(markdown.join('\n'));
  assert.ok(unrolled, `${where}: the unrolled-GRU sentence is present`);
  assert.ok(
    Number(unrolled[1]) < 1e-4,
    `${where}: the unrolled GRU equals the recurrent layer (difference ${unrolled[1]})`,
  );
}
