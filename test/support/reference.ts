/**
 * Plain float64 reference implementations of every kd.losses loss, written independently of the library:
 * nested loops over number arrays, no tfjs, no shared helpers with lib/. Used as the expected values
 * (and, through finite differences, the expected gradients) in the loss tests.
 *
 * Shapes: matrices are number[][] ([N][D]); NHWC feature maps are number[][][][] ([N][H][W][C]).
 */
export type Mat = number[][];

/** Seeded random numbers for building test inputs (defined in gradcheck.ts; re-exported for convenience). */
export { rng } from './gradcheck';
export type Map4 = number[][][][];

// ---------- small helpers ----------

function logSoftmaxRow(z: number[]): number[] {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let s = 0;
  for (const v of z) s += Math.exp(v - max);
  const lse = max + Math.log(s);
  return z.map((v) => v - lse);
}

function scaleRow(z: number[], k: number): number[] {
  return z.map((v) => v * k);
}

function klRow(tLogits: number[], sLogits: number[], T: number): number {
  const lp = logSoftmaxRow(scaleRow(tLogits, 1 / T));
  const lq = logSoftmaxRow(scaleRow(sLogits, 1 / T));
  let kl = 0;
  for (let c = 0; c < lp.length; c++) {
    const p = Math.exp(lp[c]);
    if (p > 0) kl += p * (lp[c] - lq[c]);
  }
  return kl;
}

function dist(a: number[], b: number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}

function huber(r: number): number {
  const a = Math.abs(r);
  return a < 1 ? 0.5 * a * a : a - 0.5;
}

/** Labels as rows of probabilities: indices → one-hot, rows kept. */
function labelRows(labels: number[] | Mat, C: number): Mat {
  return (labels as (number | number[])[]).map((y) => {
    if (Array.isArray(y)) return y;
    const row = new Array(C).fill(0);
    row[y] = 1;
    return row;
  });
}

// ---------- response ----------

export function softmaxT(z: number[], T: number): number[] {
  return logSoftmaxRow(scaleRow(z, 1 / T)).map(Math.exp);
}

export function crossEntropy(logits: Mat, labels: number[] | Mat): number {
  const Y = labelRows(labels, logits[0].length);
  let total = 0;
  for (let b = 0; b < logits.length; b++) {
    const lq = logSoftmaxRow(logits[b]);
    for (let c = 0; c < lq.length; c++) if (Y[b][c] !== 0) total -= Y[b][c] * lq[c]; // 0 · log 0 = 0
  }
  return total / logits.length;
}

export function kdLoss(s: Mat, t: Mat, T = 4): number {
  let total = 0;
  for (let b = 0; b < s.length; b++) total += klRow(t[b], s[b], T);
  return (T * T * total) / s.length;
}

export function hintonLoss(s: Mat, t: Mat, labels: number[] | Mat, T = 4, alpha = 0.9): number {
  return alpha * kdLoss(s, t, T) + (1 - alpha) * crossEntropy(s, labels);
}

// ---------- feature ----------

export function fitnetLoss(s: number[], t: number[]): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += (s[i] - t[i]) ** 2;
  return total / s.length;
}

/** Channel mean of |f|^p: [N][H][W][C] → [N][H][W]. */
function attentionQ(f: Map4, p: number): number[][][] {
  return f.map((img) => img.map((row) => row.map((px) => px.reduce((a, v) => a + Math.abs(v) ** p, 0) / px.length)));
}

/** Average of the bins [floor(i·in/out), ceil((i+1)·in/out)) of a map [H][W] down to [h][w]. */
function poolMap(q: number[][], h: number, w: number): number[][] {
  const H = q.length;
  const W = q[0].length;
  const out: number[][] = [];
  for (let i = 0; i < h; i++) {
    const r0 = Math.floor((i * H) / h);
    const r1 = Math.ceil(((i + 1) * H) / h);
    out.push([]);
    for (let j = 0; j < w; j++) {
      const c0 = Math.floor((j * W) / w);
      const c1 = Math.ceil(((j + 1) * W) / w);
      let s = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += q[r][c];
      out[i].push(s / ((r1 - r0) * (c1 - c0)));
    }
  }
  return out;
}

function unitFlatten(q: number[][]): number[] {
  const v = q.flat();
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v.map(() => 0);
}

export function attentionTransferLoss(s: Map4, t: Map4, p = 2): number {
  const qs = attentionQ(s, p);
  const qt = attentionQ(t, p);
  const h = Math.min(qs[0].length, qt[0].length);
  const w = Math.min(qs[0][0].length, qt[0][0].length);
  let total = 0;
  for (let b = 0; b < s.length; b++) {
    const as = unitFlatten(poolMap(qs[b], h, w));
    const at = unitFlatten(poolMap(qt[b], h, w));
    for (let j = 0; j < as.length; j++) total += (as[j] - at[j]) ** 2;
  }
  return total / (s.length * h * w);
}

// ---------- metric (Yu et al. 2019) ----------

export function absoluteTeacherLoss(s: Mat, t: Mat): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += dist(s[i], t[i]);
  return total / s.length;
}

function distanceMatrix(x: Mat): Mat {
  return x.map((a) => x.map((b) => dist(a, b)));
}

export function relativeTeacherLoss(s: Mat, t: Mat): number {
  const ds = distanceMatrix(s);
  const dt = distanceMatrix(t);
  let total = 0;
  for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) total += (ds[i][j] - dt[i][j]) ** 2;
  return Math.sqrt(total);
}

// ---------- relational (Park et al. 2019) ----------

/** ψ = d / μ, μ the mean distance over the N(N−1) ordered pairs i ≠ j (repeated samples count, with d = 0). */
function rkdPsi(x: Mat): Mat {
  const d = distanceMatrix(x);
  const N = x.length;
  let sum = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) if (i !== j) sum += d[i][j];
  const mu = N > 1 ? sum / (N * (N - 1)) : 0;
  return d.map((row) => row.map((v) => (mu > 0 ? v / mu : v)));
}

export function rkdDistanceLoss(s: Mat, t: Mat): number {
  const ps = rkdPsi(s);
  const pt = rkdPsi(t);
  const N = s.length;
  let total = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) total += huber(ps[i][j] - pt[i][j]);
  return total / (N * N);
}

function unit(a: number[], b: number[]): number[] {
  const d = dist(a, b);
  return b.map((v, k) => (d > 0 ? (v - a[k]) / d : 0));
}

function cosine(x: Mat, a: number, b: number, c: number): number {
  const eab = unit(x[a], x[b]);
  const eac = unit(x[a], x[c]);
  return eab.reduce((acc, v, k) => acc + v * eac[k], 0);
}

export function rkdAngleLoss(s: Mat, t: Mat): number {
  const N = s.length;
  let total = 0;
  for (let a = 0; a < N; a++)
    for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) total += huber(cosine(s, a, b, c) - cosine(t, a, b, c));
  return total / (N * N * N);
}

export function rkdLoss(s: Mat, t: Mat, distanceWeight = 25, angleWeight = 50): number {
  return distanceWeight * rkdDistanceLoss(s, t) + angleWeight * rkdAngleLoss(s, t);
}

// ---------- multi-teacher ----------

/**
 * log of the entropy −Σ p log p of softmax(z/T), as log Σ_c exp(log p_c + log(−log p_c)); −Infinity if H = 0.
 * Classes with p_c = 0 (log p_c = −Infinity) contribute 0 · log 0 = 0 and are left out.
 */
function logEntropy(z: number[], T: number): number {
  const terms = logSoftmaxRow(scaleRow(z, 1 / T))
    .filter((lp) => lp < 0 && lp > -Infinity)
    .map((lp) => lp + Math.log(-lp));
  if (terms.length === 0) return -Infinity;
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((acc, v) => acc + Math.exp(v - m), 0));
}

/** Per-sample teacher weights w[k][b] ([K][N]) of each weighting. */
export function multiTeacherWeights(
  teachers: Mat[],
  T = 4,
  weighting: 'mean' | 'entropy' | 'confidence' | number[] = 'mean',
  labels?: number[] | Mat,
): Mat {
  const K = teachers.length;
  const N = teachers[0].length;
  const columns: number[][] = [];
  for (let b = 0; b < N; b++) {
    let w: number[];
    if (Array.isArray(weighting)) {
      const sum = weighting.reduce((x, y) => x + y, 0);
      w = weighting.map((x) => x / sum);
    } else if (weighting === 'mean' || K === 1) {
      w = teachers.map(() => 1 / K);
    } else if (weighting === 'entropy') {
      // shares H_k / Σ_j H_j from log H_k (entropies of near-one-hot teachers underflow even in float64)
      const logH = teachers.map((tk) => logEntropy(tk[b], T));
      const m = Math.max(...logH);
      if (m === -Infinity) {
        w = teachers.map(() => 1 / K);
      } else {
        const e = logH.map((v) => Math.exp(v - m));
        const z = e.reduce((x, y) => x + y, 0);
        w = e.map((v) => (1 - v / z) / (K - 1));
      }
    } else {
      const Y = labelRows(labels as number[] | Mat, teachers[0][0].length);
      const ce = teachers.map((tk) => crossEntropy([tk[b]], [Y[b]]));
      const m = Math.max(...ce);
      // a teacher giving the true class probability 0 has CE = +Infinity: in the limit it takes all the share
      const e = ce.map((v) => (m === Infinity ? (v === Infinity ? 1 : 0) : Math.exp(v - m)));
      const z = e.reduce((x, y) => x + y, 0);
      w = e.map((v) => (1 - v / z) / (K - 1));
    }
    columns.push(w);
  }
  return teachers.map((_, k) => columns.map((w) => w[k]));
}

export function multiTeacherKdLoss(
  s: Mat,
  teachers: Mat[],
  T = 4,
  weighting: 'mean' | 'entropy' | 'confidence' | number[] = 'mean',
  labels?: number[] | Mat,
): number {
  const w = multiTeacherWeights(teachers, T, weighting, labels);
  let total = 0;
  for (let b = 0; b < s.length; b++)
    for (let k = 0; k < teachers.length; k++) total += w[k][b] * klRow(teachers[k][b], s[b], T);
  return (T * T * total) / s.length;
}

// ---------- graph (IRG, Liu et al. 2019) ----------

function irgEdges(x: Mat): Mat {
  const d = x.map((a) => x.map((b) => dist(a, b) ** 2));
  let max = 0;
  for (const row of d) for (const v of row) if (v > max) max = v;
  return d.map((row) => row.map((v) => (max > 0 ? v / max : v)));
}

/** Θ_i = ‖a_i − b_i‖², divided by its maximum over i (unchanged when that is 0). */
function irgTransformation(a: Mat, b: Mat): number[] {
  const theta = a.map((row, i) => dist(row, b[i]) ** 2);
  const max = Math.max(...theta);
  return theta.map((v) => (max > 0 ? v / max : v));
}

export interface IrgReferenceOptions {
  vertexWeight?: number;
  edgeWeight?: number;
  transformWeight?: number;
  transformPairs?: [number, number][];
}

/**
 * Pairs are (student[l], teacher[l]); the last pair is the vertex (logits) pair, left out when vertexWeight
 * is 0. Inputs are [N][D] each. Transformation pairs [a, b] compare layers a and b within each network.
 */
export function irgLoss(
  student: Mat[],
  teacher: Mat[],
  vertexWeight = 0.1,
  edgeWeight = 5,
  { transformWeight = 5, transformPairs = [] }: IrgReferenceOptions = {},
): number {
  const L = student.length;
  const vertex = vertexWeight > 0 ? fitnetLoss(student[L - 1].flat(), teacher[L - 1].flat()) : 0;
  let edges = 0;
  for (let l = 0; l < L; l++) {
    const es = irgEdges(student[l]);
    const et = irgEdges(teacher[l]);
    const N = es.length;
    let sum = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) sum += (es[i][j] - et[i][j]) ** 2;
    edges += sum / (N * N);
  }
  let transforms = 0;
  for (const [a, b] of transformPairs) {
    const ts = irgTransformation(student[a], student[b]);
    const tt = irgTransformation(teacher[a], teacher[b]);
    transforms += ts.reduce((acc, v, i) => acc + (v - tt[i]) ** 2, 0) / ts.length;
  }
  return vertexWeight * vertex + edgeWeight * edges + transformWeight * transforms;
}
