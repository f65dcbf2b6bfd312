/**
 * Chapter 8's own checks on its executed quick-mode run (see ./types). Its central lessons are exact, so they are
 * pinned: the hand-built multi-output model is kd.features.extractor (same tensors, same variables, one call per
 * layer), the hand-written loss passes the gradient check and its buggy twin fails it, by function = by name, the
 * saved student reloads to the same logits and is smaller and faster than the teacher. The SP/KD/baseline
 * comparisons are marginal at quick-mode size: each verdict is recomputed from the per-seed errors printed beside it.
 */
import * as assert from 'node:assert/strict';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter, Output } from './types';

const text = (s: unknown) => (Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '');
const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The rows of the table whose caption starts with `caption`, as header → cell text. */
function tableRows(outputs: Output[], caption: string, where: string): Record<string, string>[] {
  const html = outputs.map((o) => text(o.data?.['text/html'])).find((h) => h.includes('<table') && h.includes(caption));
  assert.ok(html, `${where}: the table "${caption}…" is present`);
  const cells = (row: string, tag: string) =>
    [...row.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
      unescape(m[1].replace(/<[^>]+>/g, '').trim()),
    );
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]);
  const head = cells(rows[0], 'th');
  return rows.slice(1).map((r) => Object.fromEntries(cells(r, 'td').map((c, i) => [head[i], c])));
}

/** The one generated sentence matching `re`, and its groups. */
function sentence(markdown: string[], re: RegExp, what: string, where: string): RegExpExecArray {
  const m = re.exec(markdown.join('\n'));
  assert.ok(m, `${where}: the ${what} sentence is present (${re})`);
  return m;
}

/** Chapter 3's CNN teacher conv16-conv32-dense64 by hand: its computing layers and weight tensors per layer. */
const LAYERS = ['conv1', 'block1', 'conv2', 'block2', 'flatten', 'hidden1', 'dropout1', 'logits'];
const WEIGHT_TENSORS = [2, 0, 2, 0, 0, 2, 0, 2]; // kernel + bias for each conv and dense layer
// 3·3·1·16 + 16 = 160; 3·3·16·32 + 32 = 4,640; 7·7·32·64 + 64 = 100,416; 64·10 + 10 = 650.
const TEACHER_PARAMS = 160 + 4640 + 100416 + 650;
// §8.3's student 784-32-10: 784·32 + 32 + 32·10 + 10.
const STUDENT_PARAMS = 784 * 32 + 32 + 32 * 10 + 10;

function check81(outputs: Output[], markdown: string[], where: string): void {
  const rows = tableRows(outputs, 'through the hand-built model and kd.features.extractor', where);
  assert.deepEqual(
    rows.map((r) => r.layer),
    LAYERS,
  );
  for (const [i, r] of rows.entries()) {
    assert.equal(Number(r['max |hand − library|']), 0, `${where}: ${r.layer}: the same tensor from both models`);
    assert.equal(Number(r['weight tensors']), WEIGHT_TENSORS[i], `${where}: ${r.layer}'s weight tensors`);
    assert.equal(r['same variables in all three'], 'true', `${where}: ${r.layer} shares its variables`);
  }
  const ids = rows.flatMap((r) => (r['variable ids'] === '—' ? [] : r['variable ids'].split(', ')));
  assert.equal(new Set(ids).size, 8, `${where}: 8 distinct variables (${ids.join(' ')})`);
  const checks = Object.fromEntries(
    tableRows(outputs, '§8.1 asserted', where).map((r) => [r.check.replace(/ \(.*$/, ''), r]),
  );
  assert.equal(Number(checks['tensors allocated building both models'].result), 0, `${where}: nothing copied`);
  assert.equal(checks['layer calls per extraction'].result, LAYERS.map(() => '1').join(' '), `${where}: one pass`);
  // One single-output model per layer: the model for the k-th layer computes layers 1..k, so 1 + 2 + … + 8 calls.
  assert.equal(checks['layer calls, one model per layer'].result, `${(8 * 9) / 2} in all`);
  assert.ok(
    Object.values(checks).every((r) => r.pass === 'true'),
    `${where}: every §8.1 check passes`,
  );
  sentence(markdown, /\*\*The hand-built model is kd\.features\.extractor\*\*/, '§8.1 verdict', where);
}

function check82Exact(markdown: string[], where: string): void {
  const g = sentence(
    markdown,
    /the loss's max relative error is \*\*([-\d.e+]+)\*\*.*?has \*\*([-\d.e+]+)\*\* \((caught|not caught)\)\. The teacher receives no gradient \(max \|∂L\/∂teacher\| = ([-\d.e+]+)\).*?unchanged \(ratio ([\d.]+)\)/,
    'gradient check',
    where,
  );
  assert.ok(Number(g[1]) < 1e-2, `${where}: the hand-written loss passes the gradient check (${g[1]})`);
  assert.ok(Number(g[2]) > 0.1, `${where}: the buggy version is caught (${g[2]})`);
  assert.equal(g[3], 'caught');
  assert.equal(Number(g[4]), 0, `${where}: no gradient reaches the teacher`);
  assert.ok(Math.abs(Number(g[5]) - 1) < 1e-4, `${where}: SP is invariant to scaling the student (${g[5]})`);
  const same = sentence(
    markdown,
    /Seed \d+: by name and by function the \d+ loss series \(([^)]*)\) are \*\*(identical|different)\*\* over the (\d+) batches of the by-function run's (\d+) epochs/,
    'by-name / by-function',
    where,
  );
  assert.equal(same[2], 'identical', `${where}: by name and by function train identically`);
  // 500 training digits in batches of 100: 5 batches per epoch.
  assert.ok(Number(same[4]) >= 1 && Number(same[3]) === Number(same[4]) * 5, `${where}: every batch compared`);
  assert.deepEqual(same[1].split(', '), ['task', 'similarityPreserving', 'total']);
}

/**
 * Each SP/KD/baseline verdict line: the category follows from the per-seed errors printed in it (t by hand). SP
 * against the baseline is pinned to "helps": every measured run said so by a wide margin (quick wasm t = 22.9, quick
 * tensorflow 10.9, full tensorflow 13.7, README's chapter paragraph); KD against the baseline (quick wasm t = 3.5, no
 * clear effect; quick tensorflow 5.0 and full 8.6, helps) and SP against KD (t = 0.3–1.6) are only recomputed.
 */
function check82Verdicts(markdown: string[], where: string): void {
  for (const what of ['KD against the baseline', 'SP against the baseline', 'SP against KD']) {
    const line = markdown
      .join('\n')
      .split('\n')
      .find((l) => l.startsWith(`- **${what}:`));
    assert.ok(line, `${where}: the verdict "${what}" is present`);
    const pairs = [...line.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const n = pairs.length;
    assert.ok(CRITICAL_T[n], `${where}: ${what}: 2–15 seeds, got ${n}`);
    const gains = pairs.map(([b, a]) => b - a);
    const t = pairedT(gains);
    const printed = /t = (-?[\d.]+|∞|−∞)/.exec(line);
    assert.ok(printed, `${where}: ${what}: t is printed`);
    if (Number.isFinite(t))
      assert.ok(
        Math.abs(Number(printed[1]) - t) < 0.051,
        `${where}: ${what}: t ${printed[1]}, by hand ${t.toFixed(2)}`,
      );
    const category = t > CRITICAL_T[n] ? 'helps' : t < -CRITICAL_T[n] ? 'hurts' : 'no clear effect';
    assert.ok(line.startsWith(`- **${what}: ${category}**`), `${where}: t = ${t.toFixed(2)} should read "${category}"`);
    if (what === 'SP against the baseline')
      assert.equal(category, 'helps', `${where}: the hand-written loss helps the student, as in every measured run`);
  }
}

function check83(markdown: string[], where: string): void {
  const m = sentence(
    markdown,
    /has \*\*([\d.]+)× fewer parameters\*\* \(([\d,]+) against ([\d,]+);.*?\(\*\*([\d.]+)× (faster|slower)\*\*.*?Saved and loaded back it gave \*\*(the same logits on every test digit|different logits)[^*]*\*\* \(max difference ([-\d.e+]+)\): accuracy ([\d.]+) % before saving, ([\d.]+) % after/,
    '§8.3 result',
    where,
  );
  const num = (s: string) => Number(s.replace(/,/g, ''));
  assert.equal(num(m[2]), STUDENT_PARAMS, `${where}: the student's parameters`);
  assert.equal(num(m[3]), TEACHER_PARAMS, `${where}: the teacher's parameters`);
  assert.equal(m[1], (TEACHER_PARAMS / STUDENT_PARAMS).toFixed(1));
  assert.equal(m[5], 'faster', `${where}: the MLP student runs faster than the CNN teacher (${m[4]}×)`);
  assert.equal(m[6], 'the same logits on every test digit', `${where}: the reloaded student is the saved one`);
  assert.equal(Number(m[7]), 0);
  assert.equal(m[8], m[9], `${where}: the same accuracy before saving and after loading`);
}

function checkMap(outputs: Output[], where: string): void {
  const rows = Object.fromEntries(tableRows(outputs, 'read from the kd object', where).map((r) => [r.name, r]));
  for (const ns of [
    'kd.losses',
    'kd.terms',
    'kd.features',
    'kd.models',
    'kd.data',
    'kd.distill',
    'kd.compress',
    'kd.plot',
  ])
    assert.equal(rows[ns]?.kind, 'namespace', `${where}: the map lists ${ns}`);
  for (const [ns, member] of [
    ['kd.features', 'extractor'],
    ['kd.features', 'countLayerCalls'],
    ['kd.losses', 'registry'],
    ['kd.losses', 'gradientCheck'],
    ['kd.distill', 'saveModel'],
    ['kd.compress', 'measure'],
  ])
    assert.ok(rows[ns]['what it holds'].split(', ').includes(member), `${where}: ${ns} lists ${member}`);
}

export function check({ outputs, markdown, where }: ExecutedChapter): void {
  check81(outputs, markdown, where);
  check82Exact(markdown, where);
  check82Verdicts(markdown, where);
  check83(markdown, where);
  checkMap(outputs, where);
  assert.ok(
    markdown.some((m) => m.includes('- **8.1**') && m.includes('- **8.3**') && /Wall time of this chapter/.test(m)),
    `${where}: the generated summary is present`,
  );
}
