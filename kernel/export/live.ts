/**
 * The live page (live-digits.html): the reader draws a digit and the models a chapter handed over with
 * saveForLivePage (kernel/display/live-models.ts; chapter 4's teacher and students) classify it in the browser.
 * The exporter reads the saved folders, checks their hashes, makes the models loadable by plain TensorFlow.js
 * (kdlab's SeededDropout becomes tfjs's Dropout, the same identity at inference), quantizes the weights to 8 bits
 * (./quantize) and embeds them as a script, assets/live-models.js: pages opened from file:// cannot fetch files.
 * TensorFlow.js itself is one shared asset, assets/tf.min.js, loaded only by this page. When the models cannot be
 * read, the chapter shows why in place of the link and no live page is written.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { escapeHtml } from '../display/html';
import { scriptJson } from '../display/plotly';
import { LIVE_MODELS_MIME, LIVE_ROLES, LiveModels, folderHash } from '../display/live-models';
import type { Notebook } from '../runner/notebook';
import { quantizeWeights } from './quantize';

export const LIVE_PAGE = 'live-digits.html';

export interface PageModel {
  role: string;
  label: string;
  parameters: number;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** base64 of the quantized weights. */
  weights: string;
}

/** What the chapter's output shows: a link to the page, or why there is none. */
export type LiveState =
  { ok: true; href: string; models: PageModel[]; temperature?: number } | { ok: false; reason: string };

/** The first live-models bundle among the notebook's outputs, or null. Throws when it is malformed. */
export function findLiveModels(nb: Notebook): LiveModels | null {
  for (const cell of nb.cells)
    for (const o of cell.outputs ?? [])
      if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data?.[LIVE_MODELS_MIME])
        return checked(o.data[LIVE_MODELS_MIME]);
  return null;
}

function checked(v: unknown): LiveModels {
  const models = (v as { models?: unknown })?.models;
  if (!Array.isArray(models) || models.length === 0) throw new Error('the live-models output lists no models');
  for (const m of models as Record<string, unknown>[]) {
    if (!LIVE_ROLES.includes(m?.role as (typeof LIVE_ROLES)[number]))
      throw new Error(`the live-models output has a model of unknown role ${JSON.stringify(m?.role)}`);
    for (const f of ['label', 'dir', 'sha256'])
      if (typeof m[f] !== 'string') throw new Error(`the live-models output's ${String(m.role)} has no ${f}`);
  }
  return v as LiveModels;
}

/** Dropout layers of kdlab's own class become tfjs's (identity at inference), so the page needs no kdlab code. */
function plainTopology(topology: unknown): object {
  const t = JSON.parse(JSON.stringify(topology)) as { config?: { layers?: { class_name: string; config: object }[] } };
  for (const layer of t.config?.layers ?? []) {
    if (layer.class_name !== 'SeededDropout') continue;
    const c = layer.config as { name: string; trainable?: boolean; dtype?: string; rate: number };
    layer.class_name = 'Dropout';
    layer.config = { name: c.name, trainable: c.trainable ?? true, dtype: c.dtype ?? 'float32', rate: c.rate };
  }
  return t;
}

/** The models of `found`, read, checked and quantized for the page. Throws with the reason the page cannot show. */
export function pageModels(found: LiveModels): PageModel[] {
  return found.models.map((m) => {
    const files = ['model.json', 'weights.bin'].map((f) => path.join(m.dir, f));
    const absent = files.find((f) => !fs.existsSync(f));
    if (absent) throw new Error(`the ${m.role}'s saved model is missing (${absent})`);
    if (folderHash(m.dir) !== m.sha256)
      throw new Error(`the ${m.role}'s saved model in ${m.dir} changed since the chapter ran (SHA-256 differs)`);
    const json = JSON.parse(fs.readFileSync(files[0], 'utf8')) as tf.io.ModelJSON;
    const bin = fs.readFileSync(files[1]);
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const q = quantizeWeights(specs, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    return {
      role: m.role,
      label: m.label,
      parameters: m.parameters,
      modelTopology: plainTopology(json.modelTopology),
      weightSpecs: q.specs,
      weights: Buffer.from(q.data).toString('base64'),
    };
  });
}

/** The chapter's live-models bundle → its state on the site (never throws: a failure is the state's reason). */
export function liveState(nb: Notebook): LiveState | null {
  try {
    const found = findLiveModels(nb);
    if (!found) return null;
    return { ok: true, href: LIVE_PAGE, models: pageModels(found), temperature: found.temperature };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** In place of the live-models output on the chapter page. */
export function liveLink(state: LiveState | undefined): string {
  if (!state)
    return `<div class="output-missing" role="note">This chapter's models can be tried on the live page of the exported site (<code>kdlab export</code> without <code>--single</code>).</div>`;
  if (!state.ok)
    return (
      `<div class="output-missing live-missing" role="note"><strong>Live page not available:</strong> ${escapeHtml(state.reason)}. ` +
      `Run this chapter again (it saves its models into kdlab's cache) and export again.</div>`
    );
  return (
    `<p class="live-link"><a href="${escapeHtml(state.href)}">✎ Try it on the live page</a>: draw a digit and see ` +
    `${escapeHtml(state.models.map((m) => m.label.replace(/ [\d-]+$/, '')).join(', '))} answer in your browser, ` +
    `with a temperature slider.</p>`
  );
}

function modelBox(m: PageModel): string {
  const bars = Array.from(
    { length: 10 },
    (_, c) =>
      `<li data-p=""><span class="digit">${c}</span><span class="bar" aria-hidden="true"><span></span></span><span class="p"></span></li>`,
  ).join('');
  return (
    `<section class="live-model" data-role="${escapeHtml(m.role)}" aria-label="${escapeHtml(m.label)}">` +
    `<h2>${escapeHtml(m.label)}</h2><p class="live-note">${m.parameters.toLocaleString('en-US')} parameters</p>` +
    `<p class="live-top">Draw a digit.</p><ol class="live-bars" start="0">${bars}</ol></section>`
  );
}

/** The live page's main content; `chapterPage` is the chapter that trained the models. */
export function livePageBody(
  state: Extract<LiveState, { ok: true }>,
  chapterPage: string,
  chapterTitle: string,
): string {
  const t = state.temperature;
  return (
    `<h1>Draw a digit · 手写一个数字</h1>` +
    `<p class="lead">The models below are the ones <a href="${escapeHtml(chapterPage)}">${escapeHtml(chapterTitle)}</a> ` +
    `trained in its run, running here in your browser with TensorFlow.js — offline, nothing is sent anywhere. ` +
    `Draw one digit with the mouse, a finger or a pen, then move the temperature.</p>` +
    `<div class="live">` +
    `<div class="live-pad-box"><canvas id="live-pad" class="live-pad" width="280" height="280" tabindex="0" role="application" ` +
    `aria-label="Drawing pad: draw one digit" aria-describedby="live-keys"></canvas>` +
    `<p id="live-keys" class="live-note">Keyboard: focus the pad, Space lowers or lifts the pen, the arrow keys move it.</p>` +
    `<button type="button" id="live-clear">Clear</button></div>` +
    `<figure class="live-seen"><canvas id="live-input" width="28" height="28" role="img" ` +
    `aria-label="The 28 by 28 pixel input the models see"></canvas>` +
    `<figcaption>What the models see: your stroke as an MNIST digit — cropped to the ink, scaled to fit 20×20 ` +
    `keeping its aspect ratio, centred by its centre of mass in 28×28, values in [0, 1].</figcaption></figure></div>` +
    `<div class="live-temperature"><label for="live-temperature">Temperature <i>T</i> = <output id="live-t" for="live-temperature">1.0</output></label>` +
    `<input type="range" id="live-temperature" min="1" max="20" step="0.5" value="1" aria-describedby="live-t-note">` +
    `<p id="live-t-note" class="live-note">The probabilities are softmax(logits / <i>T</i>): <i>T</i> = 1 is the model's own ` +
    `prediction; higher <i>T</i> softens it and shows the “dark knowledge” in the small probabilities` +
    (t !== undefined ? `; the student was distilled at <i>T</i> = ${escapeHtml(String(t))}` : '') +
    `.</p></div>` +
    `<p id="live-status" class="live-status" role="status">Loading…</p>` +
    `<div id="live-results" class="live-results">${state.models.map(modelBox).join('')}</div>` +
    `<p class="live-note">The weights are stored in 8 bits per weight on this page (per-tensor min and step), a quarter ` +
    `of the size of the chapter's float32 models; predictions can differ from the chapter's in the last digits.</p>` +
    `<script src="assets/tf.min.js"></script><script src="assets/live-models.js"></script><script src="assets/live.js"></script>`
  );
}

const noSourceMap = (js: string) => js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');

/** assets/live.js: ./browser/digit-input's compiled module given an `exports` object, then the page script. */
function liveScript(): string {
  const read = (f: string) => noSourceMap(fs.readFileSync(path.join(__dirname, 'browser', f), 'utf8'));
  return (
    `(function () {\nvar exports = {};\n${read('digit-input.js')}\nwindow.kdlabDigitInput = exports;\n})();\n` +
    read('live.js')
  );
}

/** Writes assets/tf.min.js, assets/live.js and assets/live-models.js; returns the files written. */
export function writeLiveAssets(dir: string, state: Extract<LiveState, { ok: true }>): string[] {
  const assets = path.join(dir, 'assets');
  const tfjs = require.resolve('@tensorflow/tfjs/dist/tf.es2017.min.js');
  const files: [string, string][] = [
    ['tf.min.js', noSourceMap(fs.readFileSync(tfjs, 'utf8'))],
    ['live.js', liveScript()],
    ['live-models.js', `window.KDLAB_LIVE = ${scriptJson({ models: state.models })};\n`],
  ];
  fs.mkdirSync(assets, { recursive: true });
  return files.map(([f, content]) => {
    fs.writeFileSync(path.join(assets, f), content);
    return path.join(assets, f);
  });
}
