/**
 * Input history for `history_request` (tail, range, search), kept in memory for the life of the kernel and,
 * when the environment variable KDLAB_HISTORY_FILE names a file, also appended there (one JSON line per cell)
 * and read back at start, so tail/search reach earlier kernels. Off by default: a kernel writes nothing to the
 * user's home unless asked.
 * Entries are (session, line, input) or, with `output`, (session, line, [input, output]) where line is the
 * execution count and output the text/plain of the execute_result (null if none). Each kernel process is one
 * session, numbered 1 + the highest session in the file (1 without a file); `session` 0 or negative in a
 * range request means "this session", as in IPython.
 * Search patterns are globs matched against the whole input (`*` any run, `?` one character), like IPython's
 * sqlite GLOB.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

export interface HistoryRequest {
  hist_access_type: 'tail' | 'range' | 'search';
  output?: boolean;
  raw?: boolean;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

/** One history entry as history_reply lists it: session, line, input or [input, output]. */
export type HistoryRow = [number, number, string | [string, string | null]];

export class History {
  private readonly entries: HistoryEntry[] = [];
  readonly session: number;

  constructor(private readonly file: string | null = null) {
    if (file && fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        try {
          const e = JSON.parse(line) as HistoryEntry;
          if (Number.isInteger(e.session) && Number.isInteger(e.line) && typeof e.input === 'string')
            this.entries.push(e);
        } catch {
          /* a torn or foreign line: skip it */
        }
      }
    }
    this.session = 1 + this.entries.reduce((m, e) => Math.max(m, e.session), 0);
  }

  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const e = this.current(line);
    if (e) e.output = output;
  }

  /** Appends the finished cell `line` to the history file, if there is one. */
  persist(line: number): void {
    const e = this.current(line);
    if (!this.file || !e) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, JSON.stringify(e) + '\n');
  }

  private current(line: number): HistoryEntry | undefined {
    return this.entries.find((x) => x.session === this.session && x.line === line);
  }

  query(req: HistoryRequest): HistoryRow[] {
    let rows: HistoryEntry[];
    switch (req.hist_access_type) {
      case 'tail':
        rows = lastN(this.entries, req.n);
        break;
      case 'range': {
        const session = req.session === undefined || req.session <= 0 ? this.session : req.session;
        const start = req.start ?? 0;
        const stop = req.stop ?? Infinity;
        rows = this.entries.filter(
          (e) => e.session === session && e.line >= start && (stop <= 0 ? true : e.line < stop),
        );
        break;
      }
      case 'search': {
        const re = globToRegExp(req.pattern ?? '*');
        let hits = this.entries.filter((e) => re.test(e.input));
        if (req.unique) {
          const seen = new Set<string>();
          hits = hits
            .reverse()
            .filter((e) => !seen.has(e.input) && (seen.add(e.input), true))
            .reverse();
        }
        rows = lastN(hits, req.n);
        break;
      }
      default:
        throw new Error(
          `hist_access_type: expected 'tail', 'range' or 'search', got ${JSON.stringify((req as { hist_access_type: unknown }).hist_access_type)}`,
        );
    }
    return rows.map((e) => (req.output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }
}

function lastN<T>(xs: T[], n: number | undefined): T[] {
  return n === undefined || n <= 0 ? xs.slice() : xs.slice(Math.max(0, xs.length - n));
}

/** `a*b?` -> /^a[\s\S]*b[\s\S]$/ ; every other character literal. */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) {
    if (ch === '*') src += '[\\s\\S]*';
    else if (ch === '?') src += '[\\s\\S]';
    else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}
