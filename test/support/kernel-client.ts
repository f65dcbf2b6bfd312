/**
 * A small Jupyter client over zeromq for protocol tests. It starts `node dist/kernel/main.js` with a fresh
 * connection file (127.0.0.1, free random ports, random key), signs what it sends and checks the signature of
 * everything it receives. Signing is written here independently of kernel/wire/codec.ts on purpose, so a
 * signing bug in the kernel cannot be mirrored by the client.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHmac, randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zmq from 'zeromq';

export interface Msg {
  header: { msg_id: string; msg_type: string; session: string; username: string; date: string; version: string };
  parent_header: { msg_id?: string; msg_type?: string };
  metadata: Record<string, unknown>;
  content: Record<string, any>;
}

export type Channel = 'shell' | 'control' | 'stdin';

export interface SendOptions {
  /** Sign wrongly on purpose. */
  badSignature?: boolean;
  /** The request's metadata frame ({} by default). */
  metadata?: Record<string, unknown>;
}

export const KERNEL_MAIN = path.resolve(__dirname, '..', '..', 'kernel', 'main.js');

/** A TCP port on 127.0.0.1 free at the time of the call. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Backends a kernel test can ask for: the two that ship with kdlab. */
export type KernelBackend = 'cpu' | 'wasm';

/**
 * The backends the reliability tests run each kernel test on: both shipped ones, or the comma-separated list in
 * KDLAB_TEST_KERNEL_BACKENDS (e.g. `cpu` for a quick local run).
 */
export function kernelBackends(): KernelBackend[] {
  const env = process.env.KDLAB_TEST_KERNEL_BACKENDS;
  if (!env) return ['cpu', 'wasm'];
  const names = env.split(',').map((s) => s.trim());
  for (const n of names)
    if (n !== 'cpu' && n !== 'wasm') throw new Error(`KDLAB_TEST_KERNEL_BACKENDS: expected cpu or wasm, got '${n}'`);
  return names as KernelBackend[];
}

export interface StartOptions {
  /** The kernel's working directory (the "notebook folder"); a fresh temp dir by default. */
  cwd?: string;
  /** KDLAB_BACKEND of the kernel: 'cpu' by default (fast start); reliability tests run on every backend. */
  backend?: KernelBackend;
  env?: Record<string, string>;
}

export class KernelClient {
  readonly session = randomUUID();
  readonly iopubLog: Msg[] = [];
  /** Requests the kernel sent on the stdin channel (input_request). */
  readonly stdinLog: Msg[] = [];
  stderr = '';
  private readonly dealers: Record<Channel, zmq.Dealer>;
  // linger 0 (as the runner's client): a message still queued for a kernel that is gone is dropped at close,
  // instead of keeping the test process alive (zeromq's default waits for delivery forever).
  private readonly sub = new zmq.Subscriber({ linger: 0 });
  private readonly replies = new Map<string, Msg>();
  private waiters: (() => void)[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    readonly key: string,
    readonly conn: Record<string, any>,
    readonly cwd: string,
  ) {
    this.dealers = {
      shell: new zmq.Dealer({ linger: 0 }),
      control: new zmq.Dealer({ linger: 0 }),
      stdin: new zmq.Dealer({ linger: 0 }),
    };
    for (const ch of ['shell', 'control', 'stdin'] as Channel[]) {
      // Like jupyter_client: every channel's identity is the session id, so the kernel can address the stdin
      // channel with the routing id of a shell request.
      this.dealers[ch].routingId = this.session;
      this.dealers[ch].connect(`tcp://127.0.0.1:${conn[`${ch}_port`]}`);
    }
    this.sub.connect(`tcp://127.0.0.1:${conn.iopub_port}`);
    this.sub.subscribe();
    proc.stderr!.on('data', (d) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => proc.on('exit', (code) => r(code)));
    void this.readLoop('shell');
    void this.readLoop('control');
    void this.readLoop('stdin');
    void this.readIopub();
  }

  /** Start a kernel; one that lost a port to a concurrent test between freePort() and its bind is started again. */
  static async start(opts: StartOptions = {}): Promise<KernelClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await KernelClient.startOnce(opts);
      } catch (e) {
        if (attempt >= 4 || !/Address already in use|EADDRINUSE/.test(String(e))) throw e;
      }
    }
  }

  private static async startOnce(opts: StartOptions): Promise<KernelClient> {
    const cwd = opts.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-nb-'));
    const key = randomBytes(16).toString('hex');
    const conn = {
      transport: 'tcp',
      ip: '127.0.0.1',
      key,
      signature_scheme: 'hmac-sha256',
      shell_port: await freePort(),
      iopub_port: await freePort(),
      stdin_port: await freePort(),
      control_port: await freePort(),
      hb_port: await freePort(),
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-conn-')), 'kernel.json');
    fs.writeFileSync(file, JSON.stringify(conn));
    const env = { ...process.env, KDLAB_BACKEND: opts.backend ?? 'cpu', ...opts.env };
    const proc = spawn(process.execPath, [KERNEL_MAIN, file], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const client = new KernelClient(proc, key, conn, cwd);
    try {
      await client.waitReady();
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  sign(frames: Buffer[]): string {
    const h = createHmac('sha256', this.key);
    for (const f of frames) h.update(f);
    return h.digest('hex');
  }

  /** Frames of a signed request, optionally with a deliberately wrong signature. */
  frames(
    msgType: string,
    content: Record<string, unknown>,
    opts: SendOptions & { msgId?: string } = {},
  ): { id: string; frames: Buffer[] } {
    const id = opts.msgId ?? randomUUID();
    const header = {
      msg_id: id,
      msg_type: msgType,
      session: this.session,
      username: 'test',
      date: new Date().toISOString(),
      version: '5.3',
    };
    const body = [header, {}, opts.metadata ?? {}, content].map((o) => Buffer.from(JSON.stringify(o)));
    let sig = this.sign(body);
    if (opts.badSignature) sig = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    return { id, frames: [Buffer.from('<IDS|MSG>'), Buffer.from(sig), ...body] };
  }

  /** The frames of a message with these four body frames (any bytes), correctly signed. */
  signedRaw(body: (string | Buffer)[]): Buffer[] {
    const frames = body.map((b) => (typeof b === 'string' ? Buffer.from(b) : b));
    return [Buffer.from('<IDS|MSG>'), Buffer.from(this.sign(frames)), ...frames];
  }

  async send(
    channel: Channel,
    msgType: string,
    content: Record<string, unknown>,
    opts: SendOptions = {},
  ): Promise<string> {
    const { id, frames } = this.frames(msgType, content, opts);
    await this.dealers[channel].send(frames);
    return id;
  }

  /** Sends already-built frames (see `frames`), e.g. to queue several requests back to back. */
  async sendRaw(channel: Channel, frames: Buffer[]): Promise<void> {
    await this.dealers[channel].send(frames);
  }

  /** Sends `payload` to the heartbeat socket and returns the echo (rejects after `timeoutMs`). */
  async heartbeat(payload: string, timeoutMs = 10000): Promise<string> {
    const req = new zmq.Request({ receiveTimeout: timeoutMs, linger: 0 });
    req.connect(`tcp://127.0.0.1:${this.conn.hb_port}`);
    try {
      await req.send(payload);
      const [echo] = await req.receive();
      return echo.toString();
    } finally {
      req.close();
    }
  }

  /** The reply (on any channel) to request `id`. */
  async reply(id: string, timeoutMs = 60000): Promise<Msg> {
    await this.until(() => this.replies.has(id), timeoutMs, `reply to ${id}`);
    return this.replies.get(id)!;
  }

  /** The input_request the kernel sent while running request `id`. */
  async inputRequest(id: string, timeoutMs = 60000): Promise<Msg> {
    await this.until(
      () => this.stdinLog.some((m) => m.parent_header.msg_id === id),
      timeoutMs,
      `input_request for ${id}`,
    );
    return this.stdinLog.find((m) => m.parent_header.msg_id === id)!;
  }

  hasReply(id: string): boolean {
    return this.replies.has(id);
  }

  async request(channel: Channel, msgType: string, content: Record<string, unknown>): Promise<Msg> {
    return this.reply(await this.send(channel, msgType, content));
  }

  /** iopub messages whose parent is `id`, once the kernel has published idle for it. */
  async outputs(id: string, timeoutMs = 60000): Promise<Msg[]> {
    const isIdle = (m: Msg) =>
      m.parent_header.msg_id === id && m.header.msg_type === 'status' && m.content.execution_state === 'idle';
    await this.until(() => this.iopubLog.some(isIdle), timeoutMs, `idle for ${id}`);
    return this.iopubLog.filter((m) => m.parent_header.msg_id === id);
  }

  /** Runs code; returns the execute_reply and the iopub messages of that request (without status/execute_input). */
  async execute(
    code: string,
    content: Record<string, unknown> = {},
    metadata?: Record<string, unknown>,
  ): Promise<{ id: string; reply: Msg; outputs: Msg[] }> {
    const id = await this.send(
      'shell',
      'execute_request',
      {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
        ...content,
      },
      { metadata },
    );
    const reply = await this.reply(id);
    const outputs = (await this.outputs(id)).filter((m) => !['status', 'execute_input'].includes(m.header.msg_type));
    return { id, reply, outputs };
  }

  /** Concatenated text of the `name` streams among `msgs`. */
  static text(msgs: Msg[], name = 'stdout'): string {
    return msgs
      .filter((m) => m.header.msg_type === 'stream' && m.content.name === name)
      .map((m) => m.content.text)
      .join('');
  }

  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 60000): Promise<Msg> {
    await this.until(() => this.iopubLog.some(pred), timeoutMs, 'iopub message');
    return this.iopubLog.find(pred)!;
  }

  /** Sends kernel_info until iopub delivers a status for one of them (PUB/SUB joins late). */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`kernel exited (${this.proc.exitCode}): ${this.stderr}`);
      const id = await this.send('shell', 'kernel_info_request', {});
      try {
        await this.until(() => this.iopubLog.some((m) => m.parent_header.msg_id === id), 1000, 'iopub');
        await this.reply(id);
        return;
      } catch {
        /* try again */
      }
    }
    throw new Error(`kernel did not become ready: ${this.stderr}`);
  }

  private async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; kernel stderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private parse(frames: Buffer[]): Msg {
    const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const body = frames.slice(at + 2, at + 6);
    if (frames[at + 1].toString() !== this.sign(body)) throw new Error('kernel sent a message with a bad signature');
    const [header, parent_header, metadata, content] = body.map((b) => JSON.parse(b.toString()));
    return { header, parent_header, metadata, content };
  }

  private async readLoop(ch: Channel): Promise<void> {
    try {
      for await (const frames of this.dealers[ch]) {
        const m = this.parse(frames);
        if (ch === 'stdin') this.stdinLog.push(m);
        else if (m.parent_header.msg_id) this.replies.set(m.parent_header.msg_id, m);
        this.wake();
      }
    } catch {
      /* socket closed */
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.sub) {
        this.iopubLog.push(this.parse(frames));
        this.wake();
      }
    } catch {
      /* socket closed */
    }
  }

  /**
   * Asks the kernel to shut down (control channel), then closes the sockets; kills it if it lingers.
   * Returns the exit code and the shutdown_reply (null if the kernel had already exited or did not answer).
   */
  async close(restart = false): Promise<{ code: number | null; reply: Msg | null }> {
    let reply: Msg | null = null;
    if (this.proc.exitCode === null) {
      const id = await this.send('control', 'shutdown_request', { restart });
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(timer);
      reply = this.replies.get(id) ?? null;
    }
    for (const s of [...Object.values(this.dealers), this.sub]) s.close();
    return { code: this.proc.exitCode, reply };
  }
}
