/**
 * Protocol tests against a real kernel process (node dist/kernel/main.js) through test/support/kernel-client.
 * One kernel serves the whole file; its working directory is a temp "notebook folder" outside this package
 * with a sibling folder of shared .ts files, so imports are exercised from somewhere other than the repo.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { KernelClient, Msg } from '../support/kernel-client';

let k: KernelClient;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-proto-'));
const nbDir = path.join(root, 'notebooks', 'chapter');
const sharedDir = path.join(root, 'shared');
const PKG = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));

const byType = (msgs: Msg[], type: string) => msgs.filter((m) => m.header.msg_type === type);

before(async () => {
  fs.mkdirSync(nbDir, { recursive: true });
  fs.mkdirSync(sharedDir, { recursive: true });
  fs.writeFileSync(
    path.join(sharedDir, 'util.ts'),
    'export function triple(x: number): number {\n  return 3 * x;\n}\n',
  );
  fs.writeFileSync(
    path.join(nbDir, 'local.ts'),
    "import { triple } from '../../shared/util';\nexport const nine: number = triple(3);\n",
  );
  k = await KernelClient.start({ cwd: nbDir });
  // The first cell also carries the one-time backend banner; keep it out of the other tests.
  const first = await k.execute('1');
  assert.match(KernelClient.text(first.outputs), /backend: \w+/);
});

after(async () => {
  // A restart request: the kernel answers (restart echoed) and exits; restarting is the manager's job.
  const { code, reply } = await k.close(true);
  assert.equal(
    code,
    0,
    `kernel exits cleanly on shutdown_request (signal ${k.proc.signalCode}; stderr ${k.stderr.slice(-500)})`,
  );
  assert.equal(reply?.header.msg_type, 'shutdown_reply');
  assert.deepEqual(reply?.content, { status: 'ok', restart: true });
  fs.rmSync(root, { recursive: true, force: true });
});

test('kernel_info_reply: status, implementation and the real TypeScript version', async () => {
  const reply = await k.request('shell', 'kernel_info_request', {});
  const tsPkg = JSON.parse(fs.readFileSync(require.resolve('@tslab/typescript-for-tslab/package.json'), 'utf8'));
  assert.equal(reply.header.msg_type, 'kernel_info_reply');
  assert.equal(reply.content.status, 'ok');
  assert.equal(reply.content.protocol_version, '5.3');
  assert.equal(reply.content.implementation, 'kdlab');
  assert.equal(reply.content.implementation_version, PKG.version);
  assert.deepEqual(
    {
      name: reply.content.language_info.name,
      version: reply.content.language_info.version,
      ext: reply.content.language_info.file_extension,
    },
    { name: 'typescript', version: tsPkg.version, ext: '.ts' },
  );
  assert.equal(typeof reply.content.banner, 'string');
});

test('the typed globals (kd, tf, display, ...) are declared without TypeScript diagnostics', () => {
  assert.doesNotMatch(k.stderr, /globals declaration/, 'the kernel logs each diagnostic of its globals declaration');
});

/** Resolves 'open' or the connection error code for a TCP connect to host:port. */
function probe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve('open');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

test(
  'all five sockets listen on the connection file ip only',
  { skip: process.platform !== 'linux' && 'needs the whole 127/8 loopback (Linux)' },
  async () => {
    for (const name of ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port']) {
      const port = k.conn[name] as number;
      assert.equal(await probe('127.0.0.1', port), 'open', `${name} on 127.0.0.1`);
      assert.equal(await probe('127.0.0.2', port), 'ECONNREFUSED', `${name} must not answer on another address`);
    }
  },
);

test('stdout and stderr arrive as stream messages, wrapped in busy/idle', async () => {
  const { id, reply, outputs } = await k.execute('console.log("hello", 1 + 1); console.error("oops")');
  assert.equal(reply.content.status, 'ok');
  assert.equal(KernelClient.text(outputs, 'stdout'), 'hello 2\n');
  assert.equal(KernelClient.text(outputs, 'stderr'), 'oops\n');
  const states = k.iopubLog
    .filter((m) => m.parent_header.msg_id === id && m.header.msg_type === 'status')
    .map((m) => m.content.execution_state);
  assert.deepEqual(states, ['busy', 'idle']);
});

test('the last expression comes back as execute_result with the execution count', async () => {
  const { reply, outputs } = await k.execute('const w = 6;\nw * 7');
  const results = byType(outputs, 'execute_result');
  assert.equal(results.length, 1);
  assert.equal(results[0].content.data['text/plain'], '42');
  assert.equal(results[0].content.execution_count, reply.content.execution_count);
  const str = await k.execute("'kd' + 'lab'");
  assert.equal(byType(str.outputs, 'execute_result')[0].content.data['text/plain'], "'kdlab'");
  const none = await k.execute('let unused = 1;');
  assert.equal(byType(none.outputs, 'execute_result').length, 0, 'a declaration has no result');
});

test('user_expressions are evaluated after the cell: values as MIME bundles, failures as errors, no execution count', async () => {
  const r = await k.execute('const ue = 6;', {
    user_expressions: {
      answer: 'ue * 7',
      label: '"n=" + ue // trailing comment',
      broken: 'ue +',
      thrown: '(() => { throw new RangeError("no") })()',
    },
  });
  assert.equal(r.reply.content.status, 'ok');
  const ue = r.reply.content.user_expressions;
  assert.deepEqual(ue.answer, { status: 'ok', data: { 'text/plain': '42' }, metadata: {} });
  assert.deepEqual(ue.label, { status: 'ok', data: { 'text/plain': "'n=6'" }, metadata: {} });
  assert.equal(ue.broken.status, 'error');
  assert.equal(ue.broken.ename, 'CompileError');
  assert.deepEqual([ue.thrown.status, ue.thrown.ename, ue.thrown.evalue], ['error', 'RangeError', 'no']);
  assert.deepEqual(byType(r.outputs, 'execute_result'), [], 'expressions publish no execute_result');
  const next = await k.execute('1');
  assert.equal(next.reply.content.execution_count, r.reply.content.execution_count + 1);
});

test('a thrown error is an error message and an error reply with the same fields', async () => {
  const { reply, outputs } = await k.execute(
    'function check(n: number) {\n  if (n > 3) throw new RangeError("size " + n + " > 3");\n}\ncheck(5)',
  );
  const errors = byType(outputs, 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].content.ename, 'RangeError');
  assert.equal(errors[0].content.evalue, 'size 5 > 3');
  assert.ok(Array.isArray(errors[0].content.traceback) && errors[0].content.traceback.length >= 1);
  assert.equal(reply.content.status, 'error');
  for (const f of ['ename', 'evalue', 'traceback']) assert.deepEqual(reply.content[f], errors[0].content[f], f);
});

test('TypeScript compile errors are errors with line:column', async () => {
  // Line 2, column 1: the assignment target `n` of a string to a number.
  const { reply, outputs } = await k.execute('let n: number = 1;\nn = "x";');
  assert.equal(reply.content.status, 'error');
  assert.equal(reply.content.ename, 'CompileError');
  assert.match(reply.content.evalue, /^2:1 - Type 'string' is not assignable to type 'number'/);
  assert.equal(byType(outputs, 'error')[0].content.evalue, reply.content.evalue);
});

test('is_complete answers complete, incomplete (with indent) and invalid', async () => {
  const ask = async (code: string) => (await k.request('shell', 'is_complete_request', { code })).content;
  assert.deepEqual(await ask('let a = 1;'), { status: 'complete' });
  assert.deepEqual(await ask('if (a > 0) {'), { status: 'incomplete', indent: '  ' });
  assert.equal((await ask('foo(1,\n  2')).status, 'incomplete');
  assert.equal((await ask('const s = `open template')).status, 'incomplete');
  assert.equal((await ask('x = 1)')).status, 'invalid');
  assert.equal((await ask(')')).status, 'invalid');
  assert.equal((await ask('let 1 = 2;')).status, 'invalid');
});

test('history_request: tail, range and search', async () => {
  const a = await k.execute('const histA = 100');
  const b = await k.execute('const histB = 200');
  const na = a.reply.content.execution_count as number;
  const nb = b.reply.content.execution_count as number;
  assert.equal(nb, na + 1);
  const tail = await k.request('shell', 'history_request', {
    hist_access_type: 'tail',
    n: 2,
    output: false,
    raw: true,
  });
  assert.equal(tail.content.status, 'ok');
  assert.deepEqual(
    tail.content.history.map((h: unknown[]) => h.slice(1)),
    [
      [na, 'const histA = 100'],
      [nb, 'const histB = 200'],
    ],
  );
  const session = tail.content.history[0][0];
  const range = await k.request('shell', 'history_request', {
    hist_access_type: 'range',
    session,
    start: nb,
    stop: nb + 1,
    output: false,
    raw: true,
  });
  assert.deepEqual(range.content.history, [[session, nb, 'const histB = 200']]);
  const search = await k.request('shell', 'history_request', {
    hist_access_type: 'search',
    pattern: 'const hist? = *',
    output: false,
    raw: true,
  });
  assert.deepEqual(
    search.content.history.map((h: unknown[]) => h[2]),
    ['const histA = 100', 'const histB = 200'],
  );
  const withOutput = await k.request('shell', 'history_request', {
    hist_access_type: 'search',
    pattern: "'kd' + *",
    output: true,
    raw: true,
  });
  assert.deepEqual(withOutput.content.history[0][2], ["'kd' + 'lab'", "'kdlab'"]);
});

test('comm_info_request gets a comm_info_reply; comm_open for an unknown target is closed', async () => {
  const info = await k.request('shell', 'comm_info_request', { target_name: 'jupyter.widget' });
  assert.equal(info.header.msg_type, 'comm_info_reply');
  assert.deepEqual(info.content, { status: 'ok', comms: {} });
  const id = await k.send('shell', 'comm_open', { comm_id: 'c-123', target_name: 'nobody', data: {} });
  const outs = await k.outputs(id);
  assert.deepEqual(
    byType(outs, 'comm_close').map((m) => m.content.comm_id),
    ['c-123'],
  );
});

test('a message with a bad HMAC is rejected, logged and never executed', async () => {
  const bad = await k.send(
    'shell',
    'execute_request',
    {
      code: '(globalThis as any).pwned = 1',
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    },
    { badSignature: true },
  );
  const { outputs } = await k.execute('typeof (globalThis as any).pwned');
  assert.equal(byType(outputs, 'execute_result')[0].content.data['text/plain'], "'undefined'");
  assert.equal(k.hasReply(bad), false, 'no reply to the forged request');
  assert.equal(
    k.iopubLog.some((m) => m.parent_header.msg_id === bad),
    false,
    'no iopub traffic for it',
  );
  assert.match(k.stderr, /rejected a message on shell: bad HMAC signature/);
});

/** Sends two executes back to back (the second queues behind the first) and returns both replies/outputs. */
async function pair(first: string, second: string, stopOnError: boolean) {
  const base = {
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: stopOnError,
  };
  const a = k.frames('execute_request', { code: first, ...base });
  const b = k.frames('execute_request', { code: second, ...base });
  await k.sendRaw('shell', a.frames);
  await k.sendRaw('shell', b.frames);
  return { a: await k.reply(a.id), b: await k.reply(b.id), bOut: await k.outputs(b.id) };
}

test('stop_on_error true aborts the queued execute; false runs it', async () => {
  const stopped = await pair('throw new Error("first fails")', 'console.log("second ran")', true);
  assert.equal(stopped.a.content.status, 'error');
  assert.equal(stopped.b.content.status, 'aborted');
  assert.equal(KernelClient.text(stopped.bOut), '');
  const kept = await pair('throw new Error("first fails")', 'console.log("second ran")', false);
  assert.equal(kept.a.content.status, 'error');
  assert.equal(kept.b.content.status, 'ok');
  assert.equal(KernelClient.text(kept.bOut), 'second ran\n');
});

/** Starts a cell that prints `marker` then blocks/waits; returns its id once the marker arrived. */
async function startCell(code: string, marker: string): Promise<string> {
  const id = await k.send('shell', 'execute_request', {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: false,
  });
  await k.waitFor(
    (m) => m.parent_header.msg_id === id && m.header.msg_type === 'stream' && m.content.text.includes(marker),
  );
  return id;
}

test('interrupt_request on control interrupts an awaiting cell and a synchronous loop', async () => {
  const waiting = await startCell(
    'console.log("waiting"); await new Promise((r) => setTimeout(r, 3_600_000));',
    'waiting',
  );
  const ir = await k.request('control', 'interrupt_request', {});
  assert.equal(ir.header.msg_type, 'interrupt_reply');
  assert.equal(ir.content.status, 'ok');
  const r1 = await k.reply(waiting);
  assert.equal(r1.content.status, 'error');
  assert.equal(r1.content.ename, 'KeyboardInterrupt');

  const spinning = await startCell('console.log("spinning"); while (true) {}', 'spinning');
  // The main thread is stuck in the loop; the heartbeat (and control) live on the kernel's worker thread.
  assert.equal(await k.heartbeat('ping-while-busy'), 'ping-while-busy');
  await k.request('control', 'interrupt_request', {});
  const r2 = await k.reply(spinning);
  assert.equal(r2.content.ename, 'KeyboardInterrupt');
  const after = await k.execute('"still alive"');
  assert.equal(after.reply.content.status, 'ok', JSON.stringify(after.reply.content));
  assert.deepEqual(
    byType(after.outputs, 'execute_result').map((m) => m.content.data['text/plain']),
    ["'still alive'"],
  );
});

test('SIGINT interrupts an awaiting cell', async () => {
  // The marker comes from a timer, so the signal lands once the cell is awaiting (a SIGINT arriving in the
  // instant a cell's synchronous part returns can be swallowed by Node's vm watchdog; see the README).
  const id = await startCell(
    'setTimeout(() => console.log("sleeping"), 20);\nawait new Promise((r) => setTimeout(r, 3_600_000));',
    'sleeping',
  );
  k.proc.kill('SIGINT');
  const r = await k.reply(id);
  assert.equal(r.content.ename, 'KeyboardInterrupt');
});

/** The late-output display a finished cell announced (display_data with an empty text and a display id). */
function lateDisplay(outputs: Msg[]): Msg | undefined {
  return outputs.find(
    (m) => m.header.msg_type === 'display_data' && /^kdlab-late-/.test(m.content.transient?.display_id ?? ''),
  );
}

test('output printed by a timer after its cell finished updates a display in that cell, sent while the next cell runs', async () => {
  const a = await k.execute(
    'const lateTimer = setInterval(() => {\n  if ((globalThis as any).bRunning) { console.log("late from A"); clearInterval(lateTimer); }\n}, 10);\n"A done"',
  );
  assert.equal(a.reply.content.status, 'ok');
  const announced = lateDisplay(a.outputs);
  assert.ok(
    announced,
    `A ended with a timer pending, so it announces a late-output display: ${JSON.stringify(a.outputs.map((m) => m.header.msg_type))}`,
  );
  assert.equal(a.outputs.at(-1), announced, 'as its last output');
  assert.deepEqual(announced.content.data, { 'text/plain': '' });
  const id = announced.content.transient.display_id;
  const b = await k.execute(
    '(globalThis as any).bRunning = true;\nawait new Promise((r) => setTimeout(r, 500));\n"B done"',
  );
  const update = byType(b.outputs, 'update_display_data');
  assert.equal(update.length, 1, "the late line reaches clients listening to B (nbclient) as an update of A's display");
  assert.deepEqual(update[0].content, {
    data: { 'text/plain': 'late from A\n' },
    metadata: {},
    transient: { display_id: id },
  });
  assert.equal(KernelClient.text(b.outputs), '', "B's own output does not contain A's late line");
  assert.equal(lateDisplay(b.outputs), undefined, 'B left nothing pending, so it announces nothing');
  assert.ok(
    !k.iopubLog.some((m) => m.header.msg_type === 'stream' && m.content.text === 'late from A\n'),
    'never sent as a stream',
  );
});

test('late output while no cell runs is sent with its own cell as parent, and again when the next cell starts', async () => {
  const c = await k.execute('setTimeout(() => { console.log("idle late"); console.error("idle err"); }, 100);\n"C"');
  const id = lateDisplay(c.outputs)!.content.transient.display_id;
  const isUpdate = (m: Msg) => m.header.msg_type === 'update_display_data' && m.content.transient.display_id === id;
  await k.waitFor((m) => isUpdate(m) && m.content.data['text/plain'] === 'idle late\nidle err\n');
  const idle = k.iopubLog.filter(isUpdate);
  assert.ok(
    idle.every((m) => m.parent_header.msg_id === c.id),
    'while idle, the parent is the cell itself',
  );
  const d = await k.execute('"D"');
  const again = byType(d.outputs, 'update_display_data');
  assert.equal(again.length, 1, 'sent again once, for clients that were not listening while the kernel was idle');
  assert.deepEqual(again[0].content.data, idle.at(-1)!.content.data);
  assert.match(String(again[0].content.data['text/html']), /background:#fdd;">idle err\n<\/pre>/);
  const e = await k.execute('"E"');
  assert.deepEqual(byType(e.outputs, 'update_display_data'), [], 'and only once');
});

test('a late display with an id, then its update, stay inside the late-output display', async () => {
  const f = await k.execute(
    'setTimeout(() => {\n  display({ "text/plain": "epoch 1/2" }, { id: "bg", raw: true });\n  display({ "text/plain": "epoch 2/2" }, { id: "bg", update: true, raw: true });\n}, 50);\n"F"',
  );
  const id = lateDisplay(f.outputs)!.content.transient.display_id;
  await k.waitFor(
    (m) =>
      m.header.msg_type === 'update_display_data' &&
      m.content.transient.display_id === id &&
      m.content.data['text/plain'] === 'epoch 2/2',
  );
  assert.ok(
    !k.iopubLog.some((m) => m.content.transient?.display_id === 'bg'),
    'the inner id never reaches the client: it lives inside the late display',
  );
});

test('late output: a display of its own for notebook clients (cell id or no stdin), a stream of its own cell for consoles', async () => {
  const late = (tag: string) => `setTimeout(() => console.log("late ${tag}"), 50);\n"${tag}"`;
  // A console (allow_stdin, no cell id) prints late streams of its own session at its prompt.
  const consoleCell = await k.execute(late('console'), { allow_stdin: true });
  assert.equal(lateDisplay(consoleCell.outputs), undefined);
  const stream = await k.waitFor((m) => m.header.msg_type === 'stream' && m.content.text === 'late console\n');
  assert.equal(stream.parent_header.msg_id, consoleCell.id);
  // JupyterLab and Notebook 7 allow stdin and send the cell's id in the request metadata.
  const labCell = await k.execute(late('lab'), { allow_stdin: true }, { cellId: 'a1b2', recordTiming: false });
  const id = lateDisplay(labCell.outputs)?.content.transient.display_id;
  assert.ok(id, 'a request with a cellId gets a late-output display');
  await k.waitFor(
    (m) =>
      m.header.msg_type === 'update_display_data' &&
      m.content.transient.display_id === id &&
      m.content.data['text/plain'] === 'late lab\n',
  );
  // Silent requests publish nothing of their own, late output included.
  const silent = await k.execute(late('silent'), { silent: true });
  assert.equal(lateDisplay(silent.outputs), undefined);
});

test('no late-output display for cells whose async work finished or was cancelled', async () => {
  for (const code of [
    'await new Promise((r) => setTimeout(r, 20)); 1',
    'const cancelled = setInterval(() => 0, 10); clearInterval(cancelled); 2',
    'import * as fsLate from "fs"; (await fsLate.promises.readdir(".")).length >= 0',
    'console.log("sync"); 4',
  ]) {
    const r = await k.execute(code);
    assert.equal(r.reply.content.status, 'ok', code);
    assert.equal(lateDisplay(r.outputs), undefined, code);
  }
});

test('import * as kd from "kdlab" works (and is type-checked) from a folder outside the package', async () => {
  const ok = await k.execute("import * as kdlab from 'kdlab';\nkdlab.version");
  assert.equal(byType(ok.outputs, 'execute_result')[0].content.data['text/plain'], `'${PKG.version}'`);
  const typed = await k.execute("import * as kdlab2 from 'kdlab';\nconst v: number = kdlab2.version;");
  assert.equal(typed.reply.content.ename, 'CompileError');
  assert.match(typed.reply.content.evalue, /^2:7 - Type 'string' is not assignable to type 'number'/);
  const globals = await k.execute('kd.version === kdlab.version && tf === kd.tf');
  assert.equal(byType(globals.outputs, 'execute_result')[0].content.data['text/plain'], 'true');
});

test('relative .ts imports resolve from the notebook folder, including ../ outside it', async () => {
  const up = await k.execute("import { triple } from '../../shared/util';\ntriple(14)");
  assert.equal(byType(up.outputs, 'execute_result')[0].content.data['text/plain'], '42');
  const local = await k.execute("import { nine } from './local';\nnine");
  assert.equal(byType(local.outputs, 'execute_result')[0].content.data['text/plain'], '9');
  const typed = await k.execute("import { triple as t3 } from '../../shared/util';\nt3('x')");
  assert.equal(typed.reply.content.ename, 'CompileError');
});

test('tslab notebooks keep working: tslab.display.html produces display_data', async () => {
  const { outputs } = await k.execute('import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>")');
  const d = byType(outputs, 'display_data');
  assert.equal(d.length, 1);
  assert.equal(d[0].content.data['text/html'], '<b>hi</b>');
});

test('display with ids, updates and clearOutput go out on iopub with the cell as parent', async () => {
  const { id, outputs } = await k.execute(
    'display({ a: 1 }, { id: "d1" });\ndisplay({ a: 2 }, { id: "d1", update: true });\nclearOutput(true)',
  );
  const shown = byType(outputs, 'display_data');
  assert.equal(shown[0].content.transient.display_id, 'd1');
  assert.equal(shown[0].content.data['text/plain'], '{ a: 1 }');
  const updated = byType(outputs, 'update_display_data');
  assert.equal(updated[0].content.transient.display_id, 'd1');
  assert.equal(updated[0].content.data['text/plain'], '{ a: 2 }');
  assert.deepEqual(
    byType(outputs, 'clear_output').map((m) => m.content.wait),
    [true],
  );
  assert.ok(outputs.every((m) => m.parent_header.msg_id === id));
});

test('progressBar() draws through the kernel sink: a display with an id, then updates of that id', async () => {
  const { outputs } = await k.execute(
    'const bar = progressBar({ title: "fit" });\nbar.onTrainBegin!({ epochs: 1, batchesPerEpoch: 1 });\nbar.onEpochEnd!({ epoch: 0, epochs: 1, losses: { total: 0.5 } });',
  );
  const shown = byType(outputs, 'display_data');
  assert.equal(shown.length, 1);
  const displayId = shown[0].content.transient.display_id;
  assert.equal(typeof displayId, 'string');
  assert.match(shown[0].content.data['text/plain'], /^fit /);
  const updates = byType(outputs, 'update_display_data');
  assert.ok(updates.length >= 1);
  assert.ok(updates.every((u) => u.content.transient.display_id === displayId));
});

test('interrupt_request stops Distiller training at once, with no tensors left behind', async () => {
  const n0 = Number(
    byType((await k.execute('tf.memory().numTensors')).outputs, 'execute_result')[0].content.data['text/plain'],
  );
  // Set up in one cell, train in the next (an interrupted cell's own declarations are dropped, as tslab does).
  const setup = await k.execute(
    [
      'const trainData = kd.data.mnist({ train: 512, test: 10, seed: 0 }).train;',
      'const longStudent = kd.models.mlp({ hidden: [64], seed: 0 });',
      "const longTrainer = new kd.Distiller({ student: longStudent, task: 'crossEntropy', seed: 0 });",
    ].join('\n'),
  );
  assert.equal(setup.reply.content.status, 'ok');
  const id = await startCell(
    'console.log("training");\nawait longTrainer.fit(trainData, { epochs: 100000, batchSize: 32, callbacks: progressBar({ title: "long" }) });',
    'training',
  );
  const bar = await k.waitFor((m) => m.parent_header.msg_id === id && m.header.msg_type === 'update_display_data');
  const asked = Date.now();
  await k.request('control', 'interrupt_request', {});
  const reply = await k.reply(id, 30_000);
  const took = Date.now() - asked;
  assert.equal(reply.content.ename, 'KeyboardInterrupt');
  assert.ok(took < 5000, `the reply came ${took} ms after the interrupt request`);
  const updates = () =>
    k.iopubLog.filter((m) => m.content.transient?.display_id === bar.content.transient.display_id).length;
  const seen = updates();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(updates(), seen, 'the progress bar stopped moving: training stopped, not only the cell');
  const left = await k.execute('longTrainer.dispose();\nlongStudent.dispose();\ntf.memory().numTensors');
  assert.equal(Number(byType(left.outputs, 'execute_result')[0].content.data['text/plain']), n0);
});

test('after an interrupt, display calls from the interrupted cell throw, stopping its background loop', async () => {
  const code = [
    'const bar2 = progressBar({ title: "bg" });',
    'bar2.onTrainBegin!({ epochs: 1, batchesPerEpoch: 1 });',
    'const bg = setInterval(() => {',
    '  try { bar2.onEpochEnd!({ epoch: 0, epochs: 1, losses: { total: 1 } }); }',
    '  catch (e) { console.log("stopped by " + (e as Error).name); clearInterval(bg); }',
    '}, 20);',
    'setTimeout(() => console.log("looping"), 20);',
    'await new Promise((r) => setTimeout(r, 3_600_000));',
  ].join('\n');
  const id = await startCell(code, 'looping');
  await k.request('control', 'interrupt_request', {});
  assert.equal((await k.reply(id)).content.ename, 'KeyboardInterrupt');
  // The cell ended (interrupted) with its interval pending, so what the interval prints is late output of the cell.
  const stopped = await k.waitFor(
    (m) =>
      m.header.msg_type === 'update_display_data' && m.content.data['text/plain'] === 'stopped by InterruptedError\n',
  );
  assert.equal(stopped.content.transient.display_id, `kdlab-late-${id}`);
});

test('completion and inspection count the cursor in code points', async () => {
  const code = 'const ŝ = "😀"; Math.flo';
  const c = await k.request('shell', 'complete_request', { code, cursor_pos: Array.from(code).length });
  assert.equal(c.content.status, 'ok');
  assert.ok(c.content.matches.includes('floor'), c.content.matches.join(','));
  assert.equal(c.content.cursor_end, Array.from(code).length);
  assert.equal(c.content.cursor_start, Array.from(code).length - 3);
  const i = await k.request('shell', 'inspect_request', { code: 'Math.floor', cursor_pos: 10, detail_level: 0 });
  assert.equal(i.content.found, true);
  assert.match(i.content.data['text/plain'], /floor\(x: number\): number/);
});

test('input() asks the front end over the stdin channel when allow_stdin is true', async () => {
  const id = await k.send('shell', 'execute_request', {
    code: 'const who = await input("name? ");\nconsole.log("hi " + who)',
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: true,
    stop_on_error: false,
  });
  const req = await k.inputRequest(id);
  assert.equal(req.header.msg_type, 'input_request');
  assert.deepEqual(req.content, { prompt: 'name? ', password: false });
  await k.send('stdin', 'input_reply', { value: 'Ada' });
  assert.equal((await k.reply(id)).content.status, 'ok');
  assert.equal(KernelClient.text(await k.outputs(id)), 'hi Ada\n');
  const refused = await k.execute('await input("x")', { allow_stdin: false, stop_on_error: false });
  assert.match(refused.reply.content.evalue, /allow_stdin is false/);
});
