/**
 * kd.analysis.instanceGraph (kNN instance graph of a batch) and kd.plot.network (its figure): hand-worked cases,
 * a float64 reference written here (pairwise distances, mean normalisation, symmetric kNN), the figure's
 * segments and colours, bad input, and no leaked tensors.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { assertAllClose, assertClose, randomFlat, rng } from '../support/gradcheck';

type T = Record<string, unknown>;

// ---- float64 reference ----
const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, c) => s + (v - b[c]) ** 2, 0));
/** Edges [source, target, distance / mean] of the symmetric kNN graph (ties: lower index), source < target. */
function referenceEdges(x: number[][], k: number): [number, number, number][] {
  const n = x.length;
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) total += dist(x[i], x[j]);
  const mean = total / ((n * (n - 1)) / 2);
  const keep = new Set<string>();
  for (let i = 0; i < n; i++) {
    const others = [...Array(n).keys()].filter((j) => j !== i);
    others.sort((p, q) => dist(x[i], x[p]) - dist(x[i], x[q]) || p - q);
    for (const j of others.slice(0, Math.min(k, n - 1))) keep.add(`${Math.min(i, j)},${Math.max(i, j)}`);
  }
  return [...keep]
    .map((s) => s.split(',').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([i, j]) => [i, j, dist(x[i], x[j]) / mean]);
}

test('instanceGraph: 4 points on a line by hand (edges, mean-normalised distances, positions)', async () => {
  await kd.backend.init('cpu');
  const before = tf.memory().numTensors;
  // x = 0, 1, 3, 10, k = 1: nearest 0→1, 1→0, 3→1, 10→3 → edges 0–1, 1–2, 2–3. Pairwise distances 1, 3, 10, 2, 9, 7
  // sum to 32 over 6 pairs: mean 16/3, so the edges weigh 1·3/16, 2·3/16, 7·3/16.
  const g = kd.analysis.instanceGraph([[0], [1], [3], [10]], { k: 1, labels: [2, 0, 2, 1] });
  assert.deepEqual(
    g.edges.map((e) => [e.source, e.target]),
    [
      [0, 1],
      [1, 2],
      [2, 3],
    ],
  );
  assertAllClose(
    g.edges.map((e) => e.distance),
    [3 / 16, 6 / 16, 21 / 16],
    { rtol: 1e-6, atol: 0 },
  );
  assertClose(g.meanDistance, 16 / 3, { rtol: 1e-7 });
  assert.equal(g.k, 1);
  assert.deepEqual(g.nodes, [
    { index: 0, label: 2 },
    { index: 1, label: 0 },
    { index: 2, label: 2 },
    { index: 3, label: 1 },
  ]);
  // one feature: the PCA position is x − mean(x) = x − 3.5 (sign: the component is +1), and 0
  assertAllClose(g.positions.flat(), [-3.5, 0, -2.5, 0, -0.5, 0, 6.5, 0], { rtol: 0, atol: 1e-5 });
  assert.equal(tf.memory().numTensors, before, 'no tensors left');
});

test('instanceGraph: random embeddings against the float64 reference; positions are PCA; no leaks', async () => {
  await kd.backend.init('cpu');
  const r = rng(4);
  const [n, d] = [16, 6];
  const flat = randomFlat(r, n * d);
  const rows = Array.from({ length: n }, (_, i) => flat.slice(i * d, (i + 1) * d));
  const x = tf.tensor2d(flat, [n, d]);
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3));
  const before = tf.memory().numTensors;
  for (const k of [1, 3, 15, 40]) {
    const g = kd.analysis.instanceGraph(x, { k, labels });
    const want = referenceEdges(rows, k);
    assert.deepEqual(
      g.edges.map((e) => [e.source, e.target]),
      want.map(([i, j]) => [i, j]),
      `edges at k ${k}`,
    );
    assertAllClose(
      g.edges.map((e) => e.distance),
      want.map((w) => w[2]),
      { rtol: 1e-5, atol: 0 },
    );
    // every node has at least min(k, n − 1) neighbours; k ≥ n − 1 gives the complete graph
    assert.equal(g.k, Math.min(k, n - 1));
    if (k >= n - 1) assert.equal(g.edges.length, (n * (n - 1)) / 2);
    assert.deepEqual(
      g.nodes.map((v) => v.label),
      Array.from({ length: n }, (_, i) => i % 3),
    );
  }
  const p = kd.analysis.pca(x, { components: 2 });
  const xy = p.transform(x);
  const g = kd.analysis.instanceGraph(x, { k: 2 });
  assertAllClose(g.positions.flat(), xy.dataSync(), { rtol: 0, atol: 1e-6 }, 'positions = first two PCs');
  assert.deepEqual(g.nodes[0], { index: 0 });
  xy.dispose();
  // feature maps [N, 2, 3] are flattened per sample: the same graph as [N, 6]
  const maps = tf.reshape(x, [n, 2, 3]);
  const gm = kd.analysis.instanceGraph(maps, { k: 3 });
  assert.deepEqual(gm.edges, kd.analysis.instanceGraph(x, { k: 3 }).edges);
  maps.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors left');
  tf.dispose([x, labels]);
});

test('instanceGraph: clear errors on bad input', async () => {
  await kd.backend.init('cpu');
  const x = [
    [0, 1],
    [1, 0],
    [2, 2],
  ];
  assert.throws(() => kd.analysis.instanceGraph(x, { k: 0 }), /instanceGraph: k must be a positive integer, got 0/);
  assert.throws(() => kd.analysis.instanceGraph([[1, 2]]), /instanceGraph: embeddings must have at least 2 rows/);
  assert.throws(
    () => kd.analysis.instanceGraph(x, { labels: [0, 1] }),
    /instanceGraph: labels must have one entry per row of embeddings \(3\), got 2/,
  );
  assert.throws(() => kd.analysis.instanceGraph(x, { labels: [0, 1, 0.5] }), /labels\[2\] must be an integer, got 0.5/);
  assert.throws(
    () => kd.analysis.instanceGraph([[0, 1], [1]]),
    /instanceGraph: embeddings\[1\] must be a number\[\] of length 2/,
  );
  // all samples equal: distances 0, not NaN
  const g = kd.analysis.instanceGraph([
    [1, 1],
    [1, 1],
    [1, 1],
  ]);
  assert.ok(g.edges.length === 3 && g.edges.every((e) => e.distance === 0));
});

test('network: edge segments match the graph, one marker trace per class in PALETTE[class], positions override', () => {
  const graph = {
    nodes: [{ label: 3 }, { label: 0 }, { label: 3 }, { label: 1 }],
    edges: [
      { source: 0, target: 1 },
      { source: 2, target: 3 },
    ],
    positions: [
      [0, 0],
      [1, 0],
      [0, 1],
      [2, 2],
    ],
  };
  const f = kd.plot.network(graph, { title: 'Teacher', classNames: ['zero', 'one', 'two', 'three'] });
  const [edges, ...nodes] = f.data as T[];
  assert.equal(edges.mode, 'lines');
  assert.deepEqual(edges.x, [0, 1, null, 0, 2, null]);
  assert.deepEqual(edges.y, [0, 0, null, 1, 2, null]);
  assert.deepEqual(
    nodes.map((t) => [t.name, t.x, t.y, (t.marker as T).color]),
    [
      ['zero', [1], [0], kd.plot.PALETTE[0]],
      ['one', [2], [2], kd.plot.PALETTE[1]],
      ['three', [0, 0], [0, 1], kd.plot.PALETTE[3]],
    ],
  );
  assert.deepEqual((f.layout.title as T).text, 'Teacher');
  assert.equal((f.layout.yaxis as T).scaleanchor, 'x');
  // a student drawn at the teacher's positions; labels given explicitly override the nodes'
  const moved = kd.plot.network(graph, {
    positions: [
      [5, 5],
      [6, 5],
      [5, 6],
      [7, 7],
    ],
    labels: [12, 12, 12, 12],
  });
  assert.deepEqual(moved.data[0].x, [5, 6, null, 5, 7, null]);
  assert.deepEqual(
    moved.data.slice(1).map((t) => [t.name, (t.marker as T).color]),
    [['12', kd.plot.PALETTE[2]]],
  );
  // unlabelled nodes: one 'samples' trace; the figure survives JSON
  const plain = kd.plot.network({
    nodes: [{}, {}],
    edges: [{ source: 0, target: 1 }],
    positions: graph.positions.slice(0, 2),
  });
  assert.deepEqual(
    plain.data.map((t) => t.name),
    ['edges', 'samples'],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(plain)), plain.toJSON());
});

test('network draws instanceGraph output: one segment per edge, every node once', async () => {
  await kd.backend.init('cpu');
  const r = rng(8);
  const x = tf.tensor2d(randomFlat(r, 20 * 4), [20, 4]);
  const g = kd.analysis.instanceGraph(x, { k: 2, labels: Array.from({ length: 20 }, (_, i) => i % 4) });
  x.dispose();
  const f = kd.plot.network(g);
  const [edges, ...nodes] = f.data as T[];
  assert.equal((edges.x as unknown[]).length, 3 * g.edges.length);
  g.edges.forEach((e, m) => {
    assert.deepEqual((edges.x as number[]).slice(3 * m, 3 * m + 2), [
      g.positions[e.source][0],
      g.positions[e.target][0],
    ]);
  });
  assert.equal(
    nodes.reduce((s, t) => s + (t.x as unknown[]).length, 0),
    20,
  );
  assert.deepEqual(
    nodes.map((t) => t.name),
    ['0', '1', '2', '3'],
  );
});

test('network: clear errors on bad input', () => {
  const nodes = [{ label: 0 }, { label: 1 }];
  const positions = [
    [0, 0],
    [1, 1],
  ];
  assert.throws(
    () => kd.plot.network(null as never),
    /network: graph must be an object \{ nodes: \[...\], edges: \[...\] \}/,
  );
  assert.throws(() => kd.plot.network({ nodes, edges: [] }), /network: positions must be an array of \[x, y\]/);
  assert.throws(
    () => kd.plot.network({ nodes, edges: [{ source: 0, target: 2 }], positions }),
    /network: graph.edges\[0\] must be \{ source, target \} with node indices in \[0, 2\)/,
  );
  assert.throws(
    () => kd.plot.network({ nodes, edges: [], positions: [[0, 0]] }),
    /network: positions must have one \[x, y\] per node \(2\), got 1/,
  );
  assert.throws(
    () =>
      kd.plot.network({
        nodes,
        edges: [],
        positions: [
          [0, 0, 0],
          [1, 1, 1],
        ],
      }),
    /network: positions\[0\] must be \[x, y\], got 3 values/,
  );
  assert.throws(
    () => kd.plot.network({ nodes: [{ label: -1 }, { label: 0 }], edges: [], positions }),
    /network: graph.nodes\[0\].label must be a class index \(integer >= 0\), got -1/,
  );
  assert.throws(
    () => kd.plot.network({ nodes, edges: [], positions }, { labels: [0] }),
    /network: labels must have one class per node \(2\), got 1/,
  );
});
