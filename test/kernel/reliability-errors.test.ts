/**
 * Errors that escape a cell (uncaught in a callback, an unhandled rejection, a handler that rethrows) are shown
 * in the cell that caused them and the kernel keeps running — on every shipped backend. The wasm backend's
 * emscripten glue installs rethrowing process handlers, which used to turn each of these into SIGABRT.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KernelClient, kernelBackends, Msg } from '../support/kernel-client';

/** Text of `m` if it is output of request `id`: a stream of it, or its late-output display. */
function textOf(m: Msg, id: string): string {
  const t = m.header.msg_type;
  if (t === 'stream' && m.parent_header.msg_id === id) return String(m.content.text);
  const late = m.content.transient?.display_id === `kdlab-late-${id}`;
  if ((t === 'display_data' || t === 'update_display_data') && late)
    return String(m.content.data?.['text/plain'] ?? '');
  return '';
}

/**
 * Waits until `marker` shows up in request `id`'s output; returns how often it is in what the cell shows at the
 * end (its streams, plus the latest state of its late-output display).
 */
async function reportedIn(k: KernelClient, id: string, marker: string): Promise<number> {
  await k.waitFor((m) => textOf(m, id).includes(marker), 20000);
  await new Promise((r) => setTimeout(r, 300));
  const mine = k.iopubLog.filter((m) => textOf(m, id) !== '');
  const streams = mine
    .filter((m) => m.header.msg_type === 'stream')
    .map((m) => textOf(m, id))
    .join('');
  const late =
    mine
      .filter((m) => m.header.msg_type !== 'stream')
      .map((m) => textOf(m, id))
      .pop() ?? '';
  return (streams + late).split(marker).length - 1;
}

async function alive(k: KernelClient): Promise<void> {
  const r = await k.execute('40 + 2');
  assert.equal(r.reply.content.status, 'ok');
  assert.equal(r.outputs.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], '42');
  assert.equal(k.proc.exitCode, null);
  assert.equal(k.proc.signalCode, null);
}

// Each way code can escape its cell: [what, cell code, kind printed before the message].
const ESCAPES: [string, (marker: string) => string, string][] = [
  [
    'a throw in a timer callback',
    (m) => `setTimeout(() => { throw new Error('${m}') }, 20); 'started'`,
    'Uncaught exception: Error: ',
  ],
  [
    'a throw in an immediate',
    (m) => `setImmediate(() => { throw new RangeError('${m}') }); 'started'`,
    'Uncaught exception: RangeError: ',
  ],
  [
    'a thrown non-Error value',
    (m) => `setTimeout(() => { throw '${m}' }, 20); 'started'`,
    "Uncaught exception: Uncaught: '",
  ],
  [
    'an unhandled Promise.reject',
    (m) => `Promise.reject(new Error('${m}')); 'started'`,
    'Unhandled promise rejection: Error: ',
  ],
  [
    'an async function nobody awaits',
    (m) => `(async () => { await new Promise((r) => setTimeout(r, 20)); throw new Error('${m}') })(); 'started'`,
    'Unhandled promise rejection: Error: ',
  ],
];

for (const backend of kernelBackends()) {
  describe(`escaping errors on ${backend}`, () => {
    let k: KernelClient;
    before(async () => {
      k = await KernelClient.start({ backend });
      const first = await k.execute('1');
      assert.equal(first.reply.content.status, 'ok');
      assert.match(KernelClient.text(first.outputs), new RegExp(`backend: ${backend}`));
    });
    after(async () => {
      const { code } = await k.close();
      assert.equal(code, 0, `clean exit (signal ${k.proc.signalCode}); stderr:\n${k.stderr.slice(-800)}`);
    });

    for (const [what, code, kind] of ESCAPES) {
      test(`${what} after the cell finished is shown in that cell, once`, async () => {
        const marker = `escape-${Math.random().toString(36).slice(2)}`;
        const r = await k.execute(code(marker));
        assert.equal(r.reply.content.status, 'ok');
        assert.equal(await reportedIn(k, r.id, kind + marker), 1);
        await alive(k);
      });
    }

    test("an error escaping while its cell still runs goes to that cell's stderr", async () => {
      const r = await k.execute(
        `setTimeout(() => { throw new Error('mid-cell') }, 10); await new Promise((r) => setTimeout(r, 300)); 'after'`,
      );
      assert.equal(r.reply.content.status, 'ok');
      assert.match(KernelClient.text(r.outputs, 'stderr'), /^Uncaught exception: Error: mid-cell\n/);
      assert.equal(
        r.outputs.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'],
        "'after'",
      );
      await alive(k);
    });

    test("an unhandledRejection listener that rethrows (as emscripten's does) cannot kill the kernel", async () => {
      const setup = await k.execute(
        `process.on('unhandledRejection', (r) => { throw r }); process.on('unhandledRejection', () => { throw new Error('listener bug') }); 'ok'`,
      );
      assert.equal(setup.reply.content.status, 'ok');
      const r = await k.execute(`Promise.reject(new Error('rethrown')); 'started'`);
      assert.equal(
        await reportedIn(k, r.id, 'Unhandled promise rejection: Error: rethrown'),
        1,
        'reported once, not again for the rethrow',
      );
      assert.equal(await reportedIn(k, r.id, 'Error in an unhandledRejection listener: Error: listener bug'), 1);
      await alive(k);
    });
  });
}
