/**
 * Cooperative interruption of long library loops (training).
 *
 * Training runs as one chain of promise continuations: without a pause it never lets the event loop turn, so a
 * host running user code (the kdlab kernel) could not even see an interrupt request until training ended. Long
 * loops therefore call `pausePoint()` between steps: it lets the event loop run at most every YIELD_MS, then
 * asks the host's check (installed with `setInterruptCheck`) whether the code running now was interrupted; the
 * check throws to stop the loop. Without a host nothing is checked and the pause only yields.
 */

/** At most this often (ms) a pause point yields to the event loop; a batch rarely takes less, so the cost is nil. */
export const YIELD_MS = 50;

let check: (() => void) | null = null;
let lastYield = 0;

const nextTurn: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : () => new Promise((r) => setTimeout(r, 0));

/** The host's check, called at every pause point; it throws to interrupt. `null` removes it. */
export function setInterruptCheck(fn: (() => void) | null): void {
  check = fn;
}

/** Between two steps of a long loop (outside any tf.tidy): maybe yield, then let the host interrupt. */
export async function pausePoint(): Promise<void> {
  const now = Date.now();
  if (now - lastYield >= YIELD_MS) {
    await nextTurn();
    lastYield = Date.now();
  }
  check?.();
}
