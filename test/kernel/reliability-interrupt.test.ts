/**
 * interrupt_request applies to the execution in progress, counted from the moment its execute_request is taken
 * up (compiling included) to the end of its code, and to a cell that reached the kernel before it while the main
 * thread was blocked; queued cells behind the interrupted one are not interrupted (ipykernel: SIGINT raises
 * KeyboardInterrupt in the running request only); an interrupt with nothing running or queued is dropped. On
 * every shipped backend.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KernelClient, kernelBackends, Msg } from '../support/kernel-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (m: Msg | undefined) => m?.content.data['text/plain'];

/**
 * A cell that takes seconds to type-check (N generic calls in one function, each inferred) and then loops for
 * 60 s; it sets `ranBig` first if its code starts at all.
 */
function slowToCompile(n: number): string {
  const lines = [
    '(globalThis as any).ranBig = true;',
    'function f<T extends { a: number }>(x: T): T & { b: string } { return { ...x, b: "" }; }',
  ];
  for (let i = 0; i < n; i++)
    lines.push(`const v${i} = f({ a: ${i}, c: [${i}].map((z) => ({ z, w: [z] })) }).c.flatMap((q) => q.w);`);
  lines.push('const t0 = Date.now(); while (Date.now() - t0 < 60000) {}');
  return lines.join('\n');
}

// One kernel per backend serves the four tests, each leaving it idle and uninterrupted: the idle interrupt runs first,
// on the fresh kernel; the compilation one last (its 300 declarations would slow the later cells' type checks).
for (const backend of kernelBackends()) {
  describe(`interrupts on ${backend}`, () => {
    let k: KernelClient;
    before(async () => {
      k = await KernelClient.start({ backend });
    });
    after(async () => {
      await k.close();
    });

    test(`an interrupt with nothing running or queued does not reach the next cell (${backend})`, async () => {
      await k.request('control', 'interrupt_request', {}); // idle, responsive
      const first = await k.execute('1 + 1');
      assert.equal(first.reply.content.status, 'ok');
      assert.equal(text(first.outputs.find((m) => m.header.msg_type === 'execute_result')), '2');
      // Idle but blocked by a finished cell's callback: the control thread raises SIGINT, handled afterwards.
      await k.execute(`setTimeout(() => { const t = Date.now(); while (Date.now() - t < 1000) {} }, 100); 'A'`);
      await sleep(400);
      await k.request('control', 'interrupt_request', {});
      await sleep(1500); // the callback is over and the interrupt handled
      const next = await k.execute('const t1 = Date.now(); while (Date.now() - t1 < 300) {} "next"');
      assert.equal(next.reply.content.status, 'ok', `the next cell was interrupted (kernel log: ${k.stderr})`);
      assert.equal(text(next.outputs.find((m) => m.header.msg_type === 'execute_result')), "'next'");
    });

    test(`an interrupt sent after a cell that reached a blocked kernel stops that cell (${backend})`, async () => {
      const a = await k.execute(
        `setTimeout(() => { const t = Date.now(); while (Date.now() - t < 1500) {} }, 300); 'A'`,
      );
      assert.equal(a.reply.content.status, 'ok');
      await sleep(700); // the callback blocks the main thread now
      const id = await k.send('shell', 'execute_request', {
        code: '(globalThis as any).ran = true; "ran"',
        silent: false,
        allow_stdin: false,
      });
      await k.request('control', 'interrupt_request', {});
      const reply = await k.reply(id);
      assert.equal(reply.content.ename, 'KeyboardInterrupt', `the cell ran (kernel log: ${k.stderr})`);
      const after = await k.execute('typeof (globalThis as any).ran');
      assert.equal(
        text(after.outputs.find((m) => m.header.msg_type === 'execute_result')),
        "'undefined'",
        'its code never ran',
      );
    });

    test(`an interrupt stops the running cell only; the one queued behind it runs (${backend})`, async () => {
      // stop_on_error false on the first cell: with true the queued cell is aborted, as after any error.
      const a = await k.send('shell', 'execute_request', {
        code: 'const tA = Date.now(); while (Date.now() - tA < 20000) {}',
        silent: false,
        allow_stdin: false,
        stop_on_error: false,
      });
      const b = await k.send('shell', 'execute_request', {
        code: '"B ran"',
        silent: false,
        allow_stdin: false,
        stop_on_error: true,
      });
      await k.waitFor((m) => m.parent_header.msg_id === a && m.header.msg_type === 'execute_input');
      await sleep(500);
      const sent = Date.now();
      await k.request('control', 'interrupt_request', {});
      const ra = await k.reply(a, 30000);
      assert.equal(ra.content.ename, 'KeyboardInterrupt');
      assert.ok(Date.now() - sent < 5000, 'the running cell stopped at once');
      const rb = await k.reply(b, 30000);
      assert.equal(rb.content.status, 'ok', `the queued cell was interrupted too (kernel log: ${k.stderr})`);
      const outB = await k.outputs(b);
      assert.equal(text(outB.find((m) => m.header.msg_type === 'execute_result')), "'B ran'");
    });

    test(`an interrupt during a cell's compilation stops it before its code runs (${backend})`, async () => {
      const id = await k.send('shell', 'execute_request', {
        code: slowToCompile(300),
        silent: false,
        allow_stdin: false,
        stop_on_error: true,
      });
      await k.waitFor((m) => m.parent_header.msg_id === id && m.header.msg_type === 'execute_input');
      await sleep(200); // compiling (about 2 s on a quiet machine); `ranBig` below shows it had not finished
      const sent = Date.now();
      await k.request('control', 'interrupt_request', {});
      const reply = await k.reply(id, 90000);
      const took = Date.now() - sent;
      assert.equal(reply.content.status, 'error');
      assert.equal(reply.content.ename, 'KeyboardInterrupt');
      // The reply comes once compiling ends (2 s quiet; 6 s and 18 s seen at load 10 and 18 on 2 cores), not
      // after the 60 s loop: had the code run, the reply could not come before 60 s.
      assert.ok(took < 45000, `the reply came ${took} ms after the interrupt request`);
      const after = await k.execute('typeof (globalThis as any).ranBig');
      assert.equal(
        text(after.outputs.find((m) => m.header.msg_type === 'execute_result')),
        "'undefined'",
        'its code never ran',
      );
    });
  });
}
