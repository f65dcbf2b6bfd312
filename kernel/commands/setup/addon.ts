/** tfjs-node's native addon: built with node-gyp, then checked by loading it and training in a child process. */
import * as fs from 'fs';
import * as path from 'path';
import { run, tail } from './spawn';

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
  const r = run(process.execPath, ['-e', VERIFY_SCRIPT, pkg], projectDir, {
    ...process.env,
    TF_CPP_MIN_LOG_LEVEL: '2',
  });
  return { ok: r.status === 0, detail: r.status === 0 ? r.stdout.trim() : tail(r.stderr || r.stdout, 15) };
}

/** node-gyp: the copy bundled with npm, else one installed in the project, else `npx node-gyp`. */
function nodeGypCommand(projectDir: string): string[] {
  const candidates: string[] = [];
  if (process.env.npm_execpath)
    candidates.push(
      path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    );
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [projectDir] }));
  } catch {
    /* not installed */
  }
  const found = candidates.find((c) => fs.existsSync(c));
  return found ? [process.execPath, found] : ['npx', '--yes', 'node-gyp'];
}

/** Node's headers ship next to the binary in most installs; using them avoids a download. */
function localNodeDir(): string | null {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function napiBuildVersion(pkgDir: string): number {
  const versions = (
    JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { binary: { napi_versions: number[] } }
  ).binary.napi_versions;
  const node = Number(process.versions.napi);
  const ok = versions.filter((v) => v <= node);
  if (!ok.length)
    throw new Error(`kdlab setup: this Node supports N-API ${node}, the addon needs one of ${versions.join(', ')}`);
  return Math.max(...ok);
}

/** Builds tfjs_binding.node in `pkgDir` against the extracted deps/; returns its path. */
export function buildAddon(pkgDir: string, projectDir: string, log: (s: string) => void): string {
  const napi = napiBuildVersion(pkgDir);
  const modulePath = path.join(pkgDir, 'lib', `napi-v${napi}`);
  const [cmd, ...pre] = nodeGypCommand(projectDir);
  const args = [
    ...pre,
    'rebuild',
    `--module_name=tfjs_binding`,
    `--module_path=${modulePath}`,
    `--napi_build_version=${napi}`,
  ];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  log(`building the addon: node-gyp ${args.slice(pre.length).join(' ')}`);
  const r = run(cmd, args, pkgDir);
  const logFile = path.join(pkgDir, 'build', 'kdlab-build.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, `${r.stdout}\n${r.stderr}`);
  const addon = path.join(modulePath, 'tfjs_binding.node');
  if (r.status !== 0 || !fs.existsSync(addon)) {
    throw new Error(
      `kdlab setup: building the tfjs-node addon failed (needs g++, make and python3; full log: ${logFile}):\n${tail(`${r.stdout}\n${r.stderr}`)}`,
    );
  }
  return addon;
}
