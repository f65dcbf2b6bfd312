/**
 * Teacher cache: chapters call `cachedModel({model: 'cnnTeacher', seed: 1, data: {train: 5000}}, train)`
 * and get the trained model from disk on every later run instead of retraining it.
 * The folder is lib/common/cache-dir.ts's (`$KDLAB_CACHE`, else `.kdlab-cache` in the working directory), one
 * sub-folder per key hash (model.json, weights.bin, key.json holding the key for humans, written last).
 * Safe between processes: one trains a key while the others wait for it (lib/common/file-lock.ts).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from './io';
import { cacheDir } from '../common/cache-dir';
import { withFileLock } from '../common/file-lock';

/**
 * JSON with object keys sorted at every level, so `{a:1,b:2}` and `{b:2,a:1}` hash alike.
 * Rejects values JSON cannot represent faithfully (functions, NaN, ±Infinity, undefined inside arrays).
 */
export function stableStringify(value: unknown, where = 'key'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${where}: expected finite numbers, got ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => stableStringify(v, `${where}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k], `${where}.${k}`)}`).join(',')}}`;
  }
  throw new Error(`${where}: expected JSON data (numbers, strings, booleans, arrays, objects), got ${typeof value}`);
}

/** SHA-256 (hex, first 32 chars) of `stableStringify(key)`. */
export function stableHash(key: unknown): string {
  return createHash('sha256').update(stableStringify(key)).digest('hex').slice(0, 32);
}

export { cacheDir };

/**
 * Return the model cached under `key`, or call `trainFn()`, save its result under `key` and return it.
 * Put everything that determines the trained weights in `key` (architecture/config, seed, data spec, epochs).
 * `opts.dir` overrides the cache folder; `opts.refresh` retrains and overwrites.
 * Used in chapter 4 (the teacher of §4.2, trained once and shared by later runs).
 */
export async function cachedModel(
  key: object,
  trainFn: () => tf.LayersModel | Promise<tf.LayersModel>,
  opts: { dir?: string; refresh?: boolean } = {},
): Promise<tf.LayersModel> {
  if (key === null || typeof key !== 'object')
    throw new Error(
      `cachedModel key: expected an object (config + seed + data spec), got ${key === null ? 'null' : typeof key}`,
    );
  if (typeof trainFn !== 'function')
    throw new Error(`cachedModel trainFn: expected a function returning a LayersModel, got ${typeof trainFn}`);
  const root = opts.dir ?? cacheDir();
  const folder = path.join(root, stableHash(key));
  const saved = () => fs.existsSync(path.join(folder, 'key.json'));
  if (!opts.refresh && saved()) return loadModel(folder);
  fs.mkdirSync(root, { recursive: true });
  // One process trains a key at a time; another that wants it meanwhile waits and loads the result.
  const waited = { pid: undefined as number | null | undefined };
  return withFileLock(
    `${folder}.lock`,
    async () => {
      if (saved() && (!opts.refresh || waited.pid !== undefined)) return loadModel(folder);
      const model = await trainFn();
      if (model == null || typeof model.save !== 'function') {
        throw new Error(
          `cachedModel trainFn: expected it to return a tf.LayersModel, got ${model === null ? 'null' : typeof model}`,
        );
      }
      // Written beside, then renamed into place: a reader never sees a half-saved model. key.json last marks it whole.
      const partial = `${folder}.partial-${process.pid}`;
      fs.rmSync(partial, { recursive: true, force: true });
      await saveModel(model, partial);
      fs.writeFileSync(path.join(partial, 'key.json'), stableStringify(key) + '\n');
      fs.rmSync(folder, { recursive: true, force: true });
      fs.renameSync(partial, folder);
      return model;
    },
    (pid) => {
      waited.pid = pid;
      console.log(
        `cachedModel: another process${pid === null ? '' : ` (pid ${pid})`} is training this model; ` +
          `waiting to load it from ${folder}`,
      );
    },
  );
}
