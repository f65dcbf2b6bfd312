/**
 * The plotly.js figure wrapper. A Figure is plain data — `{data, layout, config}` exactly as plotly.js
 * takes it (https://plotly.com/javascript/reference/) — so it can be written to JSON, shown by any Plotly
 * front end, or rendered by the kdlab kernel (kernel/display turns it into a MIME bundle).
 */

/** One plotly.js trace (scatter, bar, heatmap, ...). Left open: plotly.js has hundreds of attributes. */
export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;
export type Config = Record<string, unknown>;

export interface FigureSpec {
  data: Trace[];
  layout?: Layout;
  config?: Config;
}

/** What `Figure.toJSON()` returns: only arrays, plain objects, strings, finite numbers, booleans and null. */
export interface FigureJSON {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** Tag checked by the display layer (duck typing survives two copies of the module being loaded). */
export const FIGURE_KIND = 'kdlab.figure';

export class Figure {
  readonly kind = FIGURE_KIND;
  data: Trace[];
  layout: Layout;
  config: Config;

  constructor(spec: FigureSpec) {
    if (spec === null || typeof spec !== 'object') {
      throw new Error(`figure: expected an object {data, layout?, config?}, got ${describe(spec)}`);
    }
    if (!Array.isArray(spec.data)) {
      throw new Error(`figure: 'data' must be an array of traces, got ${describe(spec.data)}`);
    }
    spec.data.forEach((t, i) => {
      if (t === null || typeof t !== 'object' || Array.isArray(t)) {
        throw new Error(`figure: data[${i}] must be a trace object, got ${describe(t)}`);
      }
    });
    for (const key of ['layout', 'config'] as const) {
      const v = spec[key];
      if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
        throw new Error(`figure: '${key}' must be an object when given, got ${describe(v)}`);
      }
    }
    this.data = spec.data;
    this.layout = spec.layout ?? {};
    this.config = spec.config ?? {};
  }

  /**
   * Plain plotly.js JSON. Typed arrays become arrays and non-finite numbers become null (JSON has no
   * NaN; plotly.js draws null as a gap), so the result survives JSON.stringify and nbformat unchanged.
   */
  toJSON(): FigureJSON {
    return {
      data: this.data.map((t) => toPlain(t) as Record<string, unknown>),
      layout: toPlain(this.layout) as Record<string, unknown>,
      config: toPlain(this.config) as Record<string, unknown>,
    };
  }
}

/** `kd.plot.figure({data, layout?, config?})` — wrap any plotly.js figure. */
export function figure(spec: FigureSpec): Figure {
  return new Figure(spec);
}

export function isFigure(value: unknown): value is Figure {
  return (
    value instanceof Figure ||
    (value !== null &&
      typeof value === 'object' &&
      (value as { kind?: unknown }).kind === FIGURE_KIND &&
      Array.isArray((value as Figure).data) &&
      typeof (value as Figure).toJSON === 'function')
  );
}

/** Deep copy into JSON-safe plain data (see Figure.toJSON). Functions and undefined are dropped. */
export function toPlain(value: unknown): unknown {
  if (value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object') return undefined;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : null));
  }
  if (Array.isArray(value))
    return value.map((v) => {
      const p = toPlain(v);
      return p === undefined ? null : p;
    });
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = toPlain(v);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only primitives and functions get here: none prints [object Object]
  return `${typeof v} ${String(v)}`;
}
