/**
 * Papermill-style parameters for TypeScript notebooks. A notebook declares its defaults in a cell tagged
 * `parameters` (with `let`, so they can be reassigned); the runner inserts a code cell tagged
 * `injected-parameters` right after it, holding one assignment per `--param k=v` (`quick = true;`).
 * As in papermill, a previous injected cell is replaced, and with no `parameters` cell the injection goes first.
 */
import { Cell, Notebook, newCellId, tags, text } from './notebook';

export type Params = Record<string, unknown>;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Parse `k=v`. The value is JSON when it parses (numbers, booleans, null, arrays, objects, "quoted strings"),
 * otherwise it is taken as a plain string: `--param name=mnist` gives `name = "mnist";`.
 */
export function parseParam(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--param: expected k=v, got '${arg}'`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  if (!IDENT.test(key)) throw new Error(`--param: '${key}' is not a TypeScript identifier (expected letters, digits, _ or $, not starting with a digit)`);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/** TypeScript source for the injected cell. JSON is valid TypeScript expression syntax for every parsed value. */
export function parametersSource(params: Params): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(params)) lines.push(`${k} = ${JSON.stringify(v)};`);
  return lines.join('\n');
}

/** Names declared in the `parameters` cell (`let x`, `var x`, `const x`; also `let a = 1, b = 2`). */
function declaredNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/\b(?:let|var|const)\s+([^;]+)/g)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().match(/^([A-Za-z_$][A-Za-z0-9_$]*)/);
      if (name) names.add(name[1]);
    }
  }
  return names;
}

/**
 * Insert (or replace) the injected-parameters cell in place. Returns warnings for the caller to print:
 * missing `parameters` cell and, unless `checkDeclarations` is false (non-TypeScript kernels),
 * names the notebook does not declare and names declared `const`.
 */
export function injectParameters(nb: Notebook, params: Params, opts: { checkDeclarations?: boolean } = {}): string[] {
  const warnings: string[] = [];
  if (Object.keys(params).length === 0) return warnings;
  const old = nb.cells.findIndex((c) => tags(c).includes('injected-parameters'));
  if (old >= 0) nb.cells.splice(old, 1);
  const at = nb.cells.findIndex((c) => c.cell_type === 'code' && tags(c).includes('parameters'));
  if (at < 0) {
    warnings.push("no cell tagged 'parameters': injected the parameters as the first cell");
  } else if (opts.checkDeclarations !== false) {
    const src = text(nb.cells[at].source);
    const declared = declaredNames(src);
    for (const k of Object.keys(params)) {
      if (!declared.has(k)) warnings.push(`parameter '${k}' is not declared in the 'parameters' cell`);
      else if (new RegExp(`\\bconst\\s+(?:[^;]*,\\s*)?${k.replace(/\$/g, '\\$')}\\b`).test(src)) {
        warnings.push(`parameter '${k}' is declared with const; declare it with let so it can be set`);
      }
    }
  }
  const cell: Cell = {
    id: newCellId(),
    cell_type: 'code',
    source: parametersSource(params),
    metadata: { tags: ['injected-parameters'] },
    outputs: [],
    execution_count: null,
  };
  nb.cells.splice(at + 1, 0, cell);
  return warnings;
}
