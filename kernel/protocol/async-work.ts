/**
 * Which cells still have asynchronous work outstanding when they finish: timers, immediates, I/O requests,
 * sockets — every async resource created while the cell's context was current, not yet destroyed.
 *
 * Promises are left out: a promise is only a continuation of some other resource (or already settled), and
 * V8 reports promise destruction at garbage collection only. Tick objects are left out too: they always run
 * before the cell's reply goes out. So are signal handles: `vm`'s breakOnSigint re-installs the kernel's own
 * SIGINT listener at the end of every cell, inside the cell's context. Resources are held weakly so tracking never keeps one alive; one that was
 * collected cannot call back any more.
 */
import { createHook } from 'async_hooks';

const IGNORED = new Set(['PROMISE', 'TickObject', 'SIGNALWRAP']);

interface Entry<K> {
  owner: K;
  resource: WeakRef<object>;
}

export class AsyncWork<K extends object> {
  private readonly live = new Map<number, Entry<K>>();

  /** `ownerNow` tells which owner (cell) the code creating a resource belongs to, if any. */
  constructor(ownerNow: () => K | undefined) {
    createHook({
      init: (asyncId, type, _trigger, resource) => {
        if (IGNORED.has(type)) return;
        const owner = ownerNow();
        if (owner) this.live.set(asyncId, { owner, resource: new WeakRef(resource) });
      },
      destroy: (asyncId) => {
        this.live.delete(asyncId);
      },
    }).enable();
  }

  /**
   * Number of `owner`'s resources still pending. Waits one turn of the event loop first: Node delivers destroy
   * hooks of finished native requests in a batch at the next check phase.
   */
  async pending(owner: K): Promise<number> {
    await new Promise((r) => setImmediate(r));
    let n = 0;
    for (const [id, e] of this.live) {
      if (e.owner !== owner) continue;
      const r = e.resource.deref() as { _destroyed?: boolean } | undefined;
      // Timers and immediates flag themselves `_destroyed` when they ran or were cleared.
      if (!r || r._destroyed === true) this.live.delete(id);
      else n++;
    }
    return n;
  }

  /** Forget an owner's resources (it will never be asked about again). */
  forget(owner: K): void {
    for (const [id, e] of this.live) if (e.owner === owner) this.live.delete(id);
  }
}
