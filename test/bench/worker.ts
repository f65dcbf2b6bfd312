/**
 * kdlab side of the benchmark: one process per backend, driven by run.ts over JSON lines
 * (see protocol.ts). Usage: node dist/test/bench/worker.js <backend>
 *
 * Commands: setup {workload, warmup} → info + secondsPerStep; window {steps} → WindowResult;
 * profile {steps}; soak {steps, every}; teardown → tensors at start/end and peak RSS; exit.
 */
import * as readline from 'readline';
import * as kd from '../../lib';
import * as tf from '@tensorflow/tfjs';
import { sendReply } from './protocol';
import { createRunner, Runner } from './workloads';

const maxRssKB = () => process.resourceUsage().maxRSS; // KiB (libuv reports ru_maxrss in kilobytes)

async function main(): Promise<void> {
  const backend = process.argv[2] as kd.backend.BackendName;
  let info: kd.backend.BackendInfo;
  try {
    info = await kd.backend.init(backend);
  } catch (err) {
    sendReply({ id: 0, ok: false, error: (err as Error).message });
    return;
  }
  sendReply({ id: 0, ok: true, hello: { impl: 'kdlab', ...info } });

  let runner: Runner | null = null;
  let tensorsStart = 0;
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as { id: number; cmd: string; [k: string]: any };
    try {
      switch (req.cmd) {
        case 'setup': {
          tensorsStart = tf.memory().numTensors;
          runner = createRunner(req.workload);
          // Warm-up: a fit over max(2, warmup) batches. Its timing (first batch excluded) calibrates the windows.
          const warm = await runner.window(Math.max(1, (req.warmup ?? 3) - 1));
          if (!warm.finite) throw new Error(`warm-up produced non-finite values: ${JSON.stringify(warm.losses)}`);
          sendReply({
            id: req.id,
            ok: true,
            ...runner.info(),
            torch: runner.torchSetup(),
            secondsPerStep: warm.seconds / Math.max(warm.steps, 1),
          });
          break;
        }
        case 'window':
          sendReply({ id: req.id, ok: true, ...(await need(runner).window(req.steps)) });
          break;
        case 'profile':
          sendReply({ id: req.id, ok: true, ...(await need(runner).profile(req.steps)) });
          break;
        case 'soak': {
          const samples: unknown[] = [];
          const t0 = performance.now();
          await need(runner).soak(req.steps, req.every, (s) => samples.push(s));
          sendReply({ id: req.id, ok: true, samples, seconds: (performance.now() - t0) / 1000 });
          break;
        }
        case 'teardown':
          need(runner).dispose();
          runner = null;
          sendReply({ id: req.id, ok: true, tensorsStart, tensorsEnd: tf.memory().numTensors, maxRssKB: maxRssKB() });
          break;
        case 'exit':
          sendReply({ id: req.id, ok: true });
          rl.close();
          return;
        default:
          throw new Error(`cmd: unknown ${JSON.stringify(req.cmd)}`);
      }
    } catch (err) {
      sendReply({ id: req.id, ok: false, error: (err as Error).message, trace: (err as Error).stack });
    }
  }
}

function need(r: Runner | null): Runner {
  if (!r) throw new Error("no workload: send 'setup' first");
  return r;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
