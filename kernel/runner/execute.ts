/**
 * Execute one notebook in a fresh kernel, cell by cell, nbclient-style, and write the result.
 * Failures (cell error, timeout, kernel death, and any unexpected error in the runner itself) stop the run;
 * the partial notebook is still written, with a final error output on the failing cell saying what happened.
 * A write that fails is reported in the result, not thrown, so a folder run goes on with the next notebook.
 */
import * as path from 'path';
import { KernelClient, killAllNow, within } from './client';
import { KernelSpec } from './kernelspec';
import { ExecuteReplyContent, Received, contentOf, replyContent } from './messages';
import { Cell, ErrorOutput, Notebook, Output, firstLine, readNotebook, tags, text, writeNotebook } from './notebook';
import { OutputCollector } from './outputs';
import { Params, injectParameters } from './parameters';
import { heartbeatLine, progressOf } from './heartbeat';

export interface RunOptions {
  spec: KernelSpec;
  /** Per-cell timeout in seconds; 0 = none. */
  timeoutS: number;
  /** Seconds between "still running" lines while a cell runs; 0 = none. */
  heartbeatS: number;
  allowErrors: boolean;
  params: Params;
  /** Characters of output kept per cell (outputs.ts); default DEFAULT_OUTPUT_CAP. */
  outputCap?: number;
  /** The kernel's working folder (default: the input notebook's folder). */
  cwd?: string;
  /** The notebook's name as the kernel should know it (JPY_SESSION_NAME, as jupyter_server sets it). */
  sessionName?: string;
  /** How long to wait for the kernel to answer after an interrupt before giving up on it (s). */
  interruptGraceS?: number;
  startupTimeoutS?: number;
  /** Progress and diagnostics, one line each (the CLI prints them on stderr). */
  log: (line: string) => void;
  /**
   * Go on with the next cell after a timeout the kernel answered (its interrupt stopped the cell), recording a
   * CellTimeoutError output on the cell, as after an error with allowErrors. A kernel that does not answer still
   * ends the run.
   */
  continueAfterTimeout?: boolean;
  /** Metadata of each cell's execute_request (e.g. `kdlab assign grade` marks its test cells). */
  requestMetadata?: (cell: Cell) => Record<string, unknown> | undefined;
  /** Extra environment and connection-file fields for the kernel. */
  env?: Record<string, string>;
  connection?: Record<string, string>;
}

/** 'internal': an unexpected error in kdlab run itself (a bug), reported like the others. */
export type FailureKind = 'error' | 'timeout' | 'dead' | 'input' | 'internal';

export interface Failure {
  kind: FailureKind;
  message: string;
  /** The failing cell, numbered like the progress lines: `code cell ${number}/${of}` of the written notebook. */
  cell?: { number: number; of: number; firstLine: string };
  ename?: string;
  evalue?: string;
}

export interface NotebookResult {
  input: string;
  output: string | null;
  ok: boolean;
  executed: number;
  failure?: Failure;
  /** Why the notebook could not be written (then `output` is null). */
  writeError?: string;
}

/** Notebooks being executed right now, by output path, so an interrupted runner can still write them. */
const inProgress = new Map<string, Notebook>();

/** For SIGINT/SIGTERM handlers: kill every kernel this process started, write the partial notebooks. */
export function abortAll(): string[] {
  killAllNow();
  const written: string[] = [];
  for (const [output, nb] of inProgress) {
    try {
      writeNotebook(output, nb);
      written.push(output);
    } catch {
      /* best effort while exiting */
    }
  }
  inProgress.clear();
  return written;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export async function runNotebook(input: string, output: string, opts: RunOptions): Promise<NotebookResult> {
  const name = path.basename(input);
  const say = (s: string) => opts.log(`[${name}] ${s}`);
  let nb: Notebook;
  try {
    nb = readNotebook(input);
  } catch (e) {
    return { input, output: null, ok: false, executed: 0, failure: { kind: 'input', message: (e as Error).message } };
  }
  const typescript = /typescript|javascript/i.test(opts.spec.language);
  for (const w of injectParameters(nb, opts.params, { typescript })) say(`warning: ${w}`);

  // One numbering everywhere (progress, heartbeat, failures): code cell n/N of the written notebook.
  const codeCells = nb.cells.filter((c) => c.cell_type === 'code');
  const collector = new OutputCollector(opts.outputCap);
  let executed = 0;
  let failure: Failure | undefined;
  let client: KernelClient | null = null;
  /** The cell being executed, for failures that escape it. */
  let current: Failure['cell'];
  let currentCell: Cell | undefined;
  inProgress.set(output, nb);
  try {
    client = await KernelClient.start(opts.spec, {
      cwd: opts.cwd ?? path.dirname(path.resolve(input)),
      startupTimeoutS: opts.startupTimeoutS,
      env: { ...opts.env, ...(opts.sessionName ? { JPY_SESSION_NAME: opts.sessionName } : {}) },
      connection: opts.connection,
    });
    if (client.kernelInfo.language_info) nb.metadata.language_info = client.kernelInfo.language_info;
    nb.metadata.kernelspec ??= {
      name: opts.spec.name,
      display_name: opts.spec.displayName,
      language: opts.spec.language,
    };
    const cellOf = new Map<string, Cell>();
    let progress: string | null = null;
    client.onAnyIopub = (m) => {
      progress = progressOf(m) ?? progress;
      // update_display_data whose parent is not one of our cells (e.g. a timer started before) still updates outputs.
      const parent = m.parent_header.msg_id;
      const id = contentOf(m, 'update_display_data')?.displayId;
      if (id && !(parent && cellOf.has(parent))) collector.update(id, m);
    };
    for (let ordinal = 0; ordinal < codeCells.length && !failure; ordinal++) {
      const cell = codeCells[ordinal];
      current = undefined;
      currentCell = undefined;
      if (text(cell.source).trim() === '') continue;
      const where = `code cell ${ordinal + 1}/${codeCells.length}`;
      if (tags(cell).includes('skip-execution')) {
        say(`${where} skipped (skip-execution)`);
        continue;
      }
      const expectError = tags(cell).includes('raises-exception');
      // Running on after a failed injection would give results for settings nobody asked for.
      const injected = tags(cell).includes('injected-parameters');
      const started = Date.now();
      current = { number: ordinal + 1, of: codeCells.length, firstLine: firstLine(cell) };
      currentCell = cell;
      progress = null;
      const beat =
        opts.heartbeatS > 0
          ? setInterval(() => say(heartbeatLine(where, Date.now() - started, progress)), opts.heartbeatS * 1000)
          : undefined;
      let r: CellOutcome;
      try {
        r = await executeCell(client, cell, collector, cellOf, opts, (opts.allowErrors && !injected) || expectError);
      } finally {
        clearInterval(beat);
      }
      executed++;
      const took = fmt(Date.now() - started);
      const at = { cell: { number: ordinal + 1, of: codeCells.length, firstLine: firstLine(cell) } };
      const dropped = collector.dropped(cell);
      if (dropped) say(`${where}: output over the cap: ${dropped}`);
      if (r.kind === 'timeout' && r.interrupted && opts.continueAfterTimeout) {
        const message = `timed out after ${opts.timeoutS} s (interrupted; the next cells still run)`;
        say(`${where} TIMEOUT ${took}: ${message}`);
        cell.outputs!.push(syntheticError({ kind: 'timeout', message }));
      } else if (r.kind === 'timeout') {
        failure = {
          kind: 'timeout',
          message: `timed out after ${opts.timeoutS} s${r.interrupted ? ' (interrupted)' : ' (the kernel did not respond to the interrupt)'}`,
          ...at,
        };
      } else if (r.kind === 'dead') {
        failure = { kind: 'dead', message: r.reason, ...at };
        const log = client.kernelLog.trim();
        if (log) say(`kernel output before it died:\n${log.split('\n').slice(-15).join('\n')}`);
      } else {
        const c = replyContent(r.reply, 'execute_reply');
        if (c.status === 'ok') {
          if (expectError) say(`warning: ${where} is tagged raises-exception but raised nothing`);
          say(`${where} ok ${took}`);
        } else {
          const err = errorOf(cell, c);
          if (c.status === 'error' && ((opts.allowErrors && !injected) || expectError)) {
            say(
              `${where} ${expectError ? 'raised (expected)' : 'error (allowed)'} ${err.ename}: ${err.evalue} ${took}`,
            );
          } else {
            const what = c.status === 'aborted' ? 'aborted by the kernel' : `${err.ename}: ${err.evalue}`;
            const why = injected
              ? 'the injected parameters cell failed, so no --param was set' +
                (opts.allowErrors ? ' (--allow-errors does not cover it)' : '') +
                ': '
              : '';
            failure = { kind: 'error', message: why + what, ...err, ...at };
          }
        }
      }
      if (failure) {
        say(`${where} FAILED ${took}: ${failure.kind === 'dead' ? 'kernel died: ' : ''}${failure.message}`);
        if (failure.kind !== 'error') cell.outputs!.push(syntheticError(failure));
      }
    }
  } catch (e) {
    // Before the kernel answered: it failed to start. After: a bug in the runner, reported at the cell it hit.
    if (!client) failure ??= { kind: 'dead', message: (e as Error).message };
    else if (!failure) {
      failure = { kind: 'internal', message: `${(e as Error).message} (a bug in kdlab run)`, cell: current };
      try {
        say(
          `${current ? `code cell ${current.number}/${current.of} ` : ''}FAILED: ${failure.message}\n${(e as Error).stack ?? ''}`,
        );
      } catch {
        /* the log itself may be what failed; the notebook is written regardless */
      }
      currentCell?.outputs?.push(syntheticError(failure));
    }
  } finally {
    await client?.shutdown().catch(() => client!.killNow());
  }
  inProgress.delete(output);
  try {
    writeNotebook(output, nb);
  } catch (e) {
    const writeError = `cannot write ${output}: ${(e as Error).message}`;
    return { input, output: null, ok: false, executed, failure, writeError };
  }
  return { input, output, ok: !failure, executed, failure };
}

type CellOutcome =
  { kind: 'reply'; reply: Received } | { kind: 'timeout'; interrupted: boolean } | { kind: 'dead'; reason: string };

async function executeCell(
  client: KernelClient,
  cell: Cell,
  collector: OutputCollector,
  cellOf: Map<string, Cell>,
  opts: RunOptions,
  allowErrors: boolean,
): Promise<CellOutcome> {
  collector.begin(cell);
  let idle!: () => void;
  const idleSeen = new Promise<void>((r) => {
    idle = r;
  });
  const req = client.send(
    'shell',
    'execute_request',
    {
      code: text(cell.source),
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: !allowErrors,
    },
    (m) => {
      collector.handle(cell, m);
      if (contentOf(m, 'status')?.execution_state === 'idle') idle();
    },
    opts.requestMetadata?.(cell),
  );
  cellOf.set(req.msgId, cell);
  const settle = (p: Promise<Received>) =>
    p.then(
      (reply): CellOutcome => ({ kind: 'reply', reply }),
      (e): CellOutcome => ({ kind: 'dead', reason: client.dead?.reason ?? (e as Error).message }),
    );
  const replied = settle(req.reply());
  const first = opts.timeoutS > 0 ? await within(replied, opts.timeoutS * 1000, 'timeout' as const) : await replied;
  if (first !== 'timeout') {
    if (first.kind === 'reply') {
      collector.reply(cell, first.reply);
      // nbclient's iopub_timeout: outputs may trail the reply; wait for the idle status (4 s at most).
      await waitIdle(client, idleSeen, 4000);
    }
    return first;
  }
  // Timeout: interrupt, then give the kernel a moment to reply (its error output is kept).
  await client.interrupt();
  const after = await within(replied, (opts.interruptGraceS ?? 10) * 1000, null);
  if (after?.kind === 'dead') return after;
  if (after?.kind === 'reply') {
    collector.reply(cell, after.reply);
    await waitIdle(client, idleSeen, 2000);
  }
  return { kind: 'timeout', interrupted: after?.kind === 'reply' };
}

async function waitIdle(client: KernelClient, idleSeen: Promise<void>, ms: number): Promise<void> {
  let off = () => {};
  const died = new Promise<void>((r) => {
    off = client.onDeath(() => r());
  });
  await within(Promise.race([idleSeen, died]), ms, null);
  off();
}

/** ename/evalue of a failed cell, from the reply or else its last error output. */
function errorOf(cell: Cell, reply: ExecuteReplyContent): { ename: string; evalue: string } {
  const out = [...(cell.outputs ?? [])].reverse().find((o): o is ErrorOutput => o.output_type === 'error');
  return {
    ename: reply.ename ?? out?.ename ?? 'Error',
    evalue: reply.evalue ?? out?.evalue ?? '',
  };
}

/** An error output recording a timeout or kernel death in the written notebook, where the reader looks. */
function syntheticError(f: Failure): Output {
  const names: Partial<Record<FailureKind, string>> = {
    timeout: 'CellTimeoutError',
    dead: 'DeadKernelError',
    internal: 'RunnerError',
  };
  const ename = names[f.kind] ?? 'RunnerError';
  return { output_type: 'error', ename, evalue: f.message, traceback: [`${ename}: ${f.message} (kdlab run)`] };
}
