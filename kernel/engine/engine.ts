/**
 * The TypeScript engine: tslab's converter (type-check + transpile a cell against the declarations of all
 * previous cells) and executor (run it in this V8 context, keep cell locals), wrapped so results come back as
 * data instead of console text.
 *
 * tslab's executor reports through a console-like object: `log(value)` for the last expression's value,
 * `error(fmt, file, line, col, text)` per compile diagnostic, `error(exception)` for a thrown value. The engine
 * passes its own recorder there, so the server (kernel/server) gets the value, the diagnostics and the exception.
 * The converter is created with a root at `/` and a module resolver from ./modules (imports from any folder).
 */
import * as fs from 'fs';
import { makeModuleResolver } from './modules';
import { expandShorthandProperties } from './shorthand';
import { ts, tslabRequire } from './typescript';

type TslabConverter = import('tslab/dist/converter').Converter;
type TslabExecutor = import('tslab/dist/executor').Executor;

/** A compile diagnostic, 1-based line and column, file relative to the notebook when it is not the cell. */
export interface CompileDiagnostic {
  file?: string;
  line: number;
  column: number;
  message: string;
}

export type RunResult =
  | { kind: 'ok'; hasValue: boolean; value?: unknown }
  | { kind: 'compile-error'; diagnostics: CompileDiagnostic[] }
  | { kind: 'exception'; error: unknown };

export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

/** Code that fails as an interrupted cell (server/errors.ts's isInterrupt: an InterruptedError). */
const THROW_INTERRUPTED = 'throw Object.assign(new Error("the cell was interrupted"), { name: "InterruptedError" });';

export class Engine {
  private readonly converter: TslabConverter;
  private readonly executor: TslabExecutor;
  /**
   * Asked once a cell has compiled without errors, just before its code runs: false stops the cell there (an
   * interrupt that arrived while it compiled) with an InterruptedError as its exception.
   */
  beforeRun: (() => boolean) | null = null;
  /** Set for the one cell being run sealed: wraps its compiled code (kernel/assign/seal.ts). */
  private sealing: ((output: string, isAsync: boolean) => string) | null = null;
  private record: { value?: unknown; hasValue: boolean; diagnostics: CompileDiagnostic[]; error?: { e: unknown } } = {
    hasValue: false,
    diagnostics: [],
  };

  constructor(readonly notebookDir: string) {
    this.converter = createRootedConverter(notebookDir);
    const converter = this.converter;
    const convs = {
      // The cell's code runs right after convert returns: the last moment to stop it (see `beforeRun`). Only
      // the code is replaced; tslab still takes in the rest (e.g. the compiled imported files).
      node: {
        ...converter,
        convert: (prevDecl: string, src: string) => {
          const out = converter.convert(prevDecl, src);
          if (out.diagnostics.length === 0 && out.output && this.beforeRun?.() === false)
            return { ...out, output: THROW_INTERRUPTED };
          if (this.sealing && out.diagnostics.length === 0 && out.output) {
            // No prototype: tslab's reads of absent fields must not reach getters a cell put on Object.prototype.
            const sealed = Object.assign(Object.create(null) as typeof out, out);
            sealed.output = this.sealing(out.output, out.hasToplevelAwait === true);
            return sealed;
          }
          return out;
        },
      },
      get browser(): TslabConverter {
        throw new Error('tslab browser mode (/** @browser */ cells) is not supported by kdlab');
      },
      close: () => converter.close(),
    };
    const { createExecutor } = tslabRequire('./executor') as typeof import('tslab/dist/executor');
    this.executor = createExecutor(notebookDir, convs, {
      log: (value: unknown) => {
        this.record.value = value;
        this.record.hasValue = true;
      },
      error: (first: unknown, ...rest: unknown[]) => {
        if (first === '%s%d:%d - %s' && rest.length === 4) {
          const [file, line, column, message] = rest as [string, number, number, string];
          const f = file.trim();
          this.record.diagnostics.push({ file: f ? '/' + f : undefined, line, column, message });
        } else {
          this.record.error = { e: first };
        }
      },
    });
  }

  /**
   * Compiles and runs one cell. Resolves when its top-level awaits settle (or it is interrupted). `seal` wraps
   * the compiled code of this cell only (grading's sealed test cells).
   */
  async run(code: string, seal?: (output: string, isAsync: boolean) => string): Promise<RunResult> {
    pollWatchedFiles();
    this.record = { hasValue: false, diagnostics: [] };
    this.sealing = seal ?? null;
    let ok: boolean;
    try {
      ok = await this.executor.execute(expandShorthandProperties(code));
    } finally {
      this.sealing = null;
    }
    const r = this.record;
    if (r.diagnostics.length > 0) return { kind: 'compile-error', diagnostics: r.diagnostics };
    if (!ok || r.error) return { kind: 'exception', error: r.error ? r.error.e : new Error('execution failed') };
    return r.hasValue ? { kind: 'ok', hasValue: true, value: r.value } : { kind: 'ok', hasValue: false };
  }

  /** Rejects the pending top-level await of the running cell (async interrupt). */
  interrupt(): void {
    this.executor.interrupt();
  }

  /** Declares a module-augmentation file (e.g. typed globals) to the converter; returns its diagnostics. */
  declare(name: string, source: string): CompileDiagnostic[] {
    return this.converter.addModule(name, source).map((d) => ({
      file: d.fileName,
      line: d.start.line + 1,
      column: d.start.character + 1,
      message: d.messageText,
    }));
  }

  /** Completion at a UTF-16 offset: candidates and the replaced span. */
  complete(code: string, offset: number): Completion {
    pollWatchedFiles();
    const info = this.executor.complete(code, offset);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  /** Quick info (signature and docs) at a UTF-16 offset, or null. */
  inspect(code: string, offset: number): string | null {
    pollWatchedFiles();
    const info = this.executor.inspect(code, offset);
    if (!info) return null;
    const signature = (info.displayParts ?? []).map((p) => p.text).join('');
    const docs = (info.documentation ?? []).map((p) => p.text).join('');
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${(t.text ?? []).map((p) => p.text).join('')}`.trimEnd());
    return [signature, docs, ...tags].filter((s) => s.length > 0).join('\n\n');
  }

  close(): void {
    this.executor.close();
  }
}

/**
 * File watching, made synchronous. TypeScript's watch program watches every file it reads and rebuilds when
 * one changes; with real fs watchers those events arrive at arbitrary times (e.g. while `tsc` rewrites dist/)
 * and collide with tslab's single pending-rebuild slot ("Unexpected pending rebuildTimer"). kdlab replaces
 * `ts.sys.watchFile` with a registry whose modification times are compared right before each compile, so a
 * user's edited `.ts` file is still picked up by the next cell, deterministically. Directory watches (only used
 * for wildcard includes and failed lookups, which kdlab's resolver does not need) are no-ops.
 */
type FileWatcherCallback = (fileName: string, kind: number) => void;
const watched = new Map<string, { mtime: number; callbacks: Set<FileWatcherCallback> }>();

function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function installSyncWatchers(): void {
  const sys = ts.sys as unknown as Record<string, unknown>;
  if (sys.__kdlabWatch) return;
  sys.__kdlabWatch = true;
  sys.watchFile = (file: string, callback: FileWatcherCallback) => {
    let w = watched.get(file);
    if (!w) watched.set(file, (w = { mtime: mtimeOf(file), callbacks: new Set() }));
    w.callbacks.add(callback);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (the rule misreads the narrowing here)
    return { close: () => w!.callbacks.delete(callback) };
  };
  sys.watchDirectory = () => ({ close: () => undefined });
}

function pollWatchedFiles(): void {
  for (const [file, w] of watched) {
    const now = mtimeOf(file);
    if (now === w.mtime) continue;
    const kind =
      now < 0
        ? ts.FileWatcherEventKind.Deleted
        : w.mtime < 0
          ? ts.FileWatcherEventKind.Created
          : ts.FileWatcherEventKind.Changed;
    w.mtime = now;
    for (const cb of [...w.callbacks]) cb(file, kind);
  }
}

let onHost:
  ((host: import('@tslab/typescript-for-tslab').WatchCompilerHostOfFilesAndCompilerOptions<never>) => void) | null =
  null;

function installTypeScriptView(): void {
  const file = tslabRequire.resolve('@tslab/typescript-for-tslab');
  const cached = require.cache[file];
  if (!cached || cached.exports !== ts) return; // already installed
  if (require.cache[tslabRequire.resolve('./converter')]) {
    throw new Error('tslab/dist/converter was loaded before the kdlab engine could hook TypeScript');
  }
  const real = ts as unknown as Record<string, unknown>;
  const view: Record<string, unknown> = {};
  for (const k of Object.keys(real))
    if (k !== 'createWatchCompilerHost') Object.defineProperty(view, k, { enumerable: true, get: () => real[k] });
  Object.defineProperty(view, 'createWatchCompilerHost', {
    enumerable: true,
    value: (...args: unknown[]) => {
      const host = (
        real.createWatchCompilerHost as (
          ...a: unknown[]
        ) => import('@tslab/typescript-for-tslab').WatchCompilerHostOfFilesAndCompilerOptions<never>
      )(...args);
      onHost?.(host);
      return host;
    },
  });
  cached.exports = view;
}

/**
 * tslab's converter, created with the compiler's working directory at `/` (so the cell is `/__tslab__.ts`, the
 * program's rootDir is `/` and any file on disk can be compiled and emitted) and a `resolveModuleNames` hook on
 * the watch host it builds (see ./modules). The TypeScript module's exports are read-only getters, so the hook
 * goes through a view of the module installed in the require cache before tslab's converter is first loaded;
 * the view forwards everything and intercepts createWatchCompilerHost only while `onHost` is set.
 */
function createRootedConverter(notebookDir: string): TslabConverter {
  installTypeScriptView();
  installSyncWatchers();
  const { createConverter } = tslabRequire('./converter') as typeof import('tslab/dist/converter');
  const sys = ts.sys;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back as it was, never called
  const originalCwd = sys.getCurrentDirectory;
  sys.getCurrentDirectory = () => '/';
  onHost = (host) => {
    host.resolveModuleNames = makeModuleResolver(ts, notebookDir, host);
  };
  try {
    return createConverter({ isJS: false, isBrowser: false });
  } finally {
    sys.getCurrentDirectory = originalCwd;
    onHost = null;
  }
}
