/**
 * kd.backend: selection order, forcing (argument and KDLAB_BACKEND), errors that say what is missing
 * and how to install it, info() fields, switching. Environment-dependent cases run in child processes;
 * "tensorflow not installed" / "installed but broken" are simulated there by a preload that intercepts
 * module resolution of @tensorflow/tfjs-node(-gpu), so they hold whether or not it is really installed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as backend from '../../lib/backend';
import { testBackends } from '../support/backends';
import { tensorflowThreadCount } from '../../lib/backend/tensorflow-threads';
import { availableCores } from '../../lib/backend/wasm/threads';

const BACKEND_MODULE = path.join(__dirname, '..', '..', 'lib', 'backend');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-backend-test-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const BROKEN = path.join(tmp, 'broken-tfjs-node.js');
fs.writeFileSync(
  BROKEN,
  "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n",
);
const PRELOAD = path.join(tmp, 'hide-tfjs-node.js');
fs.writeFileSync(
  PRELOAD,
  `
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const hidden = process.env.FAKE_WASM === 'missing' ? /^@tensorflow\\/tfjs-(node(-gpu)?|backend-wasm)(\\/|$)/ : /^@tensorflow\\/tfjs-node(-gpu)?(\\/|$)/;
  if (hidden.test(request)) {
    if (process.env.FAKE_TFJS_NODE === 'broken' && request === '@tensorflow/tfjs-node') return ${JSON.stringify(BROKEN)};
    const e = new Error("Cannot find module '" + request + "'");
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return resolve.call(this, request, ...rest);
};
`,
);

interface ChildResult {
  out?: Record<string, unknown>;
  error?: string;
}
/** Runs `body` (async JS with `kd` = lib/backend in scope) in a fresh node; `body` returns a JSON-able value. */
function child(body: string, env: Record<string, string> = {}, fakeTf?: 'missing' | 'broken'): ChildResult {
  const script = `const kd = require(${JSON.stringify(BACKEND_MODULE)});
(async () => { ${body} })().then((out) => console.log('RESULT ' + JSON.stringify({ out })),
  (e) => console.log('RESULT ' + JSON.stringify({ error: e.message })));`;
  const base = { ...process.env };
  delete base.KDLAB_BACKEND;
  delete base.KDLAB_WASM_THREADS;
  delete base.KDLAB_TF_THREADS;
  delete base.TF_NUM_INTRAOP_THREADS;
  if (fakeTf === 'broken') base.FAKE_TFJS_NODE = 'broken';
  const args = fakeTf ? ['-r', PRELOAD, '-e', script] : ['-e', script];
  const r = cp.spawnSync(process.execPath, args, {
    env: { ...base, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
    encoding: 'utf8',
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `child produced no result (status ${r.status}):\n${r.stderr}`);
  return JSON.parse(line.slice(7)) as ChildResult;
}

test('available(): preference order, always wasm and cpu', async () => {
  const avail = await backend.available();
  const order = ['tensorflow', 'wasm', 'cpu'];
  assert.deepEqual(
    [...avail].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    avail,
    'in preference order',
  );
  assert.ok(avail.includes('wasm') && avail.includes('cpu'), `wasm and cpu load: ${avail}`);
  assert.deepEqual([...(await testBackends())].sort(), [...avail].sort(), 'testBackends() = available backends');
  if (process.env.KDLAB_REQUIRE_TENSORFLOW === '1') assert.ok(avail.includes('tensorflow'));
});

test('init() with no argument picks the first available backend', () => {
  const r = child(
    'const i = await kd.init(); return { name: i.name, fallback: i.fallback ?? null, avail: await kd.available() };',
  );
  const out = r.out as { name: string; fallback: string | null; avail: string[] };
  assert.equal(r.error, undefined);
  assert.equal(out.name, out.avail[0]);
  if (out.name === 'tensorflow') assert.equal(out.fallback, null, 'no fallback note on the fastest backend');
});

const SETUP_ADVICE = '`npx kdlab setup tensorflow` sets up the tensorflow backend offline, and it trains';

test('info().fallback: why init() passed over tensorflow (or wasm too), naming the setup command', () => {
  const body =
    'const i = await kd.init(); return { name: i.name, fallback: i.fallback ?? null, info: kd.info().fallback ?? null };';
  assert.deepEqual(child(body, {}, 'missing').out, {
    name: 'wasm',
    fallback: `the tensorflow backend is not installed; ${SETUP_ADVICE} about twice as fast as wasm`,
    info: `the tensorflow backend is not installed; ${SETUP_ADVICE} about twice as fast as wasm`,
  });
  const broken = child(body, {}, 'broken').out as { name: string; fallback: string };
  assert.equal(broken.name, 'wasm');
  assert.equal(
    broken.fallback,
    'the tensorflow backend cannot load: @tensorflow/tfjs-node is installed but cannot load: ' +
      `libtensorflow.so.2: cannot open shared object file: No such file or directory; ${SETUP_ADVICE} about twice as fast as wasm`,
  );
  assert.deepEqual(child(body, { FAKE_WASM: 'missing' }, 'missing').out, {
    name: 'cpu',
    fallback:
      'the tensorflow backend is not installed and the wasm backend is not installed; ' +
      `${SETUP_ADVICE} tens of times faster than cpu (plain JavaScript)`,
    info:
      'the tensorflow backend is not installed and the wasm backend is not installed; ' +
      `${SETUP_ADVICE} tens of times faster than cpu (plain JavaScript)`,
  });
  // A backend the user chose is not a fallback, even when a faster one is missing.
  assert.deepEqual(child(body, { KDLAB_BACKEND: 'wasm' }, 'missing').out, { name: 'wasm', fallback: null, info: null });
  const forced = child(
    "await kd.init(); const i = await kd.init('wasm'); return { fallback: i.fallback ?? null, info: kd.info().fallback ?? null };",
    {},
    'missing',
  );
  assert.deepEqual(forced.out, { fallback: null, info: null });
});

test('KDLAB_WASM_THREADS: 1 is the single-threaded build, n a pool of n threads; anything else is refused by name', () => {
  const probe =
    "const i = await kd.init('wasm'); return { threads: i.threads, threadedBuild: Boolean(require('@tensorflow/tfjs').engine().registry.wasm.wasm.PThread) };";
  assert.deepEqual(child(probe, { KDLAB_WASM_THREADS: '1' }).out, { threads: 1, threadedBuild: false });
  assert.deepEqual(child(probe, { KDLAB_WASM_THREADS: '3' }).out, { threads: 3, threadedBuild: true });
  for (const bad of ['0', '9', '-2', '2.5', 'two', '1e1', ' ']) {
    const expected =
      'environment variable KDLAB_WASM_THREADS: expected a whole number of threads from 1 to 8 ' +
      `(1 selects the single-threaded build; unset means one per core), got ${JSON.stringify(bad)}`;
    assert.equal(
      child("await kd.init('wasm'); return 1;", { KDLAB_WASM_THREADS: bad }).error,
      `kd.backend.init('wasm'): ${expected}`,
    );
    // init() must not quietly fall back to cpu over a setting the user got wrong
    assert.equal(child('await kd.init(); return 1;', { KDLAB_WASM_THREADS: bad }, 'missing').error, expected);
  }
});

test("KDLAB_TF_THREADS: the size of libtensorflow's intra-op pool; TF_NUM_INTRAOP_THREADS counts too; anything else is refused by name", async (t) => {
  const cores = availableCores();
  assert.equal(tensorflowThreadCount({}), cores, 'unset: one per core');
  assert.equal(tensorflowThreadCount({ KDLAB_TF_THREADS: '3' }), 3);
  assert.equal(tensorflowThreadCount({ TF_NUM_INTRAOP_THREADS: '2' }), 2, "TensorFlow's own variable");
  assert.equal(tensorflowThreadCount({ KDLAB_TF_THREADS: '2', TF_NUM_INTRAOP_THREADS: '2' }), 2);
  assert.throws(
    () => tensorflowThreadCount({ KDLAB_TF_THREADS: '1', TF_NUM_INTRAOP_THREADS: '2' }),
    /^Error: KDLAB_TF_THREADS=1 and TF_NUM_INTRAOP_THREADS=2 disagree; set one of them/,
  );
  const message = (bad: string) =>
    'environment variable KDLAB_TF_THREADS: expected a whole number of threads from 1 to 256 ' +
    `(unset means one per core), got ${JSON.stringify(bad)}`;
  for (const bad of ['0', '257', '-2', '2.5', 'two', ' '])
    assert.throws(() => tensorflowThreadCount({ KDLAB_TF_THREADS: bad }), { message: message(bad) });

  if (!(await backend.available()).includes('tensorflow')) {
    t.diagnostic('tensorflow backend not installed here: the pool itself is not checked');
    return;
  }
  // The pool really has that many threads: the process has exactly two more with 3 than with 1.
  const probe =
    "const i = await kd.init('tensorflow'); const tf = require('@tensorflow/tfjs'); const a = tf.randomNormal([256, 256]);" +
    'for (let k = 0; k < 5; k++) tf.tidy(() => tf.matMul(a, a).dataSync());' +
    "return { threads: i.threads, tasks: require('fs').readdirSync('/proc/self/task').length, tf: process.env.TF_NUM_INTRAOP_THREADS };";
  const one = child(probe, { KDLAB_TF_THREADS: '1' }).out as { threads: number; tasks: number; tf: string };
  const three = child(probe, { KDLAB_TF_THREADS: '3' }).out as { threads: number; tasks: number; tf: string };
  assert.deepEqual([one.threads, one.tf, three.threads, three.tf], [1, '1', 3, '3']);
  assert.equal(three.tasks - one.tasks, 2, `threads in the process: ${one.tasks} with 1, ${three.tasks} with 3`);
  assert.equal(
    child("await kd.init('tensorflow'); return 1;", { KDLAB_TF_THREADS: '0' }).error,
    `kd.backend.init('tensorflow'): ${message('0')}`,
  );
});

test('without tensorflow, init() falls back to wasm; forcing tensorflow explains what to install', () => {
  const fallback = child(
    'const i = await kd.init(); return { name: i.name, avail: await kd.available() };',
    {},
    'missing',
  );
  assert.deepEqual(fallback.out, { name: 'wasm', avail: ['wasm', 'cpu'] });

  const forced = child("await kd.init('tensorflow'); return 'loaded';", {}, 'missing');
  assert.match(String(forced.error), /^kd\.backend\.init\('tensorflow'\): /);
  assert.match(String(forced.error), /@tensorflow\/tfjs-node is not installed/);
  assert.match(String(forced.error), /@tensorflow\/tfjs-node-gpu is not installed/);
  assert.match(String(forced.error), /npx kdlab setup tensorflow/);
  assert.match(String(forced.error), /npm install @tensorflow\/tfjs-node@4\.22\.0/);

  const env = child("await kd.init(); return 'loaded';", { KDLAB_BACKEND: 'tensorflow' }, 'missing');
  assert.match(String(env.error), /^KDLAB_BACKEND=tensorflow: .*not installed.*npx kdlab setup tensorflow/s);
});

test('an installed but unloadable tfjs-node is reported with its load error', () => {
  const r = child(
    "try { await kd.init('tensorflow'); } catch (e) { return { msg: e.message, fallback: (await kd.init()).name }; }",
    {},
    'broken',
  );
  const out = r.out as { msg: string; fallback: string };
  assert.match(
    out.msg,
    /@tensorflow\/tfjs-node is installed but cannot load: libtensorflow\.so\.2: cannot open shared object file/,
  );
  assert.match(out.msg, /npx kdlab setup tensorflow/);
  assert.equal(out.fallback, 'wasm');
});

test('KDLAB_BACKEND forces a backend; an explicit init(name) overrides it', () => {
  for (const name of ['cpu', 'wasm']) {
    const r = child('await kd.init(); return kd.info().name;', { KDLAB_BACKEND: name });
    assert.equal(r.out, name);
  }
  const over = child("await kd.init('wasm'); return require('@tensorflow/tfjs').getBackend();", {
    KDLAB_BACKEND: 'cpu',
  });
  assert.equal(over.out, 'wasm');
});

test('bad backend names are rejected with the expected names', async () => {
  const r = child('await kd.init(); return 1;', { KDLAB_BACKEND: 'gpu' });
  assert.equal(r.error, `environment variable KDLAB_BACKEND: expected one of 'tensorflow', 'wasm', 'cpu', got "gpu"`);
  await assert.rejects(
    backend.init('webgl' as backend.BackendName),
    /kd\.backend\.init\(name\): expected one of 'tensorflow', 'wasm', 'cpu', got "webgl"/,
  );
});

test('info() before init() throws', () => {
  const r = child('return kd.info();');
  assert.match(String(r.error), /call `await kd\.backend\.init\(\)` first/);
});

test('info() fields and a correct product on every test backend; switching back and forth', async () => {
  const expectedPackage: Record<string, RegExp> = {
    cpu: /^@tensorflow\/tfjs-backend-cpu$/,
    wasm: /^@tensorflow\/tfjs-backend-wasm$/,
    tensorflow: /^@tensorflow\/tfjs-node(-gpu)?$/,
  };
  const names = await testBackends();
  for (const name of [...names, ...names]) {
    const i = await backend.init(name);
    assert.deepEqual(backend.info(), i);
    assert.equal(tf.getBackend(), name);
    assert.equal(i.name, name);
    assert.match(i.package, expectedPackage[name]);
    const pkgJson = JSON.parse(fs.readFileSync(require.resolve(`${i.package}/package.json`), 'utf8')) as {
      version: string;
    };
    assert.equal(i.version, pkgJson.version);
    assert.ok(Number.isInteger(i.threads) && i.threads >= 1, `threads ${i.threads}`);
    assert.equal(typeof i.simd, 'boolean');
    if (name === 'wasm') assert.equal(i.simd, true, 'Node 20 runs the SIMD wasm binary');
    if (name === 'cpu') assert.deepEqual([i.threads, i.simd], [1, false]);
    // [[1,2],[3,4]]·[[5],[6]] = [[17],[39]]
    const y = tf.tidy(() =>
      tf.matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[5], [6]]),
      ),
    );
    assert.deepEqual(await y.array(), [[17], [39]]);
    tf.dispose(y);
  }
  // idempotent: a second init of the active backend changes nothing
  const a = await backend.init('cpu'),
    b = await backend.init('cpu');
  assert.deepEqual(a, b);
  // info() follows a direct tf.setBackend to a backend kdlab has already initialised
  await backend.init('wasm');
  await backend.init('cpu');
  await tf.setBackend('wasm');
  assert.equal(backend.info().name, 'wasm');
});
