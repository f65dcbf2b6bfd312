/**
 * Routing of everything a cell outputs to the right cell.
 *
 * Each execute_request runs inside an AsyncLocalStorage context holding its request header. Node propagates
 * that context into every callback and promise continuation the cell creates, so `console.log` inside a
 * `setTimeout` from cell 3 is published with cell 3's header as parent even when cell 5 is running — clients
 * that still track cell 3 (nbclient, the kdlab runner, JupyterLab's output area while it is displayed) put it
 * there. Output from code outside any cell (kernel start-up) goes to the most recent request.
 *
 * process.stdout/stderr.write are replaced by iopub `stream` publishers; the kernel's own diagnostics go to the
 * original stderr through `log`.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { TextDecoder } from 'util';
import type { Header } from './wire';
import type { DisplaySink, MimeBundle } from '../display';

export interface CellContext {
  parent: Header;
  /** Set when the cell was interrupted: further display calls from it throw, stopping background loops. */
  interrupted: boolean;
  /** Routing ids of the shell request, to address an input_request on the stdin channel. */
  ids: Buffer[];
  /** The request's allow_stdin: whether the client will answer input_request. */
  allowStdin: boolean;
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
  private readonly decoder = new TextDecoder();

  constructor(private readonly publish: Publish) {}

  /** Runs `fn` (a cell) with `ctx` as the owner of all output it produces, now or later. */
  run<T>(ctx: CellContext, fn: () => T): T {
    this.latest = ctx;
    return this.als.run(ctx, fn);
  }

  /** The cell owning the code running right now. */
  current(): CellContext | null {
    return this.als.getStore() ?? this.latest;
  }

  /** Replaces process.stdout/stderr writes with iopub `stream` messages (idempotent per process). */
  captureStdio(): void {
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      stream.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
        const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk);
        this.stream(name, text);
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') process.nextTick(done as () => void);
        return true;
      }) as typeof stream.write;
    }
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    if (text.length === 0) return;
    this.publish('stream', { name, text }, this.current()?.parent ?? null);
  }

  /** The DisplaySink handed to kernel/display: display_data / update_display_data / clear_output. */
  sink(): DisplaySink {
    const target = (): Header | null => {
      const ctx = this.current();
      if (ctx?.interrupted) throw new InterruptedError();
      return ctx?.parent ?? null;
    };
    return {
      display: (b: MimeBundle, opts?: { id?: string }) =>
        this.publish('display_data', { data: b.data, metadata: b.metadata ?? {}, transient: opts?.id ? { display_id: opts.id } : {} }, target()),
      update: (b: MimeBundle, id: string) =>
        this.publish('update_display_data', { data: b.data, metadata: b.metadata ?? {}, transient: { display_id: id } }, target()),
      clear: (wait?: boolean) => this.publish('clear_output', { wait: wait === true }, target()),
    };
  }
}
