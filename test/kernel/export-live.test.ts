/**
 * The live page's exporter side (no browser): saveForLivePage's folders and bundle, the 8-bit quantization
 * against hand-computed bytes and tfjs's own decoder, the site with a live page built from the tiny fixture
 * models (test/support/live-fixture.ts), and the placeholders when the saved models are missing or changed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as kd from '../../lib';
import { quantizeUint8, quantizeWeights } from '../../kernel/export/quantize';
import { exportSingle, exportSite } from '../../kernel/export/site';
import { LIVE_PAGE, PageModel } from '../../kernel/export/live';
import { LIVE_MODELS_MIME, LiveModels, saveLiveModels } from '../../kernel/display/live-models';
import { LIVE_CHAPTER, notebooksWithLive, tinyLiveModels } from '../support/live-fixture';

const tf = kd.tf;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-live-'));

test('quantizeUint8: bytes, min and step by hand; tfjs decodes them to within half a step', () => {
  // min −1, max 1: step 2/255; 0 → 127.5 rounds to 128, 0.5 → 191.25 → 191.
  const q = quantizeUint8(new Float32Array([-1, 0, 0.5, 1]));
  assert.equal(q.min, -1);
  assert.equal(q.scale, 2 / 255);
  assert.deepEqual([...q.bytes], [0, 128, 191, 255]);
  const values = new Float32Array(Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.3 + 0.01 * i));
  const specs = [
    { name: 'w', shape: [10, 100], dtype: 'float32' as const },
    { name: 'b', shape: [3], dtype: 'float32' as const },
  ];
  const blob = new Float32Array([...values, 0, 0, 0]);
  const packed = quantizeWeights(specs, blob.buffer);
  assert.equal(packed.data.byteLength, 1003);
  const decoded = tf.io.decodeWeights(packed.data.buffer as ArrayBuffer, packed.specs);
  const w = decoded.w.dataSync();
  const step = packed.specs[0].quantization!.scale!;
  for (let i = 0; i < values.length; i++)
    assert.ok(Math.abs(w[i] - values[i]) <= step / 2 + 1e-6, `weight ${i}: ${w[i]} vs ${values[i]}`);
  // A constant tensor (zero biases) decodes exactly.
  assert.deepEqual([...decoded.b.dataSync()], [0, 0, 0]);
  tf.dispose(Object.values(decoded));
  assert.throws(() => quantizeUint8(new Float32Array([1, NaN])), /a weight is NaN/);
  assert.throws(() => quantizeWeights(specs, new Float32Array(10).buffer), /ends inside w/);
  assert.throws(() => quantizeWeights(specs, new Float32Array(1004).buffer), /4 bytes of weights data left over/);
});

test('saveForLivePage: one folder per model named by its hash (a re-save reuses it), a bundle with a text fallback', async () => {
  const root = tmp();
  const first = await tinyLiveModels(root);
  const again = await tinyLiveModels(root);
  assert.deepEqual(again, first, 'the same weights give the same folders');
  assert.deepEqual(
    first.models.map((m) => [m.role, m.label, m.parameters]),
    [
      // 784·16 + 16 + 16·10 + 10 and 784·8 + 8 + 8·10 + 10, by hand.
      ['teacher', 'teacher 784-16-10', 12730],
      ['student', 'distilled student 784-8-10', 6370],
      ['baseline', 'student without KD 784-8-10', 6370],
    ],
  );
  for (const m of first.models) {
    assert.equal(path.basename(m.dir), m.sha256.slice(0, 16));
    assert.ok(fs.existsSync(path.join(m.dir, 'weights.bin')));
  }
  assert.deepEqual(fs.readdirSync(root).sort(), first.models.map((m) => path.basename(m.dir)).sort(), 'no leftovers');
  const wrong = kd.models.mlp({ inputShape: [10], hidden: [4] });
  const student = kd.models.mlp({ hidden: [4] });
  await assert.rejects(
    saveLiveModels({ teacher: wrong, student }, kd.distill.saveModel, root),
    /teacher must take a 28×28 digit \(784 inputs\), got 10/,
  );
  await assert.rejects(
    saveLiveModels({ teacher: student, student, temperature: -1 }, kd.distill.saveModel, root),
    /temperature must be a number > 0/,
  );
  await assert.rejects(
    saveLiveModels({ teacher: student, student: 'x' as unknown as kd.tf.LayersModel }, kd.distill.saveModel, root),
    /student must be a tf.LayersModel, got string/,
  );
  wrong.dispose();
  student.dispose();
});

/** window.KDLAB_LIVE's models, read back from assets/live-models.js. */
function embedded(dir: string): PageModel[] {
  const js = fs.readFileSync(path.join(dir, 'assets', 'live-models.js'), 'utf8');
  const m = /^window\.KDLAB_LIVE = (.*);\n$/s.exec(js);
  assert.ok(m, 'live-models.js assigns window.KDLAB_LIVE');
  return (JSON.parse(m[1]) as { models: PageModel[] }).models;
}

test('site with a live page: linked from its chapter, models embedded 8-bit, loadable by plain tfjs', async () => {
  const work = tmp();
  const saved = await tinyLiveModels(path.join(work, 'models'));
  const dir = path.join(work, 'site');
  const written = exportSite(
    notebooksWithLive(work, saved).map((file) => ({ file })),
    dir,
  );
  const page = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const chapter = LIVE_CHAPTER.replace('.ipynb', '.html');
  assert.match(page(chapter), /<a href="live-digits.html">✎ Try it on the live page<\/a>/);
  assert.match(page('index.html'), /<a href="live-digits.html">✎ Draw a digit for this chapter's models<\/a>/);
  assert.ok(!page(chapter).includes(LIVE_MODELS_MIME), 'the bundle is not dumped as JSON');
  const live = page(LIVE_PAGE);
  for (const f of ['tf.min.js', 'live-models.js', 'live.js']) {
    assert.match(live, new RegExp(`<script src="assets/${f.replace('.', '\\.')}"></script>`));
    assert.ok(
      written.some((w) => w.file === path.join(dir, 'assets', f)),
      `${f} is reported with its size`,
    );
  }
  for (const f of ['index.html', chapter]) assert.ok(!page(f).includes('tf.min.js'), `${f} does not load tfjs`);
  assert.match(live, /<label for="live-temperature">/);
  assert.match(live, /<canvas id="live-pad"[^>]*aria-label="Drawing pad: draw one digit"/);
  assert.match(live, /<button type="button" id="live-clear">Clear<\/button>/);
  assert.match(live, /centred by its centre of mass in 28×28/);
  assert.match(live, /the student was distilled at <i>T<\/i> = 4/);
  assert.ok(!/(src|href)="(https?:)?\/\//.test(live), 'nothing off the machine');
  const models = embedded(dir);
  assert.deepEqual(
    models.map((m) => m.role),
    ['teacher', 'student', 'baseline'],
  );
  for (const [i, m] of models.entries()) {
    const topology = JSON.stringify(m.modelTopology);
    assert.ok(!topology.includes('SeededDropout'), `${m.role}: no kdlab-only layer class left`);
    if (m.role === 'teacher') assert.ok(topology.includes('"class_name":"Dropout"'), 'dropout as tfjs Dropout');
    // Each weight within half a quantization step of the float32 weights the chapter saved.
    const original = await kd.distill.loadModel(saved.models[i].dir);
    const bytes = Buffer.from(m.weights, 'base64');
    assert.equal(bytes.byteLength, original.countParams(), `${m.role}: one byte per parameter`);
    const decoded = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      m.weightSpecs,
    );
    for (const [k, w] of original.weights.entries()) {
      const spec = m.weightSpecs[k];
      assert.equal(spec.name, w.originalName);
      const diff = tf.tidy(() => tf.sub(decoded[spec.name], w.read()).abs().max().dataSync()[0]);
      assert.ok(diff <= spec.quantization!.scale! / 2 + 1e-6, `${m.role} ${spec.name}: off by ${diff}`);
    }
    tf.dispose(Object.values(decoded));
    original.dispose();
    // Plain tfjs (no kdlab layer classes needed) loads it from memory, as the page does.
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: m.modelTopology,
        weightSpecs: m.weightSpecs,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      }),
    );
    assert.deepEqual(model.outputs[0].shape, [null, 10]);
    model.dispose();
  }
});

test('saved models missing or changed: the chapter says why, no live page, no crash; --single points to the site', async () => {
  const work = tmp();
  const saved: LiveModels = await tinyLiveModels(path.join(work, 'models'));
  const files = notebooksWithLive(work, saved);
  fs.rmSync(saved.models[1].dir, { recursive: true });
  const gone = path.join(work, 'gone');
  exportSite(
    files.map((file) => ({ file })),
    gone,
  );
  const chapter = LIVE_CHAPTER.replace('.ipynb', '.html');
  assert.match(
    fs.readFileSync(path.join(gone, chapter), 'utf8'),
    /<strong>Live page not available:<\/strong> the student&#39;s saved model is missing \([^)]*model.json\)/,
  );
  assert.ok(!fs.existsSync(path.join(gone, LIVE_PAGE)));
  assert.ok(!fs.existsSync(path.join(gone, 'assets', 'tf.min.js')));

  const bin = path.join(saved.models[0].dir, 'weights.bin');
  const bytes = fs.readFileSync(bin);
  bytes[0] ^= 1;
  fs.writeFileSync(bin, bytes);
  await tinyLiveModels(path.join(work, 'models')); // the student back; the teacher's folder still altered
  const changed = path.join(work, 'changed');
  exportSite(
    files.map((file) => ({ file })),
    changed,
  );
  assert.match(
    fs.readFileSync(path.join(changed, chapter), 'utf8'),
    /Live page not available:<\/strong> the teacher&#39;s saved model in \S+ changed since the chapter ran/,
  );
  const single = path.join(work, 'single');
  exportSingle([{ file: files.find((f) => f.endsWith(LIVE_CHAPTER))! }], single);
  assert.match(fs.readFileSync(path.join(single, chapter), 'utf8'), /live page of the exported site/);
});
