/**
 * kdlab's cache folder, the one place that decides it: `$KDLAB_CACHE` when set and non-empty, else `.kdlab-cache`
 * in the working directory. A notebook's kernel runs in the notebook's folder (Jupyter and `kdlab run` start it
 * there), so for notebooks that is `<notebook folder>/.kdlab-cache`. Trained teachers go in the folder itself
 * (lib/distill/cache.ts), downloads in its `data/` sub-folder (lib/data/download.ts).
 */
import * as path from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.KDLAB_CACHE;
  return path.resolve(set !== undefined && set !== '' ? set : '.kdlab-cache');
}
