/**
 * Pieces of the protocol layer tested in-process (no kernel): message signing against an independent
 * HMAC computation, decoding of forged/malformed frames, is_complete, history queries, cursor conversion,
 * connection-file validation.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decode, encode, makeMessage, SignatureError, Signer } from '../../kernel/wire/codec';
import { isComplete } from '../../kernel/server/is-complete';
import { globToRegExp, History } from '../../kernel/server/history';
import { fromCodePoints, toCodePoints } from '../../kernel/server/unicode';
import { readConnectionFile } from '../../kernel/wire/connection';

const KEY = 'a0b1c2d3-secret';

test('encode signs header, parent, metadata and content with HMAC-SHA256 of the key', () => {
  const msg = makeMessage('status', { execution_state: 'idle' }, null, 'sess');
  const frames = encode(new Signer(KEY), [Buffer.from('id1')], msg);
  assert.equal(frames[0].toString(), 'id1');
  assert.equal(frames[1].toString(), '<IDS|MSG>');
  const h = createHmac('sha256', KEY);
  for (const f of frames.slice(3, 7)) h.update(f);
  assert.equal(frames[2].toString(), h.digest('hex'));
  assert.deepEqual(JSON.parse(frames[6].toString()), { execution_state: 'idle' });
});

test('decode accepts a correctly signed message and rejects a forged or malformed one', () => {
  const signer = new Signer(KEY);
  const frames = encode(signer, [Buffer.from('peer')], makeMessage('kernel_info_request', {}, null, 's'));
  const ok = decode(signer, frames);
  assert.deepEqual(ok.ids.map(String), ['peer']);
  assert.equal(ok.msg.header.msg_type, 'kernel_info_request');
  const forged = frames.slice();
  forged[6] = Buffer.from(JSON.stringify({ code: 'evil()' }));
  assert.throws(() => decode(signer, forged), SignatureError);
  const otherKey = encode(new Signer('other'), [], makeMessage('kernel_info_request', {}, null, 's'));
  assert.throws(() => decode(signer, otherKey), SignatureError);
  const shortSig = frames.slice();
  shortSig[2] = Buffer.from('abc');
  assert.throws(() => decode(signer, shortSig), SignatureError);
  assert.throws(() => decode(signer, [Buffer.from('x')]), /no <IDS\|MSG> delimiter/);
});

test('an empty key means unsigned messages, as the spec says', () => {
  const signer = new Signer('');
  const frames = encode(signer, [], makeMessage('status', {}, null, 's'));
  assert.equal(frames[1].toString(), '');
  assert.equal(decode(signer, frames).msg.header.msg_type, 'status');
});

test('isComplete: complete, incomplete with indentation, invalid', () => {
  assert.deepEqual(isComplete(''), { status: 'complete' });
  assert.deepEqual(isComplete('const a = <number>b;'), { status: 'complete' });
  assert.deepEqual(isComplete('class A {\n  f() {'), { status: 'incomplete', indent: '    ' });
  assert.deepEqual(isComplete('let x = 1 +\n'), { status: 'incomplete', indent: '' });
  assert.equal(isComplete('/* open comment').status, 'incomplete');
  assert.equal(isComplete('if (a) {\n\n\n').status, 'complete', 'two blank lines force execution');
  assert.equal(isComplete('}').status, 'invalid');
  assert.equal(isComplete('let s = "abc').status, 'invalid', 'a quoted string cannot continue on the next line');
  assert.equal(isComplete('let x: = 3').status, 'invalid');
});

test('History: tail, range (session 0 = current), search with globs, unique, n', () => {
  const h = new History();
  const inputs = ['a = 1', 'b = 2', 'a = 1', 'print(a)'];
  inputs.forEach((code, i) => h.add(i + 1, code));
  h.setOutput(4, '1');
  assert.deepEqual(h.query({ hist_access_type: 'tail', n: 2 }), [
    [1, 3, 'a = 1'],
    [1, 4, 'print(a)'],
  ]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: 0, start: 2, stop: 4 }), [
    [1, 2, 'b = 2'],
    [1, 3, 'a = 1'],
  ]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: 1, start: 4, stop: 5, output: true }), [
    [1, 4, ['print(a)', '1']],
  ]);
  assert.deepEqual(
    h.query({ hist_access_type: 'search', pattern: 'a*' }).map((r) => r[1]),
    [1, 3],
  );
  assert.deepEqual(
    h.query({ hist_access_type: 'search', pattern: 'a*', unique: true }).map((r) => r[1]),
    [3],
  );
  assert.deepEqual(h.query({ hist_access_type: 'search', pattern: '?=*', n: 1 }), []);
  assert.deepEqual(
    h.query({ hist_access_type: 'search', pattern: '? = ?', n: 1 }).map((r) => r[1]),
    [3],
  );
  assert.throws(
    () => h.query({ hist_access_type: 'bogus' as 'tail' }),
    /hist_access_type: expected 'tail', 'range' or 'search', got "bogus"/,
  );
  assert.equal(globToRegExp('x.y(*)').test('x.y(1, 2)'), true);
  assert.equal(globToRegExp('x.y(*)').test('xzy(1)'), false, 'regex metacharacters are literal');
});

test('History with a file: earlier sessions are read back, this session is numbered after them', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-hist-')), 'sub', 'history.jsonl');
  const first = new History(file);
  assert.equal(first.session, 1);
  first.add(1, 'let a = 1');
  first.persist(1);
  first.add(2, 'a + 1');
  first.setOutput(2, '2');
  first.persist(2);
  fs.appendFileSync(file, '{"torn": \n');
  const second = new History(file);
  assert.equal(second.session, 2);
  second.add(1, 'a * 10');
  assert.deepEqual(second.query({ hist_access_type: 'tail', n: 3, output: true }), [
    [1, 1, ['let a = 1', null]],
    [1, 2, ['a + 1', '2']],
    [2, 1, ['a * 10', null]],
  ]);
  assert.deepEqual(second.query({ hist_access_type: 'range', session: 1, start: 2, stop: 3 }), [[1, 2, 'a + 1']]);
  assert.deepEqual(second.query({ hist_access_type: 'range', session: 0, start: 1, stop: 2 }), [[2, 1, 'a * 10']]);
});

test('cursor positions convert between code points and UTF-16 units', () => {
  const s = 'a😀b'; // the emoji is one code point, two UTF-16 units
  assert.equal(fromCodePoints(s, 2), 3);
  assert.equal(toCodePoints(s, 3), 2);
  assert.equal(fromCodePoints(s, 99), s.length);
});

test('readConnectionFile validates ports and transport, naming the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-conn-'));
  const file = path.join(dir, 'c.json');
  const good = {
    transport: 'tcp',
    ip: '127.0.0.1',
    key: 'k',
    signature_scheme: 'hmac-sha256',
    shell_port: 1,
    iopub_port: 2,
    stdin_port: 3,
    control_port: 4,
    hb_port: 5,
  };
  fs.writeFileSync(file, JSON.stringify(good));
  assert.equal(readConnectionFile(file).hb_port, 5);
  fs.writeFileSync(file, JSON.stringify({ ...good, shell_port: 70000 }));
  assert.throws(() => readConnectionFile(file), /shell_port: expected a port in 1\.\.65535, got 70000/);
  fs.writeFileSync(file, JSON.stringify({ ...good, transport: 'ipc' }));
  assert.throws(() => readConnectionFile(file), /transport: expected 'tcp', got 'ipc'/);
  fs.writeFileSync(file, JSON.stringify({ ...good, signature_scheme: 'hmac-md5' }));
  assert.throws(
    () => new Signer('k', readConnectionFile(file).signature_scheme),
    /signature_scheme: expected 'hmac-sha256', got 'hmac-md5'/,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
