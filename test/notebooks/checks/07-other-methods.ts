/** Chapter 7's own checks on its executed quick-mode run (see ./types). */
import * as assert from 'node:assert/strict';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter } from './types';

/**
 * One generated verdict line — "- **<what>: <head>** — … t = <t> … seed 0: 526 → 497; seed 1: …" — recomputed by
 * hand from its per-seed numbers (gain = first − second, lower is better): the printed t must match and the head
 * must be the category the t calls. Returns the category ('positive' | 'negative' | 'noise').
 */
function recomputeVerdict(line: string, heads: { positive: string; negative: string; noise: string }, where: string) {
  const pairs = [...line.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => Number(m[1]) - Number(m[2]));
  const n = pairs.length;
  assert.ok(CRITICAL_T[n], `${where}: expected 2–15 per-seed pairs in "${line}", got ${n}`);
  const t = pairedT(pairs);
  const printed = /t = (-?[\d.]+|−?∞)/.exec(line);
  assert.ok(printed, `${where}: the verdict states t: ${line}`);
  if (Number.isFinite(t))
    assert.ok(
      Math.abs(Number(printed[1]) - t) < 0.051,
      `${where}: printed t ${printed[1]}, recomputed ${t.toFixed(2)}`,
    );
  const category = t > CRITICAL_T[n] ? 'positive' : t < -CRITICAL_T[n] ? 'negative' : 'noise';
  const head = /^- \*\*.*?: (.*?)\*\*/.exec(line)?.[1];
  assert.equal(
    head,
    heads[category],
    `${where}: t = ${t.toFixed(2)} over ${n} seeds should read "${heads[category]}": ${line}`,
  );
  return category;
}

const lines = (markdown: string[], pattern: RegExp) =>
  markdown.flatMap((m) => m.split('\n')).filter((l) => l.startsWith('- **') && pattern.test(l));

export function check({ markdown, where }: ExecutedChapter): void {
  const all = markdown.join('\n');
  const plain = { positive: 'better', negative: 'worse', noise: 'no clear difference' };

  // §7.1: every multi-teacher verdict follows from its numbers; the central one — three diverse teachers (plain
  // mean) beat KD from the best single teacher — was measured t = 9.7 (quick, tensorflow), so it must say better.
  const mt = lines(markdown, /Test errors (baseline|best teacher|mean) → (mean|best teacher|entropy|confidence),/);
  assert.equal(mt.length, 5, `${where}: the five §7.1 verdict lines are present`);
  const cats = mt.map((l) => recomputeVerdict(l, plain, where));
  const meanVsBest = mt.findIndex((l) => /Test errors best teacher → mean/.test(l));
  assert.equal(cats[meanVsBest], 'positive', `${where}: the mean of three teachers beats the best single teacher`);

  // The weak teacher: the weights are printed; recompute each ratio to a good teacher's weight and its category.
  const w = /Its average weight: mean ([\d.]+), entropy \*\*([\d.]+)\*\*, confidence \*\*([\d.]+)\*\*/.exec(all);
  assert.ok(w, `${where}: the weak teacher's average weights are printed`);
  assert.ok(Math.abs(Number(w[1]) - 0.25) < 1e-3, `${where}: plain averaging gives each of 4 teachers 1/4`);
  for (const [name, value] of [
    ['entropy', Number(w[2])],
    ['confidence', Number(w[3])],
  ] as const) {
    const r = value / ((1 - value) / 3);
    const expected = r < 2 / 3 ? 'tells it apart' : r < 0.9 ? 'partly tells it apart' : 'does not tell it apart';
    const said = new RegExp(`'${name}' gives D ([\\d.]+) of it — \\*\\*(.*?)\\*\\*`).exec(all);
    assert.ok(said, `${where}: the '${name}' weighting's verdict on D is printed`);
    // printed to 2 decimals from weights printed to 3: allow both roundings
    assert.ok(
      Math.abs(Number(said[1]) - r) < 0.01,
      `${where}: '${name}' ratio printed ${said[1]}, recomputed ${r.toFixed(3)}`,
    );
    assert.equal(said[2], expected, `${where}: '${name}' ratio ${r.toFixed(2)} should read "${expected}"`);
  }
  // Central: CA-MKD's confidence weighting reads the true label, so the teacher taught wrong labels gets
  // clearly less than a good teacher (measured ratio 0.51 on tensorflow).
  assert.ok(
    /'confidence' gives D [\d.]+ of it — \*\*tells it apart\*\*/.test(all),
    `${where}: 'confidence' tells D apart`,
  );

  // §7.2: quick mode trains one student per method and draws no verdict (it says so); with several seeds the
  // five verdicts follow from their numbers (any category: these are marginal comparisons).
  const graph = lines(markdown, /Test errors (baseline|KD|RKD) → (IRG|RKD|graph-smoothed KD),/);
  if (/Quick mode trains one student per method here/.test(all))
    assert.equal(graph.length, 0, `${where}: no §7.2 verdict from one seed`);
  else {
    assert.equal(graph.length, 5, `${where}: the five §7.2 verdict lines are present`);
    for (const l of graph) recomputeVerdict(l, plain, where);
  }
  // The teacher's instance graph joins digits of a class far more often than an untrained student's.
  const edges = /Edges within a class: teacher (\d+) %, untrained student (\d+) %/.exec(all);
  assert.ok(edges, `${where}: the graphs' within-class edge shares are in the summary`);
  assert.ok(
    Number(edges[1]) > Number(edges[2]) + 15,
    `${where}: teacher ${edges[1]} % vs untrained ${edges[2]} % of edges within a class`,
  );

  // §7.3: the pairing is stated as synthetic; the distilled student (no labels) beats the one with 100 labels.
  assert.ok(
    /modality B = row\/column profiles \(synthetic pairing\)/.test(all),
    `${where}: the summary names view B and says the pairing is synthetic`,
  );
  const modal = lines(markdown, /Test errors supervised → distilled/);
  assert.equal(modal.length, 2, `${where}: the two §7.3 verdict lines are present`);
  const modalHeads = {
    positive: 'the distilled student is better',
    negative: 'the distilled student is worse',
    noise: 'no clear difference',
  };
  const modalCats = modal.map((l) => recomputeVerdict(l, modalHeads, where));
  assert.match(modal[0], /supervised with 100 labels/);
  assert.equal(
    modalCats[0],
    'positive',
    `${where}: distilled on unlabelled pairs beats 100 labels (measured t = 25.5)`,
  );
}
