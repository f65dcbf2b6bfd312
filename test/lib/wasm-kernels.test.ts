/**
 * kdlab's wasm training kernels against (a) plain float64 loops written from the definitions below and
 * (b) the cpu backend. Gradients are taken with tf.grads, i.e. through the same kernel calls (and
 * attributes) that training makes. Tolerance: relative L2 error ≤ 1e-4.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as backend from '../../lib/backend';
import { WASM_TRAINING_KERNELS } from '../../lib/backend/wasm';

// ---------- independent float64 references ----------

/** Deterministic pseudo-random values in [-1, 1) (LCG), so both backends see identical inputs. */
function rand(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** TF's padding rule for one spatial axis (effective filter size ef = (f-1)·d+1). */
function axisPad(
  size: number,
  f: number,
  s: number,
  d: number,
  pad: Pad,
  axis: 1 | 2,
): { out: number; before: number } {
  const ef = (f - 1) * d + 1;
  if (pad === 'valid') return { out: Math.ceil((size - ef + 1) / s), before: 0 };
  if (pad === 'same') {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + ef - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [b, a] = pad[axis];
  return { out: Math.floor((size + b + a - ef) / s) + 1, before: b };
}

interface Geometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  ho: number;
  wo: number;
  top: number;
  left: number;
}
function geometry(
  xs: number[],
  fh: number,
  fw: number,
  strides: [number, number],
  pad: Pad,
  dil: [number, number] = [1, 1],
): Geometry {
  const [n, h, w, ci] = xs;
  const a = axisPad(h, fh, strides[0], dil[0], pad, 1),
    b = axisPad(w, fw, strides[1], dil[1], pad, 2);
  return {
    n,
    h,
    w,
    ci,
    fh,
    fw,
    sh: strides[0],
    sw: strides[1],
    dh: dil[0],
    dw: dil[1],
    ho: a.out,
    wo: b.out,
    top: a.before,
    left: b.before,
  };
}

/**
 * Visits every (n, oh, ow, i, j) with the input pixel it reads: y[n,oh,ow] += x[n, oh·sh + i·dh − top, ow·sw + j·dw − left] · w[i,j].
 */
function eachTap(
  g: Geometry,
  f: (n: number, oh: number, ow: number, i: number, j: number, hh: number, ww: number) => void,
): void {
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.ho; oh++)
      for (let ow = 0; ow < g.wo; ow++)
        for (let i = 0; i < g.fh; i++)
          for (let j = 0; j < g.fw; j++) {
            const hh = oh * g.sh + i * g.dh - g.top,
              ww = ow * g.sw + j * g.dw - g.left;
            if (hh >= 0 && hh < g.h && ww >= 0 && ww < g.w) f(n, oh, ow, i, j, hh, ww);
          }
}

/** Conv2D (co output channels): dW[i,j,ci,co] = Σ x·dy, dX[n,h,w,ci] = Σ dy·W. */
function refConvGrads(g: Geometry, co: number, x: Float64Array, w: Float64Array, dy: Float64Array) {
  const dW = new Float64Array(g.fh * g.fw * g.ci * co),
    dX = new Float64Array(x.length);
  eachTap(g, (n, oh, ow, i, j, hh, ww) => {
    const xo = ((n * g.h + hh) * g.w + ww) * g.ci,
      yo = ((n * g.ho + oh) * g.wo + ow) * co,
      wo = (i * g.fw + j) * g.ci * co;
    for (let c = 0; c < g.ci; c++)
      for (let o = 0; o < co; o++) {
        dW[wo + c * co + o] += x[xo + c] * dy[yo + o];
        dX[xo + c] += dy[yo + o] * w[wo + c * co + o];
      }
  });
  return { dW, dX };
}

/** Depthwise (multiplier m): output channel c·m+q reads input channel c only. */
function refDepthwiseGrads(g: Geometry, m: number, x: Float64Array, w: Float64Array, dy: Float64Array) {
  const dW = new Float64Array(g.fh * g.fw * g.ci * m),
    dX = new Float64Array(x.length);
  eachTap(g, (n, oh, ow, i, j, hh, ww) => {
    const xo = ((n * g.h + hh) * g.w + ww) * g.ci,
      yo = ((n * g.ho + oh) * g.wo + ow) * g.ci * m,
      wo = (i * g.fw + j) * g.ci * m;
    for (let c = 0; c < g.ci; c++)
      for (let q = 0; q < m; q++) {
        dW[wo + c * m + q] += x[xo + c] * dy[yo + c * m + q];
        dX[xo + c] += dy[yo + c * m + q] * w[wo + c * m + q];
      }
  });
  return { dW, dX };
}

/** C = op(A)·op(B) per batch; A, B given as [batch, rows, cols] (batch 1 broadcasts). */
function refMatMul(a: Float64Array, as: number[], b: Float64Array, bs: number[], ta: boolean, tb: boolean) {
  const [ba, ra, ca] = as,
    [bb, rb, cb] = bs;
  const m = ta ? ca : ra,
    k = ta ? ra : ca,
    n = tb ? rb : cb,
    batch = Math.max(ba, bb);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) {
          const av = a[(ba === 1 ? 0 : p) * ra * ca + (ta ? t * ca + i : i * ca + t)];
          const bv = b[(bb === 1 ? 0 : p) * rb * cb + (tb ? j * cb + t : t * cb + j)];
          s += av * bv;
        }
        out[(p * m + i) * n + j] = s;
      }
  return out;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'result size');
  let num = 0,
    den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}
function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const e = relErr(got, want);
  assert.ok(e <= 1e-4, `${what}: relative error ${e.toExponential(2)} > 1e-4`);
}

/** Runs fn on a backend, returns its arrays; asserts no tensor (engine) or buffer (backend) leak. */
async function on(name: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await backend.init(name);
  const before = tf.memory().numTensors,
    buffers = tf.backend().numDataIds();
  const outs = fn();
  const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
  assert.equal(tf.backend().numDataIds(), buffers, `${name}: backend buffers leaked (intermediates not released)`);
  return data;
}

// ---------- Conv2D gradients ----------

interface ConvCase {
  x: number[];
  f: [number, number];
  co: number;
  s: [number, number];
  pad: Pad;
}
const convCases: ConvCase[] = [];
for (const s of [1, 2, 3])
  for (const pad of ['same', 'valid'] as const) convCases.push({ x: [2, 9, 7, 3], f: [3, 2], co: 4, s: [s, s], pad });
convCases.push(
  { x: [3, 12, 12, 1], f: [5, 5], co: 5, s: [2, 2], pad: 'same' },
  { x: [1, 6, 8, 4], f: [1, 1], co: 2, s: [3, 3], pad: 'valid' },
  { x: [2, 10, 11, 2], f: [3, 3], co: 3, s: [1, 3], pad: 'same' },
  {
    x: [2, 5, 6, 2],
    f: [3, 3],
    co: 3,
    s: [2, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { x: [4, 16, 16, 8], f: [3, 3], co: 16, s: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], f: [4, 4], co: 2, s: [2, 2], pad: 'valid' },
);
// fh·fw·Ci ≤ Co: dW takes the patch-matrix product instead of the dy-as-filter convolution (conv2d-grad.ts).
for (const s of [1, 2, 3])
  for (const pad of ['same', 'valid'] as const) convCases.push({ x: [2, 9, 7, 1], f: [3, 2], co: 8, s: [s, s], pad });
convCases.push(
  { x: [3, 10, 10, 1], f: [3, 3], co: 16, s: [1, 1], pad: 'same' },
  { x: [2, 8, 9, 2], f: [2, 2], co: 8, s: [1, 2], pad: 'same' },
  {
    x: [2, 5, 6, 1],
    f: [3, 3],
    co: 12,
    s: [2, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { x: [1, 7, 5, 1], f: [5, 1], co: 6, s: [2, 1], pad: 'valid' },
);

for (const c of convCases) {
  test(`Conv2D gradients on wasm: x=[${c.x}] f=${c.f.join('x')}→${c.co} strides=${c.s} pad=${JSON.stringify(c.pad)}`, async () => {
    const g = geometry(c.x, c.f[0], c.f[1], c.s, c.pad);
    const wShape = [c.f[0], c.f[1], c.x[3], c.co],
      yShape = [g.n, g.ho, g.wo, c.co];
    const x = rand(
        c.x.reduce((a, b) => a * b),
        1,
      ),
      w = rand(
        wShape.reduce((a, b) => a * b),
        2,
      ),
      dy = rand(
        yShape.reduce((a, b) => a * b),
        3,
      );
    const ref = refConvGrads(g, c.co, x, w, dy);
    const grads = () =>
      tf.tidy(() => {
        const dyT = tf.tensor4d(Float32Array.from(dy), yShape as [number, number, number, number]);
        const f = (xx: tf.Tensor, ww: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad), dyT));
        return tf.grads(f)([
          tf.tensor4d(Float32Array.from(x), c.x as [number, number, number, number]),
          tf.tensor4d(Float32Array.from(w), wShape as [number, number, number, number]),
        ]);
      });
    const [wdX, wdW] = await on('wasm', grads);
    const [cdX, cdW] = await on('cpu', grads);
    close(wdW, ref.dW, 'wasm dW vs float64');
    close(wdX, ref.dX, 'wasm dX vs float64');
    close(wdW, cdW, 'wasm dW vs cpu');
    close(wdX, cdX, 'wasm dX vs cpu');
  });
}

// ---------- pooling gradients ----------

/**
 * d/dx Σ pool(x)·dy. max: dy goes to the first row-major maximum of each window; avg: each in-bounds
 * pixel gets dy / (in-bounds pixel count), the exact derivative of avgPool, which averages over
 * in-bounds pixels only.
 */
function refPoolGrad(kind: 'max' | 'avg', g: Geometry, x: Float64Array, dy: Float64Array): Float64Array {
  const dx = new Float64Array(x.length);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.ho; oh++)
      for (let ow = 0; ow < g.wo; ow++)
        for (let c = 0; c < g.ci; c++) {
          const cells: number[] = [];
          for (let i = 0; i < g.fh; i++)
            for (let j = 0; j < g.fw; j++) {
              const hh = oh * g.sh + i - g.top,
                ww = ow * g.sw + j - g.left;
              if (hh >= 0 && hh < g.h && ww >= 0 && ww < g.w) cells.push(((n * g.h + hh) * g.w + ww) * g.ci + c);
            }
          const d = dy[((n * g.ho + oh) * g.wo + ow) * g.ci + c];
          if (kind === 'max') dx[cells.reduce((best, k) => (x[k] > x[best] ? k : best), cells[0])] += d;
          else for (const k of cells) dx[k] += d / cells.length;
        }
  return dx;
}

const poolCases: { x: number[]; f: [number, number]; s: [number, number]; pad: 'same' | 'valid' }[] = [];
for (const s of [1, 2, 3])
  for (const pad of ['same', 'valid'] as const) poolCases.push({ x: [2, 9, 8, 3], f: [3, 3], s: [s, s], pad });
poolCases.push(
  { x: [2, 8, 8, 4], f: [2, 2], s: [2, 2], pad: 'valid' },
  // 2×2 at stride 2 with every window inside the image: the disjoint-window loop (pool-grad.ts), also when
  // a last odd row/column is covered by no window; 'same' on an odd size has a clipped window (general loop).
  { x: [2, 9, 7, 3], f: [2, 2], s: [2, 2], pad: 'valid' },
  { x: [1, 6, 6, 5], f: [2, 2], s: [2, 2], pad: 'same' },
  { x: [2, 7, 9, 3], f: [2, 2], s: [2, 2], pad: 'same' },
  { x: [3, 7, 9, 2], f: [2, 3], s: [1, 2], pad: 'same' },
  { x: [1, 6, 6, 5], f: [2, 2], s: [1, 1], pad: 'same' },
);
for (const kind of ['max', 'avg'] as const) {
  for (const c of poolCases) {
    test(`${kind === 'max' ? 'MaxPoolGrad' : 'AvgPoolGrad'} on wasm: x=[${c.x}] window ${c.f.join('x')} strides=${c.s} ${c.pad}`, async () => {
      const g = geometry(c.x, c.f[0], c.f[1], c.s, c.pad);
      const yShape = [g.n, g.ho, g.wo, g.ci] as [number, number, number, number];
      const x = rand(
          c.x.reduce((p, q) => p * q),
          16,
        ),
        dy = rand(
          yShape.reduce((p, q) => p * q),
          17,
        );
      const ref = refPoolGrad(kind, g, x, dy);
      const run = () => [
        tf.tidy(() => {
          const dyT = tf.tensor4d(Float32Array.from(dy), yShape);
          const pool = kind === 'max' ? tf.maxPool : tf.avgPool;
          return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(pool(v as tf.Tensor4D, c.f, c.s, c.pad), dyT)))(
            tf.tensor4d(Float32Array.from(x), c.x as [number, number, number, number]),
          );
        }),
      ];
      const [w] = await on('wasm', run);
      close(w, ref, `wasm ${kind}PoolGrad vs float64`);
      // cpu too: kdlab corrects tfjs-backend-cpu's AvgPoolGrad at 'same' borders (lib/backend/cpu-kernels.ts)
      const [cpu] = await on('cpu', run);
      close(cpu, ref, `cpu ${kind}PoolGrad vs float64`);
      close(w, cpu, `wasm vs cpu`);
    });
  }
}

test('MaxPoolGrad on wasm with tied maxima (ReLU zeros, repeated values): the first row-major maximum takes dy', async () => {
  for (const c of [
    { x: [2, 8, 6, 3], pad: 'valid' as const },
    { x: [2, 5, 5, 2], pad: 'same' as const },
  ]) {
    const g = geometry(c.x, 2, 2, [2, 2], c.pad);
    const yShape = [g.n, g.ho, g.wo, g.ci] as [number, number, number, number];
    // Values in {0, 0.5, 1}: most windows hold a tie, many of them all zeros.
    const x = rand(
      c.x.reduce((p, q) => p * q),
      18,
    ).map((v) => Math.max(0, Math.round(v * 2) / 2));
    const dy = rand(
      yShape.reduce((p, q) => p * q),
      19,
    );
    const ref = refPoolGrad('max', g, x, dy);
    const [w] = await on('wasm', () => [
      tf.tidy(() => {
        const dyT = tf.tensor4d(Float32Array.from(dy), yShape);
        return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, c.pad), dyT)))(
          tf.tensor4d(Float32Array.from(x), c.x as [number, number, number, number]),
        );
      }),
    ]);
    close(w, ref, `wasm MaxPoolGrad with ties (${c.pad}) vs float64`);
  }
});

// ---------- BatchMatMul / _FusedMatMul with transposed operands ----------

const mmCases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
for (const ta of [false, true])
  for (const tb of [false, true]) {
    mmCases.push({ a: ta ? [7, 5] : [5, 7], b: tb ? [6, 7] : [7, 6], ta, tb });
    mmCases.push({ a: ta ? [3, 9, 4] : [3, 4, 9], b: tb ? [3, 8, 9] : [3, 9, 8], ta, tb });
    mmCases.push({ a: ta ? [2, 9, 4] : [2, 4, 9], b: tb ? [8, 9] : [9, 8], ta, tb });
  }
// A wide second operand with transposeB (dX = dY·Wᵀ of a dense layer): computed as (W·dYᵀ)ᵀ (matmul.ts).
mmCases.push(
  { a: [4, 6], b: [30, 6], ta: false, tb: true },
  { a: [1, 4, 6], b: [1, 30, 6], ta: false, tb: true },
  { a: [6, 4], b: [30, 6], ta: true, tb: true },
);
for (const c of mmCases) {
  test(`BatchMatMul on wasm: a=[${c.a}] b=[${c.b}] transposeA=${c.ta} transposeB=${c.tb}`, async () => {
    const a = rand(
        c.a.reduce((p, q) => p * q),
        4,
      ),
      b = rand(
        c.b.reduce((p, q) => p * q),
        5,
      );
    const as3 = c.a.length === 2 ? [1, ...c.a] : c.a,
      bs3 = c.b.length === 2 ? [1, ...c.b] : c.b;
    const ref = refMatMul(a, as3, b, bs3, c.ta, c.tb);
    const run = () => [
      tf.tidy(() => tf.matMul(tf.tensor(Float32Array.from(a), c.a), tf.tensor(Float32Array.from(b), c.b), c.ta, c.tb)),
    ];
    const [w] = await on('wasm', run);
    const [cp] = await on('cpu', run);
    close(w, ref, 'wasm vs float64');
    close(w, cp, 'wasm vs cpu');
  });
}

test('_FusedMatMul on wasm with transposeB, bias and relu', async () => {
  const a = rand(4 * 6, 6),
    b = rand(5 * 6, 7),
    bias = rand(5, 8);
  const mm = refMatMul(a, [1, 4, 6], b, [1, 5, 6], false, true);
  const ref = mm.map((v, i) => Math.max(0, v + bias[i % 5]));
  const [w] = await on('wasm', () => [
    tf.tidy(() =>
      tf.fused.matMul({
        a: tf.tensor2d(Float32Array.from(a), [4, 6]),
        b: tf.tensor2d(Float32Array.from(b), [5, 6]),
        transposeB: true,
        bias: tf.tensor1d(Float32Array.from(bias)),
        activation: 'relu',
      }),
    ),
  ]);
  close(w, ref, 'fused matmul vs float64');
});

// ---------- Sum over leading axes (bias gradients) ----------

/** Σ of x (shape `shape`) over `axes`, float64, in the kept axes' row-major order. */
function refSum(x: Float64Array, shape: number[], axes: number[]): Float64Array {
  const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const out = new Float64Array(keptAxes.reduce((p, i) => p * shape[i], 1));
  const idx = shape.map(() => 0);
  for (let f = 0; f < x.length; f++) {
    let o = 0;
    for (const i of keptAxes) o = o * shape[i] + idx[i];
    out[o] += x[f];
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

const sumCases: { shape: number[]; axes: number[]; keepDims: boolean }[] = [
  { shape: [6, 5, 4, 3], axes: [0, 1, 2], keepDims: false }, // conv bias gradient: the one-pass path
  { shape: [7, 9], axes: [0], keepDims: true }, // dense bias gradient, keepDims
  { shape: [3, 4, 5], axes: [1, 0], keepDims: false }, // leading axes given out of order
  { shape: [3, 4, 5], axes: [-3], keepDims: false }, // negative axis
  { shape: [3, 4, 5], axes: [1], keepDims: false }, // not leading: stock kernel
  { shape: [3, 4, 5], axes: [0, 1, 2], keepDims: true }, // full reduction: stock kernel
];
for (const c of sumCases) {
  test(`Sum on wasm: shape=[${c.shape}] axes=[${c.axes}] keepDims=${c.keepDims}`, async () => {
    const x = rand(
      c.shape.reduce((p, q) => p * q),
      20,
    );
    const norm = c.axes.map((a) => (a < 0 ? a + c.shape.length : a));
    const ref = refSum(x, c.shape, norm);
    const wantShape = c.keepDims
      ? c.shape.map((d, i) => (norm.includes(i) ? 1 : d))
      : c.shape.filter((_, i) => !norm.includes(i));
    let gotShape: number[] = [];
    const [w] = await on('wasm', () => [
      tf.tidy(() => {
        const s = tf.sum(tf.tensor(Float32Array.from(x), c.shape), c.axes, c.keepDims);
        gotShape = s.shape;
        return s;
      }),
    ]);
    assert.deepEqual(gotShape, wantShape, 'result shape');
    close(w, ref, 'wasm Sum vs float64');
  });
}

// ---------- kernels wasm lacks entirely (cpu fallbacks) ----------

test('UnsortedSegmentSum and the gradient of gather on wasm', async () => {
  const x = rand(5 * 3, 9),
    ids = [0, 2, 0, 1, 2];
  const ref = new Float64Array(3 * 3);
  ids.forEach((s, r) => {
    for (let k = 0; k < 3; k++) ref[s * 3 + k] += x[r * 3 + k];
  });
  const [seg] = await on('wasm', () => [
    tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(Float32Array.from(x), [5, 3]), tf.tensor1d(ids, 'int32'), 3)),
  ]);
  close(seg, ref, 'unsortedSegmentSum');
  // d/dP Σ gather(P, idx)·C = scatter-add of C's rows into the rows idx picks (what Embedding training hits).
  const c = rand(5 * 3, 10);
  const refG = new Float64Array(4 * 3);
  ids.forEach((s, r) => {
    for (let k = 0; k < 3; k++) refG[s * 3 + k] += c[r * 3 + k];
  });
  const [gg] = await on('wasm', () => [
    tf.tidy(() =>
      tf.grad((p: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(p, tf.tensor1d(ids, 'int32')), tf.tensor2d(Float32Array.from(c), [5, 3]))),
      )(tf.zeros([4, 3])),
    ),
  ]);
  close(gg, refG, 'gather gradient');
});

test('Einsum on wasm (matrix product and batched contraction)', async () => {
  const a = rand(2 * 3 * 4, 11),
    b = rand(2 * 4 * 5, 12);
  const ref = refMatMul(a, [2, 3, 4], b, [2, 4, 5], false, false);
  const [w] = await on('wasm', () => [
    tf.tidy(() =>
      tf.einsum(
        'bij,bjk->bik',
        tf.tensor3d(Float32Array.from(a), [2, 3, 4]),
        tf.tensor3d(Float32Array.from(b), [2, 4, 5]),
      ),
    ),
  ]);
  close(w, ref, 'einsum');
});

const dwCases: { x: number[]; f: [number, number]; m: number; s: number; pad: 'same' | 'valid'; d: number }[] = [
  { x: [2, 8, 7, 3], f: [3, 3], m: 2, s: 1, pad: 'same', d: 1 },
  { x: [2, 9, 9, 2], f: [3, 2], m: 1, s: 2, pad: 'valid', d: 1 },
  { x: [1, 10, 9, 2], f: [3, 3], m: 2, s: 3, pad: 'same', d: 1 },
  { x: [2, 11, 10, 3], f: [2, 3], m: 1, s: 3, pad: 'valid', d: 1 },
];
for (const c of dwCases) {
  test(`DepthwiseConv2dNative gradients on wasm: x=[${c.x}] f=${c.f.join('x')} m=${c.m} stride=${c.s} ${c.pad} dilation=${c.d}`, async () => {
    const g = geometry(c.x, c.f[0], c.f[1], [c.s, c.s], c.pad, [c.d, c.d]);
    const wShape = [c.f[0], c.f[1], c.x[3], c.m] as [number, number, number, number];
    const yShape = [g.n, g.ho, g.wo, c.x[3] * c.m] as [number, number, number, number];
    const x = rand(
        c.x.reduce((p, q) => p * q),
        13,
      ),
      w = rand(
        wShape.reduce((p, q) => p * q),
        14,
      ),
      dy = rand(
        yShape.reduce((p, q) => p * q),
        15,
      );
    const ref = refDepthwiseGrads(g, c.m, x, w, dy);
    // Call the gradient kernels as tf.grads would (attrs included), to exercise them directly.
    const attrs = { strides: c.s, dilations: c.d, pad: c.pad, dimRoundingMode: undefined };
    const run = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(Float32Array.from(x), c.x as [number, number, number, number]);
        const wt = tf.tensor4d(Float32Array.from(w), wShape),
          dyt = tf.tensor4d(Float32Array.from(dy), yShape);
        const dX = tf.engine().runKernel<tf.Tensor>('DepthwiseConv2dNativeBackpropInput', { dy: dyt, filter: wt }, {
          ...attrs,
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap);
        const dW = tf.engine().runKernel<tf.Tensor>('DepthwiseConv2dNativeBackpropFilter', { x: xt, dy: dyt }, {
          ...attrs,
          filterShape: wShape,
        } as unknown as tf.NamedAttrMap);
        return [dX, dW];
      });
    const [wdX, wdW] = await on('wasm', run);
    close(wdX, ref.dX, 'depthwise dX vs float64');
    close(wdW, ref.dW, 'depthwise dW vs float64');
  });
}

test('dilated depthwise gradient kernels are refused on wasm rather than computed wrongly', async () => {
  await backend.init('wasm');
  tf.tidy(() => {
    const dy = tf.ones([1, 4, 4, 2]),
      filter = tf.ones([3, 3, 2, 1]);
    assert.throws(
      () =>
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy, filter },
            { strides: 1, dilations: 2, pad: 'same', inputShape: [1, 4, 4, 2] },
          ),
      /dilations must be 1.*got \[2,2\]/,
    );
  });
});

test('the training kernels are registered for wasm and report what they replace', async () => {
  await backend.init('wasm');
  for (const k of WASM_TRAINING_KERNELS) assert.ok(tf.getKernel(k, 'wasm'), `${k} registered for wasm`);
});
