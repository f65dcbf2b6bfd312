/**
 * Errors nobody caught — a throw in a timer callback, a rejected promise nobody awaited — are reported to the
 * cell they came from and the kernel keeps running, whatever else is loaded in the process.
 *
 * Why this needs more than `process.on('uncaughtException')`: emscripten's Node glue (tfjs-backend-wasm,
 * installed when the wasm backend initialises, possibly in a cell) adds process-wide listeners that rethrow:
 * `uncaughtException` -> `throw ex`, `unhandledRejection` -> `throw reason`. A listener that throws is fatal,
 * and inside zeromq's native callbacks it surfaces as a C++ exception: SIGABRT ("terminate called after throwing
 * an instance of 'Napi::Error'"). So:
 *  - uncaught exceptions go to a capture callback (process.setUncaughtExceptionCaptureCallback). While one is
 *    set, Node emits no 'uncaughtException' event at all, so no listener, present or future, can rethrow;
 *  - every foreign `unhandledRejection` listener, present or added later, is swapped for a guarded copy that
 *    still runs it but swallows what it throws (a rethrow of the reason is already reported here; anything
 *    else is reported as an error of that listener). The swap happens in a microtask queued when the listener
 *    is added, which runs before Node processes the rejections of that tick.
 * `process.exit` is routed through the kernel's shutdown as well: exiting while zeromq sockets are open aborts
 * in the native addon, so `process.exit(3)` in a cell ended as SIGABRT instead of exit code 3.
 */

export type Report = (kind: string, error: unknown) => void;

/** Thrown by the replaced process.exit to stop the code that called it, as the real one never returns. */
export class ExitRequest extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
    this.name = 'ExitRequest';
  }
}

type Listener = (...args: unknown[]) => void;
const guarded = new WeakSet<Listener>();

export function captureUncaught(report: Report): void {
  process.setUncaughtExceptionCaptureCallback((e) => {
    if (!(e instanceof ExitRequest)) report('Uncaught exception', e);
  });
  const own: Listener = (reason) => {
    if (!(reason instanceof ExitRequest)) report('Unhandled promise rejection', reason);
  };
  guarded.add(own);
  process.on('unhandledRejection', own);
  const guard = (listener: Listener) => {
    if (guarded.has(listener) || !process.listeners('unhandledRejection').includes(listener)) return;
    const safe: Listener = (reason, promise) => {
      try {
        listener.call(process, reason, promise);
      } catch (e) {
        if (e !== reason && !(e instanceof ExitRequest)) report('Error in an unhandledRejection listener', e);
      }
    };
    guarded.add(safe);
    // Same position in the listener list is not needed: every listener runs for every rejection.
    process.removeListener('unhandledRejection', listener);
    process.on('unhandledRejection', safe);
  };
  for (const l of process.listeners('unhandledRejection') as Listener[]) guard(l);
  process.on('newListener', (event: string | symbol, listener: Listener) => {
    if (event === 'unhandledRejection' && !guarded.has(listener)) queueMicrotask(() => guard(listener));
  });
}

/**
 * Replaces process.exit: `exit(code)` starts the kernel's orderly shutdown with that exit code (the code of
 * process.exit(), else process.exitCode, else 0), then throws ExitRequest so the caller does not go on.
 * Returns the original process.exit, for the shutdown's last step.
 */
export function routeProcessExit(exit: (code: number) => void): (code: number) => never {
  const original: (code: number) => never = process.exit.bind(process);
  process.exit = (code?: number | string | null) => {
    const n = Number(code ?? process.exitCode ?? 0);
    const status = Number.isInteger(n) ? n : 1;
    exit(status);
    throw new ExitRequest(status);
  };
  return original;
}
