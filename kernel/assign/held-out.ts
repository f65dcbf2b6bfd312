/**
 * A held-out set for an assignment scored on data the student never sees (A4, the mini project). The source
 * notebook asks for one in its metadata (`metadata.kdlab.held_out: "fashion-mnist"`); the grader, not the kernel's
 * cells, loads it: Fashion-MNIST's test files (t10k) where kd.data.fashionMnistDir() finds the data set, else the
 * 2,000 bundled digits after kd.data.mnist()'s default 8,000-digit training split.
 *
 * It reaches the kernel inside the connection file (field `kdlab_held_out`), which the kernel reads and deletes
 * before any cell runs, and is then handed only to the sealed test cells (seal.ts: their `heldOutSet`). The sandbox
 * lets a graded kernel read Fashion-MNIST's two train files and no other file of the data set (sandbox.ts), so
 * neither the set nor the files it came from are within a student cell's reach. The bundled digits are the
 * exception: they ship in the package the kernel must read, so without Fashion-MNIST the held-out digits are
 * unseen by the notebook's rules, not by the sandbox (README says so).
 */
import * as fs from 'fs';
import type { Dataset } from '../../lib/data/dataset';
import { fashionMnistDir, idxFiles, loadIdx } from '../../lib/data/idx';
import { mnist } from '../../lib/data/mnist';
import type { Notebook } from '../runner/notebook';
import { MetadataError } from './metadata';

/** What the sealed hidden tests get from `heldOutSet()`. */
export interface HeldOut {
  data: Dataset;
  /** 'fashion-mnist' or 'bundled-mnist'. */
  source: string;
  /** Graded with `--quick`: the hidden tests' thresholds for a short training (the notebook says which). */
  quick: boolean;
}

/** What the grader hands to each kernel: the encoded set and the data files the student may read. */
export interface PreparedHeldOut {
  /** The connection-file field's value (encodeHeldOut). */
  payload: string;
  /** Files added to the sandbox's read allow-list: the training files of the same data set. */
  reads: string[];
  source: string;
  n: number;
}

const KINDS = ['fashion-mnist'];
/** Fashion-MNIST's held-out images in a --quick run (as many as the bundled digits have). */
export const QUICK_HELD_OUT = 2000;

/** The held-out set the source asks for, or null; an unknown kind is a metadata error. */
export function heldOutKindOf(source: Notebook, file: string): string | null {
  const kdlab = source.metadata.kdlab as { held_out?: unknown } | undefined;
  const kind = kdlab?.held_out;
  if (kind === undefined) return null;
  if (typeof kind !== 'string' || !KINDS.includes(kind))
    throw new MetadataError(file, [
      `metadata.kdlab.held_out: expected one of ${KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(kind)}`,
    ]);
  return kind;
}

export function prepareHeldOut(kind: string, quick: boolean): PreparedHeldOut {
  if (kind !== 'fashion-mnist') throw new Error(`held-out set '${kind}': unknown`);
  const dir = fashionMnistDir();
  let data: Dataset;
  let reads: string[] = [];
  let source: string;
  if (dir) {
    const f = idxFiles(dir);
    data = loadIdx(f.testImages, f.testLabels, { limit: quick ? QUICK_HELD_OUT : undefined });
    reads = [fs.realpathSync(f.trainImages), fs.realpathSync(f.trainLabels)];
    source = 'fashion-mnist';
  } else {
    data = mnist().test;
    source = 'bundled-mnist';
  }
  return { payload: encodeHeldOut({ data, source, quick }), reads, source, n: data.n };
}

/**
 * As bytes (pixel · 255, exact for both sources: Fashion-MNIST is stored as bytes, the bundled digits as bytes
 * / 255 rounded to 3 decimals), base64 in JSON: 10,000 images make about 10 MB.
 */
export function encodeHeldOut(h: HeldOut): string {
  const pixels = Buffer.alloc(h.data.x.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(h.data.x[i] * 255);
  const labels = Buffer.from(Uint8Array.from(h.data.y));
  const { n, sampleShape, classes } = h.data;
  return JSON.stringify({
    source: h.source,
    quick: h.quick,
    n,
    sampleShape,
    classes,
    pixels: pixels.toString('base64'),
    labels: labels.toString('base64'),
  });
}

/** The kernel's side: a fresh copy on every call, so one test cannot spoil the set for the next. */
export function decodeHeldOut(payload: string): () => HeldOut {
  const p = JSON.parse(payload) as {
    source: string;
    quick: boolean;
    n: number;
    sampleShape: number[];
    classes: number;
    pixels: string;
    labels: string;
  };
  const pixels = Buffer.from(p.pixels, 'base64');
  const labels = Buffer.from(p.labels, 'base64');
  if (labels.length !== p.n || pixels.length % p.n !== 0)
    throw new Error(`held-out set: ${pixels.length} pixel bytes and ${labels.length} labels for n = ${p.n}`);
  return () => {
    const x = new Float32Array(pixels.length);
    for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
    const data: Dataset = {
      x,
      y: Int32Array.from(labels),
      n: p.n,
      sampleShape: [...p.sampleShape],
      classes: p.classes,
    };
    return { data, source: p.source, quick: p.quick };
  };
}
