/**
 * The hand-over of a chapter's trained models to the exported site's live page (kernel/export/live.ts): the
 * `saveForLivePage` global saves them with kd.distill.saveModel into kdlab's cache folder and displays a small
 * bundle that names the folders. The weights never enter the notebook (chapter 4's teacher alone is 9.5 MB);
 * `kdlab export` reads them from the folders, checks their SHA-256 against the bundle, and embeds them in the site.
 * Folders are named by that hash, so a re-run with the same weights reuses its folder and never overwrites another
 * run's models that an executed notebook still points to.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { MimeBundle } from './types';

export const LIVE_MODELS_MIME = 'application/vnd.kdlab.live-models+json';

export const LIVE_ROLES = ['teacher', 'student', 'baseline'] as const;
export type LiveRole = (typeof LIVE_ROLES)[number];

export interface LiveModelRef {
  role: LiveRole;
  /** E.g. "teacher 784-1200-1200-10". */
  label: string;
  parameters: number;
  /** Absolute folder holding model.json and weights.bin (kd.distill.saveModel's layout). */
  dir: string;
  /** SHA-256 of model.json followed by weights.bin. */
  sha256: string;
}

export interface LiveModels {
  models: LiveModelRef[];
  /** The temperature the student was distilled at, shown on the page beside the slider. */
  temperature?: number;
}

export interface LiveModelsInput {
  teacher: tf.LayersModel;
  student: tf.LayersModel;
  baseline?: tf.LayersModel;
  temperature?: number;
}

const ROLE_NAMES: Record<LiveRole, string> = {
  teacher: 'teacher',
  student: 'distilled student',
  baseline: 'student without KD',
};

/** "784-1200-1200-10": the input width and each layer's output width where it changes (Dense layers). */
function architecture(model: tf.LayersModel): string {
  const widths = [model.inputs[0].shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1)];
  for (const l of model.layers) {
    if (l.getClassName() !== 'Dense') continue;
    const shape = l.outputShape as (number | null)[];
    widths.push(shape[shape.length - 1] ?? 0);
  }
  return widths.join('-');
}

export function folderHash(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of ['model.json', 'weights.bin']) h.update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex');
}

function checkModel(v: unknown, role: string): tf.LayersModel {
  const m = v as tf.LayersModel | undefined;
  if (!m || typeof m !== 'object' || typeof m.save !== 'function' || !Array.isArray(m.layers))
    throw new Error(`saveForLivePage: ${role} must be a tf.LayersModel, got ${m === null ? 'null' : typeof m}`);
  if (m.inputs.length !== 1 || m.outputs.length !== 1)
    throw new Error(`saveForLivePage: ${role} must have one input and one output (the page feeds it 784 pixels)`);
  const inputs = m.inputs[0].shape.slice(1).reduce<number>((a, d) => a * (d ?? 0), 1);
  if (inputs !== 784) throw new Error(`saveForLivePage: ${role} must take a 28×28 digit (784 inputs), got ${inputs}`);
  return m;
}

/**
 * Saves the models under `root` (one folder per model, named by its hash) with `save` (kd.distill.saveModel).
 * Throws on anything the page could not use, before writing.
 */
export async function saveLiveModels(
  input: LiveModelsInput,
  save: (model: tf.LayersModel, dir: string) => Promise<void>,
  root: string,
): Promise<LiveModels> {
  if (!input || typeof input !== 'object')
    throw new Error('saveForLivePage: expected { teacher, student, baseline?, temperature? }');
  const unknown = Object.keys(input).filter((k) => ![...LIVE_ROLES, 'temperature'].includes(k));
  if (unknown.length) throw new Error(`saveForLivePage: unknown field(s) ${unknown.join(', ')}`);
  const t = input.temperature;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0))
    throw new Error(`saveForLivePage: temperature must be a number > 0, got ${String(t)}`);
  const chosen = LIVE_ROLES.filter((r) => r !== 'baseline' || input.baseline !== undefined).map(
    (role) => [role, checkModel(input[role], role)] as const,
  );
  const models: LiveModelRef[] = [];
  for (const [role, model] of chosen) {
    const tmp = path.join(root, `.saving-${process.pid}-${role}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    await save(model, tmp);
    const sha256 = folderHash(tmp);
    const dir = path.join(root, sha256.slice(0, 16));
    if (fs.existsSync(dir)) fs.rmSync(tmp, { recursive: true });
    else fs.renameSync(tmp, dir);
    models.push({
      role,
      label: `${ROLE_NAMES[role]} ${architecture(model)}`,
      parameters: model.countParams(),
      dir,
      sha256,
    });
  }
  return { models, ...(t !== undefined ? { temperature: t } : {}) };
}

export function liveModelsBundle(saved: LiveModels): MimeBundle {
  const lines = saved.models.map((m) => `  ${m.label} (${m.parameters.toLocaleString('en-US')} parameters) → ${m.dir}`);
  return {
    data: {
      [LIVE_MODELS_MIME]: saved,
      'text/plain':
        `Saved for the live page of the exported site (kdlab export builds it from these folders):\n` +
        lines.join('\n'),
    },
    metadata: {},
  };
}
