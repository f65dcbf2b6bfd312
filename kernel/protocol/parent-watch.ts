/**
 * A kernel exits when the process that started it is gone, so a killed `kdlab run`, notebook server or
 * jupyter_client never leaves a kernel (and its connection file's key) running. Checked once a second from the
 * control thread, which runs even while a cell blocks the main thread:
 *  - the parent the kernel started with: when it dies the kernel is re-parented, so process.ppid changes
 *    (not checked when the kernel started as a child of init, pid 1);
 *  - JPY_PARENT_PID, which jupyter_client sets to its own pid (as ipykernel's parent poller does), when it
 *    names another process: that process must still exist.
 */
export const POLL_MS = 1000;

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
  timer.unref();
  return () => clearInterval(timer);
}
