/** kd.plot: figure data built from hand-computed expectations, and input validation messages. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as plot from '../../lib/plot';

type T = Record<string, unknown>;

test('figure validates its spec and toJSON gives plain JSON (typed arrays → arrays, NaN → null)', () => {
  assert.throws(() => plot.figure({ data: 3 } as never), /figure: 'data' must be an array of traces, got number 3/);
  assert.throws(() => plot.figure({ data: [null] } as never), /figure: data\[0\] must be a trace object, got null/);
  assert.throws(() => plot.figure({ data: [], layout: [] } as never), /'layout' must be an object/);
  const f = plot.figure({
    data: [{ type: 'scatter', x: new Float32Array([1, 2]), y: [NaN, Infinity], f: () => 1 }],
    layout: { title: { text: 't' } },
  });
  const j = f.toJSON();
  assert.deepEqual(j, {
    data: [{ type: 'scatter', x: [1, 2], y: [null, null] }],
    layout: { title: { text: 't' } },
    config: {},
  });
  assert.deepEqual(JSON.parse(JSON.stringify(f)), j);
  assert.ok(plot.isFigure(f));
  assert.ok(!plot.isFigure({ data: [] }));
});

test('curves: mean and sample std band from runs, default epochs 1..n', () => {
  // runs [1,3] and [3,7]: mean [2,5]; sample std [sqrt(2), sqrt(8)] (n-1 = 1)
  const f = plot.curves([
    {
      name: 'a',
      runs: [
        [1, 3],
        [3, 7],
      ],
    },
    { name: 'b', y: [4, 2] },
  ]);
  assert.equal(f.data.length, 3); // band + a + b
  const [band, a, b] = f.data as T[];
  assert.deepEqual(a.x, [1, 2]);
  assert.deepEqual(a.y, [2, 5]);
  assert.equal(band.fill, 'toself');
  assert.deepEqual(band.x, [1, 2, 2, 1]);
  const s1 = Math.SQRT2,
    s2 = Math.sqrt(8);
  const by = band.y as number[];
  [2 + s1, 5 + s2, 5 - s2, 2 - s1].forEach((v, i) => assert.ok(Math.abs(by[i] - v) < 1e-12, `band y[${i}]`));
  assert.deepEqual(b.y, [4, 2]);
  assert.equal((f.layout.xaxis as T & { title: T }).title.text, 'epoch');
  assert.equal((f.layout.title as T).text, 'Learning curves');
  const g = plot.curves({ teacher: [1, 0.5], student: new Float32Array([2, 1]) }, { title: 'x', logY: true });
  assert.equal(g.data.length, 2);
  assert.equal((g.layout.yaxis as T).type, 'log');
  const h = plot.curves([{ name: 'm', y: [1, 2, 3], std: [0.1, 0.2, 0.3], x: [10, 20, 30] }]);
  assert.deepEqual(h.data[0].x, [10, 20, 30, 30, 20, 10]);
  // logX: a log axis and no integer tick spacing (dtick 1 on a log axis would mean one tick per decade of 10¹)
  const l = plot.curves([{ name: 'n', x: [100, 1000, 8000], y: [0.5, 0.8, 0.9] }], { logX: true });
  assert.equal((l.layout.xaxis as T).type, 'log');
  assert.equal((l.layout.xaxis as T).dtick, undefined);
  assert.throws(
    () => plot.curves([{ name: 'n', x: [0, 10], y: [1, 2] }], { logX: true }),
    /logX needs every x > 0, got 0/,
  );
});

test('curves: validation errors name the argument', () => {
  assert.throws(() => plot.curves([]), /curves: 'series' must name at least one series/);
  assert.throws(
    () => plot.curves([{ name: 'a', y: [1, 2], x: [1] }]),
    /curves: series "a".x: expected length 2 \(same as curves: series "a".y\), got 1/,
  );
  assert.throws(() => plot.curves([{ name: 'a', y: [1, 2], std: [1, -1] }]), /std\[1\]: expected ≥ 0, got -1/);
  assert.throws(() => plot.curves([{ name: 'a', runs: [[1, 2], [1]] }]), /runs\[1\]: expected length 2/);
  assert.throws(() => plot.curves([{ name: 'a', y: [1], runs: [[1]] }]), /give 'y' or 'runs', not both/);
  assert.throws(
    () => plot.curves({ a: [1, NaN] }),
    /curves: series "a".y\[1\]: expected a finite number, got number NaN/,
  );
});

test('lossCurves reads a Distiller history', () => {
  const history = {
    epochs: [
      { epoch: 0, losses: { kd: 2, total: 3 }, validation: { accuracy: 0.5, loss: 1.5 } },
      { epoch: 1, losses: { kd: 1, total: 2 }, validation: { accuracy: 0.7, loss: 1.0 } },
    ],
  };
  const f = plot.lossCurves(history);
  assert.deepEqual(
    f.data.map((t) => t.name),
    ['kd', 'total', 'validation'],
  );
  assert.deepEqual(f.data[2].y, [1.5, 1.0]);
  assert.deepEqual(f.data[0].x, [1, 2]);
  assert.throws(() => plot.lossCurves({ epochs: [] }), /lossCurves: 'history' must have a non-empty 'epochs' array/);
});

test('bars: one value per category, grouped series with error bars, validation', () => {
  const f = plot.bars({ teacher: 146, student: 201, distilled: 159 }, { yTitle: 'test errors' });
  const t = f.data[0];
  assert.deepEqual(t.x, ['teacher', 'student', 'distilled']);
  assert.deepEqual(t.y, [146, 201, 159]);
  assert.deepEqual(t.text, ['146', '201', '159']);
  const g = plot.bars({
    categories: ['a', 'b'],
    series: [
      { name: 's1', y: [1, 2], error: [0.1, 0.2] },
      { name: 's2', y: [3, 4] },
    ],
  });
  assert.equal(g.layout.barmode, 'group');
  assert.deepEqual(g.data[0].error_y, { type: 'data', array: [0.1, 0.2], visible: true });
  assert.equal(g.data[1].error_y, undefined);
  assert.throws(
    () => plot.bars({ categories: ['a', 'b'], series: { s: [1] } }),
    /bars: series "s".y: expected length 2 \(same as bars: categories\), got 1/,
  );
  assert.throws(
    () => plot.bars({ categories: ['a'], series: [{ name: 's', y: [1], error: [-1] }] }),
    /error\[0\]: expected ≥ 0, got -1/,
  );
  assert.throws(() => plot.bars({ a: 'x' } as never), /bars: values\[0\]: expected a finite number/);
  assert.throws(() => plot.bars({}), /bars: expected at least one category/);
});

test('probabilities: softmax at several temperatures side by side, sums checked', () => {
  const logits = [2, 1, 0];
  const soft = (T: number) => {
    const e = logits.map((z) => Math.exp(z / T));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const f = plot.probabilities({ 'T=1': soft(1), 'T=4': soft(4) }, { classes: ['a', 'b', 'c'] });
  assert.equal(f.data.length, 2);
  assert.deepEqual(f.data[1].x, ['a', 'b', 'c']);
  assert.equal(f.layout.barmode, 'group');
  assert.throws(() => plot.probabilities({ p: [0.5, 0.4] }), /probabilities: "p" must sum to 1, got 0.9/);
  assert.throws(() => plot.probabilities({ p: [1.5, -0.5] }), /"p"\[0\]: expected a probability in \[0,1\], got 1.5/);
  assert.throws(() => plot.probabilities({ p: [1, 0], q: [1] }), /"q": expected length 2/);
  assert.throws(
    () => plot.probabilities({ p: [1, 0] }, { classes: ['a'] }),
    /probabilities: classes: expected 2 entries, got 1/,
  );
});

test('scatter: one trace per label, accepts pairs, flat arrays and [n,2] tensors', () => {
  const f = plot.scatter(
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    [1, 0, 1],
    { classNames: ['zero', 'one'] },
  );
  assert.deepEqual(
    f.data.map((t) => t.name),
    ['zero', 'one'],
  );
  assert.deepEqual(f.data[1].x, [0, 4]);
  assert.deepEqual(f.data[1].y, [1, 5]);
  const g = plot.scatter(new Float32Array([0, 1, 2, 3]), ['b', 'a']);
  assert.deepEqual(
    g.data.map((t) => t.name),
    ['a', 'b'],
  );
  const t = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const h = plot.scatter(t, [7, 7]);
  t.dispose();
  assert.deepEqual(h.data[0].x, [1, 3]);
  assert.throws(
    () =>
      plot.scatter(
        [
          [0, 1],
          [2, 3],
        ],
        [1],
      ),
    /scatter: labels: expected length 2 \(same as scatter: points\), got 1/,
  );
  assert.throws(() => plot.scatter([[0, 1, 2]], [1]), /scatter: points\[0\]: expected \[x, y\], got 3 values/);
  assert.throws(() => plot.scatter([0, 1, 2], [1]), /flat points must have even length/);
});

test('scatter links: one grey lines trace under the points, segments split by nulls', () => {
  const f = plot.scatter(
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    [0, 0, 1],
    {
      links: [
        [0, 2],
        [1, 2],
      ],
    },
  );
  assert.equal(f.data.length, 3);
  const links = f.data[0];
  assert.equal(links.mode, 'lines');
  assert.equal(links.showlegend, false);
  assert.deepEqual(links.x, [0, 4, null, 2, 4, null]);
  assert.deepEqual(links.y, [1, 5, null, 3, 5, null]);
  assert.deepEqual(
    f.data.slice(1).map((t) => t.name),
    ['0', '1'],
  );
  assert.throws(
    () =>
      plot.scatter(
        [
          [0, 1],
          [2, 3],
        ],
        [0, 1],
        { links: [[0, 2]] },
      ),
    /scatter: links\[0\] must be a pair \[i, j\] of point indices in \[0, 2\)/,
  );
  assert.throws(
    () =>
      plot.scatter(
        [
          [0, 1],
          [2, 3],
        ],
        [0, 1],
        { links: 'all' as never },
      ),
    /scatter: links must be an array of \[i, j\] index pairs/,
  );
});

test('heatmap and confusionMatrix: counts annotated, accuracy from the trace, axes predicted/true', () => {
  const h = plot.heatmap(
    [
      [1, 2.5],
      [3, 4],
    ],
    { annotate: true, x: ['p', 'q'] },
  );
  assert.deepEqual(h.data[0].text, [
    ['1', '2.5'],
    ['3', '4'],
  ]);
  assert.throws(() => plot.heatmap([[1, 2], [3]]), /heatmap: z: rows must have equal length; row 0 has 2, row 1 has 1/);
  assert.throws(() => plot.heatmap([[1]], { x: ['a', 'b'] }), /heatmap: x: expected 1 entries, got 2/);
  // 8 + 7 correct of 20 → 75.00%
  const c = plot.confusionMatrix(
    {
      confusion: [
        [8, 2],
        [3, 7],
      ],
    },
    { labels: ['cat', 'dog'] },
  );
  assert.equal((c.layout.title as T).text, 'Confusion matrix (accuracy 75.00%, n=20)');
  const tr = c.data[0];
  assert.deepEqual(tr.z, [
    [8, 2],
    [3, 7],
  ]);
  assert.deepEqual(tr.text, [
    ['8', '2'],
    ['3', '7'],
  ]);
  assert.deepEqual(tr.x, ['cat', 'dog']);
  assert.equal(((c.layout.xaxis as T).title as T).text, 'predicted');
  assert.equal(((c.layout.yaxis as T).title as T).text, 'true');
  assert.equal((c.layout.yaxis as T).autorange, 'reversed');
  const n = plot.confusionMatrix(
    [
      [8, 2],
      [3, 7],
    ],
    { normalize: true },
  );
  assert.deepEqual(n.data[0].z, [
    [0.8, 0.2],
    [0.3, 0.7],
  ]);
  assert.throws(
    () =>
      plot.confusionMatrix([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    /confusionMatrix: confusion must be square, got 2×3/,
  );
  assert.throws(
    () =>
      plot.confusionMatrix([
        [1, -2],
        [0, 1],
      ]),
    /confusion\[0\]\[1\] must be a non-negative integer count, got -2/,
  );
});

test('imageGrid: images placed in a composite heatmap with null gaps and captions', () => {
  // 3 images of 2×3 pixels, value = 10*k + pixel index, 2 columns.
  const imgs = [0, 1, 2].map((k) => Array.from({ length: 6 }, (_, i) => 10 * k + i));
  const f = plot.imageGrid(imgs, { shape: [2, 3], columns: 2, titles: ['a', 'b', 'c'] });
  const z = f.data[0].z as (number | null)[][];
  // cell = 3 wide + 2 gap, 2 tall + 6 caption rows; grid 2 rows × 2 columns → 16 × 8
  assert.equal(z.length, 16);
  assert.equal(z[0].length, 8);
  assert.deepEqual(z[6].slice(0, 3), [0, 1, 2]); // image 0 row 0
  assert.deepEqual(z[7].slice(0, 3), [3, 4, 5]); // image 0 row 1
  assert.deepEqual(z[6].slice(5, 8), [10, 11, 12]); // image 1 row 0
  assert.deepEqual(z[15].slice(0, 3), [23, 24, 25]); // image 2 row 1
  assert.equal(z[6][3], null); // gap between columns
  assert.equal(z[15][5], null); // empty 4th slot
  assert.deepEqual(
    (f.layout.annotations as T[]).map((a) => [a.text, a.x]),
    [
      ['a', 1],
      ['b', 6],
      ['c', 1],
    ],
  );
  assert.equal(f.data[0].zmax, 25);
  // tensors [N,28,28,1] and flat Float32Arrays
  const t = tf.zeros([4, 28, 28, 1]);
  const g = plot.imageGrid(t);
  t.dispose();
  assert.equal((g.data[0].z as unknown[]).length, 2 * 30);
  assert.throws(
    () => plot.imageGrid(new Float32Array(785)),
    /imageGrid: images has 785 values, not a multiple of 28×28=784/,
  );
  assert.throws(
    () => plot.imageGrid([new Float32Array(784), new Float32Array(10)]),
    /imageGrid: images\[1\]: expected 28×28=784 values, got 10/,
  );
  assert.throws(
    () => plot.imageGrid([new Float32Array(784)], { titles: ['a', 'b'] }),
    /imageGrid: titles: expected 1 entries, got 2/,
  );
});

test('table, markdown and image objects', () => {
  const t = plot.table([{ a: 1, b: 'x' }, { c: true }], { caption: 'cap' });
  assert.deepEqual(t.columns, ['a', 'b', 'c']);
  assert.equal(t.caption, 'cap');
  assert.throws(() => plot.table([1] as never), /table: rows\[0\] must be a record \(plain object\), got number 1/);
  assert.throws(() => plot.table({} as never), /table: rows must be an array of records/);
  assert.equal(plot.markdown('**x**').text, '**x**');
  assert.throws(() => plot.markdown(3 as never), /markdown: text must be a string, got number 3/);
  const im = plot.image(
    [
      [0, 0.5],
      [1, 0.25],
    ],
    { scale: 2 },
  );
  assert.deepEqual(Array.from(im.pixels), [0, 128, 255, 64]); // round(v*255)
  assert.equal(im.channels, 1);
  assert.equal(plot.image(tf.zeros([28, 28])).scale, 4); // ceil(112/28)
  assert.deepEqual(Array.from(plot.image([[0, 200]]).pixels), [0, 200]); // > 1 → 0–255 range
  assert.throws(() => plot.image([[0, 300]]), /image: values must lie in \[0,255\]/);
  assert.throws(() => plot.image(new Float32Array(4)), /image: a flat array needs opts.shape/);
  assert.throws(
    () => plot.image(new Float32Array(4), { shape: [2, 2, 2] }),
    /expected shape \[H,W\], \[H,W,1\] or \[H,W,3\], got \[2,2,2\]/,
  );
});
