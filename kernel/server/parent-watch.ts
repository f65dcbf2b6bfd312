/**
 * A kernel exits when the process that started it is gone, so a killed `kdlab run`, notebook server or
 * jupyter_client never leaves a kernel (and its connection file's key) running. Checked once a second from a
 * thread of its own (parent-watch-thread.ts), started before anything slow loads, so it runs during start-up
 * (seconds of loading TypeScript, tslab and the backend) and while a cell blocks the main thread:
 *  - the parent the kernel started with: when it dies the kernel is re-parented, so process.ppid changes
 *    (not checked when the kernel started as a child of init, pid 1);
 *  - JPY_PARENT_PID, which jupyter_client sets to its own pid (as ipykernel's parent poller does), when it
 *    names another process: that process must still exist.
 * Once the kernel is up, a gone parent starts its orderly shutdown (exit 0), and the process is killed if that
 * has not ended it within KILL_MS (a cell blocking the main thread). Before, there is nothing to shut down in
 * order and the main thread may be busy loading modules for seconds: the watch thread kills the process at once.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';

export const POLL_MS = 1000;
/** How long an orderly shutdown may take once the parent is gone, before the process is killed. */
export const KILL_MS = 5000;

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Calls `gone(reason)` once, when a watched parent has exited. Returns a stop function. */
export function watchParent(gone: (reason: string) => void, env: NodeJS.ProcessEnv = process.env): () => void {
  const parent = process.ppid;
  const raw = env.JPY_PARENT_PID;
  const jpy = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
  const other = jpy !== null && jpy > 1 && jpy !== parent ? jpy : null;
  const timer = setInterval(() => {
    let reason: string | null = null;
    if (parent > 1 && process.ppid !== parent) reason = `parent process ${parent} exited`;
    else if (other !== null && !exists(other)) reason = `JPY_PARENT_PID process ${other} exited`;
    if (reason) {
      clearInterval(timer);
      gone(reason);
    }
  }, POLL_MS);
  return () => clearInterval(timer);
}

/** Shared with the watch thread: 0 while the kernel starts, 1 once it can shut down in order. */
export interface ParentWatchData {
  state: SharedArrayBuffer;
}

export interface ParentWatch {
  /** The kernel is up: from now on a gone parent calls `shutdown(reason)` (and kills after KILL_MS). */
  started(shutdown: (reason: string) => void): void;
}

/** Starts the watch thread. It never keeps the process alive. */
export function startParentWatch(onError: (e: Error) => void): ParentWatch {
  const state = new Int32Array(new SharedArrayBuffer(4));
  // tsc types Int32Array.buffer as ArrayBufferLike and needs the cast; typescript-eslint's view sees the shared type.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const workerData: ParentWatchData = { state: state.buffer as SharedArrayBuffer };
  const worker = new Worker(path.join(__dirname, 'parent-watch-thread.js'), { workerData });
  worker.unref();
  let shutdown: ((reason: string) => void) | null = null;
  worker.on('message', (reason: string) => shutdown?.(reason));
  worker.on('error', onError);
  return {
    started(fn) {
      shutdown = fn;
      Atomics.store(state, 0, 1);
    },
  };
}
