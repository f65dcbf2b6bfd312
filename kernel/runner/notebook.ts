/**
 * Reading, normalising and writing nbformat 4 notebooks (https://nbformat.readthedocs.io/en/latest/format_description.html).
 * Output files are nbformat 4.5 (every cell has an `id`), serialised like nbformat's JSONWriter:
 * indent 1, sorted keys, multi-line strings split into lists of lines, so diffs stay line-based.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';

export type MultilineString = string | string[];

export interface Output {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  [key: string]: any;
}

export interface Cell {
  id?: string;
  cell_type: 'code' | 'markdown' | 'raw';
  source: MultilineString;
  metadata: Record<string, any>;
  outputs?: Output[];
  execution_count?: number | null;
  [key: string]: any;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, any>;
  cells: Cell[];
}

export const text = (s: MultilineString | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

export function tags(cell: Cell): string[] {
  const t = cell.metadata?.tags;
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
    throw new Error(`${file}: cannot read notebook (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  let nb: any;
  try {
    nb = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${file}: not a valid notebook: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  return checkNotebook(nb, file);
}

export function checkNotebook(nb: any, file: string): Notebook {
  const bad = (what: string) => new Error(`${file}: not a valid nbformat 4 notebook: ${what}`);
  if (!nb || typeof nb !== 'object' || Array.isArray(nb)) throw bad(`expected a JSON object, got ${Array.isArray(nb) ? 'an array' : typeof nb}`);
  if (nb.nbformat !== 4) throw bad(`expected "nbformat": 4, got ${JSON.stringify(nb.nbformat)}`);
  if (!Number.isInteger(nb.nbformat_minor) || nb.nbformat_minor < 0) throw bad(`expected integer "nbformat_minor", got ${JSON.stringify(nb.nbformat_minor)}`);
  if (!Array.isArray(nb.cells)) throw bad(`expected "cells" to be an array, got ${JSON.stringify(nb.cells)?.slice(0, 40)}`);
  if (nb.metadata === undefined) nb.metadata = {};
  const seen = new Set<string>();
  nb.cells.forEach((c: any, i: number) => {
    if (!c || typeof c !== 'object') throw bad(`cell ${i} is not an object`);
    if (!['code', 'markdown', 'raw'].includes(c.cell_type)) throw bad(`cell ${i}: expected cell_type code, markdown or raw, got ${JSON.stringify(c.cell_type)}`);
    if (typeof c.source !== 'string' && !(Array.isArray(c.source) && c.source.every((s: unknown) => typeof s === 'string'))) {
      throw bad(`cell ${i}: expected "source" to be a string or a list of strings`);
    }
    if (!c.metadata || typeof c.metadata !== 'object') c.metadata = {};
    if (c.cell_type === 'code') {
      if (!Array.isArray(c.outputs)) c.outputs = [];
      if (c.execution_count === undefined) c.execution_count = null;
    }
    if (typeof c.id !== 'string' || !CELL_ID.test(c.id) || seen.has(c.id)) c.id = uniqueId(seen);
    seen.add(c.id);
  });
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  return nb as Notebook;
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

function splitBundle(data: Record<string, unknown> | undefined): void {
  if (!data) return;
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
  const copy: Cell = JSON.parse(JSON.stringify(cell));
  if (typeof copy.source === 'string') copy.source = splitLines(copy.source);
  delete copy.metadata.trusted;
  for (const out of copy.outputs ?? []) {
    delete out.transient;
    if (out.output_type === 'stream' && typeof out.text === 'string') out.text = splitLines(out.text);
    if (out.output_type === 'display_data' || out.output_type === 'execute_result') splitBundle(out.data);
  }
  return copy;
}

/** JSON.stringify(v, null, 1) as it reads nested `depth` levels deep. */
const nested = (v: unknown, depth: number): string => JSON.stringify(sortKeys(v), null, 1).replace(/\n/g, `\n${' '.repeat(depth)}`);

/**
 * The text nbformat.write gives (split lines, no transient fields, sorted keys, indent 1, trailing newline),
 * in pieces of at most one cell each: a notebook may be larger than the longest string JavaScript can hold.
 */
export function* notebookText(nb: Notebook): Generator<string> {
  const metadata = JSON.parse(JSON.stringify(nb.metadata ?? {}));
  delete metadata.signature;
  const top: Record<string, unknown> = { ...nb, metadata };
  const keys = Object.keys(top).filter((k) => top[k] !== undefined).sort();
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
  return text(cell.source).split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}
