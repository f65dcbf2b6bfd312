/**
 * Routing of everything a cell outputs to the right cell.
 *
 * Each execute_request runs inside an AsyncLocalStorage context holding its request header. Node propagates
 * that context into every callback and promise continuation the cell creates, so output from a `setTimeout`
 * started by cell 3 is known to be cell 3's even when cell 5 is running.
 *
 * While a cell runs, its output goes out with its own header as parent. Once it has finished, clients no longer
 * listen for that parent, so (late-output.ts): a cell that finishes with async work pending gets an empty
 * display with its own display id, and its later output updates that display. An update_display_data from a
 * finished cell carries the RUNNING cell's header as parent (nbclient only reads messages of the cell it runs;
 * the display id says where the update goes); sent while no cell runs, it carries the cell's own header and is
 * sent again when the next cell starts, for clients that were not listening in between. Output from a finished
 * cell that had nothing pending when it ended keeps its own header (JupyterLab still shows it there).
 * Output from code outside any cell (kernel start-up) goes to the most recent request.
 *
 * process.stdout/stderr.write are replaced by iopub `stream` publishers; the kernel's own diagnostics go to the
 * original stderr through `log`.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { TextDecoder } from 'util';
import type { Header } from '../wire/codec';
import type { DisplaySink, MimeBundle } from '../display';
import { AsyncWork } from './async-work';
import { LateOutput, LatePiece } from './late-output';

export interface CellContext {
  parent: Header;
  /** Set when the cell was interrupted: further display calls from it throw, stopping background loops. */
  interrupted: boolean;
  /** Routing ids of the shell request, to address an input_request on the stdin channel. */
  ids: Buffer[];
  /** The request's allow_stdin: whether the client will answer input_request. */
  allowStdin: boolean;
  /** Set once the execute_reply is about to go out. */
  finished?: boolean;
  /** Where output produced after `finished` goes, if the cell ended with async work pending. */
  late?: LateOutput;
}

export type Publish = (msgType: string, content: Record<string, unknown>, parent: Header | null) => void;

export class InterruptedError extends Error {
  constructor() {
    super('the cell was interrupted');
    this.name = 'InterruptedError';
  }
}

const originalStderrWrite = process.stderr.write.bind(process.stderr);

/** Writes a kernel diagnostic to the kernel process's real stderr (the Jupyter server log). */
export function log(message: string): void {
  originalStderrWrite(`[kdlab kernel] ${message}\n`);
}

export class OutputRouter {
  private readonly als = new AsyncLocalStorage<CellContext>();
  private latest: CellContext | null = null;
  /** The cell executing now (between run and finish), if any. */
  private active: CellContext | null = null;
  /** update_display_data contents sent while no cell ran, by display id: sent again when the next cell starts. */
  private readonly idleUpdates = new Map<string, Record<string, unknown>>();
  private readonly work = new AsyncWork<CellContext>(() => {
    const ctx = this.als.getStore();
    return ctx && !ctx.finished ? ctx : undefined;
  });
  private readonly decoder = new TextDecoder();

  constructor(private readonly publish: Publish) {}

  /** Runs `fn` (a cell) with `ctx` as the owner of all output it produces, now or later. */
  run<T>(ctx: CellContext, fn: () => T): T {
    this.latest = ctx;
    this.active = ctx;
    for (const content of this.idleUpdates.values()) this.publish('update_display_data', content, ctx.parent);
    this.idleUpdates.clear();
    return this.als.run(ctx, fn);
  }

  /**
   * The cell's code is done and its reply is next. With `announce` (a notebook client, not a silent request), a
   * cell that left async work pending gets its late-output display now, as its last output.
   */
  async finish(ctx: CellContext, announce: boolean): Promise<void> {
    const pending = await this.work.pending(ctx);
    ctx.finished = true;
    this.work.forget(ctx);
    if (this.active === ctx) this.active = null;
    if (pending > 0 && announce) {
      ctx.late = new LateOutput(`kdlab-late-${ctx.parent.msg_id}`);
      this.publish('display_data', lateContent(ctx.late), ctx.parent);
    }
  }

  /** The cell owning the code running right now. */
  current(): CellContext | null {
    return this.als.getStore() ?? this.latest;
  }

  /** Throws InterruptedError when the code running now belongs to a cell that was interrupted. */
  throwIfInterrupted(): void {
    if (this.current()?.interrupted) throw new InterruptedError();
  }

  /** Replaces process.stdout/stderr writes with iopub `stream` messages (idempotent per process). */
  captureStdio(): void {
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      stream.write = (chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
        const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk);
        this.stream(name, text);
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') process.nextTick(done);
        return true;
      };
    }
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    if (text.length === 0) return;
    const ctx = this.current();
    if (ctx?.late) return this.addLate(ctx, ctx.late, { kind: 'stream', name, text });
    this.publish('stream', { name, text }, ctx?.parent ?? null);
  }

  /** The DisplaySink handed to kernel/display: display_data / update_display_data / clear_output. */
  sink(): DisplaySink {
    const owner = (): CellContext | null => {
      this.throwIfInterrupted();
      return this.current();
    };
    const content = (b: MimeBundle, id?: string) => ({
      data: b.data,
      metadata: b.metadata ?? {},
      transient: id ? { display_id: id } : {},
    });
    return {
      display: (b: MimeBundle, opts?: { id?: string }) => {
        const ctx = owner();
        if (ctx?.late) return this.addLate(ctx, ctx.late, { kind: 'display', bundle: b, id: opts?.id });
        this.publish('display_data', content(b, opts?.id), ctx?.parent ?? null);
      },
      update: (b: MimeBundle, id: string) => {
        const ctx = owner();
        if (ctx?.late?.update(id, b)) return this.sendUpdate(ctx, lateContent(ctx.late));
        this.sendUpdate(ctx, content(b, id));
      },
      clear: (wait?: boolean) => {
        const ctx = owner();
        if (!ctx?.late) return this.publish('clear_output', { wait: wait === true }, ctx?.parent ?? null);
        ctx.late.clear(wait === true);
        if (!wait) this.sendUpdate(ctx, lateContent(ctx.late));
      },
    };
  }

  private addLate(ctx: CellContext, late: LateOutput, piece: LatePiece): void {
    late.add(piece);
    this.sendUpdate(ctx, lateContent(late));
  }

  /** An update_display_data from `ctx`, with the parent rules of the file comment. */
  private sendUpdate(ctx: CellContext | null, content: Record<string, unknown>): void {
    if (!ctx?.finished) return this.publish('update_display_data', content, ctx?.parent ?? null);
    if (this.active) return this.publish('update_display_data', content, this.active.parent);
    this.idleUpdates.set(String((content.transient as { display_id: string }).display_id), content);
    this.publish('update_display_data', content, ctx.parent);
  }
}

/** display_data / update_display_data content showing a cell's late output. */
function lateContent(late: LateOutput): Record<string, unknown> {
  const b = late.bundle();
  return { data: b.data, metadata: b.metadata, transient: { display_id: late.displayId } };
}
