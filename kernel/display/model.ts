/**
 * Model bundles: a layer table (name, type, output shape, parameters) like Keras' model.summary(), from
 * kd.models.summary when the library provides it (which also counts FLOPs and bytes), else from the
 * tfjs layers themselves.
 */
import type { MimeBundle } from './types';
import { cellText, htmlTable, textTable } from './html';
import * as models from '../../lib/models';

interface LayerLike {
  name: string;
  getClassName?(): string;
  outputShape?: unknown;
  countParams?(): number;
}
export interface ModelView {
  name?: string;
  layers: LayerLike[];
  countParams(): number;
}

export function isModel(v: unknown): v is ModelView {
  return (
    v !== null &&
    typeof v === 'object' &&
    Array.isArray((v as ModelView).layers) &&
    typeof (v as ModelView).countParams === 'function' &&
    typeof (v as { predict?: unknown }).predict === 'function'
  );
}

interface SummaryRow {
  name: string;
  type: string;
  outputShape: unknown;
  params: number;
  flops?: number;
}
interface Summary {
  params: number;
  bytes?: number;
  flops?: number;
  layers: SummaryRow[];
}

function shapeText(s: unknown): string {
  if (Array.isArray(s) && s.length > 0 && Array.isArray(s[0])) return s.map(shapeText).join(' ');
  if (Array.isArray(s)) return `[${s.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
  if (s === undefined) return '?';
  return typeof s === 'number' || typeof s === 'string' ? String(s) : JSON.stringify(s);
}

function fallbackSummary(m: ModelView): Summary {
  const layers = m.layers.map((l) => {
    let outputShape: unknown;
    try {
      outputShape = l.outputShape;
    } catch {
      outputShape = undefined;
    } // throws for multi-node layers
    return {
      name: l.name,
      type: l.getClassName ? l.getClassName() : l.constructor.name,
      outputShape,
      params: l.countParams ? l.countParams() : 0,
    };
  });
  return { params: m.countParams(), layers };
}

export function modelSummary(m: ModelView): Summary {
  // kd.models.summary checks that it got a tf.LayersModel and throws otherwise (say, a model built with another
  // copy of tfjs): the layers still give a table.
  try {
    return models.summary(m as unknown as Parameters<typeof models.summary>[0]);
  } catch {
    /* use the layers */
  }
  return fallbackSummary(m);
}

export function modelBundle(m: ModelView): MimeBundle {
  const s = modelSummary(m);
  const withFlops = s.layers.some((l) => typeof l.flops === 'number');
  const header = ['layer', 'type', 'output shape', 'params', ...(withFlops ? ['FLOPs'] : [])];
  const cells = s.layers.map((l) => [
    l.name,
    l.type,
    shapeText(l.outputShape),
    String(l.params),
    ...(withFlops ? [cellText(l.flops ?? '')] : []),
  ]);
  const totals = [`total params: ${s.params.toLocaleString('en-US')}`];
  if (typeof s.bytes === 'number') totals.push(`${(s.bytes / 1024).toFixed(1)} KiB`);
  if (typeof s.flops === 'number') totals.push(`${s.flops.toLocaleString('en-US')} FLOPs per example`);
  const caption = `Model ${m.name ?? ''}`.trim();
  const footer = totals.join(' · ');
  return {
    data: {
      'text/plain': textTable(header, cells, { caption, footer }),
      'text/html': htmlTable(header, cells, { caption, footer }),
    },
    metadata: {},
  };
}
