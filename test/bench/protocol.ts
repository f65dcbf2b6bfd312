/**
 * JSON-lines link between the bench orchestrator (run.ts) and its workers: one Node process per
 * kdlab backend (worker.ts) and one Python process for PyTorch (torch_bench.py).
 *
 * Why separate processes: windows of every implementation can be interleaved in one invocation
 * (a busy machine slows all sides alike), each backend keeps its own tfjs engine (no cross-backend
 * tensor moves), and peak RSS (maxRSS) is per workload and implementation instead of per run.
 *
 * Replies are stdout lines starting with REPLY_PREFIX; any other output (tfjs banners, warnings)
 * is passed through to our stderr so it can never corrupt the protocol.
 */
import { spawn, ChildProcess } from 'child_process';
import * as readline from 'readline';

export const REPLY_PREFIX = '@@bench ';

export interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  trace?: string;
  [key: string]: unknown;
}

/** Writes one reply line (used by worker.ts; torch_bench.py has its own copy of the format). */
export function sendReply(reply: Reply): void {
  process.stdout.write(REPLY_PREFIX + JSON.stringify(reply) + '\n');
}

export class WorkerError extends Error {}

/** A child process that answers requests in order; `hello` is its unsolicited first reply (id 0). */
export class WorkerLink {
  readonly hello: Promise<Reply>;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private child: ChildProcess;
  private exited = false;
  private stderrTail: string[] = [];

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
    private readonly log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let helloResolve!: (r: Reply) => void;
    let helloReject!: (e: Error) => void;
    this.hello = new Promise((res, rej) => {
      helloResolve = res;
      helloReject = rej;
    });
    this.pending.set(0, { resolve: helloResolve, reject: helloReject });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    readline.createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      this.log(`  [${this.label}] ${line}`);
    });
    this.hello.catch(() => undefined); // a failed start is reported to whoever awaits hello, never as an unhandled rejection
    this.child.stdin!.on('error', () => undefined); // EPIPE after the worker died: the 'exit' handler reports it
    this.child.on('error', (err) => {
      // spawn failed (e.g. no such interpreter): no 'exit' event will follow
      this.exited = true;
      this.failAll(new WorkerError(`${this.label}: cannot start ${command}: ${err.message}`));
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const tail = this.stderrTail.slice(-5).join('\n    ');
      this.failAll(
        new WorkerError(
          `${this.label}: worker exited (code ${code}, signal ${signal})` + (tail ? `; last stderr:\n    ${tail}` : ''),
        ),
      );
    });
  }

  /** Process id of the worker (undefined when it could not be spawned), for CPU accounting (load.ts). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private onLine(line: string): void {
    if (!line.startsWith(REPLY_PREFIX)) {
      this.log(`  [${this.label}] ${line}`);
      return;
    }
    const reply = JSON.parse(line.slice(REPLY_PREFIX.length)) as Reply;
    const waiter = this.pending.get(reply.id);
    if (!waiter) {
      this.log(`  [${this.label}] unexpected reply id ${reply.id}`);
      return;
    }
    this.pending.delete(reply.id);
    waiter.resolve(reply);
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }

  /** Sends a command and resolves with the reply; a reply with ok:false becomes a WorkerError. */
  async request(cmd: string, payload: Record<string, unknown> = {}): Promise<Reply> {
    if (this.exited) throw new WorkerError(`${this.label}: worker has exited; cannot send '${cmd}'`);
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(JSON.stringify({ id, cmd, ...payload }) + '\n');
    });
    if (!reply.ok) throw new WorkerError(`${this.label}: '${cmd}' failed: ${reply.error}`);
    return reply;
  }

  /** Asks the worker to exit, and kills it (this process's own child, by pid) if it does not. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((res) => this.child.once('exit', () => res()));
    try {
      await Promise.race([this.request('exit'), gone]);
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, 5000);
    this.child.stdin!.end();
    await gone;
    clearTimeout(timer);
  }
}
