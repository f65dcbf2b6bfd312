/**
 * `kdlab export --execute`: run each notebook through the runner (kernel/runner/execute.ts) before rendering it,
 * unless its last execution can be reused. A cache record (DIR/.kdlab-export-cache.json beside the executed
 * notebooks) keys each result by the notebook's bytes, the parameters, kdlab's version and build (a hash of the
 * compiled library and kernel, so a developer's edit to lib/ is not answered with old results) and the backend the
 * kernel will pick (KDLAB_BACKEND, or whether TensorFlow is installed), and remembers the
 * written file's hash (a result overwritten since, e.g. by `kdlab run` with other parameters, is not reused) and
 * how long the run took (the next run's estimate). Progress: the runner's line per cell, with the chapter's and
 * the whole job's elapsed time and an estimate of what is left.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_ROOT } from '../kernelspec/install';
import { clock } from '../display/progress';
import { KernelSpec } from '../runner/kernelspec';
import { NotebookResult, runNotebook } from '../runner/execute';
import { Params } from '../runner/parameters';
import { TF_PACKAGES } from '../../lib/backend/loaders';
import { availableCores, THREADS_VARIABLE } from '../../lib/backend/wasm/threads';
import { TF_THREADS_VARIABLE } from '../../lib/backend/tensorflow-threads';

export const CACHE_FILE = '.kdlab-export-cache.json';

interface CacheEntry {
  key: string;
  outputSha256: string;
  seconds: number;
  at: string;
}
type Cache = Record<string, CacheEntry>;

export const kdlabVersion = (): string =>
  (require(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version;

const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** Hash of every compiled .js file of the library and the kernel (what executes a notebook), by path and bytes. */
export function buildHash(root = path.join(PACKAGE_ROOT, 'dist')): string {
  const h = crypto.createHash('sha256');
  for (const dir of ['lib', 'kernel']) {
    const base = path.join(root, dir);
    if (!fs.existsSync(base)) continue;
    const files = (fs.readdirSync(base, { recursive: true }) as string[]).filter((f) => f.endsWith('.js')).sort();
    for (const f of files) h.update(`${dir}/${f}\0`).update(fs.readFileSync(path.join(base, f)));
  }
  return h.digest('hex');
}

/** The backend a kernel started now will choose: KDLAB_BACKEND, else tensorflow when installed, else wasm. */
export function expectedBackend(env = process.env): string {
  if (env.KDLAB_BACKEND) return env.KDLAB_BACKEND;
  for (const pkg of TF_PACKAGES) {
    try {
      require.resolve(pkg, { paths: [PACKAGE_ROOT] });
      return 'tensorflow';
    } catch {
      /* not installed */
    }
  }
  return 'wasm';
}

let build: string | undefined;
/** What a result depends on besides the notebook and its parameters (computed once per process). */
export const environmentKey = (): { version: string; build: string; backend: string } => ({
  version: kdlabVersion(),
  build: (build ??= buildHash()),
  backend: expectedBackend(),
});

/**
 * What a result depends on: the notebook's bytes, the parameters (key order ignored), and kdlab's version, build
 * and expected backend (`environmentKey`).
 */
export function cacheKey(
  notebook: Buffer,
  params: Params,
  env: { version: string; build: string; backend: string } = environmentKey(),
): string {
  const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
  return sha256(JSON.stringify({ notebook: sha256(notebook), params: sorted, ...env }));
}

function readCache(file: string): Cache {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Cache;
  } catch {
    return {};
  }
}

export interface ExecuteJob {
  input: string;
  output: string;
  params: Params;
}

export interface ExecuteOptions {
  spec: KernelSpec;
  timeoutS: number;
  heartbeatS: number;
  log: (line: string) => void;
  now?: () => number;
  /** Notebooks run at once (default 1); see `autoJobs` and `laneEnv`. */
  jobs?: number;
}

export interface ExecuteOutcome {
  job: ExecuteJob;
  cached: boolean;
  result: NotebookResult | null;
  seconds: number;
}

/** The cached result for `job`, if its key and written file still match. */
export function reusable(job: ExecuteJob, cache: Cache): CacheEntry | null {
  const entry = cache[path.resolve(job.output)];
  if (!entry || !fs.existsSync(job.output)) return null;
  if (entry.key !== cacheKey(fs.readFileSync(job.input), job.params)) return null;
  return entry.outputSha256 === sha256(fs.readFileSync(job.output)) ? entry : null;
}

/**
 * How many notebooks run at once for `--jobs auto`: one per core up to 4 (each kernel holds its data sets and
 * models, ~1 GB), never more than there are notebooks.
 */
export function autoJobs(notebooks: number, cores = availableCores()): number {
  return Math.max(1, Math.min(cores, 4, notebooks));
}

/**
 * The environment of each kernel when `lanes` run at once: the wasm and tensorflow backends' threads split the cores
 * between them (one thread each on two cores: two single-threaded kernels get more done than two that fight over
 * two threads each), unless the user chose a count (for tensorflow also through TensorFlow's own
 * TF_NUM_INTRAOP_THREADS).
 */
export function laneEnv(lanes: number, env = process.env, cores = availableCores()): Record<string, string> {
  if (lanes <= 1) return {};
  const share = String(Math.max(1, Math.floor(cores / lanes)));
  const out: Record<string, string> = {};
  if (!env[THREADS_VARIABLE]) out[THREADS_VARIABLE] = share;
  if (!env[TF_THREADS_VARIABLE] && !env.TF_NUM_INTRAOP_THREADS) out[TF_THREADS_VARIABLE] = share;
  return out;
}

/**
 * Execute (or reuse) every job, `opts.jobs` at a time (default 1) in the given order; a failed notebook is reported
 * and not cached, the others go on. Outcomes come back in the jobs' order. Notebooks that share a cached teacher
 * may run side by side: the teacher cache trains each key once (lib/distill/cache.ts).
 */
export async function executeAll(jobs: ExecuteJob[], opts: ExecuteOptions): Promise<ExecuteOutcome[]> {
  const now = opts.now ?? (() => Date.now());
  const start = now();
  const lanes = Math.max(1, Math.min(opts.jobs ?? 1, jobs.length));
  const env = laneEnv(lanes);
  const outcomes: (ExecuteOutcome | undefined)[] = jobs.map(() => undefined);
  const caches = new Map<string, Cache>();
  const cacheOf = (job: ExecuteJob) => {
    const file = path.join(path.dirname(path.resolve(job.output)), CACHE_FILE);
    if (!caches.has(file)) caches.set(file, readCache(file));
    return { file, cache: caches.get(file)! };
  };
  if (lanes > 1) {
    const split = [
      env[THREADS_VARIABLE] && `wasm backend: ${env[THREADS_VARIABLE]} thread(s)`,
      env[TF_THREADS_VARIABLE] && `tensorflow: ${env[TF_THREADS_VARIABLE]} thread(s)`,
    ].filter(Boolean);
    opts.log(`kdlab export: ${lanes} notebooks at a time` + (split.length ? ` (${split.join(', ')} per kernel)` : ''));
  }
  // Estimates: a chapter's last recorded duration, else the mean of chapters done in this run.
  const expected = jobs.map((j) => cacheOf(j).cache[path.resolve(j.output)]?.seconds ?? null);
  const startedAt: (number | null)[] = jobs.map(() => null);
  const left = (i: number, cellsDone: number, cells: number) => {
    const done = outcomes.filter((o): o is ExecuteOutcome => o !== undefined);
    const remaining = jobs.map((_, k) => {
      if (outcomes[k]) return 0;
      const began = startedAt[k];
      const ran = began === null ? 0 : (now() - began) / 1000;
      const guess = expected[k] ?? (k === i && cellsDone > 0 ? (ran / cellsDone) * cells : meanSoFar(done));
      return guess === null ? null : Math.max(0, guess - ran);
    });
    if (remaining.some((s) => s === null)) return '?';
    return clock(remaining.reduce((a: number, s) => a + s!, 0) / lanes);
  };
  const runOne = async (i: number) => {
    const job = jobs[i];
    const name = path.basename(job.input);
    const tag = `chapter ${i + 1}/${jobs.length}`;
    const { file, cache } = cacheOf(job);
    const hit = reusable(job, cache);
    if (hit) {
      opts.log(
        `[${name}] ${tag}: cached, not re-run (notebook, parameters and kdlab ${kdlabVersion()} unchanged since ` +
          `${hit.at}; its run took ${clock(hit.seconds)}) -> ${job.output}`,
      );
      outcomes[i] = { job, cached: true, result: null, seconds: 0 };
      return;
    }
    const t0 = now();
    startedAt[i] = t0;
    const log = (line: string) => {
      const m = / code cell (\d+)\/(\d+) /.exec(line);
      if (!m) return opts.log(line);
      const ran = clock((now() - t0) / 1000);
      const total = clock((now() - start) / 1000);
      opts.log(`${line} · ${tag} ${ran} · all ${total}, ~${left(i, Number(m[1]), Number(m[2]))} left`);
    };
    const result = await runNotebook(job.input, job.output, {
      spec: opts.spec,
      timeoutS: opts.timeoutS,
      heartbeatS: opts.heartbeatS,
      allowErrors: false,
      params: job.params,
      log,
      sessionName: job.output,
      env,
    });
    const seconds = (now() - t0) / 1000;
    expected[i] = seconds;
    outcomes[i] = { job, cached: false, result, seconds };
    if (result.ok && result.output) {
      cache[path.resolve(job.output)] = {
        key: cacheKey(fs.readFileSync(job.input), job.params),
        outputSha256: sha256(fs.readFileSync(job.output)),
        seconds,
        at: new Date().toISOString(),
      };
      fs.writeFileSync(file, JSON.stringify(cache, null, 1) + '\n');
    }
    const more = outcomes.some((o) => o === undefined);
    opts.log(
      `[${name}] ${tag} ${result.ok ? 'done' : 'FAILED'} in ${clock(seconds)} · all ${clock((now() - start) / 1000)}` +
        (more ? `, ~${left(i, 1, 1)} left` : ''),
    );
  };
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await runOne(next++);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return outcomes as ExecuteOutcome[];
}

function meanSoFar(outcomes: ExecuteOutcome[]): number | null {
  const ran = outcomes.filter((o) => !o.cached);
  return ran.length ? ran.reduce((a, o) => a + o.seconds, 0) / ran.length : null;
}
