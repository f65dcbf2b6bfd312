/**
 * A small Jupyter client over zeromq 6: starts a kernel process from a kernelspec with a fresh connection file
 * (random free ports on 127.0.0.1, random HMAC-SHA256 key), connects shell/control/stdin (DEALER), iopub (SUB)
 * and heartbeat (REQ), routes replies and iopub messages by parent msg_id, and watches for kernel death.
 *
 * Liveness follows nbclient/jupyter_client: a local kernel is dead when its process exits. The heartbeat is
 * also watched, but a Node kernel answers it on its main thread, so a cell running synchronous code legitimately
 * starves it; heartbeat loss is therefore only fatal while no request is in flight (see `hbTimeoutMs`).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as crypto from 'crypto';
import { ChildProcess, spawn } from 'child_process';
import * as zmq from 'zeromq';
import { Session } from './protocol';
import { KernelInfoReplyContent, Received, contentOf, replyContent } from './messages';
import { KernelSpec, kernelArgv } from './kernelspec';
import { RUN_DIR_ENV, makeRunDir, removeRunDir } from './run-dir';

/** Every kernel this process started and has not shut down yet, from the moment it is spawned. */
const live = new Set<KernelClient>();
let exitHook = false;

/** Synchronously kill every live kernel and remove its connection folder (signal and 'exit' handlers). */
export function killAllNow(): void {
  for (const k of live) k.killNow();
}

export interface ClientOptions {
  /** Working directory of the kernel (nbclient uses the notebook's folder). */
  cwd: string;
  /** Seconds to wait for kernel_info_reply and a live iopub connection. */
  startupTimeoutS?: number;
  /** Heartbeat silence (ms) after which an idle kernel is declared dead. */
  hbTimeoutMs?: number;
  /** Extra environment for the kernel process. */
  env?: Record<string, string>;
  /** Extra fields of the connection file (read by the kernel, removed before any code of the notebook runs). */
  connection?: Record<string, string>;
}

export type IopubHandler = (msg: Received) => void;

/** Why the kernel stopped answering: process exit (with code/signal) or lost heartbeat. */
export interface Death {
  reason: string;
}

/** Ask the OS for `n` distinct free TCP ports on 127.0.0.1 (bind to port 0, read, release). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** How the kernel reports a port bound by someone else between `freePorts` and its own bind (zeromq's EADDRINUSE). */
const PORT_TAKEN = /Address already in use|EADDRINUSE/;
const PORT_ATTEMPTS = 4;
class PortTakenError extends Error {}

/** The connection file a kernel is started with (jupyter_client's write_connection_file). */
interface ConnectionInfo {
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  ip: string;
  key: string;
  transport: 'tcp';
  signature_scheme: 'hmac-sha256';
  kernel_name: string;
  [extra: string]: string | number;
}

export class KernelClient {
  readonly session: Session;
  readonly kernelInfo: KernelInfoReplyContent = {};
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly stdin = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private hb: zmq.Request | null = null;
  private readonly pending = new Map<string, (m: Received) => void>();
  private readonly iopubHandlers = new Map<string, IopubHandler>();
  /** Receives every iopub message (after the per-parent handler), e.g. to apply update_display_data globally. */
  onAnyIopub: IopubHandler | null = null;
  private deathListeners: ((d: Death) => void)[] = [];
  private deathInfo: Death | null = null;
  private closed = false;
  private lastBeat = Date.now();
  private started = false;
  private hbPause: { done: Promise<void>; cancel: () => void } | null = null;
  private stderrTail: string[] = [];

  private constructor(
    readonly spec: KernelSpec,
    private readonly child: ChildProcess,
    private readonly connectionFile: string,
    private readonly conn: ConnectionInfo,
    private readonly opts: ClientOptions,
  ) {
    this.session = new Session(conn.key);
  }

  /**
   * Start the kernel process and connect; resolves once kernel_info_reply and an iopub message have arrived.
   * Free ports are only free until someone else binds them: a kernel that dies at start-up because one of its
   * ports was taken in between is started again on fresh ports (as jupyter_client's restarter does).
   */
  static async start(spec: KernelSpec, opts: ClientOptions): Promise<KernelClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await KernelClient.startOnce(spec, opts);
      } catch (e) {
        if (!(e instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw e;
      }
    }
  }

  private static async startOnce(spec: KernelSpec, opts: ClientOptions): Promise<KernelClient> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const conn: ConnectionInfo = {
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      ip: '127.0.0.1',
      key: crypto.randomBytes(32).toString('hex'),
      transport: 'tcp',
      signature_scheme: 'hmac-sha256',
      kernel_name: spec.name,
      ...opts.connection,
    };
    const dir = makeRunDir();
    const file = path.join(dir, 'kernel.json');
    let child: ChildProcess;
    try {
      fs.writeFileSync(file, JSON.stringify(conn, null, 1), { mode: 0o600 });
      const argv = kernelArgv(spec, file);
      // Own process group, so interrupts and the final kill reach the kernel's own children too (as jupyter_client does).
      child = spawn(argv[0], argv.slice(1), {
        cwd: opts.cwd,
        // JPY_PARENT_PID as jupyter_client sets it: a kernel that starts after this process died still sees it gone.
        env: { ...process.env, ...spec.env, ...opts.env, JPY_PARENT_PID: String(process.pid), [RUN_DIR_ENV]: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      });
    } catch (e) {
      removeRunDir(dir);
      throw e;
    }
    const client = new KernelClient(spec, child, file, conn, opts);
    live.add(client);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', killAllNow);
    }
    client.track();
    try {
      await client.connect();
    } catch (e) {
      await client.shutdown(0);
      throw e;
    }
    // The kernel has read its connection file: the key need not stay on disk.
    removeRunDir(dir);
    return client;
  }

  /** Last lines the kernel wrote to stdout/stderr (shown when it dies). */
  get kernelLog(): string {
    return this.stderrTail.join('');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get dead(): Death | null {
    return this.deathInfo;
  }

  /** Calls `fn` once when the kernel dies (immediately if it already has). Returns an unsubscribe function. */
  onDeath(fn: (d: Death) => void): () => void {
    if (this.deathInfo) {
      fn(this.deathInfo);
      return () => {};
    }
    this.deathListeners.push(fn);
    return () => {
      this.deathListeners = this.deathListeners.filter((f) => f !== fn);
    };
  }

  private die(reason: string): void {
    if (this.deathInfo || this.closed) return;
    this.deathInfo = { reason };
    for (const fn of this.deathListeners) fn(this.deathInfo);
    this.deathListeners = [];
  }

  private track(): void {
    const keep = (chunk: Buffer) => {
      this.stderrTail.push(chunk.toString('utf8'));
      if (this.stderrTail.length > 50) this.stderrTail.shift();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (e) => this.die(`kernel process failed to start: ${e.message}`));
    this.child.on('exit', (code, signal) =>
      this.die(`kernel process exited (${signal ? `signal ${signal}` : `code ${code}`})`),
    );
  }

  private async connect(): Promise<void> {
    const url = (port: number) => `tcp://${this.conn.ip}:${port}`;
    // stdin must share the shell socket's identity: the kernel routes input_request to the shell requester.
    const identity = `kdlab-run-${this.session.id}`;
    this.shell.routingId = identity;
    this.stdin.routingId = identity;
    this.shell.connect(url(this.conn.shell_port));
    this.control.connect(url(this.conn.control_port));
    this.stdin.connect(url(this.conn.stdin_port));
    this.iopub.connect(url(this.conn.iopub_port));
    this.iopub.subscribe();
    void this.readReplies(this.shell);
    void this.readReplies(this.control);
    void this.readStdin();
    void this.readIopub();
    void this.heartbeat(url(this.conn.hb_port));

    // Keep asking for kernel_info until a reply arrives AND its busy/idle status shows up on iopub:
    // a SUB socket silently drops messages published before its subscription reached the kernel.
    const deadline = Date.now() + (this.opts.startupTimeoutS ?? 120) * 1000;
    let iopubSeen = false;
    this.onAnyIopub = () => {
      iopubSeen = true;
    };
    let info: Received | null = null;
    while (!iopubSeen || !info) {
      if (this.deathInfo) {
        const msg = `kernel '${this.spec.name}' died during startup: ${this.deathInfo.reason}\n${this.kernelLog}`;
        throw PORT_TAKEN.test(this.kernelLog) ? new PortTakenError(msg) : new Error(msg);
      }
      if (Date.now() > deadline)
        throw new Error(
          `kernel '${this.spec.name}' did not answer kernel_info_request within ${this.opts.startupTimeoutS ?? 120} s\n${this.kernelLog}`,
        );
      const reply = await this.request('shell', 'kernel_info_request', {}, 1000).catch(() => null);
      if (reply) info = reply;
      if (!iopubSeen) await sleep(100);
    }
    this.onAnyIopub = null;
    Object.assign(this.kernelInfo, replyContent(info, 'kernel_info_reply'));
    // Heartbeat loss counts from here on; startup has its own timeout.
    this.lastBeat = Date.now();
    this.started = true;
  }

  private async readReplies(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        const msg = this.parse(frames);
        const id = msg?.parent_header.msg_id;
        if (!id) continue;
        const resolve = this.pending.get(id);
        if (resolve) {
          this.pending.delete(id);
          resolve(msg);
        }
      }
    } catch {
      /* socket closed */
    }
  }

  private async readStdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        const msg = this.parse(frames);
        if (!msg || !contentOf(msg, 'input_request')) continue;
        // Headless: there is nobody to type. Answer with an empty line rather than hang the cell.
        const reply = this.session.message('input_reply', { value: '' });
        reply.parent_header = msg.header;
        await this.stdin.send(this.session.serialize(reply));
      }
    } catch {
      /* socket closed */
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const msg = this.parse(frames);
        if (!msg) continue;
        const id = msg.parent_header.msg_id;
        const handler = id ? this.iopubHandlers.get(id) : undefined;
        handler?.(msg);
        this.onAnyIopub?.(msg);
      }
    } catch {
      /* socket closed */
    }
  }

  private parse(frames: Buffer[]): Received | null {
    try {
      return this.session.deserialize(frames);
    } catch (e) {
      process.stderr.write(`kdlab run: ignored a message from the kernel: ${(e as Error).message}\n`);
      return null;
    }
  }

  private async heartbeat(url: string): Promise<void> {
    const limit = this.opts.hbTimeoutMs ?? 30000;
    while (!this.closed && !this.deathInfo) {
      if (!this.hb) {
        this.hb = new zmq.Request({ linger: 0, receiveTimeout: 2000, sendTimeout: 2000 });
        this.hb.connect(url);
      }
      try {
        await this.hb.send('ping');
        await this.hb.receive();
        this.lastBeat = Date.now();
        this.hbPause = delay(1000);
        await this.hbPause.done;
      } catch {
        // A REQ socket that missed its reply is stuck; start a fresh one.
        this.hb?.close();
        this.hb = null;
        if (this.closed) return;
        if (this.started && this.pending.size === 0 && Date.now() - this.lastBeat > limit)
          this.die(`heartbeat lost for ${Math.round(limit / 1000)} s`);
      }
    }
  }

  /** Send a request and resolve with its reply; rejects after `timeoutMs` (if given) or when the kernel dies. */
  request(
    channel: 'shell' | 'control',
    msgType: string,
    content: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<Received> {
    const req = this.send(channel, msgType, content);
    return req.reply(timeoutMs).finally(() => req.stopListening());
  }

  /**
   * Send a request; `iopub` receives every iopub message whose parent is this request.
   * Returns the msg_id and a `reply(timeoutMs?)` promise factory.
   */
  send(
    channel: 'shell' | 'control',
    msgType: string,
    content: Record<string, unknown>,
    iopub?: IopubHandler,
    metadata?: Record<string, unknown>,
  ) {
    const msg = this.session.message(msgType, content, metadata);
    const id = msg.header.msg_id;
    if (iopub) this.iopubHandlers.set(id, iopub);
    const replied = new Promise<Received>((resolve) => this.pending.set(id, resolve));
    const sock = channel === 'shell' ? this.shell : this.control;
    void sock.send(this.session.serialize(msg)).catch(() => {});
    const reply = (timeoutMs?: number) =>
      new Promise<Received>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const off = this.onDeath((d) => {
          clearTimeout(timer);
          reject(new Error(`kernel died: ${d.reason}`));
        });
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            off();
            reject(new TimeoutError(`no ${msgType.replace('_request', '_reply')} within ${timeoutMs} ms`));
          }, timeoutMs);
        }
        void replied.then((m) => {
          clearTimeout(timer);
          off();
          resolve(m);
        });
      });
    return {
      msgId: id,
      message: msg,
      reply,
      stopListening: () => {
        this.iopubHandlers.delete(id);
        this.pending.delete(id);
      },
    };
  }

  /** Interrupt as the kernelspec asks: interrupt_request on control, or SIGINT to the kernel's process group. */
  async interrupt(): Promise<void> {
    if (this.deathInfo) return;
    if (this.spec.interruptMode === 'message') {
      await this.request('control', 'interrupt_request', {}, 5000).catch(() => {});
    } else {
      this.signal('SIGINT');
    }
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (process.platform !== 'win32') process.kill(-pid, sig);
      else this.child.kill(sig);
    } catch {
      /* already gone */
    }
  }

  /**
   * shutdown_request on control, wait up to `graceMs` for the process to exit, then SIGKILL its process group.
   * Always closes the sockets and removes the connection file; safe to call twice.
   */
  async shutdown(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    if (!this.deathInfo && graceMs > 0) {
      await this.request('control', 'shutdown_request', { restart: false }, graceMs).catch(() => {});
      await within(exited, graceMs, null);
    }
    this.closed = true;
    this.hbPause?.cancel();
    this.signal('SIGKILL');
    await within(exited, 2000, null);
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s?.close();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    removeRunDir(path.dirname(this.connectionFile));
    live.delete(this);
  }

  /** Synchronous last resort for signal and 'exit' handlers: kill the kernel's process group, remove its folder. */
  killNow(): void {
    this.closed = true;
    this.signal('SIGKILL');
    removeRunDir(path.dirname(this.connectionFile));
    live.delete(this);
  }
}

export class TimeoutError extends Error {}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A delay that can be cancelled, so a pending timeout never keeps the process alive after its race is won. */
export function delay(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
    timer = setTimeout(r, ms);
  });
  return {
    done,
    cancel: () => {
      clearTimeout(timer);
      resolve();
    },
  };
}

/** Race `p` against a timeout of `ms`; resolves with p's value or `fallback`, and clears the timer either way. */
export async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  const d = delay(ms);
  try {
    return await Promise.race([p, d.done.then(() => fallback)]);
  } finally {
    d.cancel();
  }
}
