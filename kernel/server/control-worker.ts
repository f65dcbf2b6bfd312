/**
 * Worker thread that owns the heartbeat (REP), control (ROUTER) and iopub (PUB) sockets.
 *
 * Why a thread: user code runs on the main thread (tslab executes cells in the kernel's own V8 context), so a
 * synchronous loop in a cell blocks the main event loop. The heartbeat must keep answering meanwhile, and an
 * `interrupt_request` must still be received. This thread handles `interrupt_request` in two steps:
 *   1. it asks the main thread by message and waits up to ACK_MS for an acknowledgement (shared memory); a
 *      responsive main thread (a cell awaiting something) interrupts the cell itself and acknowledges;
 *   2. no acknowledgement means the main thread is blocked, so this thread raises SIGINT: cell code runs under
 *      `vm.runInThisContext({breakOnSigint: true})`, and V8's SIGINT watchdog stops a synchronous loop at the
 *      top level of a cell. Not while the main thread prepares or compiles a cell: it checks for the request
 *      (shared memory, interrupt-state.ts) before running the cell's code.
 * Signals are only raised when needed because a SIGINT that is not consumed at once can linger in Node's vm
 * watchdog and cut the next cell short. Every other control message is verified here and handed to the main
 * thread, which answers through `send` messages.
 * iopub lives here too (iopub.ts): the main thread hands over stream text and signed messages, and this thread
 * coalesces and sends them even while a cell blocks the main thread.
 */
import { parentPort, workerData } from 'worker_threads';
import * as zmq from 'zeromq';
import { ConnectionInfo, endpoint } from '../wire/connection';
import { Phase, phaseOf, requestInterrupt, Slot } from './interrupt-state';
import { IopubSender } from './iopub';
import type { InterruptReply } from './messages';
import { decode, encode, Header, makeMessage, ReplayGuard, Signer, SignatureError } from '../wire/codec';

/** How long the main thread has to acknowledge an interrupt before it is considered blocked. */
export const ACK_MS = 150;

export interface ControlWorkerData {
  connection: ConnectionInfo;
  session: string;
  /** Shared with the main thread, laid out as interrupt-state.ts says. */
  interrupts: SharedArrayBuffer;
}

/** Messages from this worker to the main thread. */
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'bind-error'; message: string }
  | { kind: 'control'; ids: Uint8Array[]; msg: import('../wire/codec').Message; signature: string }
  | { kind: 'interrupt'; msg: import('../wire/codec').Message; seq: number }
  | { kind: 'rejected'; reason: string }
  | { kind: 'drained'; seq: number }
  | { kind: 'closed' };

/** Messages from the main thread to this worker. */
export type ToWorker =
  | { kind: 'send'; frames: Uint8Array[] }
  | { kind: 'stream'; name: 'stdout' | 'stderr'; text: string; parent: Header | null }
  | { kind: 'publish'; frames: Uint8Array[] }
  | { kind: 'drain'; seq: number }
  | { kind: 'close' };

const buffers = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));

async function run(): Promise<void> {
  const { connection, session } = workerData as ControlWorkerData;
  const shared = new Int32Array((workerData as ControlWorkerData).interrupts);
  let interrupts = 0;
  const port = parentPort!;
  const signer = new Signer(connection.key, connection.signature_scheme);
  const replays = new ReplayGuard();
  const ipv6 = connection.ip.includes(':');
  const control = new zmq.Router({ sendTimeout: 0, linger: 500, ipv6 });
  const hb = new zmq.Reply({ linger: 0, ipv6 });
  // No high-water mark: a PUB socket drops messages at it (see iopub.ts).
  const pub = new zmq.Publisher({ sendHighWaterMark: 0, linger: 1000, ipv6 });
  const iopub = new IopubSender(
    pub,
    (name, text, parent) => encode(signer, [], makeMessage('stream', { name, text }, parent, session)),
    (e) => process.stderr.write(`kdlab kernel: iopub send failed: ${String(e)}\n`),
  );
  try {
    await pub.bind(endpoint(connection, connection.iopub_port));
    await control.bind(endpoint(connection, connection.control_port));
    await hb.bind(endpoint(connection, connection.hb_port));
  } catch (e) {
    port.postMessage({ kind: 'bind-error', message: (e as Error).message } satisfies FromWorker);
    return;
  }
  port.on('message', (m: ToWorker) => {
    if (m.kind === 'stream') iopub.stream(m.name, m.text, m.parent);
    else if (m.kind === 'publish') iopub.message(buffers(m.frames));
    else if (m.kind === 'drain')
      void iopub.drain().then(() => port.postMessage({ kind: 'drained', seq: m.seq } satisfies FromWorker));
    else if (m.kind === 'send') {
      control.send(buffers(m.frames)).catch((e) => process.stderr.write(`kdlab kernel: control send failed: ${e}\n`));
    } else if (m.kind === 'close') {
      // Send what is queued for iopub, close the sockets and say so, but keep this thread alive: the main thread
      // ends the process. Letting a thread that used zeromq exit on its own while the process lives on crashed
      // (SIGSEGV) now and then.
      void iopub
        .drain()
        .then(() => {
          pub.close();
          control.close();
          hb.close();
          return Promise.allSettled([heartbeat, controlLoop]);
        })
        .then(() => port.postMessage({ kind: 'closed' } satisfies FromWorker));
    }
  });
  port.postMessage({ kind: 'ready' } satisfies FromWorker);

  let controlLoop: Promise<void> = Promise.resolve();
  const heartbeat = (async () => {
    for await (const frames of hb) await hb.send(frames);
  })();
  controlLoop = (async () => {
    for await (const frames of control) {
      let incoming;
      try {
        incoming = decode(signer, frames, replays);
      } catch (e) {
        const reason = e instanceof SignatureError ? 'bad HMAC signature' : (e as Error).message;
        port.postMessage({ kind: 'rejected', reason: `control: ${reason}` } satisfies FromWorker);
        continue;
      }
      const { ids, msg } = incoming;
      if (msg.header.msg_type === 'interrupt_request') {
        const seq = ++interrupts;
        requestInterrupt(shared, seq);
        port.postMessage({ kind: 'interrupt', msg, seq } satisfies FromWorker);
        const deadline = Date.now() + ACK_MS;
        let seen = Atomics.load(shared, Slot.ack);
        while (seen < seq && Date.now() < deadline) {
          Atomics.wait(shared, Slot.ack, seen, deadline - Date.now());
          seen = Atomics.load(shared, Slot.ack);
        }
        if (seen < seq && phaseOf(Atomics.load(shared, Slot.cell)) !== Phase.preparing) {
          Atomics.store(shared, Slot.signalled, seq);
          process.kill(process.pid, 'SIGINT');
        }
        const reply = makeMessage('interrupt_reply', { status: 'ok' } satisfies InterruptReply, msg.header, session);
        await control.send(encode(signer, ids, reply)).catch(() => undefined);
      } else {
        port.postMessage({ kind: 'control', ids, msg, signature: signatureOf(frames) } satisfies FromWorker);
      }
    }
  })();
  await controlLoop.catch(() => undefined);
  await heartbeat.catch(() => undefined);
}

/** The signature frame of a message that decoded, as ReplayGuard records it. */
function signatureOf(frames: Buffer[]): string {
  return frames[frames.findIndex((f) => f.toString('latin1') === '<IDS|MSG>') + 1].toString('latin1');
}

run().catch((e) => {
  process.stderr.write(`kdlab kernel: control thread failed: ${e instanceof Error ? e.stack : e}\n`);
});
