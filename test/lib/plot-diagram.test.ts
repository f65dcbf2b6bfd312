/** kd.plot.tradeoff and kd.plot.flowDiagram: traces, front line, box shapes and arrow end points worked by hand. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

test('tradeoff: one trace per method in order of appearance, the front as a line in size order, log x', () => {
  const pts = [
    { method: 'prune', bytes: 500, accuracy: 0.9 },
    { method: 'KD', bytes: 100, accuracy: 0.8 },
    { method: 'prune', bytes: 50, accuracy: 0.3 },
    { method: 'KD', bytes: 1000, accuracy: 0.95 },
  ];
  const f = kd.plot.tradeoff(pts, { front: [3, 1, 0, 2] }).toJSON();
  assert.deepEqual(
    f.data.map((t) => t.name),
    ['prune', 'KD', 'Pareto front'],
  );
  assert.deepEqual(f.data[0].x, [500, 50]);
  assert.deepEqual(f.data[1].y, [0.8, 0.95]);
  assert.deepEqual(f.data[2].x, [50, 100, 500, 1000]);
  assert.deepEqual(f.data[2].y, [0.3, 0.8, 0.9, 0.95]);
  assert.equal((f.layout.xaxis as { type: string }).type, 'log');
  assert.throws(() => kd.plot.tradeoff(pts, { front: [4] }), /front.*0\.\.3/);
  assert.throws(() => kd.plot.tradeoff([{ method: 'x', bytes: 0, accuracy: 1 }]), /points\[0\]/);
});

test('flowDiagram: a box per node, arrows from box edge to box edge, labels at the midpoint', () => {
  const f = kd.plot
    .flowDiagram({
      nodes: [
        { id: 'a', label: 'A', x: 0, y: 0 },
        { id: 'b', label: 'B', x: 4, y: 0 },
        { id: 'c', label: 'C', x: 4, y: 3, width: 2, height: 2 },
      ],
      edges: [
        { from: 'a', to: 'b', label: 'ab' },
        { from: 'b', to: 'c' },
      ],
    })
    .toJSON();
  const shapes = f.layout.shapes as { x0: number; x1: number; y0: number; y1: number }[];
  assert.deepEqual(
    shapes.map((s) => [s.x0, s.x1, s.y0, s.y1]),
    [
      [-1, 1, -0.5, 0.5],
      [3, 5, -0.5, 0.5],
      [3, 5, 2, 4],
    ],
  );
  const arrows = (f.layout.annotations as Record<string, unknown>[]).filter((a) => a.showarrow);
  // a (0,0) → b (4,0): leaves a's right edge at x = 1, enters b's left edge at x = 3
  assert.deepEqual([arrows[0].ax, arrows[0].ay, arrows[0].x, arrows[0].y], [1, 0, 3, 0]);
  // b (4,0) → c (4,3): leaves b's top at y = 0.5, enters c's bottom at y = 2
  assert.deepEqual([arrows[1].ax, arrows[1].ay, arrows[1].x, arrows[1].y], [4, 0.5, 4, 2]);
  const label = (f.layout.annotations as Record<string, unknown>[]).find((a) => a.text === 'ab')!;
  assert.deepEqual([label.x, label.y], [2, 0]);
  assert.throws(
    () => kd.plot.flowDiagram({ nodes: [{ id: 'a', label: 'A', x: 0, y: 0 }], edges: [{ from: 'a', to: 'z' }] }),
    /unknown nodes.*"z"/,
  );
  assert.throws(
    () =>
      kd.plot.flowDiagram({
        nodes: [
          { id: 'a', label: '', x: 0, y: 0 },
          { id: 'a', label: '', x: 1, y: 0 },
        ],
        edges: [],
      }),
    /'a' is used twice/,
  );
});
