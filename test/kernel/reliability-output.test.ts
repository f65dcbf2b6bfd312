/**
 * No output is lost or reordered: the iopub sender's coalescing rules in process (a fake socket records what
 * is sent), then a real kernel on every backend flooded with prints, whose every line must arrive in order.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FLUSH_CHARS, FLUSH_MS, IopubSender } from '../../kernel/server/iopub';
import type { Header } from '../../kernel/wire/codec';
import { KernelClient, kernelBackends } from '../support/kernel-client';

const header = (id: string) => ({ msg_id: id }) as Header;

/** A socket whose sends take `delayMs` and that fails the test if a second send starts before one ends. */
function fakeSocket(delayMs = 0) {
  const sent: string[] = [];
  let busy = false;
  return {
    sent,
    async send(frames: Buffer[]): Promise<void> {
      assert.equal(busy, false, 'a send started while another was pending');
      busy = true;
      await new Promise((r) => setTimeout(r, delayMs));
      sent.push(frames.map((f) => f.toString()).join('|'));
      busy = false;
    },
  };
}

function sender(delayMs = 0) {
  const socket = fakeSocket(delayMs);
  const s = new IopubSender(
    socket,
    (name, text, parent) => [Buffer.from(`stream:${name}:${parent?.msg_id ?? '-'}:${text}`)],
    (e) => assert.fail(String(e)),
  );
  return { s, sent: socket.sent };
}

test('consecutive writes of one stream of one cell become one message; any change of stream, cell or kind splits', async () => {
  const { s, sent } = sender();
  s.stream('stdout', 'a', header('c1'));
  s.stream('stdout', 'b', header('c1'));
  s.stream('stderr', 'c', header('c1'));
  s.stream('stderr', 'd', header('c2'));
  s.message([Buffer.from('display')]);
  s.stream('stdout', 'e', null);
  s.stream('stdout', 'f', null);
  await s.drain();
  assert.deepEqual(sent, [
    'stream:stdout:c1:ab',
    'stream:stderr:c1:c',
    'stream:stderr:c2:d',
    'display',
    'stream:stdout:-:ef',
  ]);
});

test(`a lone write goes out after ${FLUSH_MS} ms without anything else happening`, async () => {
  const { s, sent } = sender();
  s.stream('stdout', 'x', null);
  assert.deepEqual(sent, []);
  await new Promise((r) => setTimeout(r, FLUSH_MS + 100));
  assert.deepEqual(sent, ['stream:stdout:-:x']);
});

test(`${FLUSH_CHARS} waiting characters are sent at once; with slow sends nothing is dropped or reordered`, async () => {
  const { s, sent } = sender(2);
  const chunk = 'y'.repeat(FLUSH_CHARS / 4);
  for (let i = 0; i < 10; i++) s.stream('stdout', chunk, null);
  s.message([Buffer.from('status:idle')]);
  await s.drain();
  // 10 quarter-chunks: two full messages (4 + 4) as the size is reached, the last two before the status.
  assert.equal(sent.length, 4);
  assert.deepEqual(
    sent.slice(0, 3).map((m) => m.length - 'stream:stdout:-:'.length),
    [FLUSH_CHARS, FLUSH_CHARS, FLUSH_CHARS / 2],
  );
  assert.equal(sent[3], 'status:idle');
});

const LINES = 200_000;

for (const backend of kernelBackends()) {
  describe(`output on ${backend}`, () => {
    let k: KernelClient;
    before(async () => {
      k = await KernelClient.start({ backend });
      await k.execute('1');
    });
    after(async () => {
      await k.close();
    });

    test(`${LINES} console.log lines all arrive, in order, with one busy and one idle status`, async () => {
      const r = await k.execute(`for (let i = 0; i < ${LINES}; i++) console.log(i)`);
      assert.equal(r.reply.content.status, 'ok');
      const lines = KernelClient.text(r.outputs).split('\n');
      assert.equal(lines.pop(), '', 'ends with a newline');
      assert.equal(lines.length, LINES);
      const firstWrong = lines.findIndex((l, i) => l !== String(i));
      assert.equal(firstWrong, -1, `line ${firstWrong} is '${lines[firstWrong]}'`);
      const states = k.iopubLog
        .filter((m) => m.parent_header.msg_id === r.id && m.header.msg_type === 'status')
        .map((m) => m.content.execution_state);
      assert.deepEqual(states, ['busy', 'idle']);
      assert.ok(r.outputs.length < LINES / 100, `writes were coalesced (${r.outputs.length} messages)`);
    });

    test('stdout, stderr and displays interleaved keep their order', async () => {
      const r = await k.execute(
        `for (let i = 0; i < 3000; i++) { console.log('o' + i); if (i % 1000 === 0) { console.error('e' + i); display('d' + i) } }`,
      );
      const seq = r.outputs.flatMap((m) => {
        if (m.header.msg_type === 'display_data') return [`display ${m.content.data['text/plain']}`];
        return String(m.content.text)
          .split('\n')
          .filter((l: string) => l)
          .map((l: string) => `${m.content.name} ${l}`);
      });
      const expected: string[] = [];
      for (let i = 0; i < 3000; i++) {
        expected.push(`stdout o${i}`);
        if (i % 1000 === 0) expected.push(`stderr e${i}`, `display 'd${i}'`);
      }
      assert.deepEqual(seq, expected);
    });

    test('what a cell prints before it blocks the main thread arrives while it is still blocked', async () => {
      const id = await k.send('shell', 'execute_request', {
        code: `console.log('before'); const t = Date.now(); while (Date.now() - t < 1500) {}`,
        silent: false,
        allow_stdin: false,
      });
      const seen = await k.waitFor((m) => m.parent_header.msg_id === id && m.header.msg_type === 'stream', 10000);
      assert.equal(seen.content.text, 'before\n');
      assert.equal(k.hasReply(id), false, 'the stream came before the cell finished');
      await k.reply(id);
    });
  });
}
