/**
 * Correctly signed but malformed messages, on every channel, are logged and dropped and the channel keeps
 * serving; a signed message sent again (a replay), on the same channel or another, is refused. On every
 * shipped backend (a malformed message used to abort the kernel on wasm).
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomUUID } from 'crypto';
import { ReplayGuard } from '../../kernel/wire/codec';
import { Channel, KernelClient, kernelBackends } from '../support/kernel-client';

test('ReplayGuard refuses a signature it has seen, forgets the oldest past its capacity, ignores unsigned', () => {
  const g = new ReplayGuard(2);
  assert.equal(g.accept('a'), true);
  assert.equal(g.accept('a'), false);
  assert.equal(g.accept('b'), true);
  assert.equal(g.accept('c'), true); // 'a' is forgotten now
  assert.equal(g.accept('b'), false);
  assert.equal(g.accept('a'), true);
  assert.equal(g.accept(''), true);
  assert.equal(g.accept(''), true, 'without a key every signature is empty: nothing to compare');
});

const header = (type = 'kernel_info_request') =>
  JSON.stringify({
    msg_id: randomUUID(),
    msg_type: type,
    session: 's',
    username: 'u',
    date: new Date().toISOString(),
    version: '5.3',
  });

// [what, body frames (header, parent, metadata, content), what the kernel's log says]. Each body carries a
// fresh nonce `n` where it is well-formed, so sending the same malformation on another channel is no replay.
const P = (n: string) => JSON.stringify({ nonce: n });
const MALFORMED: [string, (n: string) => (string | Buffer)[], RegExp][] = [
  ['a null header', (n) => ['null', P(n), '{}', '{}'], /header frame must be a JSON object, got null/],
  ['an array header', (n) => ['[1]', P(n), '{}', '{}'], /header frame must be a JSON object, got an array/],
  ['a string header', (n) => ['"hi"', P(n), '{}', '{}'], /header frame must be a JSON object, got string/],
  [
    'a header without msg_type',
    (n) => [JSON.stringify({ msg_id: n }), '{}', '{}', '{}'],
    /header\.msg_type must be a non-empty string, got undefined/,
  ],
  [
    'a numeric msg_id',
    (n) => [JSON.stringify({ msg_id: 7, msg_type: 'kernel_info_request' }), P(n), '{}', '{}'],
    /header\.msg_id must be a non-empty string, got 7/,
  ],
  ['a null content', () => [header(), '{}', '{}', 'null'], /content frame must be a JSON object, got null/],
  ['a null parent header', () => [header(), 'null', '{}', '{}'], /parent_header frame must be a JSON object, got null/],
  ['a numeric metadata', () => [header(), '{}', '5', '{}'], /metadata frame must be a JSON object, got number/],
  ['broken JSON', (n) => ['{"msg_id": ', P(n), '{}', '{}'], /header frame is not JSON/],
  ['bytes that are not UTF-8', (n) => [Buffer.from([0xff, 0xfe, 0x7b]), P(n), '{}', '{}'], /header frame is not JSON/],
];

const CHANNELS: Channel[] = ['shell', 'control', 'stdin'];

for (const backend of kernelBackends()) {
  describe(`wire robustness on ${backend}`, () => {
    let k: KernelClient;
    before(async () => {
      k = await KernelClient.start({ backend });
      await k.execute('let counter = 0');
    });
    after(async () => {
      const { code } = await k.close();
      assert.equal(code, 0, `clean exit (signal ${k.proc.signalCode}); stderr:\n${k.stderr.slice(-800)}`);
    });

    for (const channel of CHANNELS) {
      test(`every malformation on ${channel} is logged and dropped, and ${channel} keeps serving`, async () => {
        const before = k.stderr.length;
        for (const [, body] of MALFORMED) await k.sendRaw(channel, k.signedRaw(body(randomUUID())));
        // The channel still serves: a request on it (shell, control) or an input() round trip (stdin).
        if (channel === 'stdin') {
          const id = await k.send('shell', 'execute_request', {
            code: `await input('name? ')`,
            allow_stdin: true,
            silent: false,
          });
          await k.inputRequest(id, 20000);
          await k.send('stdin', 'input_reply', { value: 'ada' });
          const out = await k.outputs(id, 20000);
          assert.equal(out.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], "'ada'");
        } else {
          const reply = await k.request(channel, 'kernel_info_request', {});
          assert.equal(reply.content.implementation, 'kdlab');
        }
        // control's log lines come from the control worker thread, whose stderr reaches the process through the main
        // thread: they may arrive after the reply did, so wait for them (bounded) before checking each one.
        const expected = MALFORMED.map(
          ([, , said]) => new RegExp(`rejected a message on ${channel}: malformed message: ${said.source}`),
        );
        for (const deadline = Date.now() + 10000; Date.now() < deadline;) {
          if (expected.every((re) => re.test(k.stderr.slice(before)))) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const log = k.stderr.slice(before);
        MALFORMED.forEach(([what], i) => assert.match(log, expected[i], `${what} on ${channel}; log:\n${log}`));
        assert.equal(k.proc.exitCode, null);
        const r = await k.execute('1 + 1');
        assert.equal(r.outputs.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], '2');
      });
    }

    test('a replayed execute_request runs once, whether replayed on shell or on control', async () => {
      const { id, frames } = k.frames('execute_request', { code: 'counter += 1', silent: false, allow_stdin: false });
      await k.sendRaw('shell', frames);
      await k.reply(id);
      await k.sendRaw('shell', frames);
      await k.sendRaw('control', frames);
      await new Promise((r) => setTimeout(r, 500));
      const r = await k.execute('counter');
      assert.equal(r.outputs.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], '1');
      assert.equal(
        k.iopubLog.filter((m) => m.parent_header.msg_id === id && m.header.msg_type === 'execute_input').length,
        1,
      );
      assert.match(k.stderr, /rejected a message on shell: replayed message/);
      assert.match(k.stderr, /rejected a message on control: replayed message/);
    });

    test('a replayed control request is answered once', async () => {
      const { id, frames } = k.frames('kernel_info_request', {});
      await k.sendRaw('control', frames);
      await k.reply(id);
      const busy = () =>
        k.iopubLog.filter((m) => m.parent_header.msg_id === id && m.content.execution_state === 'busy').length;
      await k.sendRaw('control', frames);
      await k.sendRaw('shell', frames);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(busy(), 1, 'handled once');
    });
  });
}
