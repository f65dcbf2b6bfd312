/**
 * Reading, normalising and writing nbformat 4 notebooks (https://nbformat.readthedocs.io/en/latest/format_description.html).
 * Output files are nbformat 4.5 (every cell has an `id`), serialised like nbformat's JSONWriter:
 * indent 1, sorted keys, multi-line strings split into lists of lines, so diffs stay line-based.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';

export type MultilineString = string | string[];

/** MIME type → representation (a string, a list of lines, or JSON for application/*+json types). */
export type MimeData = Record<string, unknown>;

/** The four nbformat 4 output types (nbformat/v4/nbformat.v4.schema.json). */
export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeData;
  metadata: Record<string, unknown>;
  /** The message's transient fields (display_id), which some tools keep in memory; never written to a file. */
  transient?: Record<string, unknown>;
}

export interface ExecuteResultOutput extends Omit<DisplayDataOutput, 'output_type'> {
  output_type: 'execute_result';
  execution_count: number | null;
}

export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CellMetadata {
  /** A list of strings in a valid notebook; read through tags(), which ignores anything else. */
  tags?: unknown;
  [key: string]: unknown;
}

/** Fields other tools add (attachments, say) are kept as read: the runner writes back what it did not touch. */
export interface Cell {
  /** Always set on a notebook checkNotebook returned (nbformat 4.5). */
  id?: string;
  cell_type: 'code' | 'markdown' | 'raw';
  source: MultilineString;
  metadata: CellMetadata;
  /** Code cells only. */
  outputs?: Output[];
  /** Code cells only. */
  execution_count?: number | null;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

export const text = (s: MultilineString | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));

export function tags(cell: Cell): string[] {
  const t = cell.metadata.tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/** A fresh cell id, like nbformat's random_cell_id (8 hex digits). */
export const newCellId = (): string => crypto.randomBytes(4).toString('hex');

/**
 * Parse and check a notebook file. Errors name the file and say what was expected.
 * Upgrades 4.0–4.4 to 4.5 by adding missing or invalid cell ids; keeps everything else as is.
 */
export function readNotebook(file: string): Notebook {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read notebook (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  let nb: unknown;
  try {
    nb = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${file}: not a valid notebook: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  return checkNotebook(nb, file);
}

/** A JSON object (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isMultiline = (v: unknown): v is MultilineString =>
  typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
const OUTPUT_TYPES: readonly string[] = ['stream', 'display_data', 'execute_result', 'error'];

/**
 * Check a parsed notebook (in place: the result is `nb`) and upgrade it to 4.5 (see readNotebook).
 * Outputs are checked for the fields this package reads and writes back; other fields are kept as they are.
 */
export function checkNotebook(nb: unknown, file: string): Notebook {
  const bad = (what: string) => new Error(`${file}: not a valid nbformat 4 notebook: ${what}`);
  if (!isRecord(nb)) throw bad(`expected a JSON object, got ${Array.isArray(nb) ? 'an array' : typeof nb}`);
  if (nb.nbformat !== 4) throw bad(`expected "nbformat": 4, got ${JSON.stringify(nb.nbformat)}`);
  const minor = nb.nbformat_minor;
  if (typeof minor !== 'number' || !Number.isInteger(minor) || minor < 0)
    throw bad(`expected integer "nbformat_minor", got ${JSON.stringify(minor)}`);
  const cells = nb.cells;
  if (!Array.isArray(cells)) throw bad(`expected "cells" to be an array, got ${JSON.stringify(cells)?.slice(0, 40)}`);
  if (nb.metadata === undefined) nb.metadata = {};
  const seen = new Set<string>();
  cells.forEach((c: unknown, i: number) => {
    if (!c || typeof c !== 'object') throw bad(`cell ${i} is not an object`);
    const cell = c as Record<string, unknown>;
    if (!['code', 'markdown', 'raw'].includes(cell.cell_type as string))
      throw bad(`cell ${i}: expected cell_type code, markdown or raw, got ${JSON.stringify(cell.cell_type)}`);
    if (!isMultiline(cell.source)) {
      throw bad(`cell ${i}: expected "source" to be a string or a list of strings`);
    }
    if (!cell.metadata || typeof cell.metadata !== 'object') cell.metadata = {};
    if (cell.cell_type === 'code') {
      if (!Array.isArray(cell.outputs)) cell.outputs = [];
      (cell.outputs as unknown[]).forEach((o, j) => checkOutput(o, (what) => bad(`cell ${i}, output ${j}: ${what}`)));
      if (cell.execution_count === undefined) cell.execution_count = null;
    }
    if (typeof cell.id !== 'string' || !CELL_ID.test(cell.id) || seen.has(cell.id)) cell.id = uniqueId(seen);
    seen.add(cell.id as string);
  });
  if (minor < 5) nb.nbformat_minor = 5;
  return nb as unknown as Notebook;
}

/** The fields an output of its output_type must have (nbformat 4's schema) for the runner to read and write it. */
function checkOutput(o: unknown, bad: (what: string) => Error): void {
  if (!isRecord(o)) throw bad('expected an object');
  if (!OUTPUT_TYPES.includes(o.output_type as string)) {
    throw bad(
      `expected output_type stream, display_data, execute_result or error, got ${JSON.stringify(o.output_type)}`,
    );
  }
  if (o.output_type === 'stream' && !isMultiline(o.text))
    throw bad('expected stream "text" to be a string or a list of strings');
  if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && !isRecord(o.data))
    throw bad(`expected ${o.output_type} "data" to be an object`);
  if (o.output_type === 'error' && !(Array.isArray(o.traceback) && o.traceback.every((t) => typeof t === 'string'))) {
    throw bad('expected error "traceback" to be a list of strings');
  }
}

function uniqueId(seen: Set<string>): string {
  for (;;) {
    const id = newCellId();
    if (!seen.has(id)) return id;
  }
}

const NON_TEXT_SPLIT = new Set(['application/javascript', 'image/svg+xml']);

/** nbformat's split_lines: like Python's str.splitlines(True) on '\n' (what notebooks use). */
export function splitLines(s: string): string[] {
  const parts = s.match(/[^\n]*\n|[^\n]+$/g);
  return parts ?? [];
}

function splitBundle(data: MimeData): void {
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' && (k.startsWith('text/') || NON_TEXT_SPLIT.has(k))) data[k] = splitLines(v);
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/** A cell as nbformat.write stores it: lines split, transient fields dropped (on a copy). */
function storedCell(cell: Cell): Cell {
  const copy = JSON.parse(JSON.stringify(cell)) as Cell;
  if (typeof copy.source === 'string') copy.source = splitLines(copy.source);
  delete copy.metadata.trusted;
  for (const out of copy.outputs ?? []) {
    if (out.output_type === 'stream' && typeof out.text === 'string') out.text = splitLines(out.text);
    if (out.output_type === 'display_data' || out.output_type === 'execute_result') {
      delete out.transient;
      splitBundle(out.data);
    }
  }
  return copy;
}

/** JSON.stringify(v, null, 1) as it reads nested `depth` levels deep. */
const nested = (v: unknown, depth: number): string =>
  JSON.stringify(sortKeys(v), null, 1).replace(/\n/g, `\n${' '.repeat(depth)}`);

/**
 * The text nbformat.write gives (split lines, no transient fields, sorted keys, indent 1, trailing newline),
 * in pieces of at most one cell each: a notebook may be larger than the longest string JavaScript can hold.
 */
export function* notebookText(nb: Notebook): Generator<string> {
  const metadata = JSON.parse(JSON.stringify(nb.metadata ?? {})) as Record<string, unknown>;
  delete metadata.signature;
  const top: Record<string, unknown> = { ...nb, metadata };
  const keys = Object.keys(top)
    .filter((k) => top[k] !== undefined)
    .sort();
  yield '{';
  for (const [i, k] of keys.entries()) {
    yield `${i ? ',' : ''}\n ${JSON.stringify(k)}: `;
    if (k !== 'cells' || !Array.isArray(nb.cells) || nb.cells.length === 0) {
      yield nested(top[k], 1);
      continue;
    }
    yield '[';
    for (const [j, cell] of nb.cells.entries()) yield `${j ? ',' : ''}\n  ${nested(storedCell(cell), 2)}`;
    yield '\n ]';
  }
  yield '\n}\n';
}

export function serializeNotebook(nb: Notebook): string {
  return [...notebookText(nb)].join('');
}

/** Write atomically (temp file + rename), so an interrupted run never leaves half a notebook behind. */
export function writeNotebook(file: string, nb: Notebook): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const part of notebookText(nb)) fs.writeSync(fd, part);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** First non-empty line of a cell's source, for error reports. */
export function firstLine(cell: Cell): string {
  return (
    text(cell.source)
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}
