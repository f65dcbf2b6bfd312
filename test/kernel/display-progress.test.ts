/** progressBar against a recording sink and a fake clock: display once, throttled updates, final update. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { progressBar, clock, MimeBundle, DisplaySink } from '../../kernel/display';

function recorder() {
  const calls: { op: 'display' | 'update' | 'clear'; id?: string; b?: MimeBundle; t: number }[] = [];
  let t = 0;
  const sink: DisplaySink = {
    display: (b, o) => {
      calls.push({ op: 'display', id: o?.id, b, t });
    },
    update: (b, id) => {
      calls.push({ op: 'update', id, b, t });
    },
    clear: () => {
      calls.push({ op: 'clear', t });
    },
  };
  return {
    sink,
    calls,
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
  };
}

test('clock formats m:ss and h:mm:ss', () => {
  assert.equal(clock(0), '0:00');
  assert.equal(clock(75), '1:15');
  assert.equal(clock(3725), '1:02:05');
  assert.equal(clock(NaN), '?');
});

test('progress bar: one display, throttled batch updates (≤ 5/s), every epoch end and a final update', async () => {
  const r = recorder();
  const cb = progressBar(r.sink, { title: 'KD <b>run</b>', now: r.now });
  await cb.onTrainBegin!({ epochs: 2, batchesPerEpoch: 4 });
  // batches every 100 ms: only those ≥ 200 ms after the previous update are sent
  for (let e = 0; e < 2; e++) {
    for (let b = 0; b < 4; b++) {
      r.set((e * 4 + b + 1) * 100);
      await cb.onBatchEnd!({
        epoch: e,
        epochs: 2,
        batch: b,
        batchesPerEpoch: 4,
        losses: { kd: 1 / (e * 4 + b + 1), total: 2 },
      });
    }
    await cb.onEpochEnd!({
      epoch: e,
      epochs: 2,
      losses: { kd: 0.5 - e * 0.25, total: 1 },
      validation: { accuracy: 0.9 + e * 0.05, loss: 0.3 },
    });
  }
  r.set(900);
  await cb.onTrainEnd!({ history: { epochs: [], batches: {} } });

  assert.equal(r.calls[0].op, 'display');
  const id = r.calls[0].id!;
  assert.match(id, /^kdlab-progress-/);
  assert.ok(
    r.calls.slice(1).every((c) => c.op === 'update' && c.id === id),
    'all later calls update the same display id',
  );
  // times: display@0; batch updates at 200 (2nd batch), 400 (4th); epoch end @400; batch @600; @800; epoch end @800; final @900
  assert.deepEqual(
    r.calls.map((c) => c.t),
    [0, 200, 400, 400, 600, 800, 800, 900],
  );

  // 2 of 8 batches done at t=200 ms: 25%, elapsed 0.2 s, ETA 0.6 s → rounds to 0:01
  const at200 = String(r.calls[1].b!.data['text/plain']);
  assert.match(at200, /25% epoch 1\/2 batch 2\/4 elapsed 0:00 ETA 0:01/);
  assert.match(at200, /\| kd 0\.5 total 2$/);
  assert.match(at200, /\[#{8}-{22}\]/); // round(0.25 * 30) = 8 of 30 cells

  const final = r.calls[r.calls.length - 1].b!;
  assert.match(String(final.data['text/plain']), /100% epoch 2\/2 batch 4\/4 done in 0:01/);
  const html = String(final.data['text/html']);
  assert.ok(html.includes('KD &lt;b&gt;run&lt;/b&gt;') && !html.includes('<b>run</b>'), 'title is escaped');
  assert.ok(html.includes('width:100.0%'), 'bar full at the end');
  assert.ok(html.includes('95.00%'), 'validation accuracy of epoch 2 in the epoch table');
  assert.equal((html.match(/<tr>/g) ?? []).length, 3, 'header + 2 epoch rows');
});

test('progress bar: a second fit opens a new display; batch events without onTrainBegin still display', async () => {
  const r = recorder();
  const cb = progressBar(r.sink, { now: r.now, minIntervalMs: 0 });
  await cb.onBatchEnd!({ epoch: 0, epochs: 1, batch: 0, batchesPerEpoch: 1, losses: { total: 1 } });
  await cb.onTrainEnd!({ history: { epochs: [], batches: {}, stoppedEarly: { epoch: 3, bestEpoch: 1 } } });
  assert.match(String(r.calls[r.calls.length - 1].b!.data['text/plain']), /stopped early after epoch 4 \(best 2\)/);
  await cb.onTrainBegin!({ epochs: 1, batchesPerEpoch: 1 });
  const displays = r.calls.filter((c) => c.op === 'display');
  assert.equal(displays.length, 2);
  assert.notEqual(displays[0].id, displays[1].id);
});
