/** RichDisplay bundles: structure per value type, plotly.js embedded once and offline, escaping, tensors, models. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as vm from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { RichDisplay, PLOTLY_MIME, plotlyLibrary } from '../../kernel/display';
import * as plot from '../../lib/plot';

const LIB_MARK = 'if (!window.Plotly) {';
const html = (b: { data: Record<string, unknown> } | null) => String(b!.data['text/html']);
const count = (s: string, sub: string) => s.split(sub).length - 1;
/** The bundle's HTML with the inlined library removed (what kdlab itself wrote). */
const own = (h: string) => h.replace(/<script type="text\/javascript">\/\* plotly\.js[\s\S]*?\n<\/script>\n/, '');
const tds = (h: string) => [...h.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);

test('figure bundle: plotly JSON object + offline text/html + text/plain, no application/javascript', () => {
  const rd = new RichDisplay();
  const f = plot.curves({ teacher: [1, 0.5], student: [2, 1] }, { title: 'Loss' });
  const b = rd.toBundle(f)!;
  assert.deepEqual(Object.keys(b.data).sort(), [PLOTLY_MIME, 'text/html', 'text/plain'].sort());
  assert.equal(typeof b.data[PLOTLY_MIME], 'object', 'plotly part is an object, not a string');
  assert.deepEqual(b.data[PLOTLY_MIME], JSON.parse(JSON.stringify(f.toJSON())));
  assert.equal(b.data['application/javascript'], undefined);
  assert.equal(b.data['text/plain'], 'Figure "Loss": 2 trace(s): scatter "teacher", scatter "student"');
  const h = html(b);
  const lib = plotlyLibrary();
  assert.equal(lib.version, '2.35.3');
  assert.ok(h.includes(lib.source.slice(0, 300)), 'first figure inlines plotly.min.js');
  assert.ok(!/<script[^>]*\ssrc\s*=/i.test(h), 'no external script');
  // plotly.min.js mentions one CDN: the default `topojsonURL` for geo maps (never fetched for kd.plot's
  // trace types; render-html.test.ts proves no request is made). Everything else is CDN-free.
  assert.equal(h.match(/cdn\.plot\.ly|cdn\.jsdelivr|unpkg\.com\/plotly|cdnjs/gi)?.join(), 'cdn.plot.ly');
  assert.ok(h.includes('topojsonURL:{valType:"string",noBlank:!0,dflt:"https://cdn.plot.ly/"}'));
  assert.ok(!/https?:\/\//.test(own(h)), 'kdlab markup holds no URL at all');
  assert.match(own(h), /<div id="kdlab-plot-[0-9a-f]{8}-1" class="kdlab-plot"/);
  assert.match(own(h), /window\.Plotly\.newPlot\(el, fig\.data, fig\.layout, fig\.config\)/);
});

test('plotly.js is embedded exactly once per RichDisplay (per session)', () => {
  const rd = new RichDisplay();
  const figs = [plot.bars({ a: 1 }), plot.heatmap([[1]]), plot.bars({ b: 2 })];
  const hs = figs.map((f) => html(rd.toBundle(f)));
  assert.deepEqual(
    hs.map((h) => count(h, LIB_MARK)),
    [1, 0, 0],
  );
  assert.ok(hs[1].length < 10_000 && hs[0].length > 4_000_000);
  const ids = hs.map((h) => /<div id="([^"]+)"/.exec(h)![1]);
  assert.equal(new Set(ids).size, 3, 'unique div ids');
  // A new session embeds again.
  assert.equal(count(html(new RichDisplay().toBundle(figs[0])), LIB_MARK), 1);
});

test('updating the output that carries plotly.js re-embeds it; resetPlotly embeds again', () => {
  const lib = { source: 'window.Plotly = {newPlot: function () {}};', version: 'test' };
  const rd = new RichDisplay({ plotlyLibrary: lib });
  const f = plot.bars({ a: 1 });
  const embedded = (ctx?: { displayId?: string }) => count(html(rd.toBundle(f, ctx)), LIB_MARK);
  assert.equal(rd.plotlyPending, true);
  assert.equal(embedded({ displayId: 'live' }), 1);
  assert.equal(rd.plotlyPending, false);
  assert.equal(embedded(), 0);
  assert.equal(embedded({ displayId: 'other' }), 0);
  assert.equal(embedded({ displayId: 'live' }), 1, 'an update of the carrier keeps the library in the notebook');
  rd.resetPlotly();
  assert.equal(embedded(), 1);
  assert.equal(embedded(), 0);
});

test('clearing the outputs of the cell that carried plotly.js makes the next figure carry it', () => {
  const rd = new RichDisplay({ plotlyLibrary: { source: '', version: 'test' } });
  const f = plot.bars({ a: 1 });
  const embedded = () => count(html(rd.toBundle(f)), LIB_MARK);
  rd.executionStarted(); // cell 1 shows the first figure
  assert.equal(embedded(), 1);
  rd.executionStarted(); // cell 2 clears its own outputs: cell 1's copy stays
  rd.outputCleared();
  assert.equal(embedded(), 0);
  rd.executionStarted(); // cell 3: live plot loop — clear + display, twice
  rd.resetPlotly();
  assert.equal(embedded(), 1);
  rd.outputCleared();
  assert.equal(embedded(), 1);
  rd.outputCleared();
  assert.equal(embedded(), 1);
  assert.equal(embedded(), 0, 'not cleared: one copy is enough');
});

test('figure JSON in the script cannot close the <script> (title injection)', () => {
  const rd = new RichDisplay({ plotlyLibrary: { source: '', version: 'test' } });
  const evil = '</script><script>alert(1)</script><!--';
  const b = rd.toBundle(plot.bars({ a: 1 }, { title: evil }))!;
  const h = html(b);
  assert.ok(!h.includes('</script><script>alert(1)'));
  assert.ok(!h.includes('<!--'));
  assert.ok(h.includes('\\u003c/script>\\u003cscript>alert(1)'));
  assert.equal(
    (b.data[PLOTLY_MIME] as { layout: { title: { text: string } } }).layout.title.text,
    evil,
    'JSON part unchanged',
  );
});

test('arrays of records → escaped HTML table + text table; long arrays truncated', () => {
  const rd = new RichDisplay();
  const b = rd.toBundle([
    { name: '<script>alert(1)</script>', v: 1.23456789 },
    { name: 'a&b', w: '"q" \'r\'' },
  ])!;
  const h = html(b);
  assert.ok(!h.includes('<script>'), 'no raw tag from data');
  assert.ok(h.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.deepEqual(
    [...h.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]),
    ['name', 'v', 'w'],
  );
  assert.deepEqual(tds(h), [
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    '1.235',
    '',
    'a&amp;b',
    '',
    '&quot;q&quot; &#39;r&#39;',
  ]);
  const text = String(b.data['text/plain']).split('\n');
  assert.equal(text[0].trim().split(/\s+/).join(' '), 'name v w');
  assert.ok(text[2].includes('<script>alert(1)</script>'), 'text/plain keeps raw text');
  // records made in another realm (a vm context) are still plain records; class instances are not
  const foreign = rd.toBundle(vm.runInNewContext('[{ a: 1 }, { a: 2 }]'));
  assert.deepEqual(tds(html(foreign)), ['1', '2']);
  class Point {
    x = 1;
  }
  assert.equal(rd.toBundle([new Point()]), null);
  const many = rd.toBundle(Array.from({ length: 250 }, (_, i) => ({ i })))!;
  assert.equal(tds(html(many)).length, 200);
  assert.ok(html(many).includes('… 50 more rows (250 in total)'));
});

test('kd.plot.table, markdown and image bundles', () => {
  const rd = new RichDisplay();
  const t = rd.toBundle(
    plot.table(
      [
        { model: 'teacher', errors: 146 },
        { model: 'student<1>', errors: 201 },
      ],
      { caption: 'Test errors', columns: ['model', 'errors'] },
    ),
  )!;
  assert.ok(html(t).includes('<caption'));
  assert.ok(html(t).includes('Test errors'));
  assert.deepEqual(tds(html(t)), ['teacher', '146', 'student&lt;1&gt;', '201']);
  assert.match(String(t.data['text/plain']), /^Test errors\n\s*model\s+errors\n/);
  const md = rd.toBundle(plot.markdown('The student makes **159** errors.'))!;
  assert.deepEqual(md.data, {
    'text/markdown': 'The student makes **159** errors.',
    'text/plain': 'The student makes **159** errors.',
  });
  const im = rd.toBundle(
    plot.image(
      [
        [0, 1],
        [1, 0],
      ],
      { scale: 3 },
    ),
  )!;
  const png = Buffer.from(String(im.data['image/png']), 'base64');
  assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]); // "PNG"
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [6, 6]); // IHDR width/height after 3× scale
  assert.deepEqual(im.metadata, { 'image/png': { width: 6, height: 6 } });
});

test('tensor bundles: dtype, shape, stats, values; big tensors truncated; rank 3 slices; no leaks', () => {
  const rd = new RichDisplay();
  const before = tf.memory().numTensors;
  const small = tf.tensor2d([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = rd.toBundle(small)!;
  assert.ok(html(b).includes('Tensor float32 [2,3]'));
  assert.ok(html(b).includes('min 1 · max 6 · mean 3.5')); // (1+…+6)/6 = 3.5
  assert.deepEqual(tds(html(b)), ['1', '2', '3', '4', '5', '6']);
  assert.match(String(b.data['text/plain']), /^Tensor float32 \[2,3\] · min 1 · max 6 · mean 3\.5\n/);

  const big = tf.tidy(() => tf.range(0, 600).reshape([20, 30]));
  const hb = html(rd.toBundle(big));
  const cells = tds(hb);
  assert.equal(cells.length, 11 * 11, '5 + … + 5 rows and columns');
  assert.deepEqual(cells.slice(0, 6), ['0', '1', '2', '3', '4', '…']);
  assert.equal(cells[cells.length - 1], '599'); // row 19, column 29
  assert.ok(!cells.includes('300'), 'middle values elided');
  assert.ok(hb.includes('mean 299.5')); // (0+599)/2

  const r3 = tf.tidy(() => tf.range(0, 16).reshape([4, 2, 2]));
  const h3 = html(rd.toBundle(r3));
  assert.deepEqual(
    [...h3.matchAll(/<caption[^>]*>([^<]*)</g)].map((m) => m[1]),
    ['[0,:,:]', '[1,:,:]', '[3,:,:]'],
  );
  assert.ok(h3.includes('… 1 more slices …'));
  assert.deepEqual(tds(h3).slice(-4), ['12', '13', '14', '15']);

  const scalar = tf.scalar(2.5);
  assert.ok(html(rd.toBundle(scalar)).includes('>2.5<'));
  const bool = tf.tensor1d([1, 0], 'bool');
  assert.deepEqual(tds(html(rd.toBundle(bool))), ['true', 'false']);
  tf.dispose([small, big, r3, scalar, bool]);
  assert.equal(tf.memory().numTensors, before, 'display leaks no tensors');
  assert.match(String(rd.toBundle(small)!.data['text/plain']), /\(disposed\)/);
});

test('model bundle: summary table with layer names, types, output shapes, params', () => {
  const rd = new RichDisplay();
  const m = tf.sequential({
    name: 'mlp',
    layers: [
      tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu', name: 'hidden1' }),
      tf.layers.dense({ units: 10, name: 'logits' }),
    ],
  });
  const b = rd.toBundle(m)!;
  const h = html(b);
  // params: 784·32 + 32 = 25120 ; 32·10 + 10 = 330 ; total 25450. FLOPs (kd.models.summary): 2·784·32 + 2·32·10 = 50816
  assert.deepEqual(tds(h).slice(0, 4), ['hidden1', 'Dense', '[null,32]', '25120']);
  assert.ok(tds(h).includes('logits') && tds(h).includes('330'));
  assert.ok(h.includes('total params: 25,450'));
  assert.ok(h.includes('50,816 FLOPs per example'));
  assert.match(String(b.data['text/plain']), /hidden1\s+Dense\s+\[null,32\]\s+25120/);
  m.dispose();
});

test('values without a rich form give null', () => {
  const rd = new RichDisplay();
  for (const v of [3, 'x', null, undefined, { a: 1 }, [], [1, 2], [{ a: 1 }, 2], new Map(), new Float32Array(3)]) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a label for the failure message; [object Object] will do
    assert.equal(rd.toBundle(v), null, String(v));
  }
});

test('a Distiller.fit history is one row per epoch (not every batch loss), with validation and early stopping', () => {
  const rd = new RichDisplay({ plotlyLibrary: { source: '/*plotly*/', version: 'test' } });
  const history = {
    epochs: [
      { epoch: 0, losses: { task: 2.5, total: 2.5 }, seconds: 0.08 },
      { epoch: 1, losses: { task: 2, total: 2 }, validation: { loss: 1.875, accuracy: 0.5 }, seconds: 0.05 },
    ],
    batches: { task: [2.6, 2.4, 2.1, 1.9], total: [2.6, 2.4, 2.1, 1.9] },
    stoppedEarly: { epoch: 1, bestEpoch: 0 },
  };
  const b = rd.toBundle(history)!;
  assert.equal(
    b.data['text/plain'],
    [
      'Training history: 2 epochs, 4 batches',
      'epoch  task  total  val loss  val acc %  seconds',
      '-----  ----  -----  --------  ---------  -------',
      '    1   2.5    2.5                          0.08',
      '    2     2      2     1.875         50     0.05',
      'stopped early after epoch 2 (best epoch 1)',
    ].join('\n'),
  );
  const html = String(b.data['text/html']);
  assert.match(html, /<caption[^>]*>Training history: 2 epochs, 4 batches<\/caption>/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 3, 'header + 2 epoch rows, no batch rows');
  assert.equal(rd.toBundle({ epochs: [{ epoch: 0 }], batches: {} }), null, 'not a history without losses and seconds');
});
