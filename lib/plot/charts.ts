/**
 * Line and bar helpers for the curriculum's recurring plots: learning curves, grouped result bars,
 * temperature-softened distributions and 2-D embedding scatters. Each returns a plain Figure.
 */
import { Figure, describe } from './figure';
import { Numbers, numbers, sameLength, strings, fmt, isTensorLike } from './validate';
import { baseLayout, colour, translucent } from './style';

export interface CurveSeries {
  name: string;
  /** The curve itself (e.g. mean over runs). Give `y` or `runs`. */
  y?: Numbers;
  /** Several runs of equal length: the curve is their mean and the band ±1 sample standard deviation. */
  runs?: Numbers[];
  /** Half-width of the shaded band around `y` (same length as `y`, ≥ 0), e.g. a standard deviation. */
  std?: Numbers;
  /** x positions; defaults to 1..n (epochs counted from 1). */
  x?: Numbers;
  dash?: boolean;
}

export interface CurvesOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logY?: boolean;
  /** Log-scale x axis (e.g. training-set size over decades); x values must then be > 0. */
  logX?: boolean;
}

/**
 * Learning curves: several named series over epochs, with optional mean ± std bands.
 * `curves({teacher: [..], student: [..]})` or `curves([{name, runs: [[..],[..]]}, ...])`.
 * Used in chapter 4 (gradient norms, validation curves and sweeps) and chapter 1 (learning curves over training-set
 * size, `logX`; model size against accuracy).
 */
export function curves(series: Record<string, Numbers> | CurveSeries[], opts: CurvesOptions = {}): Figure {
  const list: CurveSeries[] = Array.isArray(series)
    ? series
    : series !== null && typeof series === 'object'
      ? Object.entries(series).map(([name, y]) => ({ name, y }))
      : [];
  if (list.length === 0) throw new Error(`curves: 'series' must name at least one series, got ${describe(series)}`);
  const data: Record<string, unknown>[] = [];
  list.forEach((s, i) => {
    const label = `curves: series ${JSON.stringify(s?.name ?? i)}`;
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string') {
      throw new Error(`curves: series[${i}] must be {name: string, y | runs}, got ${describe(s)}`);
    }
    let y: number[];
    let band: number[] | undefined;
    if (s.runs !== undefined) {
      if (s.y !== undefined) throw new Error(`${label}: give 'y' or 'runs', not both`);
      if (!Array.isArray(s.runs) || s.runs.length === 0)
        throw new Error(`${label}.runs: expected a non-empty array of runs, got ${describe(s.runs)}`);
      const runs = s.runs.map((r, k) => numbers(`${label}.runs[${k}]`, r));
      runs.forEach((r, k) => sameLength(`${label}.runs[0]`, runs[0].length, `${label}.runs[${k}]`, r.length));
      y = runs[0].map((_, e) => runs.reduce((a, r) => a + r[e], 0) / runs.length);
      // Sample standard deviation (n-1); a single run has no spread, so no band.
      band =
        runs.length > 1
          ? y.map((m, e) => Math.sqrt(runs.reduce((a, r) => a + (r[e] - m) ** 2, 0) / (runs.length - 1)))
          : undefined;
    } else {
      y = numbers(`${label}.y`, s.y);
    }
    if (s.std !== undefined) {
      if (band) throw new Error(`${label}: 'std' cannot be combined with 'runs' (the band comes from the runs)`);
      band = numbers(`${label}.std`, s.std);
      sameLength(`${label}.y`, y.length, `${label}.std`, band.length);
      band.forEach((d, e) => {
        if (d < 0) throw new Error(`${label}.std[${e}]: expected ≥ 0, got ${d}`);
      });
    }
    const x = s.x === undefined ? y.map((_, e) => e + 1) : numbers(`${label}.x`, s.x);
    sameLength(`${label}.y`, y.length, `${label}.x`, x.length);
    const c = colour(i);
    if (band) {
      // One closed polygon: upper edge left→right, lower edge right→left, filled in the series colour.
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: [...x, ...[...x].reverse()],
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (the rule misreads the narrowing here)
        y: [...y.map((m, e) => m + band![e]), ...y.map((m, e) => m - band![e]).reverse()],
        fill: 'toself',
        fillcolor: translucent(c, 0.2),
        line: { width: 0, color: c },
        hoverinfo: 'skip',
        showlegend: false,
        name: `${s.name} ± std`,
        legendgroup: s.name,
      });
    }
    data.push({
      type: 'scatter',
      mode: y.length > 30 ? 'lines' : 'lines+markers',
      name: s.name,
      x,
      y,
      line: { color: c, dash: s.dash ? 'dash' : 'solid' },
      legendgroup: s.name,
    });
  });
  const layout = baseLayout(opts.title ?? 'Learning curves', opts.xTitle ?? 'epoch', opts.yTitle ?? 'loss');
  // Epochs are whole numbers: keep ticks on integers (plotly would otherwise label 1.5, 2.5, ...).
  const xs = data.filter((t) => t.fill === undefined).flatMap((t) => t.x as number[]);
  if (opts.logX) {
    const bad = xs.find((v) => !(v > 0));
    if (bad !== undefined) throw new Error(`curves: logX needs every x > 0, got ${bad}`);
    (layout.xaxis as Record<string, unknown>).type = 'log';
  } else if (xs.every(Number.isInteger)) {
    const span = Math.max(...xs) - Math.min(...xs);
    Object.assign(layout.xaxis as Record<string, unknown>, { tick0: 0, dtick: Math.max(1, Math.ceil(span / 10)) });
  }
  if (opts.logY) (layout.yaxis as Record<string, unknown>).type = 'log';
  return new Figure({ data, layout });
}

/** Minimal shape of kd.distill's History, for `lossCurves`. */
export interface HistoryLike {
  epochs: { epoch: number; losses: Record<string, number>; validation?: { accuracy: number; loss: number } }[];
}

/** Per-epoch loss terms of a Distiller History as curves (one series per loss key, plus validation loss). */
export function lossCurves(history: HistoryLike, opts: CurvesOptions & { keys?: string[] } = {}): Figure {
  if (!history || !Array.isArray(history.epochs) || history.epochs.length === 0) {
    throw new Error(`lossCurves: 'history' must have a non-empty 'epochs' array, got ${describe(history?.epochs)}`);
  }
  const keys = opts.keys ?? Object.keys(history.epochs[0].losses);
  const series: CurveSeries[] = keys.map((k) => ({
    name: k,
    x: history.epochs.map((e) => e.epoch + 1),
    y: history.epochs.map((e, i) => {
      if (!(k in e.losses)) throw new Error(`lossCurves: history.epochs[${i}].losses has no key '${k}'`);
      return e.losses[k];
    }),
  }));
  if (opts.keys === undefined && history.epochs.every((e) => e.validation)) {
    series.push({
      name: 'validation',
      dash: true,
      x: history.epochs.map((e) => e.epoch + 1),
      y: history.epochs.map((e) => e.validation!.loss),
    });
  }
  return curves(series, opts);
}

export interface BarSeries {
  name: string;
  y: Numbers;
  error?: Numbers;
}
export interface BarsOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  showValues?: boolean;
}

/**
 * Grouped bars, optional symmetric error bars. Either one value per category
 * (`bars({teacher: 146, student: 201, distilled: 159})`) or several series over shared categories
 * (`bars({categories: [...], series: {run1: [...], run2: [...]}})` / series as `{name, y, error?}[]`).
 */
export function bars(
  input: Record<string, number> | { categories: string[]; series: Record<string, Numbers> | BarSeries[] },
  opts: BarsOptions = {},
): Figure {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error(`bars: expected {category: value} or {categories, series}, got ${describe(input)}`);
  }
  let categories: string[];
  let series: BarSeries[];
  if ('categories' in input && Array.isArray((input as { categories: unknown }).categories)) {
    const g = input as { categories: string[]; series: Record<string, Numbers> | BarSeries[] };
    categories = strings('bars: categories', g.categories);
    if (categories.length === 0) throw new Error('bars: categories must not be empty');
    if (g.series === null || typeof g.series !== 'object')
      throw new Error(`bars: series must be an object or array, got ${describe(g.series)}`);
    series = Array.isArray(g.series) ? g.series : Object.entries(g.series).map(([name, y]) => ({ name, y }));
    if (series.length === 0) throw new Error('bars: series must not be empty');
  } else {
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length === 0) throw new Error('bars: expected at least one category');
    categories = entries.map(([k]) => k);
    series = [
      {
        name: opts.yTitle ?? 'value',
        y: numbers(
          'bars: values',
          entries.map(([, v]) => v),
        ),
      },
    ];
  }
  const showValues = opts.showValues ?? true;
  const data = series.map((s, i) => {
    const name = `bars: series ${JSON.stringify(s?.name ?? i)}`;
    const y = numbers(`${name}.y`, s.y);
    sameLength('bars: categories', categories.length, `${name}.y`, y.length);
    const trace: Record<string, unknown> = {
      type: 'bar',
      name: s.name,
      x: categories,
      y,
      marker: { color: colour(i) },
    };
    if (s.error !== undefined) {
      const err = numbers(`${name}.error`, s.error);
      sameLength(`${name}.y`, y.length, `${name}.error`, err.length);
      err.forEach((e, k) => {
        if (e < 0) throw new Error(`${name}.error[${k}]: expected ≥ 0, got ${e}`);
      });
      trace.error_y = { type: 'data', array: err, visible: true };
    }
    if (showValues) {
      trace.text = y.map(fmt);
      trace.textposition = 'outside';
    }
    return trace;
  });
  const layout = baseLayout(opts.title, opts.xTitle, opts.yTitle);
  layout.barmode = 'group';
  layout.showlegend = series.length > 1;
  return new Figure({ data, layout });
}

/**
 * Class distributions side by side — e.g. softmax(z/T) for several temperatures T (Hinton et al. 2015):
 * `probabilities({'T=1': p1, 'T=4': p4}, {classes: ['0',...,'9']})`. Each distribution must be
 * non-negative and sum to 1 (±1e-3, float32 softmax).
 * Used in chapter 4 (the softened teacher outputs of §4.1).
 */
export function probabilities(
  dists: Record<string, Numbers>,
  opts: { classes?: string[]; title?: string; xTitle?: string; yTitle?: string } = {},
): Figure {
  if (dists === null || typeof dists !== 'object' || Array.isArray(dists) || isTensorLike(dists)) {
    throw new Error(`probabilities: expected {name: distribution}, got ${describe(dists)}`);
  }
  const entries = Object.entries(dists);
  if (entries.length === 0) throw new Error('probabilities: expected at least one distribution');
  const ps = entries.map(([name, p]) => [name, numbers(`probabilities: ${JSON.stringify(name)}`, p)] as const);
  const k = ps[0][1].length;
  const classes =
    opts.classes === undefined
      ? Array.from({ length: k }, (_, i) => String(i))
      : strings('probabilities: classes', opts.classes, k);
  for (const [name, p] of ps) {
    sameLength(`probabilities: ${JSON.stringify(ps[0][0])}`, k, `probabilities: ${JSON.stringify(name)}`, p.length);
    p.forEach((v, i) => {
      if (v < 0 || v > 1 + 1e-6)
        throw new Error(`probabilities: ${JSON.stringify(name)}[${i}]: expected a probability in [0,1], got ${v}`);
    });
    const sum = p.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-3) throw new Error(`probabilities: ${JSON.stringify(name)} must sum to 1, got ${sum}`);
  }
  const data = ps.map(([name, p], i) => ({ type: 'bar', name, x: classes, y: p, marker: { color: colour(i) } }));
  const layout = baseLayout(opts.title ?? 'Class probabilities', opts.xTitle ?? 'class', opts.yTitle ?? 'probability');
  layout.barmode = 'group';
  (layout.yaxis as Record<string, unknown>).range = [0, 1];
  (layout.xaxis as Record<string, unknown>).type = 'category';
  return new Figure({ data, layout });
}

/**
 * 2-D embedding scatter coloured by label (one trace per class, so the legend toggles classes).
 * points: number[][] of [x, y] pairs, a flat array [x0,y0,x1,y1,...], or a tensor [n, 2].
 * `links`: pairs of point indices joined by thin grey segments drawn under the points (the pairwise structure
 * relational KD transfers, chapter 6).
 */
export function scatter(
  points: number[][] | Numbers | { shape: number[]; dataSync(): ArrayLike<number> },
  labels: ArrayLike<number | string>,
  opts: {
    title?: string;
    xTitle?: string;
    yTitle?: string;
    classNames?: string[];
    markerSize?: number;
    links?: Array<[number, number]>;
  } = {},
): Figure {
  let flat: number[];
  if (isTensorLike(points)) {
    if (points.shape.length !== 2 || points.shape[1] !== 2)
      throw new Error(`scatter: points tensor must have shape [n,2], got [${points.shape.join(',')}]`);
    flat = numbers('scatter: points', points.dataSync());
  } else if (Array.isArray(points) && points.length > 0 && typeof points[0] !== 'number') {
    flat = [];
    (points as unknown[]).forEach((p, i) => {
      const xy = numbers(`scatter: points[${i}]`, p);
      if (xy.length !== 2) throw new Error(`scatter: points[${i}]: expected [x, y], got ${xy.length} values`);
      flat.push(xy[0], xy[1]);
    });
  } else {
    flat = numbers('scatter: points', points);
    if (flat.length % 2 !== 0)
      throw new Error(`scatter: flat points must have even length (x0,y0,x1,y1,...), got ${flat.length}`);
  }
  const n = flat.length / 2;
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<unknown>).length !== 'number') {
    throw new Error(`scatter: labels must be an array with one label per point, got ${describe(labels)}`);
  }
  sameLength('scatter: points', n, 'scatter: labels', labels.length);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = String(labels[i]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const na = Number(a),
      nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
  });
  const data = keys.map((key, i) => {
    const idx = groups.get(key)!;
    const name =
      opts.classNames && Number.isInteger(Number(key)) && opts.classNames[Number(key)] !== undefined
        ? opts.classNames[Number(key)]
        : key;
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      x: idx.map((j) => flat[2 * j]),
      y: idx.map((j) => flat[2 * j + 1]),
      marker: { color: colour(i), size: opts.markerSize ?? 5, opacity: 0.8 },
    };
  });
  const traces: Record<string, unknown>[] = opts.links === undefined ? data : [linkTrace(flat, n, opts.links), ...data];
  const layout = baseLayout(opts.title ?? 'Embedding', opts.xTitle ?? 'dimension 1', opts.yTitle ?? 'dimension 2');
  layout.legend = { title: { text: 'label' } };
  return new Figure({ data: traces, layout });
}

/** One 'lines' trace for all links: segments separated by nulls (Plotly breaks the line there). */
function linkTrace(flat: number[], n: number, links: unknown): Record<string, unknown> {
  if (!Array.isArray(links))
    throw new Error(`scatter: links must be an array of [i, j] index pairs, got ${describe(links)}`);
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  links.forEach((l: unknown, k) => {
    const ok =
      Array.isArray(l) &&
      l.length === 2 &&
      l.every((i) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n);
    if (!ok)
      throw new Error(`scatter: links[${k}] must be a pair [i, j] of point indices in [0, ${n}), got ${describe(l)}`);
    const [i, j] = l as [number, number];
    x.push(flat[2 * i], flat[2 * j], null);
    y.push(flat[2 * i + 1], flat[2 * j + 1], null);
  });
  return {
    type: 'scatter',
    mode: 'lines',
    name: 'links',
    x,
    y,
    line: { color: 'rgba(120,120,120,0.35)', width: 1 },
    hoverinfo: 'skip',
    showlegend: false,
  };
}

export interface HistogramsOptions {
  /** Number of equal-width bins (default 30). */
  bins?: number;
  /** [low, high] of the bins (default: the smallest and largest value over all series). Every value must lie in it. */
  range?: [number, number];
  title?: string;
  xTitle?: string;
  yTitle?: string;
}

/**
 * Distributions of several samples on shared bins, one outline per series, each as the FRACTION of its values per
 * bin (so samples of different sizes compare). Bin i covers [low + i·w, low + (i+1)·w), the last bin includes high.
 * Used in chapter 6 (§6.1: the distributions of the angles RKD matches, teacher against student).
 * @param series `{ name: values }`
 * @example
 * kd.plot.histograms({ teacher: tCos, student: sCos }, { bins: 40, range: [-1, 1], xTitle: 'cos angle' });
 */
export function histograms(series: Record<string, Numbers>, opts: HistogramsOptions = {}): Figure {
  if (series === null || typeof series !== 'object' || Array.isArray(series) || isTensorLike(series))
    throw new Error(`histograms: expected {name: values}, got ${describe(series)}`);
  const entries = Object.entries(series).map(
    ([name, v]) => [name, numbers(`histograms: ${JSON.stringify(name)}`, v, { minLength: 1 })] as const,
  );
  if (entries.length === 0) throw new Error('histograms: expected at least one series');
  const bins = opts.bins ?? 30;
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`histograms: bins must be an integer >= 1, got ${bins}`);
  const all = entries.flatMap(([, v]) => v);
  const [low, high] = opts.range ?? [Math.min(...all), Math.max(...all)];
  if (!(Number.isFinite(low) && Number.isFinite(high) && high >= low))
    throw new Error(`histograms: range must be [low, high] with low <= high, got [${low}, ${high}]`);
  const width = high > low ? (high - low) / bins : 1;
  const centres = Array.from({ length: bins }, (_, i) => low + (i + 0.5) * width);
  const data = entries.map(([name, v], s) => {
    const counts = new Array<number>(bins).fill(0);
    v.forEach((x, k) => {
      if (x < low || x > high)
        throw new Error(`histograms: ${JSON.stringify(name)}[${k}] = ${x} lies outside the range [${low}, ${high}]`);
      counts[Math.min(bins - 1, Math.floor((x - low) / width))]++;
    });
    return {
      type: 'scatter',
      mode: 'lines',
      name,
      x: centres,
      y: counts.map((c) => c / v.length),
      line: { color: colour(s), shape: 'hvh' },
    };
  });
  return new Figure({
    data,
    layout: baseLayout(opts.title, opts.xTitle ?? 'value', opts.yTitle ?? 'fraction of values'),
  });
}
