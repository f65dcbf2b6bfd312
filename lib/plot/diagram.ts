/**
 * Two figures for chapter 2: a trade-off scatter (accuracy against stored size, one trace per method, the Pareto
 * front as a line) and a box-and-arrow diagram drawn with Plotly shapes and annotations (no image files).
 */
import { Figure } from './figure';
import { baseLayout, colour, translucent } from './style';
import { describe } from './figure';

export interface TradeoffPoint {
  method: string;
  /** Hover and label text, e.g. "int8 per-channel". */
  label?: string;
  bytes: number;
  accuracy: number;
}

/**
 * Accuracy against stored bytes (log axis), one marker trace per method in order of first appearance, and
 * `front` (indices into `points`, e.g. kd.compress.paretoFront's) joined by a dashed line in size order.
 * Used in chapter 2 (§2.1, the four compression methods on one figure).
 */
export function tradeoff(
  points: TradeoffPoint[],
  opts: { front?: number[]; title?: string; xTitle?: string; yTitle?: string } = {},
): Figure {
  if (!Array.isArray(points) || points.length === 0)
    throw new Error(`tradeoff: expected a non-empty array of {method, bytes, accuracy}, got ${describe(points)}`);
  points.forEach((p, i) => {
    if (typeof p?.method !== 'string' || !(Number.isFinite(p.bytes) && p.bytes > 0) || !Number.isFinite(p.accuracy))
      throw new Error(
        `tradeoff: points[${i}] needs a method name, bytes > 0 and a finite accuracy, got ${describe(p)}`,
      );
  });
  const methods = [...new Set(points.map((p) => p.method))];
  const data: Record<string, unknown>[] = methods.map((m, k) => {
    const ps = points.filter((p) => p.method === m);
    return {
      type: 'scatter',
      mode: 'markers',
      name: m,
      x: ps.map((p) => p.bytes),
      y: ps.map((p) => p.accuracy),
      text: ps.map((p) => p.label ?? m),
      hovertemplate: '%{text}<br>%{x:,} bytes<br>accuracy %{y:.4f}<extra></extra>',
      marker: { color: colour(k), size: 10, line: { color: 'white', width: 1 } },
    };
  });
  if (opts.front !== undefined) {
    const front = opts.front;
    if (!Array.isArray(front) || !front.every((i) => Number.isInteger(i) && i >= 0 && i < points.length))
      throw new Error(
        `tradeoff: front must list indices into points (0..${points.length - 1}), got ${describe(front)}`,
      );
    const sorted = [...front].sort((a, b) => points[a].bytes - points[b].bytes);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'Pareto front',
      x: sorted.map((i) => points[i].bytes),
      y: sorted.map((i) => points[i].accuracy),
      line: { color: 'rgba(60,60,60,0.7)', dash: 'dash', width: 1.5, shape: 'hv' },
      hoverinfo: 'skip',
    });
  }
  const layout = baseLayout(
    opts.title,
    opts.xTitle ?? 'stored weights (bytes, log scale)',
    opts.yTitle ?? 'test accuracy',
  );
  (layout.xaxis as Record<string, unknown>).type = 'log';
  return new Figure({ data, layout });
}

export interface DiagramNode {
  id: string;
  /** Text in the box; '<br>' breaks lines. */
  label: string;
  /** Centre of the box in diagram units. */
  x: number;
  y: number;
  /** Box size in diagram units (default 2 × 1). */
  width?: number;
  height?: number;
}

export interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
}

/** Where the segment from the centre of box `a` towards point (tx, ty) leaves the box. */
function exitPoint(a: Required<DiagramNode>, tx: number, ty: number): [number, number] {
  const dx = tx - a.x,
    dy = ty - a.y;
  const s = Math.min(
    dx === 0 ? Infinity : a.width / 2 / Math.abs(dx),
    dy === 0 ? Infinity : a.height / 2 / Math.abs(dy),
  );
  return [a.x + s * dx, a.y + s * dy];
}

/**
 * Boxes (Plotly rectangle shapes with centred text) joined by arrows (annotations from box edge to box edge),
 * axes hidden, equal scale. Returns the figure; the arrow end points are box-boundary points.
 * Used in chapter 2 (§2.4, the teacher → knowledge → student pipeline).
 */
export function flowDiagram(
  spec: { nodes: DiagramNode[]; edges: DiagramEdge[] },
  opts: { title?: string; height?: number } = {},
): Figure {
  if (!Array.isArray(spec?.nodes) || spec.nodes.length === 0 || !Array.isArray(spec.edges))
    throw new Error(`flowDiagram: expected {nodes: [...], edges: [...]} with at least one node, got ${describe(spec)}`);
  const nodes = new Map<string, Required<DiagramNode>>();
  spec.nodes.forEach((n, i) => {
    const w = n.width ?? 2,
      h = n.height ?? 1;
    if (typeof n?.id !== 'string' || !Number.isFinite(n.x) || !Number.isFinite(n.y) || !(w > 0) || !(h > 0))
      throw new Error(`flowDiagram: nodes[${i}] needs an id, finite x and y and a positive size, got ${describe(n)}`);
    if (nodes.has(n.id)) throw new Error(`flowDiagram: node id '${n.id}' is used twice`);
    nodes.set(n.id, { ...n, width: w, height: h });
  });
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  [...nodes.values()].forEach((n, k) => {
    shapes.push({
      type: 'rect',
      x0: n.x - n.width / 2,
      x1: n.x + n.width / 2,
      y0: n.y - n.height / 2,
      y1: n.y + n.height / 2,
      line: { color: colour(k), width: 2 },
      fillcolor: translucent(colour(k), 0.15),
    });
    annotations.push({ x: n.x, y: n.y, text: n.label, showarrow: false, font: { size: 13 } });
  });
  spec.edges.forEach((e, i) => {
    const a = nodes.get(e?.from),
      b = nodes.get(e?.to);
    if (a == null || b == null)
      throw new Error(
        `flowDiagram: edges[${i}] joins unknown nodes ${JSON.stringify([e?.from, e?.to])}; ids are ${JSON.stringify([...nodes.keys()])}`,
      );
    const [x0, y0] = exitPoint(a, b.x, b.y);
    const [x1, y1] = exitPoint(b, a.x, a.y);
    annotations.push({
      x: x1,
      y: y1,
      ax: x0,
      ay: y0,
      xref: 'x',
      yref: 'y',
      axref: 'x',
      ayref: 'y',
      text: '',
      showarrow: true,
      arrowhead: 3,
      arrowsize: 1.2,
      arrowwidth: 2,
      arrowcolor: '#444',
    });
    if (e.label)
      annotations.push({
        x: (x0 + x1) / 2,
        y: (y0 + y1) / 2,
        text: e.label,
        showarrow: false,
        yshift: 12,
        font: { size: 11, color: '#444' },
      });
  });
  const all = [...nodes.values()];
  const range = (lo: number, hi: number) => [lo - 0.5, hi + 0.5];
  const hidden = { visible: false, zeroline: false, showgrid: false };
  const layout = {
    ...baseLayout(opts.title),
    xaxis: {
      ...hidden,
      range: range(Math.min(...all.map((n) => n.x - n.width / 2)), Math.max(...all.map((n) => n.x + n.width / 2))),
    },
    yaxis: {
      ...hidden,
      scaleanchor: 'x',
      range: range(Math.min(...all.map((n) => n.y - n.height / 2)), Math.max(...all.map((n) => n.y + n.height / 2))),
    },
    shapes,
    annotations,
    showlegend: false,
    height: opts.height ?? 320,
  };
  // One invisible trace: some front ends draw no axes (and so no shapes) for a figure without data.
  const data = [
    {
      type: 'scatter',
      mode: 'markers',
      x: all.map((n) => n.x),
      y: all.map((n) => n.y),
      marker: { opacity: 0 },
      hoverinfo: 'skip',
    },
  ];
  return new Figure({ data, layout });
}
