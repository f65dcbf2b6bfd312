/**
 * Which cells still have asynchronous work outstanding when they finish: timers, immediates, file-system
 * requests, sockets, DNS lookups, child processes, workers, compression streams — async resources created while
 * the cell's context was current and not yet destroyed.
 *
 * Only resource types that stand for a callback still to come are counted (see CALLBACK_TYPES). Left out on
 * purpose: promises (a promise is the continuation of some other resource, and V8 reports its destruction at
 * garbage collection only), tick objects (they run before the cell's reply goes out), signal handles (`vm`'s
 * breakOnSigint re-installs the kernel's own SIGINT listener at the end of every cell, inside its context) and
 * crypto jobs (a synchronous `crypto.randomBytes` leaves one that is destroyed only by the garbage collector).
 * Resources are held weakly so tracking never keeps one alive; one that was collected cannot call back any more.
 */
import { createHook } from 'async_hooks';

const CALLBACK_TYPES =
  /^(Timeout|Immediate|FSREQCALLBACK|FSREQPROMISE|FILEHANDLECLOSEREQ|FSEVENTWRAP|STATWATCHER|TCPWRAP|TCPCONNECTWRAP|TCPSERVERWRAP|PIPEWRAP|PIPECONNECTWRAP|PIPESERVERWRAP|UDPWRAP|UDPSENDWRAP|TTYWRAP|WRITEWRAP|SHUTDOWNWRAP|TLSWRAP|HTTPCLIENTREQUEST|HTTPINCOMINGMESSAGE|GETADDRINFOREQWRAP|GETNAMEINFOREQWRAP|QUERY\w*WRAP|PROCESSWRAP|WORKER|MESSAGEPORT|ZLIB)$/;

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
        if (!CALLBACK_TYPES.test(type)) return;
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
      if (!r || r._destroyed === true || closedZlib(r)) this.live.delete(id);
      else n++;
    }
    return n;
  }

  /** Forget an owner's resources (it will never be asked about again). */
  forget(owner: K): void {
    for (const [id, e] of this.live) if (e.owner === owner) this.live.delete(id);
  }
}

/**
 * A zlib handle whose stream has closed. `zlib.gunzipSync` and its kin create a ZLIB handle, close it before they
 * return, and Node reports its destruction only at garbage collection; the stream that owns it (reached through
 * Node's `owner_symbol`) has `_handle === null` once closed, so no callback can come from it any more.
 */
function closedZlib(resource: object): boolean {
  const owner = Object.getOwnPropertySymbols(resource).find((s) => s.description === 'owner_symbol');
  if (owner === undefined) return false;
  const stream = (resource as Record<symbol, unknown>)[owner] as { _handle?: unknown } | undefined;
  return stream !== undefined && stream !== null && stream._handle === null;
}
