/**
 * Papermill-style parameters for TypeScript notebooks. A notebook declares its defaults in a cell tagged
 * `parameters` (with `let`, so they can be reassigned); the runner inserts a code cell tagged
 * `injected-parameters` right after it, holding one assignment per `--param k=v` (`quick = true;`).
 * As in papermill, a previous injected cell is replaced, and with no `parameters` cell the injection goes first.
 *
 * For TypeScript kernels the parameters are checked against the declarations BEFORE any kernel starts
 * (`checkParameters`), so a typo is a usage error instead of a run with the defaults: the name must be declared
 * with `let`/`var`, and a value must have the declared type when that type is plain (number, boolean, string,
 * from an annotation or a literal initialiser). Anything subtler is left to the kernel's type check of the
 * injected cell, whose failure stops the notebook even with --allow-errors (see execute.ts).
 */
import Module = require('module');
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
  if (!IDENT.test(key))
    throw new Error(
      `--param: '${key}' is not a TypeScript identifier (expected letters, digits, _ or $, not starting with a digit)`,
    );
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/**
 * Source of the injected cell. JSON is valid TypeScript expression syntax for every parsed value.
 * TypeScript gets a final `void 0;`: otherwise the last assignment's value would come back as the cell's Out[…],
 * where papermill's injected cell (Python assignments) has none.
 */
export function parametersSource(params: Params, opts: { typescript: boolean }): string {
  const lines = Object.entries(params).map(([k, v]) => `${k} = ${JSON.stringify(v)};`);
  if (opts.typescript) lines.push('void 0; // no Out[] for this cell');
  return lines.join('\n');
}

export interface Declaration {
  kind: 'let' | 'var' | 'const';
  /** The declared type when it is plain: from `: number` etc., or from a literal initialiser (`= 2`). */
  type?: 'number' | 'boolean' | 'string';
  /** The declaration as written, for messages (`let quick = false`). */
  text: string;
}

type TS = typeof import('typescript');
let tsModule: TS | undefined;
/** The TypeScript compiler the kernel compiles cells with (tslab's), loaded only when parameters are checked. */
function typescript(): TS {
  tsModule ??= Module.createRequire(require.resolve('tslab/dist/converter.js'))('@tslab/typescript-for-tslab') as TS;
  return tsModule;
}

/** Top-level `let`/`var`/`const` declarations of a cell, by name, parsed with the TypeScript compiler. */
export function declarations(source: string): Map<string, Declaration> {
  const ts = typescript();
  const file = ts.createSourceFile('parameters.ts', source, ts.ScriptTarget.Latest, true);
  const found = new Map<string, Declaration>();
  const plain = (node: import('typescript').Node | undefined): Declaration['type'] => {
    if (!node) return undefined;
    switch (node.kind) {
      case ts.SyntaxKind.NumberKeyword:
      case ts.SyntaxKind.NumericLiteral:
        return 'number';
      case ts.SyntaxKind.BooleanKeyword:
      case ts.SyntaxKind.TrueKeyword:
      case ts.SyntaxKind.FalseKeyword:
        return 'boolean';
      case ts.SyntaxKind.StringKeyword:
      case ts.SyntaxKind.StringLiteral:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
        return 'string';
      case ts.SyntaxKind.PrefixUnaryExpression: {
        const u = node as import('typescript').PrefixUnaryExpression;
        return u.operator === ts.SyntaxKind.MinusToken && u.operand.kind === ts.SyntaxKind.NumericLiteral
          ? 'number'
          : undefined;
      }
      default:
        return undefined;
    }
  };
  for (const st of file.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const flags = st.declarationList.flags;
    const kind = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      // An annotation decides the type; without one TypeScript widens a literal initialiser (`= 2` is a number).
      const type = d.type ? plain(d.type) : plain(d.initializer);
      found.set(d.name.text, { kind, type, text: `${kind} ${d.getText(file)}` });
    }
  }
  return found;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Problems with `params` for notebook `nb` (its path is `file`), as messages for a usage error; empty when the
 * parameters can be injected. Only for TypeScript kernels: other languages' declarations are not parsed here.
 */
export function checkParameters(nb: Notebook, params: Params, file: string): string[] {
  const names = Object.keys(params);
  if (names.length === 0) return [];
  const cell = nb.cells.find((c) => c.cell_type === 'code' && tags(c).includes('parameters'));
  if (!cell) return [`${file}: has no cell tagged 'parameters', so it takes no --param (got ${names.join(', ')})`];
  const declared = declarations(text(cell.source));
  const settable = [...declared].filter(([, d]) => d.kind !== 'const').map(([n]) => n);
  const problems: string[] = [];
  for (const name of names) {
    const d = declared.get(name);
    const value = params[name];
    if (!d) {
      problems.push(
        `${file}: '${name}' is not declared in the 'parameters' cell; it declares ${settable.length ? settable.join(', ') : 'no settable names'}`,
      );
    } else if (d.kind === 'const') {
      problems.push(
        `${file}: '${name}' is declared with const in the 'parameters' cell (\`${d.text}\`); declare it with let so it can be set`,
      );
    } else if (d.type && typeof value !== d.type) {
      const hint = d.type === 'string' ? ` (quote it: --param '${name}="${String(JSON.stringify(value))}"')` : '';
      problems.push(
        `${file}: '${name}' is a ${d.type} in the 'parameters' cell (\`${d.text}\`), got ${typeOf(value)} ${JSON.stringify(value)}${hint}`,
      );
    }
  }
  return problems;
}

/**
 * Insert (or replace) the injected-parameters cell in place. Returns warnings for the caller to print
 * (no `parameters` cell: the injection goes first — reachable for non-TypeScript kernels, which are not checked).
 */
export function injectParameters(nb: Notebook, params: Params, opts: { typescript: boolean }): string[] {
  const warnings: string[] = [];
  if (Object.keys(params).length === 0) return warnings;
  const old = nb.cells.findIndex((c) => tags(c).includes('injected-parameters'));
  if (old >= 0) nb.cells.splice(old, 1);
  const at = nb.cells.findIndex((c) => c.cell_type === 'code' && tags(c).includes('parameters'));
  if (at < 0) warnings.push("no cell tagged 'parameters': injected the parameters as the first cell");
  const cell: Cell = {
    id: newCellId(),
    cell_type: 'code',
    source: parametersSource(params, opts),
    metadata: { tags: ['injected-parameters'] },
    outputs: [],
    execution_count: null,
  };
  nb.cells.splice(at + 1, 0, cell);
  return warnings;
}
