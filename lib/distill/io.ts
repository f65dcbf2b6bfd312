/**
 * Save / load LayersModels to a folder in the standard tfjs "layers-model" layout
 * (`model.json` + `weights.bin`, one weights group) WITHOUT tfjs-node: a small IOHandler on node:fs.
 * The layout is what tfjs-node's `file://` handler writes, so `tf.loadLayersModel('file://dir/model.json')`
 * of tfjs-node reads our folders and `loadModel` reads theirs (several weight shards are concatenated).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Accepts `dir`, `file://dir`, or `file://dir/model.json`; returns the folder path. */
export function folderOf(dirOrUrl: string): string {
  if (typeof dirOrUrl !== 'string' || dirOrUrl.length === 0) {
    throw new Error(`dir: expected a folder path or file:// URL, got ${JSON.stringify(dirOrUrl)}`);
  }
  let p = dirOrUrl.startsWith('file://') ? dirOrUrl.slice('file://'.length) : dirOrUrl;
  if (path.basename(p) === MODEL_JSON) p = path.dirname(p);
  return p;
}

/** An IOHandler that writes/reads `dir/model.json` + `dir/weights.bin`. */
export function fileHandler(dirOrUrl: string): tf.io.IOHandler {
  const dir = folderOf(dirOrUrl);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('saveModel: binary model topologies (graph models) are not supported; expected a LayersModel');
      }
      fs.mkdirSync(dir, { recursive: true });
      const weights =
        artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Write to temporary names then rename, so a crash never leaves a half-written model behind.
      const tmpW = path.join(dir, `.${WEIGHTS_BIN}.${process.pid}.tmp`);
      const tmpJ = path.join(dir, `.${MODEL_JSON}.${process.pid}.tmp`);
      fs.writeFileSync(tmpW, new Uint8Array(weights));
      fs.writeFileSync(tmpJ, JSON.stringify(modelJSON));
      fs.renameSync(tmpW, path.join(dir, WEIGHTS_BIN));
      fs.renameSync(tmpJ, path.join(dir, MODEL_JSON));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      if (!fs.existsSync(jsonPath))
        throw new Error(`loadModel: ${jsonPath} does not exist (expected a folder written by saveModel)`);
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`loadModel: ${jsonPath} is not valid JSON (${(e as Error).message})`, { cause: e });
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.join(dir, p);
            if (!fs.existsSync(file))
              throw new Error(`loadModel: weights file ${file} listed in ${jsonPath} is missing`);
            const b = fs.readFileSync(file);
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Save a LayersModel to a folder (created if needed): `model.json` + `weights.bin`. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(dir));
}

/** Load a LayersModel saved by `saveModel` (or by tfjs-node's `file://` handler). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileHandler(dir));
}

/** A deep copy of a model (same topology, copied weights) through an in-memory round trip. */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}
