/**
 * The kdlab kernel: Jupyter messaging protocol 5.3 over zeromq.
 *
 *   shell   ROUTER  (main thread)   requests, handled strictly in arrival order (one queue)
 *   iopub   PUB     (worker)        status busy/idle around every request, execute_input, stream, display, errors;
 *                                   stream writes coalesced, nothing dropped (iopub.ts)
 *   stdin   ROUTER  (main thread)   input_request / input_reply for `input()`
 *   control ROUTER  (worker)        interrupt_request answered in the worker (raises SIGINT); the rest forwarded here
 *   hb      REP     (worker)        echo, alive even while a cell blocks the main thread
 * All sockets bind to the connection file's ip only. Every incoming message's HMAC is verified before it is
 * parsed further; a bad one, a replay or a malformed message is logged to stderr and dropped, and the channel
 * keeps serving (kernel/wire/codec.ts). Requests go to their handler through one table (`handlers`); the
 * content of each request and reply is typed in messages.ts.
 *
 * stop_on_error (default true): when a cell fails, the execute_requests received before its error reply went out
 * are answered with status 'aborted' without running; with stop_on_error false they run. Only execute_requests
 * are aborted; requests sent after the client got the error reply run normally.
 *
 * interrupt_request (as ipykernel's SIGINT): it stops the execution in progress when it arrives, counted from the
 * moment the execute_request is taken up (waiting for the library, compiling: its code never runs) to the end of
 * its code; the requests queued behind it are not interrupted (they run, or are aborted by stop_on_error like
 * after any error). With no execution in progress it applies to the next execute_request only if that one had
 * already reached the kernel (queued, or still unread on the shell socket because the main thread was blocked);
 * otherwise it is dropped, and the next cell runs normally. See interrupt-state.ts.
 */
import { randomUUID } from 'crypto';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as zmq from 'zeromq';
import { ConnectionInfo, endpoint } from '../wire/connection';
import type { ControlWorkerData, FromWorker, ToWorker } from './control-worker';
import { Engine } from '../engine/engine';
import { ts } from '../engine/typescript';
import { compileError, ErrorContent, exceptionError, isInterrupt } from './errors';
import { History, HistoryRequest } from './history';
import type {
  CompleteReply,
  CompleteRequest,
  ExecuteReply,
  ExecuteRequest,
  Handled,
  HandledType,
  InputReply,
  InputRequest,
  InspectReply,
  InspectRequest,
  KernelInfoReply,
  MimeContent,
  Received,
  ReplyContent,
  UserExpressionResult,
} from './messages';
import { InterruptState, Phase } from './interrupt-state';
import { CellContext, InterruptedError, log, OutputRouter } from '../engine/io';
import { isComplete } from './is-complete';
import { setInterruptCheck } from '../../lib/common/interrupt';
import { plainText } from '../engine/plain-text';
import { preload, Preloaded } from '../engine/preload';
import { captureUncaught, ExitRequest, routeProcessExit } from '../engine/uncaught';
import {
  decode,
  encode,
  Header,
  Incoming,
  makeMessage,
  Message,
  ReplayGuard,
  replyType,
  SignatureError,
  Signer,
} from '../wire/codec';
import { fromCodePoints, toCodePoints } from './unicode';

/** How a message type is handled: from the request's content (as received) to the reply's, or null for none. */
type Handler<T extends HandledType> = (
  request: Received<Handled[T][0]>,
  ids: Buffer[],
  msg: Message,
) => Handled[T][1] | Promise<Handled[T][1]>;
type AnyHandler = (
  request: Record<string, unknown>,
  ids: Buffer[],
  msg: Message,
) => ReplyContent | null | Promise<ReplyContent | null>;

const VERSION = (require(path.join(__dirname, '..', '..', '..', 'package.json')) as { version: string }).version;

/** A text field of a received message: strings as sent, other primitives as text, anything else (malformed) empty. */
function textField(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** The longest a reply waits for the iopub messages before it (see handle). */
const DRAIN_WAIT_MS = 2000;

export class Kernel {
  readonly session = randomUUID();
  private readonly signer: Signer;
  /** Signatures accepted on shell and stdin, and of the control messages the control thread hands over. */
  private readonly replays = new ReplayGuard();
  private readonly shell: zmq.Router;
  private readonly stdin: zmq.Router;
  private worker!: Worker;
  private drainSeq = 0;
  private readonly drains = new Map<number, () => void>();
  private onWorkerClosed: () => void = () => undefined;
  /** Shared with the control thread: which execution an interrupt_request is for, and whether it was applied. */
  private readonly interrupts = new InterruptState();
  private readonly router: OutputRouter;
  private readonly engine: Engine;
  private readonly history = new History(process.env.KDLAB_HISTORY_FILE || null);
  private preloaded!: Preloaded;
  private executionCount = 0;
  private bannerShown = false;
  private running: CellContext | null = null;
  private readonly queue: Incoming[] = [];
  private pumping = false;
  private abortQueued = false;
  private pendingInput: { resolve(v: string): void; reject(e: Error): void } | null = null;
  private exit: (code: number) => never = process.exit.bind(process);
  private shuttingDown = false;
  /** Number of incoming messages dropped for a bad signature (exposed for diagnostics). */
  rejected = 0;

  constructor(
    private readonly conn: ConnectionInfo,
    notebookDir: string,
  ) {
    this.signer = new Signer(conn.key, conn.signature_scheme);
    const options = { sendTimeout: 0, linger: 1000, ipv6: conn.ip.includes(':') };
    this.shell = new zmq.Router(options);
    this.stdin = new zmq.Router(options);
    this.router = new OutputRouter((type, content, parent) => this.publish(type, content, parent));
    this.engine = new Engine(notebookDir);
  }

  async start(): Promise<void> {
    // For the sealed test cells only: neither the control thread nor any cell is to see it.
    const heldOut = this.conn.kdlab_held_out;
    delete this.conn.kdlab_held_out;
    await this.shell.bind(endpoint(this.conn, this.conn.shell_port));
    await this.stdin.bind(endpoint(this.conn, this.conn.stdin_port));
    await this.startWorker();
    this.router.captureStdio();
    // Before preload loads the backend, whose glue may install process-wide handlers (see engine/uncaught.ts).
    captureUncaught((kind, e) => this.background(kind, e));
    this.exit = routeProcessExit((code) => void this.shutdown(code));
    this.preloaded = preload(
      this.engine,
      this.router,
      (prompt, opts) => this.input(prompt, opts),
      this.conn.kdlab_grading_key,
      heldOut,
    );
    // Nothing that runs later needs the key; a cell must not find it.
    delete this.conn.kdlab_grading_key;
    process.on('SIGINT', () =>
      this.interrupts.fromControlThread() ? this.applyInterruptRequest(false) : this.interrupt(),
    );
    // Training loops pause between batches (lib/common/interrupt): an interrupted cell's training stops there.
    setInterruptCheck(() => this.router.throwIfInterrupted());
    this.publish('status', { execution_state: 'starting' }, null);
    void this.readShell();
    void this.readStdin();
  }

  /** Settles once the library and its backend have loaded (or failed to, which the banner then says). */
  get ready(): Promise<unknown> {
    return this.preloaded.ready;
  }

  private startWorker(): Promise<void> {
    return new Promise((resolve, reject) => {
      const workerData: ControlWorkerData = {
        connection: this.conn,
        session: this.session,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (the rule misreads the narrowing here)
        interrupts: this.interrupts.shared.buffer as SharedArrayBuffer,
      };
      this.worker = new Worker(path.join(__dirname, 'control-worker.js'), { workerData });
      this.worker.on('message', (m: FromWorker) => {
        switch (m.kind) {
          case 'ready':
            return resolve();
          case 'bind-error':
            return reject(new Error(`control/heartbeat/iopub bind failed: ${m.message}`));
          case 'closed':
            return this.onWorkerClosed();
          case 'drained':
            return this.drains.get(m.seq)?.();
          case 'rejected':
            this.rejected++;
            return log(`rejected a message on ${m.reason}`);
          case 'interrupt':
            // Reached only when this thread is responsive; a blocked thread gets SIGINT instead (control-worker.ts).
            this.publish('status', { execution_state: 'busy' }, m.msg.header);
            this.interrupts.acknowledge(m.seq);
            this.applyInterruptRequest(false);
            this.publish('status', { execution_state: 'idle' }, m.msg.header);
            return;
          case 'control':
            // The control thread refuses replays on control; this catches a shell message replayed there.
            if (!this.replays.accept(m.signature)) {
              this.rejected++;
              return log('rejected a message on control: replayed message (seen on another channel)');
            }
            return void this.handleControl(
              m.ids.map((b) => Buffer.from(b)),
              m.msg,
            ).catch((e) => log(`error handling a control message: ${(e as Error).stack}`));
        }
      });
      this.worker.on('error', (e) => log(`control thread error: ${e.stack}`));
    });
  }

  // ---- sending -------------------------------------------------------------------------------------------

  /**
   * Resolves once the control thread has handed every iopub message published so far to its socket (or after
   * DRAIN_WAIT_MS, so that a reply is never held back for long by a slow subscriber).
   */
  private iopubDrained(): Promise<void> {
    const seq = ++this.drainSeq;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drains.delete(seq);
        resolve();
      };
      const timer = setTimeout(done, DRAIN_WAIT_MS);
      this.drains.set(seq, done);
      this.worker.postMessage({ kind: 'drain', seq } satisfies ToWorker);
    });
  }

  /** Hands an iopub message to the control thread, which sends it (stream text is coalesced there). */
  private publish(msgType: string, content: Record<string, unknown>, parent: Header | null): void {
    if (msgType === 'stream') {
      const { name, text } = content as { name: 'stdout' | 'stderr'; text: string };
      this.worker.postMessage({ kind: 'stream', name, text, parent } satisfies ToWorker);
      return;
    }
    const frames = encode(this.signer, [], makeMessage(msgType, content, parent, this.session));
    this.worker.postMessage({ kind: 'publish', frames } satisfies ToWorker);
  }

  private reply(ids: Buffer[], request: Message, content: ReplyContent, channel: 'shell' | 'control'): void {
    const msg = makeMessage(replyType(request.header.msg_type), content, request.header, this.session);
    const frames = encode(this.signer, ids, msg);
    if (channel === 'shell') this.shell.send(frames).catch((e) => log(`shell send failed: ${e}`));
    else this.worker.postMessage({ kind: 'send', frames } satisfies ToWorker);
  }

  // ---- receiving -----------------------------------------------------------------------------------------

  private async readShell(): Promise<void> {
    for await (const frames of this.shell) {
      const incoming = this.verify(frames, 'shell');
      if (!incoming) continue;
      this.queue.push(incoming);
      if (!this.pumping) void this.pump();
    }
  }

  private async readStdin(): Promise<void> {
    for await (const frames of this.stdin) {
      const incoming = this.verify(frames, 'stdin');
      if (!incoming || incoming.msg.header.msg_type !== 'input_reply' || !this.pendingInput) continue;
      const pending = this.pendingInput;
      this.pendingInput = null;
      const { value } = incoming.msg.content as Received<InputReply>;
      pending.resolve(textField(value));
    }
  }

  /** The decoded message, or null (logged) when it must be dropped: bad signature, replay, malformed. */
  private verify(frames: Buffer[], channel: string): Incoming | null {
    try {
      return decode(this.signer, frames, this.replays);
    } catch (e) {
      this.rejected++;
      log(
        `rejected a message on ${channel}: ${e instanceof SignatureError ? 'bad HMAC signature' : (e as Error).message}`,
      );
      return null;
    }
  }

  /** Handles shell requests one at a time, in order; aborts queued executes after a stop_on_error failure. */
  private async pump(): Promise<void> {
    this.pumping = true;
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      try {
        await this.handle(next.ids, next.msg, 'shell');
      } catch (e) {
        // handle() answers its own errors; this is the last line that keeps the shell queue moving.
        log(`error handling a shell message: ${(e as Error).stack}`);
      }
      if (this.abortQueued) {
        this.abortQueued = false;
        for (const q of this.queue.splice(0).reverse()) {
          if (q.msg.header.msg_type === 'execute_request') {
            this.publish('status', { execution_state: 'busy' }, q.msg.header);
            this.publish('status', { execution_state: 'idle' }, q.msg.header);
            this.reply(q.ids, q.msg, { status: 'aborted', execution_count: this.executionCount }, 'shell');
          } else {
            this.queue.unshift(q);
          }
        }
      }
    }
    this.pumping = false;
    // An interrupt kept for a queued cell that was aborted instead must not reach a later one.
    this.applyInterruptRequest(true);
  }

  private async handleControl(ids: Buffer[], msg: Message): Promise<void> {
    await this.handle(ids, msg, 'control');
  }

  /**
   * busy, the handler, idle, then the reply — sent once the control thread has put everything up to idle on the
   * iopub socket, so a client that reads the reply first finds all of the request's iopub traffic already
   * delivered, however long a big output (a Plotly figure is megabytes) took to sign and send. The two channels
   * are independent, so clients must not rely on either order, but jupyter_kernel_test does: it reads iopub with a
   * 0.1 s timeout per message after the reply.
   */
  private async handle(ids: Buffer[], msg: Message, channel: 'shell' | 'control'): Promise<void> {
    const type = msg.header.msg_type;
    this.publish('status', { execution_state: 'busy' }, msg.header);
    let content: ReplyContent | null = null;
    try {
      // Own properties only: a message type such as 'constructor' must not reach Object.prototype.
      if (Object.prototype.hasOwnProperty.call(this.handlers, type)) {
        const handler = this.handlers[type as HandledType] as AnyHandler;
        content = await handler(msg.content, ids, msg);
      } else {
        log(`unsupported message type '${type}' on ${channel}`);
      }
    } catch (e) {
      log(`error handling ${type}: ${(e as Error).stack}`);
      if (type.endsWith('_request')) content = { status: 'error', ...exceptionError(e) };
    }
    this.publish('status', { execution_state: 'idle' }, msg.header);
    if (content) {
      await this.iopubDrained();
      this.reply(ids, msg, content, channel);
    }
    if (type === 'shutdown_request' && content?.status === 'ok') await this.shutdown();
  }

  /** The handler of each message type answered on shell and control: the reply's content, or null for none. */
  private readonly handlers: { [T in HandledType]: Handler<T> } = {
    execute_request: (request, ids, msg) => this.execute(request, ids, msg),
    kernel_info_request: () => this.kernelInfo(),
    is_complete_request: (request) => isComplete(textField(request.code)),
    complete_request: (request) => this.complete(request),
    inspect_request: (request) => this.inspect(request),
    history_request: (request) => ({ status: 'ok', history: this.history.query(request as HistoryRequest) }),
    comm_info_request: () => ({ status: 'ok', comms: {} }),
    comm_open: (request, _ids, msg) => {
      // No comm targets are registered: close the comm so the front end does not wait on it.
      this.publish('comm_close', { comm_id: request.comm_id, data: {} }, msg.header);
      return null;
    },
    comm_msg: () => null,
    comm_close: () => null,
    // The reply goes out first (handle()), then the kernel shuts down.
    shutdown_request: (request) => ({ status: 'ok', restart: request.restart === true }),
  };

  // ---- requests -------------------------------------------------------------------------------------------

  private async kernelInfo(): Promise<KernelInfoReply> {
    const banner = this.preloaded ? await Promise.race([this.preloaded.ready, Promise.resolve('')]) : '';
    return {
      status: 'ok',
      protocol_version: '5.3',
      implementation: 'kdlab',
      implementation_version: VERSION,
      language_info: {
        name: 'typescript',
        version: ts.version,
        mimetype: 'text/typescript',
        file_extension: '.ts',
        pygments_lexer: 'typescript',
        // `mode` is what JupyterLab looks up; `name` + `typescript` is what CodeMirror 5 (classic notebook) uses.
        codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
      },
      banner: `kdlab ${VERSION} — TypeScript ${ts.version} (tslab engine) on Node ${process.version}${banner ? `\n${banner}` : ''}`,
      help_links: [],
      debugger: false,
    };
  }

  /** A test cell `kdlab assign grade` sends to a grading kernel runs sealed (kernel/assign/seal.ts). */
  private sealFor(msg: Message): ((output: string, isAsync: boolean) => string) | undefined {
    const grading = this.preloaded.grading;
    const label = msg.metadata?.kdlab_sealed;
    if (!grading || typeof label !== 'string') return undefined;
    return (output, isAsync) => grading.seal(output, isAsync, label);
  }

  private async execute(c: Received<ExecuteRequest>, ids: Buffer[], msg: Message): Promise<ExecuteReply> {
    const code = textField(c.code);
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    // Lets RichDisplay tell whether a later clearOutput() removes the output that carried plotly.js.
    this.preloaded.rich.executionStarted();
    if (!silent) this.publish('execute_input', { code, execution_count: count }, msg.header);
    if (storeHistory) this.history.add(count, code);

    const ctx: CellContext = { parent: msg.header, interrupted: false, ids, allowStdin: c.allow_stdin === true };
    // From here an interrupt applies to this cell, also while it waits for the library and compiles.
    this.interrupts.start();
    this.running = ctx;
    this.applyInterruptRequest(false);
    // Late output gets a display of its own only for clients that run notebook cells: front ends that send a
    // cell id (JupyterLab, Notebook 7), and batch runners, which never allow stdin (nbclient, kdlab run). A
    // console has no cells and prints late streams of its own session at its prompt.
    const announceLate = !silent && (typeof msg.metadata?.cellId === 'string' || c.allow_stdin === false);
    const banner = await this.preloaded.ready;
    if (!this.bannerShown && !silent) {
      this.bannerShown = true;
      this.publish('stream', { name: 'stdout', text: banner + '\n' }, msg.header);
    }
    let error: ErrorContent | null = null;
    this.engine.beforeRun = () => {
      // Phase first, then the check: a request the check misses sees "running" and gets a SIGINT.
      this.interrupts.setPhase(Phase.running);
      this.applyInterruptRequest(false);
      return !ctx.interrupted;
    };
    try {
      const result = ctx.interrupted
        ? ({ kind: 'exception', error: new InterruptedError() } as const)
        : await this.router.run(ctx, () => this.engine.run(code, this.sealFor(msg)));
      // process.exit() in the cell: the kernel is shutting down; no reply, as if the process had ended here.
      if (result.kind === 'exception' && result.error instanceof ExitRequest) await new Promise(() => undefined);
      if (result.kind === 'compile-error') error = compileError(result.diagnostics);
      else if (result.kind === 'exception') {
        if (isInterrupt(result.error)) ctx.interrupted = true;
        if (result.error instanceof Error && /^Script execution (was )?interrupted/.test(result.error.message))
          this.interrupts.signalConsumed();
        error = exceptionError(result.error);
      } else if (result.hasValue && !silent) {
        const data = this.bundle(result.value);
        this.publish('execute_result', { execution_count: count, ...data }, msg.header);
        if (storeHistory) this.history.setOutput(count, String(data.data['text/plain']));
      }
    } finally {
      this.engine.beforeRun = null;
      this.preloaded.grading?.disarm();
      this.running = null;
      this.interrupts.setPhase(Phase.idle);
      // A request for this cell that its end overtook (e.g. the SIGINT stopped it first) is settled now.
      this.applyInterruptRequest(false);
      if (storeHistory) this.history.persist(count);
    }
    if (error) {
      const stop = c.stop_on_error !== false;
      if (stop) {
        // Before answering, let the socket reader take in the requests the client sent before it could see the
        // error (they wait in zeromq while a cell blocks the thread): exactly those get aborted. Requests sent
        // after the client received this reply are not aborted.
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
      }
      this.publish('error', { ...error }, msg.header);
      await this.router.finish(ctx, announceLate);
      if (stop) this.abortQueued = true;
      return { status: 'error', execution_count: count, ...error };
    }
    const userExpressions = await this.userExpressions(ctx, c.user_expressions);
    await this.router.finish(ctx, announceLate);
    return { status: 'ok', execution_count: count, payload: [], user_expressions: userExpressions };
  }

  /**
   * The request's user_expressions, evaluated after a successful cell (as IPython does): name -> the value's
   * MIME bundle with status 'ok', or status 'error' with ename/evalue/traceback. They produce no execute_result
   * and take no execution count; what they print goes to the cell.
   */
  private async userExpressions(ctx: CellContext, requested: unknown): Promise<Record<string, UserExpressionResult>> {
    const out: Record<string, UserExpressionResult> = {};
    if (!requested || typeof requested !== 'object') return out;
    for (const [name, expr] of Object.entries(requested as Record<string, unknown>)) {
      if (typeof expr !== 'string') {
        out[name] = {
          status: 'error',
          ename: 'TypeError',
          evalue: `user expression '${name}' must be a string, got ${typeof expr}`,
          traceback: [],
        };
        continue;
      }
      const r = await this.router.run(ctx, () => this.engine.run(`(${expr}\n)`));
      if (r.kind === 'compile-error') out[name] = { status: 'error', ...compileError(r.diagnostics) };
      else if (r.kind === 'exception') out[name] = { status: 'error', ...exceptionError(r.error) };
      else out[name] = { status: 'ok', ...this.bundle(r.hasValue ? r.value : undefined) };
    }
    return out;
  }

  /** text/plain always; the rich bundle from kernel/display's RichDisplay when it knows the value. */
  private bundle(value: unknown): MimeContent {
    let rich = null;
    try {
      rich = this.preloaded.rich.toBundle(value);
    } catch (e) {
      log(`RichDisplay.toBundle failed: ${(e as Error).stack}`);
    }
    const data = { ...(rich?.data ?? {}) };
    if (data['text/plain'] === undefined) data['text/plain'] = plainText(value);
    return { data, metadata: rich?.metadata ?? {} };
  }

  private complete(c: Received<CompleteRequest>): CompleteReply {
    const code = textField(c.code);
    const pos = typeof c.cursor_pos === 'number' ? c.cursor_pos : toCodePoints(code, code.length);
    const offset = fromCodePoints(code, pos);
    const r = this.engine.complete(code, offset);
    return {
      status: 'ok',
      matches: r.matches,
      cursor_start: toCodePoints(code, r.start),
      cursor_end: toCodePoints(code, r.end),
      metadata: {},
    };
  }

  private inspect(c: Received<InspectRequest>): InspectReply {
    const code = textField(c.code);
    const pos = typeof c.cursor_pos === 'number' ? c.cursor_pos : toCodePoints(code, code.length);
    let offset = fromCodePoints(code, pos);
    // A cursor just past an identifier (the usual Shift-Tab position) inspects that identifier.
    if (offset > 0 && !/[\w$]/.test(code[offset] ?? '') && /[\w$]/.test(code[offset - 1])) offset--;
    const text = this.engine.inspect(code, offset);
    return text
      ? { status: 'ok', found: true, data: { 'text/plain': text }, metadata: {} }
      : { status: 'ok', found: false, data: {}, metadata: {} };
  }

  private input(prompt = '', opts: { password?: boolean } = {}): Promise<string> {
    const ctx = this.router.current();
    if (!ctx || !ctx.allowStdin) {
      return Promise.reject(new Error('input: this front end does not accept input requests (allow_stdin is false)'));
    }
    if (this.pendingInput)
      return Promise.reject(new Error('input: another input request is still waiting for its reply'));
    return new Promise((resolve, reject) => {
      this.pendingInput = { resolve, reject };
      const msg = makeMessage(
        'input_request',
        { prompt, password: opts.password === true } satisfies InputRequest,
        ctx.parent,
        this.session,
      );
      this.stdin
        .send(encode(this.signer, ctx.ids, msg))
        .catch((e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
    });
  }

  /**
   * Applies the unsettled interrupt_request, if any, to its target (interrupt-state.ts): the execution in
   * progress, or one that has not started yet. For the latter it stays pending while an execute_request is
   * queued; otherwise it is dropped, at once when `final`, else after the I/O callbacks of this loop turn (a
   * cell sent before it may be waiting unread on the shell socket, read in this same turn).
   */
  private applyInterruptRequest(final: boolean): void {
    const p = this.interrupts.pending();
    if (!p) return;
    const { exec, busy } = this.interrupts.current();
    if (p.target === exec && busy) {
      this.interrupts.settle(p.seq);
      return this.interrupt();
    }
    if (p.target > exec && this.queue.some((q) => q.msg.header.msg_type === 'execute_request')) return;
    if (p.target > exec && !final) return void setImmediate(() => this.applyInterruptRequest(true));
    this.interrupts.settle(p.seq);
    if (p.target > exec) log('interrupt: no cell running or queued');
  }

  /** Interrupts the running cell: for interrupt_request (applyInterruptRequest) or a SIGINT from outside. */
  private interrupt(): void {
    log(`interrupt: ${this.running ? `cell ${String(this.running.parent.msg_id)}` : 'no cell running'}`);
    if (this.running) this.running.interrupted = true;
    if (this.pendingInput) {
      this.pendingInput.reject(new Error('Interrupted asynchronously'));
      this.pendingInput = null;
    }
    this.engine.interrupt();
  }

  /** An exception thrown by a callback after its cell returned: shown on that cell's stderr, kernel survives. */
  private background(kind: string, e: unknown): void {
    const err = exceptionError(e);
    this.router.stream('stderr', `${kind}: ${err.ename}: ${err.evalue}\n${err.traceback.slice(1).join('\n')}\n`);
  }

  /** Closes everything in order and ends the process with `code` (once; later calls do nothing). */
  async shutdown(code = 0): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    // The control thread closes its sockets first (exiting while it still holds open zeromq sockets aborts in
    // the native addon), then the process ends with it. Give it a few seconds, then go anyway.
    const closed = new Promise<void>((r) => (this.onWorkerClosed = r));
    this.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
    this.shell.close();
    this.stdin.close();
    try {
      this.engine.close();
    } finally {
      // A moment for zeromq's I/O thread to flush the last idle/replies before the process tears down.
      setTimeout(() => this.exit(code), 200);
    }
  }
}
