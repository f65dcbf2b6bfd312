/** Chapter 2's own checks on its executed quick-mode run (see ./types): every verdict recomputed from the numbers printed beside it. */
import * as assert from 'node:assert/strict';
import { CRITICAL_T, pairedT } from './paired-t';
import type { ExecutedChapter, Output } from './types';

const text = (s: unknown) => (Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '');

/** The rows of the table whose caption starts with `caption`, as header → cell text. */
function tableRows(outputs: Output[], caption: string, where: string): Record<string, string>[] {
  const html = outputs
    .map((o) => text(o.data?.['text/html']))
    .find((h) => h.includes(`${caption}`) && h.includes('<table'));
  assert.ok(html, `${where}: the table "${caption}…" is present`);
  const cells = (row: string, tag: string) =>
    [...row.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
      m[1].replace(/<[^>]+>/g, '').trim(),
    );
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]);
  const head = cells(rows[0], 'th');
  return rows.slice(1).map((r) => Object.fromEntries(cells(r, 'td').map((c, i) => [head[i], c])));
}

const num = (s: string) => Number(s.replace(/,/g, ''));

/** Paired t of the per-seed (without, with) error pairs; critical values of Student's t at 95 %, two-sided. */
function pairsT(pairs: number[][]): { t: number; critical: number } {
  return { t: pairedT(pairs.map(([without, withKd]) => without - withKd)), critical: CRITICAL_T[pairs.length] };
}

/**
 * Quick and full mode were measured (README's chapter table) to agree on: all four methods on the Pareto front,
 * the first hidden layer's re-initialisation hurting most, the distilled student keeping more of the teacher than the
 * 98 %-pruned teacher while the int8 teacher keeps more than the distilled student, and KD hurting the smallest
 * student while helping the largest. Each is recomputed here from the printed numbers.
 */
export function check({ outputs, markdown, where }: ExecutedChapter): void {
  const all = markdown.join('\n');
  // §2.1: the Pareto front, by hand from the table's bytes and (integer) test errors
  const models = tableRows(outputs, 'Every compressed model', where).map((r) => ({
    method: r.method,
    bytes: num(r['stored bytes']),
    errors: num(r['test errors']),
  }));
  assert.ok(models.length >= 8, `${where}: the compression table lists every model (${models.length})`);
  const front = models.filter(
    (p) =>
      !models.some(
        (q) => q !== p && q.bytes <= p.bytes && q.errors <= p.errors && (q.bytes < p.bytes || q.errors < p.errors),
      ),
  );
  const methods = [...new Set(front.map((p) => p.method))];
  const claimed = /\*\*Methods on the front: ([^*]+)\*\*/.exec(all);
  assert.ok(claimed, `${where}: the Pareto verdict is present`);
  assert.deepEqual(claimed[1].split(', ').sort(), methods.sort(), `${where}: methods on the front`);
  for (const m of ['pruning', 'precision', 'architecture search', 'KD student'])
    assert.ok(
      methods.includes(m),
      `${where}: ${m} is on the front in both modes (measured), got ${methods.join(', ')}`,
    );

  // §2.2: the layer whose re-initialisation hurts most = the one with the most test errors
  const reinit = tableRows(outputs, 'Re-initialising one layer', where).map((r) => ({
    layer: r.layer,
    errors: num(r['test errors']),
  }));
  const worst = reinit.reduce((a, b) => (b.errors > a.errors ? b : a));
  assert.ok(
    all.includes(`Re-initialising **${worst.layer}** hurts most`),
    `${where}: the re-initialisation verdict names ${worst.layer}`,
  );
  assert.equal(worst.layer, 'hidden1', `${where}: measured in both modes: the first layer holds the most`);

  // §2.3: compressed teacher vs distilled student, from the per-seed numbers of each sentence
  const agreementLines = markdown
    .flatMap((m) => m.split('\n\n'))
    .filter((l) => /top-1 agreement [\d.]+ % vs/.test(l) && !l.startsWith('- '));
  assert.equal(agreementLines.length, 2, `${where}: two §2.3 verdicts`);
  const winners = agreementLines.map((line) => {
    const m = /top-1 agreement ([\d.]+) % vs ([\d. /]+) %, KL ([\d.]+) vs ([\d. /]+)\./.exec(line);
    assert.ok(m, `${where}: §2.3 numbers readable in: ${line}`);
    const top1 = Number(m[1]),
      kl = Number(m[3]);
    const sTop1 = m[2].split(' / ').map(Number),
      sKl = m[4].split(' / ').map(Number);
    const winner = sTop1.every((v, i) => v < top1 && sKl[i] > kl)
      ? 'compressed'
      : sTop1.every((v, i) => v > top1 && sKl[i] < kl)
        ? 'distilled'
        : 'mixed';
    const expected = {
      compressed: /teacher keeps more of the teacher/,
      distilled: /KD student [\d-]+ keeps more/,
      mixed: /No clear winner/,
    }[winner];
    assert.match(line, expected, `${where}: §2.3 verdict should be "${winner}"`);
    return `${/pruned/.test(line) ? 'pruned' : 'int8'}:${winner}`;
  });
  assert.deepEqual(
    winners.sort(),
    ['int8:compressed', 'pruned:distilled'],
    `${where}: §2.3 verdicts as measured in both modes`,
  );

  // §2.4: the KD gap per width, paired t recomputed from the per-seed errors
  const gapLines = all.split('\n').filter((l) => /^- width \d+: \*\*/.test(l));
  assert.ok(gapLines.length >= 2, `${where}: one gap verdict per width`);
  const verdicts = gapLines.map((line) => {
    const pairs = [...line.matchAll(/seed \d+: (\d+) → (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const { t, critical } = pairsT(pairs);
    assert.ok(critical, `${where}: expected 2–15 seeds, got ${pairs.length}`);
    const printed = /t = (-?[\d.]+|−?∞)/.exec(line);
    if (Number.isFinite(t) && printed)
      assert.ok(
        Math.abs(Number(printed[1]) - t) < 0.051,
        `${where}: printed t ${printed[1]}, recomputed ${t.toFixed(2)}`,
      );
    const expected = t > critical ? 'KD helps' : t < -critical ? 'KD hurts' : 'no clear effect';
    assert.ok(line.includes(`**${expected}**`), `${where}: t = ${t.toFixed(2)} should read "${expected}": ${line}`);
    return expected;
  });
  assert.equal(verdicts[0], 'KD hurts', `${where}: the smallest student is hurt by KD (measured in both modes)`);
  assert.equal(
    verdicts[verdicts.length - 1],
    'KD helps',
    `${where}: the largest student gains from KD (measured in both modes)`,
  );
}
