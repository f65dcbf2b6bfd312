/**
 * A network figure: the vertices of a graph as markers coloured by class, its edges as line segments. Plain data
 * in, plotly.js JSON out (no TensorFlow.js), so any graph with node positions can be drawn — in the chapters, the
 * instance-relationship graph of a batch from kd.analysis.instanceGraph.
 */
import { describe, Figure, type Trace } from './figure';
import { baseLayout, colour } from './style';
import { numbers } from './validate';

/** What network() draws: nodes (optionally labelled), edges between node indices, optional positions. */
export interface NetworkGraph {
  nodes: { label?: number }[];
  edges: { source: number; target: number }[];
  positions?: ArrayLike<number>[];
}

export interface NetworkOptions {
  /** One class per node (default: the nodes' `label`s); markers are coloured PALETTE[class] and grouped in the legend. */
  labels?: ArrayLike<number>;
  /** [N] 2-D positions (default: `graph.positions`), e.g. the teacher graph's, to draw a student's graph in place. */
  positions?: ArrayLike<number>[];
  /** Legend names per class index (e.g. digit names); default the class number. */
  classNames?: string[];
  title?: string;
  markerSize?: number;
}

/**
 * A Plotly network figure of `graph`: one 'lines' trace holding every edge as a segment (segments separated by
 * null, where plotly.js breaks a line), then one 'markers' trace per class in increasing class order, coloured
 * PALETTE[class mod 10] so a class has the same colour in every figure whatever classes a batch holds.
 * Nodes without a class form one trace named 'samples'. Axes are hidden and equally scaled (the positions'
 * units carry no meaning, their distances do).
 * Used in chapter 7 (§7.2: the teacher's and the student's instance graphs side by side).
 * @param graph `{ nodes, edges, positions? }` as kd.analysis.instanceGraph returns it
 * @param opts `labels`, `positions`, `classNames`, `title` (default 'Instance graph'), `markerSize` (default 7)
 * @example
 * const g = kd.analysis.instanceGraph(teacherHidden, { k: 3, labels: y });
 * kd.plot.network(g, { title: 'Teacher' });
 */
export function network(graph: NetworkGraph, opts: NetworkOptions = {}): Figure {
  if (graph === null || typeof graph !== 'object' || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges))
    throw new Error(`network: graph must be an object { nodes: [...], edges: [...] }, got ${describe(graph)}`);
  const n = graph.nodes.length;
  if (n === 0) throw new Error('network: graph.nodes must hold at least one node, got 0');
  const xy = positionsOf(opts.positions ?? graph.positions, n);
  const labels = labelsOf(graph, opts.labels, n);
  const ex: (number | null)[] = [];
  const ey: (number | null)[] = [];
  graph.edges.forEach((e, k) => {
    const ok = e !== null && typeof e === 'object' && isIndex(e.source, n) && isIndex(e.target, n);
    if (!ok)
      throw new Error(
        `network: graph.edges[${k}] must be { source, target } with node indices in [0, ${n}), got ${JSON.stringify(e)}`,
      );
    ex.push(xy[e.source][0], xy[e.target][0], null);
    ey.push(xy[e.source][1], xy[e.target][1], null);
  });
  const edgeTrace: Trace = {
    type: 'scatter',
    mode: 'lines',
    name: 'edges',
    x: ex,
    y: ey,
    line: { color: 'rgba(120,120,120,0.45)', width: 1 },
    hoverinfo: 'skip',
    showlegend: false,
  };
  const classes = [...new Set(labels)].sort((a, b) => (a ?? -1) - (b ?? -1));
  const nodeTraces = classes.map((c): Trace => {
    const idx = labels.flatMap((l, i) => (l === c ? [i] : []));
    return {
      type: 'scatter',
      mode: 'markers',
      name: c === undefined ? 'samples' : (opts.classNames?.[c] ?? String(c)),
      x: idx.map((i) => xy[i][0]),
      y: idx.map((i) => xy[i][1]),
      text: idx.map((i) => (c === undefined ? `sample ${i}` : `sample ${i}, class ${c}`)),
      hoverinfo: 'text',
      marker: { color: colour(c ?? 0), size: opts.markerSize ?? 7, line: { color: 'white', width: 1 } },
    };
  });
  const layout = baseLayout(opts.title ?? 'Instance graph');
  const hidden = { showgrid: false, zeroline: false, showticklabels: false, title: { text: '' } };
  layout.xaxis = hidden;
  layout.yaxis = { ...hidden, scaleanchor: 'x' };
  layout.legend = { title: { text: 'class' } };
  return new Figure({ data: [edgeTrace, ...nodeTraces], layout });
}

const isIndex = (v: unknown, n: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < n;

function positionsOf(p: ArrayLike<number>[] | undefined, n: number): [number, number][] {
  if (!Array.isArray(p))
    throw new Error(
      `network: positions must be an array of [x, y] (opts.positions or graph.positions), got ${describe(p)}`,
    );
  if (p.length !== n) throw new Error(`network: positions must have one [x, y] per node (${n}), got ${p.length}`);
  return p.map((xy, i) => {
    const v = numbers(`network: positions[${i}]`, xy);
    if (v.length !== 2) throw new Error(`network: positions[${i}] must be [x, y], got ${v.length} values`);
    return [v[0], v[1]];
  });
}

function labelsOf(graph: NetworkGraph, given: ArrayLike<number> | undefined, n: number): (number | undefined)[] {
  const fromNodes = given === undefined;
  const labels = fromNodes ? graph.nodes.map((node) => node?.label) : Array.from(given);
  if (labels.length !== n) throw new Error(`network: labels must have one class per node (${n}), got ${labels.length}`);
  labels.forEach((l, i) => {
    if (l !== undefined && !(Number.isInteger(l) && l >= 0))
      throw new Error(
        `network: ${fromNodes ? `graph.nodes[${i}].label` : `labels[${i}]`} must be a class index (integer >= 0), got ${String(l)}`,
      );
  });
  return labels;
}
