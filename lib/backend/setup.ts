/**
 * `kdlab setup tensorflow`: the native TensorFlow backend without internet access.
 *
 * @tensorflow/tfjs-node's install script downloads libtensorflow from Google's servers, which fails
 * offline. Instead we (1) install the package with --ignore-scripts, (2) take the TensorFlow C library
 * out of a TensorFlow Python wheel (from `pip download`, i.e. the user's package index or local wheel
 * mirror, or a wheel file given with --wheel), and (3) build the N-API addon against it with node-gyp.
 *
 * Wheel → tfjs-node layout (what its binding.gyp links against, with rpath $ORIGIN/../../deps/lib):
 *   tensorflow/libtensorflow_cc.so.2         → deps/lib/libtensorflow_cc.so.2 (kept: it is the SONAME,
 *                                               and it exports the whole TF/TFE C API)
 *                                               + symlinks deps/lib/libtensorflow.so{,.2} → it
 *   tensorflow/libtensorflow_framework.so.2  → deps/lib/ (+ libtensorflow_framework.so symlink)
 *   tensorflow/include/<closure of the binding's #includes> → deps/include/
 * and node-gyp writes lib/napi-v8/tfjs_binding.node. Only those members are extracted (the wheel is
 * ~270 MB zipped); the downloaded wheel and build intermediates live in a temp dir removed at the end.
 *
 * By default the package is installed with `npm install --no-save`: TensorFlow stays optional (kdlab's
 * own package.json and lockfile never mention it, so `npm ci` keeps working offline), at the price that
 * a later `npm install`/`npm ci` prunes it — then run this command again. In a user project that wants
 * to keep it, `--save` records it as an exact optionalDependency instead: a later install then keeps
 * the package (and the addon we built); a fresh clone's `npm ci` runs tfjs-node's download script,
 * which either fetches libtensorflow (online) or fails harmlessly because the dependency is optional —
 * then run this command again.
 */
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const TFJS_NODE_VERSION = '4.22.0';
export const TENSORFLOW_WHEEL_VERSION = '2.21.0';

export interface SetupOptions {
  /** build @tensorflow/tfjs-node-gpu against the GPU `tensorflow` wheel instead of tensorflow-cpu */
  gpu?: boolean;
  /** a TensorFlow wheel already on disk (skips pip download) */
  wheel?: string;
  /** package index for pip download (default: pip's configuration) */
  indexUrl?: string;
  /** rebuild even if the backend already loads */
  force?: boolean;
  /** record the package in package.json (optionalDependencies) instead of --no-save */
  save?: boolean;
  /** project whose node_modules receives the package (default: nearest package.json above cwd) */
  cwd?: string;
  log?: (line: string) => void;
}

export interface SetupResult {
  package: string;
  packageDir: string;
  alreadySetUp: boolean;
  seconds: number;
}

const USAGE = `usage: kdlab setup tensorflow [--gpu] [--wheel FILE] [--index-url URL] [--force] [--save]

Installs @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (with --gpu: @tensorflow/tfjs-node-gpu) without its
download script and builds its native addon against the TensorFlow C library inside a TensorFlow
Python wheel: tensorflow-cpu==${TENSORFLOW_WHEEL_VERSION} (--gpu: tensorflow==${TENSORFLOW_WHEEL_VERSION}) from
\`pip download\`, or the wheel given with --wheel. Needs python3 with pip (or --wheel and python3),
a C++ compiler, make, and node-gyp (bundled with npm).
The package is installed with --no-save (a later npm install/ci prunes it: rerun this command);
--save records it in package.json as an exact optional dependency instead.
With internet access, \`npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}\` does the same.`;

/** Parses `setup` arguments; throws an Error (with usage) on anything unexpected. */
export function parseSetupArgs(args: string[]): SetupOptions & { help?: boolean } {
  const out: SetupOptions & { help?: boolean } = {};
  const rest = [...args];
  const what = rest.shift();
  if (what === '-h' || what === '--help') return { help: true };
  if (what !== 'tensorflow') {
    throw new Error(`kdlab setup: expected 'tensorflow' as the first argument, got ${what === undefined ? 'nothing' : `'${what}'`}\n\n${USAGE}`);
  }
  while (rest.length) {
    const a = rest.shift() as string;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? rest.shift();
      if (v === undefined || v === '') throw new Error(`kdlab setup: ${flag} expects a value\n\n${USAGE}`);
      return v;
    };
    if (flag === '--gpu') out.gpu = true;
    else if (flag === '--force') out.force = true;
    else if (flag === '--save') out.save = true;
    else if (flag === '--wheel') out.wheel = path.resolve(value());
    else if (flag === '--index-url') out.indexUrl = value();
    else if (flag === '-h' || flag === '--help') out.help = true;
    else throw new Error(`kdlab setup: unknown option '${a}'\n\n${USAGE}`);
  }
  return out;
}

export { USAGE as SETUP_USAGE };

/** Nearest directory at or above `start` holding a package.json. */
export function findProjectDir(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`kdlab setup: no package.json in ${start} or above; run it inside your project (or \`npm init -y\` first)`);
    dir = up;
  }
}

interface Ran { status: number | null; stdout: string; stderr: string }
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Ran {
  const r = cp.spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { status: null, stdout: '', stderr: String(r.error.message) };
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * A child process that loads `pkg` from `projectDir`, activates its backend and fits y = 2x + 1 by
 * gradient descent; succeeds only if the loss falls. Run out of process: a broken addon can abort.
 */
const VERIFY_SCRIPT = `
const tf = require('@tensorflow/tfjs');
require(process.argv[1]);
(async () => {
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") returned false');
  const x = tf.tensor2d([[0], [1], [2], [3]]), y = tf.tensor2d([[1], [3], [5], [7]]);
  const w = tf.variable(tf.zeros([1, 1])), b = tf.variable(tf.zeros([1]));
  const opt = tf.train.sgd(0.05);
  const loss = () => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b));
  const first = loss().dataSync()[0];
  for (let i = 0; i < 50; i++) opt.minimize(loss);
  const last = loss().dataSync()[0];
  if (!(last < first / 10)) throw new Error('training on tensorflow did not reduce the loss: ' + first + ' -> ' + last);
  console.log(JSON.stringify({ backend: tf.getBackend(), first, last }));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`;

/** Whether `pkg` loads from `projectDir` and trains; returns the failure text otherwise. */
export function verifyTensorflow(projectDir: string, pkg: string): { ok: boolean; detail: string } {
  const r = run(process.execPath, ['-e', VERIFY_SCRIPT, pkg], projectDir, { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' });
  return { ok: r.status === 0, detail: r.status === 0 ? r.stdout.trim() : tail(r.stderr || r.stdout, 15) };
}

function findPython(): string {
  for (const py of ['python3', 'python']) {
    if (run(py, ['--version'], os.tmpdir()).status === 0) return py;
  }
  throw new Error('kdlab setup: python3 not found; it is needed to read the TensorFlow wheel (install python3, e.g. `apt-get install python3 python3-pip`)');
}

/** pip download of the TensorFlow wheel into `dir`; returns the wheel path. */
function downloadWheel(py: string, dir: string, gpu: boolean, indexUrl: string | undefined, log: (s: string) => void): string {
  if (run(py, ['-m', 'pip', '--version'], dir).status !== 0) {
    throw new Error(`kdlab setup: pip is not available for ${py}; install it (e.g. \`apt-get install python3-pip\`) or pass a wheel with --wheel FILE`);
  }
  const spec = `${gpu ? 'tensorflow' : 'tensorflow-cpu'}==${TENSORFLOW_WHEEL_VERSION}`;
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--dest', dir, spec];
  if (indexUrl) args.push('--index-url', indexUrl);
  log(`downloading the ${spec} wheel: ${py} ${args.join(' ')}`);
  const r = run(py, args, dir);
  const wheel = fs.readdirSync(dir).find((f) => f.endsWith('.whl'));
  if (r.status !== 0 || !wheel) {
    throw new Error(`kdlab setup: \`pip download ${spec}\` failed (no wheel for this platform/Python in your index?); ` +
      `pass one with --wheel FILE or point pip at an index with --index-url URL.\n${tail(r.stderr || r.stdout, 15)}`);
  }
  return path.join(dir, wheel);
}

/**
 * Python helper: extracts the two libraries and the include-closure of the binding's TensorFlow
 * headers from the wheel (argv: wheel, deps dir, binding source dir). Streams each member to disk.
 */
const EXTRACT_SCRIPT = String.raw`
import os, re, shutil, sys, zipfile
wheel, deps, binding = sys.argv[1:4]
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
def copy(member, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with z.open(member) as src, open(dest + '.part', 'wb') as out:
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(dest + '.part', dest)
libs = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']
for lib in libs:
    if 'tensorflow/' + lib not in names:
        sys.exit('not a TensorFlow 2.x Linux wheel: tensorflow/%s is missing from %s' % (lib, wheel))
    copy('tensorflow/' + lib, os.path.join(deps, 'lib', lib))
inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
todo = []
for f in os.listdir(binding):
    with open(os.path.join(binding, f), errors='replace') as fh:
        todo += [h for h in inc.findall(fh.read()) if '/' in h]
seen = set()
while todo:
    h = todo.pop()
    member = 'tensorflow/include/' + h
    if h in seen or member not in names:
        continue
    seen.add(h)
    copy(member, os.path.join(deps, 'include', h))
    todo += inc.findall(z.read(member).decode('utf8', 'replace'))
if 'tensorflow/c/c_api.h' not in seen or 'tensorflow/c/eager/c_api.h' not in seen:
    sys.exit('the wheel lacks the TensorFlow C API headers (tensorflow/include/tensorflow/c)')
print(len(seen))
`;

function linkLibraries(libDir: string): void {
  const links: [string, string][] = [
    ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  ];
  for (const [name, target] of links) {
    const p = path.join(libDir, name);
    fs.rmSync(p, { force: true });
    fs.symlinkSync(target, p);
  }
}

/** node-gyp: the copy bundled with npm, else one installed in the project, else `npx node-gyp`. */
function nodeGypCommand(projectDir: string): string[] {
  const candidates: string[] = [];
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [projectDir] })); } catch { /* not installed */ }
  const found = candidates.find((c) => fs.existsSync(c));
  return found ? [process.execPath, found] : ['npx', '--yes', 'node-gyp'];
}

/** Node's headers ship next to the binary in most installs; using them avoids a download. */
function localNodeDir(): string | null {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function napiBuildVersion(pkgDir: string): number {
  const versions = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { binary: { napi_versions: number[] } }).binary.napi_versions;
  const node = Number(process.versions.napi);
  const ok = versions.filter((v) => v <= node);
  if (!ok.length) throw new Error(`kdlab setup: this Node supports N-API ${node}, the addon needs one of ${versions.join(', ')}`);
  return Math.max(...ok);
}

function buildAddon(pkgDir: string, projectDir: string, log: (s: string) => void): string {
  const napi = napiBuildVersion(pkgDir);
  const modulePath = path.join(pkgDir, 'lib', `napi-v${napi}`);
  const [cmd, ...pre] = nodeGypCommand(projectDir);
  const args = [...pre, 'rebuild', `--module_name=tfjs_binding`, `--module_path=${modulePath}`, `--napi_build_version=${napi}`];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  log(`building the addon: node-gyp ${args.slice(pre.length).join(' ')}`);
  const r = run(cmd, args, pkgDir);
  const logFile = path.join(pkgDir, 'build', 'kdlab-build.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, `${r.stdout}\n${r.stderr}`);
  const addon = path.join(modulePath, 'tfjs_binding.node');
  if (r.status !== 0 || !fs.existsSync(addon)) {
    throw new Error(`kdlab setup: building the tfjs-node addon failed (needs g++, make and python3; full log: ${logFile}):\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  }
  return addon;
}

/** Runs the whole setup; see the file comment. */
export async function setupTensorflow(opts: SetupOptions = {}): Promise<SetupResult> {
  const t0 = Date.now();
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  if (process.platform !== 'linux') {
    throw new Error(`kdlab setup tensorflow builds from a Linux TensorFlow wheel; on ${process.platform} use the online install: npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}`);
  }
  if (opts.wheel && !fs.existsSync(opts.wheel)) throw new Error(`kdlab setup: --wheel ${opts.wheel}: no such file`);
  const projectDir = findProjectDir(opts.cwd ?? process.cwd());
  const pkg = opts.gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const pkgDir = path.join(projectDir, 'node_modules', ...pkg.split('/'));
  const installedVersion = (): string | null => {
    try { return (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version; } catch { return null; }
  };

  const recorded = (): boolean => {
    const pj = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    return ['dependencies', 'optionalDependencies', 'devDependencies'].some((k) => pj[k]?.[pkg] !== undefined);
  };
  const done = (how: string): SetupResult => {
    log(`${pkg}@${TFJS_NODE_VERSION} ${how} in ${projectDir} (loads and trains); use --force to rebuild.`);
    return { package: pkg, packageDir: pkgDir, alreadySetUp: true, seconds: (Date.now() - t0) / 1000 };
  };
  const needSave = () => !!opts.save && !recorded();

  if (!opts.force && installedVersion() === TFJS_NODE_VERSION && !needSave() && verifyTensorflow(projectDir, pkg).ok) {
    return done('is already set up');
  }

  if (installedVersion() !== TFJS_NODE_VERSION || needSave()) {
    const save = opts.save ? ['--save-optional'] : ['--no-save'];
    const args = ['install', ...save, '--ignore-scripts', '--save-exact', '--no-audit', '--no-fund', `${pkg}@${TFJS_NODE_VERSION}`];
    log(`installing ${pkg}@${TFJS_NODE_VERSION} without its download script: npm ${args.join(' ')}`);
    const r = run('npm', args, projectDir);
    if (r.status !== 0 || installedVersion() !== TFJS_NODE_VERSION) {
      throw new Error(`kdlab setup: \`npm ${args.join(' ')}\` failed:\n${tail(r.stderr || r.stdout, 15)}`);
    }
    // Recording an already built package keeps its addon: nothing left to build.
    if (!opts.force && verifyTensorflow(projectDir, pkg).ok) return done('is set up and recorded in package.json');
  }

  const py = findPython();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-setup-'));
  try {
    const wheel = opts.wheel ?? downloadWheel(py, tmp, !!opts.gpu, opts.indexUrl, log);
    const deps = path.join(pkgDir, 'deps');
    fs.rmSync(deps, { recursive: true, force: true });
    log(`extracting libtensorflow and its C headers from ${path.basename(wheel)} into ${deps}`);
    const r = run(py, ['-c', EXTRACT_SCRIPT, wheel, deps, path.join(pkgDir, 'binding')], tmp);
    if (r.status !== 0) throw new Error(`kdlab setup: extracting ${wheel} failed: ${tail(r.stderr || r.stdout, 10)}`);
    linkLibraries(path.join(deps, 'lib'));
    buildAddon(pkgDir, projectDir, log);
    // Keep only the addon and the build log; the object files are not needed to load it.
    for (const sub of ['Release/obj.target', 'Release/.deps']) fs.rmSync(path.join(pkgDir, 'build', sub), { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const v = verifyTensorflow(projectDir, pkg);
  if (!v.ok) throw new Error(`kdlab setup: the addon built, but loading ${pkg} and training on it failed:\n${v.detail}`);
  log(`${pkg}@${TFJS_NODE_VERSION} is set up: ${v.detail}. kd.backend.init() now picks 'tensorflow'.`);
  return { package: pkg, packageDir: pkgDir, alreadySetUp: false, seconds: (Date.now() - t0) / 1000 };
}
