/**
 * A lock between processes on one machine, as a directory: `mkdir` either creates it or fails, atomically, so two
 * kernels that want to train the same cached teacher at once (two chapters run side by side by `kdlab export
 * --jobs`, or two notebooks open in JupyterLab) train it once: the second waits, then loads what the first saved.
 *
 * The holder writes its pid into the directory. A lock whose holder is no longer running (a kernel killed while
 * training) is taken over, not waited on forever; so is one whose owner file never appeared (the holder died
 * between mkdir and writing it) once it is STALE_MS old.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pausePoint } from './interrupt';

const OWNER = 'owner.json';
/** A lock directory with no owner file for this long is abandoned (its holder writes the file right after mkdir). */
export const STALE_MS = 10_000;
/** How often a waiting process looks again. */
const POLL_MS = 200;

interface Owner {
  pid: number;
  host: string;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but not ours to signal
  }
}

/** Who holds `dir`, or null when the lock is abandoned (holder gone) and may be taken over. */
function holder(dir: string): Owner | 'unknown' | null {
  let owner: Owner;
  try {
    owner = JSON.parse(fs.readFileSync(path.join(dir, OWNER), 'utf8')) as Owner;
  } catch {
    try {
      return Date.now() - fs.statSync(dir).mtimeMs > STALE_MS ? null : 'unknown';
    } catch {
      return null; // released meanwhile
    }
  }
  if (owner.host !== os.hostname()) return owner; // another machine's (a shared folder): cannot tell, so wait
  return running(owner.pid) ? owner : null;
}

function tryAcquire(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  fs.writeFileSync(path.join(dir, OWNER), JSON.stringify({ pid: process.pid, host: os.hostname() } satisfies Owner));
  return true;
}

/**
 * Run `fn` holding the lock directory `dir` (created beside what it guards; its parent must exist). While another
 * live process holds it, wait — calling `onWait` once with that process's pid — and stay interruptible (the
 * kernel's interrupt reaches the wait through pausePoint). The lock is released when `fn` settles.
 */
export async function withFileLock<T>(
  dir: string,
  fn: () => Promise<T> | T,
  onWait: (pid: number | null) => void = () => {},
): Promise<T> {
  let told = false;
  while (!tryAcquire(dir)) {
    const h = holder(dir);
    if (h === null) {
      // Abandoned. Between two waiters both taking it over the window is this gap between a check and the removal;
      // taking over is rare (a kernel killed while it held the lock), so no more ceremony than looking twice.
      if (holder(dir) === null) fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!told) onWait(h === 'unknown' ? null : h.pid);
    told = true;
    await new Promise((r) => setTimeout(r, POLL_MS));
    await pausePoint();
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
