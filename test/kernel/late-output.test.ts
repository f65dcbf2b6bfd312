/**
 * Late output, in process: how a finished cell's late pieces are rendered into the one display that stands for
 * them (expected bundles written out by hand), and which async resources count as work still pending.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { AsyncLocalStorage } from 'async_hooks';
import { LATE_TEXT_LIMIT, LateOutput, TRIMMED_MARK, renderLate } from '../../kernel/engine/late-output';
import { AsyncWork } from '../../kernel/engine/async-work';

const PRE = 'margin:0;padding:1px 5px;white-space:pre-wrap;font-family:monospace;';

test('stdout only: plain text, consecutive writes merged, no HTML', () => {
  const late = new LateOutput('late-1');
  assert.deepEqual(late.bundle(), { data: { 'text/plain': '' }, metadata: {} }, 'empty before anything arrives');
  late.add({ kind: 'stream', name: 'stdout', text: 'tick 1\n' });
  late.add({ kind: 'stream', name: 'stdout', text: 'tick 2\n' });
  assert.deepEqual(late.bundle(), { data: { 'text/plain': 'tick 1\ntick 2\n' }, metadata: {} });
});

test('stderr is tinted and escaped in HTML; the plain text keeps the order', () => {
  const b = renderLate([
    { kind: 'stream', name: 'stdout', text: 'a <b>\n' },
    { kind: 'stream', name: 'stderr', text: 'oops & "x"\n' },
  ]);
  assert.equal(b.data['text/plain'], 'a <b>\noops & "x"\n');
  assert.equal(
    b.data['text/html'],
    `<pre style="${PRE}">a &lt;b&gt;\n</pre>\n<pre style="${PRE}background:#fdd;">oops &amp; &quot;x&quot;\n</pre>`,
  );
});

test('a single late display is sent unchanged (a figure keeps its JSON part)', () => {
  const fig = {
    data: { 'application/vnd.plotly.v1+json': { data: [] }, 'text/html': '<div>fig</div>', 'text/plain': 'Figure' },
    metadata: { m: 1 },
  };
  assert.equal(renderLate([{ kind: 'display', bundle: fig }]), fig);
});

test('displays mixed with text: each piece in its richest form that HTML can hold', () => {
  const b = renderLate([
    { kind: 'stream', name: 'stdout', text: 'epoch 1\n' },
    { kind: 'display', bundle: { data: { 'text/plain': 'Figure', 'text/html': '<div>fig</div>' }, metadata: {} } },
    { kind: 'display', bundle: { data: { 'text/plain': 'img', 'image/png': 'iVBOR' }, metadata: {} } },
    { kind: 'display', bundle: { data: { 'text/plain': '{ x: 1 }' }, metadata: {} } },
  ]);
  assert.equal(b.data['text/plain'], 'epoch 1\nFigure\nimg\n{ x: 1 }\n');
  assert.equal(
    b.data['text/html'],
    `<pre style="${PRE}">epoch 1\n</pre>\n<div>fig</div>\n<img src="data:image/png;base64,iVBOR">\n<pre style="${PRE}">{ x: 1 }</pre>`,
  );
  assert.equal(b.data['application/vnd.plotly.v1+json'], undefined);
});

test('update by display id replaces that piece only; unknown ids are reported', () => {
  const late = new LateOutput('late-2');
  late.add({ kind: 'display', bundle: { data: { 'text/plain': 'epoch 1/3' }, metadata: {} }, id: 'bar' });
  late.add({ kind: 'stream', name: 'stdout', text: 'note\n' });
  assert.equal(late.update('bar', { data: { 'text/plain': 'epoch 3/3' }, metadata: {} }), true);
  assert.equal(late.update('other', { data: { 'text/plain': 'x' }, metadata: {} }), false);
  assert.equal(late.bundle().data['text/plain'], 'epoch 3/3\nnote\n');
});

test('clear(false) empties at once; clear(true) keeps the old output until the next piece', () => {
  const late = new LateOutput('late-3');
  late.add({ kind: 'stream', name: 'stdout', text: 'old\n' });
  late.clear(false);
  assert.equal(late.bundle().data['text/plain'], '');
  late.add({ kind: 'stream', name: 'stdout', text: 'old\n' });
  late.clear(true);
  assert.equal(late.bundle().data['text/plain'], 'old\n');
  late.add({ kind: 'stream', name: 'stdout', text: 'new\n' });
  assert.equal(late.bundle().data['text/plain'], 'new\n');
});

test('text beyond the limit is dropped from the front, with a mark', () => {
  const late = new LateOutput('late-4');
  const chunk = (c: string) => c.repeat(LATE_TEXT_LIMIT / 2 - 1) + '\n';
  late.add({ kind: 'stream', name: 'stdout', text: chunk('a') });
  late.add({ kind: 'stream', name: 'stderr', text: chunk('b') });
  late.add({ kind: 'stream', name: 'stdout', text: chunk('c') });
  const text = String(late.bundle().data['text/plain']);
  // 3 chunks of LIMIT/2 chars each: the first chunk goes entirely, the rest fits exactly.
  assert.equal(text, TRIMMED_MARK + chunk('b') + chunk('c'));
});

test('AsyncWork counts timers, intervals and I/O until they ran or were cleared', async () => {
  const als = new AsyncLocalStorage<{ name: string }>();
  const work = new AsyncWork(() => als.getStore());
  const a = { name: 'a' };
  const b = { name: 'b' };
  let fired = false;
  let t!: NodeJS.Timeout;
  // 1 s, not less: the timeout must still be pending at the first checks even on a loaded machine.
  als.run(a, () => {
    setTimeout(() => {
      fired = true;
    }, 1000);
    t = setInterval(() => undefined, 10);
  });
  als.run(b, () => {
    const c = setTimeout(() => undefined, 10);
    clearTimeout(c);
  });
  try {
    assert.equal(await work.pending(a), 2, 'a timeout and an interval');
    assert.equal(await work.pending(b), 0, 'a cleared timeout is not pending');
  } finally {
    clearInterval(t); // a failed check must not leave the interval keeping this test file alive forever
  }
  assert.equal(await work.pending(a), 1, 'the cleared interval no longer counts');
  await new Promise((r) => setTimeout(r, 1100));
  assert.ok(fired);
  assert.equal(await work.pending(a), 0, 'a timeout that fired no longer counts');

  let read!: Promise<void>;
  als.run(a, () => {
    read = new Promise((r) => fs.readFile(__filename, () => r()));
  });
  assert.equal(await work.pending(a), 1, 'a file read in flight');
  await read;
  assert.equal(await work.pending(a), 0, 'a file read that completed');

  als.run(a, () => {
    void Promise.resolve().then(() => undefined);
    process.nextTick(() => undefined);
  });
  assert.equal(await work.pending(a), 0, 'promises and ticks are not counted');

  // gunzipSync closes its handle before returning, but Node destroys it only at garbage collection
  const gz = zlib.gzipSync(Buffer.alloc(1000));
  als.run(a, () => zlib.gunzipSync(gz));
  assert.equal(await work.pending(a), 0, 'a synchronous gunzip leaves nothing pending');
  let stream!: zlib.Gunzip;
  als.run(a, () => {
    stream = zlib.createGunzip();
  });
  assert.equal(await work.pending(a), 1, 'an open gunzip stream is pending');
  stream.close();
  await new Promise((r) => stream.once('close', r));
  assert.equal(await work.pending(a), 0, 'a closed gunzip stream is not');
});
