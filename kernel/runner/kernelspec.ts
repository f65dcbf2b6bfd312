/**
 * Kernelspec lookup, the way jupyter_client's KernelSpecManager does it: the first
 * `<dir>/kernels/<name>/kernel.json` along the Jupyter data path wins. Order (jupyter_core.paths.jupyter_path):
 * JUPYTER_PATH entries, the user data dir (JUPYTER_DATA_DIR or ~/.local/share/jupyter, ~/Library/Jupyter on macOS),
 * the environment prefixes (VIRTUAL_ENV, CONDA_PREFIX, then python3's sys.prefix), /usr/local/share/jupyter, /usr/share/jupyter.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import type { KernelJson } from '../kernelspec/install';

export interface KernelSpec {
  name: string;
  /** Folder holding kernel.json (substituted for {resource_dir}). */
  resourceDir: string;
  argv: string[];
  displayName: string;
  language: string;
  interruptMode: 'signal' | 'message';
  env: Record<string, string>;
}

/** Directories searched, in order. sys.prefix costs a python3 call, so it is produced lazily. */
export function* jupyterDataPath(env: NodeJS.ProcessEnv = process.env): Generator<string> {
  for (const p of (env.JUPYTER_PATH ?? '').split(path.delimiter)) if (p) yield p;
  if (env.JUPYTER_DATA_DIR) yield env.JUPYTER_DATA_DIR;
  else if (process.platform === 'darwin') yield path.join(os.homedir(), 'Library', 'Jupyter');
  else yield path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter');
  for (const prefix of [env.VIRTUAL_ENV, env.CONDA_PREFIX]) if (prefix) yield path.join(prefix, 'share', 'jupyter');
  const sysPrefix = pythonPrefix(env);
  if (sysPrefix) yield path.join(sysPrefix, 'share', 'jupyter');
  yield '/usr/local/share/jupyter';
  yield '/usr/share/jupyter';
}

function pythonPrefix(env: NodeJS.ProcessEnv): string | null {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.prefix)'], { env, encoding: 'utf8', timeout: 10000 });
  return r.status === 0 ? r.stdout.trim() || null : null;
}

/** Find kernelspec `name`; null when no kernel.json exists for it on the data path. */
export function findKernelSpec(name: string, env: NodeJS.ProcessEnv = process.env): KernelSpec | null {
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new Error(`--kernel: invalid kernelspec name '${name}' (expected letters, digits, '.', '_' or '-')`);
  for (const dir of jupyterDataPath(env)) {
    const resourceDir = path.join(dir, 'kernels', name);
    const file = path.join(resourceDir, 'kernel.json');
    if (!fs.existsSync(file)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`kernelspec ${file}: invalid JSON (${(e as Error).message})`, { cause: e });
    }
    // Read field by field: a kernel.json that is not an object has none of them, and fails on argv below.
    const json = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Partial<
      Record<keyof KernelJson, unknown>
    >;
    const argv = json.argv;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a): a is string => typeof a === 'string')) {
      throw new Error(`kernelspec ${file}: 'argv' must be a non-empty array of strings, got ${JSON.stringify(argv)}`);
    }
    return {
      name,
      resourceDir,
      argv,
      displayName: textField(json.display_name) ?? name,
      language: textField(json.language) ?? '',
      interruptMode: json.interrupt_mode === 'message' ? 'message' : 'signal',
      env: json.env && typeof json.env === 'object' ? envStrings(json.env) : {},
    };
  }
  return null;
}

/** A kernel.json text field: a string as it is, another JSON value as JSON, absent (or null) as undefined. */
function textField(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** kernel.json's env as process env: values as strings, the way child_process.spawn turns them into `KEY=value`. */
function envStrings(env: object): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]: [string, unknown]) => [k, String(v)]));
}

/**
 * The kdlab kernel of THIS package, started directly (`node dist/kernel/main.js {connection_file}`),
 * used when no 'kdlab' kernelspec is installed. interrupt_mode 'message' per the kernel contract.
 */
export function builtinKdlabSpec(): KernelSpec {
  const main = path.resolve(__dirname, '..', 'main.js');
  return {
    name: 'kdlab',
    resourceDir: path.dirname(main),
    argv: [process.execPath, main, '{connection_file}'],
    displayName: 'TypeScript (kdlab)',
    language: 'typescript',
    interruptMode: 'message',
    env: {},
  };
}

/** A --kernel name that names no kernelspec (a usage error: the command line is wrong, not the notebook). */
export class NoSuchKernel extends Error {}

/** Names of the kernelspecs on the data path (folders holding a kernel.json), sorted, without duplicates. */
export function kernelSpecNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const names = new Set<string>();
  for (const dir of jupyterDataPath(env)) {
    let entries: string[];
    try {
      entries = fs.readdirSync(path.join(dir, 'kernels'));
    } catch {
      continue;
    }
    for (const e of entries) if (fs.existsSync(path.join(dir, 'kernels', e, 'kernel.json'))) names.add(e);
  }
  return [...names].sort();
}

/** `--kernel NAME` if given, else the installed 'kdlab' spec, else the built-in one. */
export function resolveKernelSpec(name: string | undefined, env: NodeJS.ProcessEnv = process.env): KernelSpec {
  if (name !== undefined && !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new NoSuchKernel(`--kernel: invalid kernelspec name '${name}' (expected letters, digits, '.', '_' or '-')`);
  }
  const spec = findKernelSpec(name ?? 'kdlab', env);
  if (spec) return spec;
  if (name === undefined || name === 'kdlab') return builtinKdlabSpec();
  const names = new Set(kernelSpecNames(env)).add('kdlab');
  throw new NoSuchKernel(
    `--kernel: no kernelspec named '${name}'; available: ${[...names].sort().join(', ')}` +
      ` (searched ${[...jupyterDataPath(env)].map((d) => path.join(d, 'kernels')).join(', ')})`,
  );
}

/**
 * Substitute {connection_file} and {resource_dir} in argv, and kdlab's {connection_dir} (the connection file's
 * private folder, which a sandboxed kernel must be allowed to read: `kdlab assign grade`).
 */
export function kernelArgv(spec: KernelSpec, connectionFile: string): string[] {
  return spec.argv.map((a) =>
    a
      .replace(/\{connection_file\}/g, connectionFile)
      .replace(/\{connection_dir\}/g, path.dirname(connectionFile))
      .replace(/\{resource_dir\}/g, spec.resourceDir),
  );
}
