/**
 * `kdlab setup tensorflow`: the native TensorFlow backend without internet access. The steps live beside this
 * file: wheel.ts (pip download, extraction), addon.ts (node-gyp build, the load-and-train check).
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
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildAddon, verifyTensorflow } from './addon';
import { run, tail } from './spawn';
import { downloadWheel, extractWheel, findPython } from './wheel';

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

/** Nearest directory at or above `start` holding a package.json. */
export function findProjectDir(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error(
        `kdlab setup: no package.json in ${start} or above; run it inside your project (or \`npm init -y\` first)`,
      );
    dir = up;
  }
}

/** Runs the whole setup; see the file comment. */
export async function setupTensorflow(opts: SetupOptions = {}): Promise<SetupResult> {
  const t0 = Date.now();
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  if (process.platform !== 'linux') {
    throw new Error(
      `kdlab setup tensorflow builds from a Linux TensorFlow wheel; on ${process.platform} use the online install: npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}`,
    );
  }
  if (opts.wheel && !fs.existsSync(opts.wheel)) throw new Error(`kdlab setup: --wheel ${opts.wheel}: no such file`);
  const projectDir = findProjectDir(opts.cwd ?? process.cwd());
  const pkg = opts.gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const pkgDir = path.join(projectDir, 'node_modules', ...pkg.split('/'));
  const installedVersion = (): string | null => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return null;
    }
  };

  const recorded = (): boolean => {
    const pj = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
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
    const args = [
      'install',
      ...save,
      '--ignore-scripts',
      '--save-exact',
      '--no-audit',
      '--no-fund',
      `${pkg}@${TFJS_NODE_VERSION}`,
    ];
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
    const wheel =
      opts.wheel ??
      downloadWheel(
        py,
        tmp,
        `${opts.gpu ? 'tensorflow' : 'tensorflow-cpu'}==${TENSORFLOW_WHEEL_VERSION}`,
        opts.indexUrl,
        log,
      );
    const deps = path.join(pkgDir, 'deps');
    fs.rmSync(deps, { recursive: true, force: true });
    log(`extracting libtensorflow and its C headers from ${path.basename(wheel)} into ${deps}`);
    extractWheel(py, wheel, deps, path.join(pkgDir, 'binding'), tmp);
    buildAddon(pkgDir, projectDir, log);
    // Keep only the addon and the build log; the object files are not needed to load it.
    for (const sub of ['Release/obj.target', 'Release/.deps'])
      fs.rmSync(path.join(pkgDir, 'build', sub), { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const v = verifyTensorflow(projectDir, pkg);
  if (!v.ok)
    throw new Error(`kdlab setup: the addon built, but loading ${pkg} and training on it failed:\n${v.detail}`);
  log(`${pkg}@${TFJS_NODE_VERSION} is set up: ${v.detail}. kd.backend.init() now picks 'tensorflow'.`);
  return { package: pkg, packageDir: pkgDir, alreadySetUp: false, seconds: (Date.now() - t0) / 1000 };
}
