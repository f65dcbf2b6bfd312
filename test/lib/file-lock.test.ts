/**
 * The lock that lets two kernels share the teacher cache (lib/common/file-lock.ts, kd.distill.cachedModel): two
 * processes asking for the same uncached key train it once; an abandoned lock is taken over; a failing holder
 * releases it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { withFileLock, STALE_MS } from '../../lib/common/file-lock';

const LIB = path.resolve(__dirname, '../../lib');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-lock-'));

/** A child process that asks cachedModel for one key, training for ~1.5 s and counting its trainings in `log`. */
function racer(cache: string, log: string): Promise<{ code: number | null; out: string }> {
  const script = `
    const kd = require(${JSON.stringify(LIB)});
    const fs = require('fs');
    (async () => {
      await kd.backend.init('cpu');
      const m = await kd.distill.cachedModel({ race: 1 }, async () => {
        fs.appendFileSync(${JSON.stringify(log)}, process.pid + '\\n');
        await new Promise((r) => setTimeout(r, 1500));
        const model = kd.tf.sequential({ layers: [kd.tf.layers.dense({ units: 2, inputShape: [3] })] });
        model.setWeights([kd.tf.fill([3, 2], 0.25), kd.tf.fill([2], 0.5)]);
        return model;
      }, { dir: ${JSON.stringify(cache)} });
      console.log('weights', JSON.stringify(m.getWeights().map((w) => Array.from(w.dataSync()))));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('two processes asking for the same uncached model at once: it is trained once, both get it', async () => {
  const dir = tmp();
  const log = path.join(dir, 'trainings.log');
  const cache = path.join(dir, 'cache');
  const [a, b] = await Promise.all([racer(cache, log), racer(cache, log)]);
  assert.equal(a.code, 0, a.out);
  assert.equal(b.code, 0, b.out);
  assert.equal(fs.readFileSync(log, 'utf8').trim().split('\n').length, 1, 'one training');
  const waiting = [a, b].filter((r) => /another process \(pid \d+\) is training this model/.test(r.out));
  assert.equal(waiting.length, 1, 'the other process said it was waiting');
  const expected = `weights ${JSON.stringify([
    [0.25, 0.25, 0.25, 0.25, 0.25, 0.25],
    [0.5, 0.5],
  ])}`;
  for (const r of [a, b]) assert.ok(r.out.includes(expected), r.out);
  assert.deepEqual(
    fs.readdirSync(cache).filter((f) => f.includes('.lock') || f.includes('.partial')),
    [],
    'no lock or partial folder left behind',
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a lock left by a process that is gone is taken over at once', async () => {
  const dir = tmp();
  const lock = path.join(dir, 'x.lock');
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ pid: Number(gone.stdout), host: os.hostname() }));
  let waited = false;
  const t0 = Date.now();
  assert.equal(
    await withFileLock(
      lock,
      () => 'ran',
      () => (waited = true),
    ),
    'ran',
  );
  assert.equal(waited, false);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(fs.existsSync(lock), false, 'released');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an ownerless lock waits while fresh, is taken over once older than STALE_MS', async () => {
  const dir = tmp();
  const lock = path.join(dir, 'y.lock');
  fs.mkdirSync(lock);
  const old = (Date.now() - STALE_MS - 5000) / 1000;
  fs.utimesSync(lock, old, old);
  assert.equal(await withFileLock(lock, () => 1), 1, 'old: taken over');
  fs.mkdirSync(lock); // fresh, no owner: someone between mkdir and writing its owner file
  const waits: (number | null)[] = [];
  const pending = withFileLock(
    lock,
    () => 2,
    (pid) => waits.push(pid),
  );
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(waits, [null], 'waiting, told once, holder unknown');
  fs.rmSync(lock, { recursive: true }); // the holder releases
  assert.equal(await pending, 2);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a holder whose work throws releases the lock, and the error reaches the caller', async () => {
  const dir = tmp();
  const lock = path.join(dir, 'z.lock');
  await assert.rejects(
    withFileLock(lock, () => {
      throw new Error('training failed');
    }),
    /training failed/,
  );
  assert.equal(fs.existsSync(lock), false);
  fs.rmSync(dir, { recursive: true, force: true });
});
