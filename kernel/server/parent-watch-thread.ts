/**
 * The parent watch's thread (parent-watch.ts says what it watches and why it has a thread of its own).
 * Writes go straight to fd 2: this thread's process.stderr goes through the main thread, which may be blocked.
 */
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { KILL_MS, ParentWatchData, watchParent } from './parent-watch';

const state = new Int32Array((workerData as ParentWatchData).state);

watchParent((reason) => {
  if (Atomics.load(state, 0) === 0) {
    try {
      fs.writeSync(2, `[kdlab kernel] ${reason} during start-up: exiting\n`);
    } catch {
      /* stderr is often a pipe to the dead parent (EPIPE): exit all the same */
    }
    process.kill(process.pid, 'SIGKILL');
    return;
  }
  parentPort!.postMessage(reason);
  // The main thread shuts down in order; if a cell blocks it, nothing else can end the process.
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), KILL_MS);
});
