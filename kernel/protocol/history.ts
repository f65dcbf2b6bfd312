/**
 * Input history for `history_request` (tail, range, search), kept in memory for the life of the kernel.
 * Entries are (session, line, input) or, with `output`, (session, line, [input, output]) where line is the
 * execution count and output the text/plain of the execute_result (null if none). There is one session per
 * kernel process, numbered 1; `session` 0 or negative in a range request means "this session", as in IPython.
 * Search patterns are globs matched against the whole input (`*` any run, `?` one character), like IPython's
 * sqlite GLOB.
 */
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

type Row = [number, number, string | [string, string | null]];

export class History {
  private readonly entries: HistoryEntry[] = [];
  constructor(readonly session = 1) {}

  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const e = this.entries.find((x) => x.line === line);
    if (e) e.output = output;
  }

  query(req: HistoryRequest): Row[] {
    let rows: HistoryEntry[];
    switch (req.hist_access_type) {
      case 'tail':
        rows = lastN(this.entries, req.n);
        break;
      case 'range': {
        const session = req.session === undefined || req.session <= 0 ? this.session : req.session;
        const start = req.start ?? 0;
        const stop = req.stop ?? Infinity;
        rows = this.entries.filter((e) => e.session === session && e.line >= start && (stop <= 0 ? true : e.line < stop));
        break;
      }
      case 'search': {
        const re = globToRegExp(req.pattern ?? '*');
        let hits = this.entries.filter((e) => re.test(e.input));
        if (req.unique) {
          const seen = new Set<string>();
          hits = hits.reverse().filter((e) => !seen.has(e.input) && (seen.add(e.input), true)).reverse();
        }
        rows = lastN(hits, req.n);
        break;
      }
      default:
        throw new Error(`hist_access_type: expected 'tail', 'range' or 'search', got ${JSON.stringify((req as { hist_access_type: unknown }).hist_access_type)}`);
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
