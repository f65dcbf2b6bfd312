/**
 * A small structure search (article §2.1, "architecture search" as a compression baseline): find a network
 * under a parameter budget by measuring accuracy, not by guessing.
 *
 * A structure is a list of integers (hidden units per layer, or filters per block) turned into a model by
 * the caller's `build`. Two modes:
 * - `candidates`: train every candidate within the budget, keep the best validation accuracy.
 * - greedy (`start`): while the current structure is over budget, try every single move — remove layer i,
 *   or shrink layer i to ⌊units·shrink⌋ (default shrink 0.5) — train each neighbour for `epochs`, and move to
 *   the most accurate (ties → fewer parameters). Stops as soon as the budget is met.
 * Training uses the Distiller (plain cross-entropy, seeded), so the search is deterministic for a given seed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { Distiller } from '../distill/distiller';
import { evaluate } from '../distill/evaluate';
import type { DistillerConfig } from '../distill/types';
import { CompressionReport, countNonzero, countParams, measureLatency } from './report';

export interface SearchOptions {
  build: (structure: number[]) => tf.LayersModel;
  /** Explicit structures to compare (candidates mode). */
  candidates?: number[][];
  /** Starting structure of the greedy search (greedy mode). */
  start?: number[];
  /** Maximum parameter count of the result. */
  budgetParams: number;
  /** Training and validation data for every trial. */
  data: { train: Dataset; validation: Dataset; test?: Dataset };
  epochs: number;
  batchSize?: number;
  seed?: number;
  shrink?: number;
  optimizer?: DistillerConfig['optimizer'];
  latency?: { batchSize?: number; runs?: number; warmup?: number };
}

export interface SearchTrial {
  structure: number[];
  params: number;
  validationAccuracy: number;
  step: number;
}

export interface SearchReport extends CompressionReport {
  method: 'search';
  structure: number[];
  validationAccuracy: number;
  /** Every trained trial, in order; `step` is the greedy step (0 in candidates mode). */
  trials: SearchTrial[];
  /** The structures chosen at each greedy step (start first). */
  path: number[][];
}

function validStructure(s: unknown, where: string): number[] {
  if (!Array.isArray(s) || !s.every((u) => Number.isInteger(u) && u > 0)) {
    throw new Error(`${where}: expected an array of positive integers, got ${JSON.stringify(s)}`);
  }
  return s as number[];
}

/** Greedy neighbours: every single-layer removal and every single-layer shrink (deduplicated). */
export function neighbours(s: number[], shrink: number): number[][] {
  const out = new Map<string, number[]>();
  for (let i = 0; i < s.length; i++) {
    const removed = s.slice(0, i).concat(s.slice(i + 1));
    out.set(JSON.stringify(removed), removed);
    const u = Math.floor(s[i] * shrink);
    if (u >= 1 && u < s[i]) {
      const shrunk = s.slice();
      shrunk[i] = u;
      out.set(JSON.stringify(shrunk), shrunk);
    }
  }
  return [...out.values()];
}

export async function searchArchitecture(opts: SearchOptions): Promise<SearchReport> {
  if (opts == null || typeof opts.build !== 'function')
    throw new Error(`build: expected a function structure → LayersModel, got ${typeof opts?.build}`);
  if (!(opts.budgetParams > 0)) throw new Error(`budgetParams: expected a positive number, got ${opts.budgetParams}`);
  if ((opts.candidates == null) === (opts.start == null))
    throw new Error('searchArchitecture: expected exactly one of `candidates` or `start`');
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1))
    throw new Error(`epochs: expected an integer >= 1, got ${opts.epochs}`);
  const shrink = opts.shrink ?? 0.5;
  if (!(shrink > 0 && shrink < 1)) throw new Error(`shrink: expected a number in (0, 1), got ${shrink}`);
  const { train, validation, test } = opts.data ?? ({} as SearchOptions['data']);
  if (train == null || validation == null) throw new Error('data: expected {train, validation} Datasets');
  const trials: SearchTrial[] = [];

  /** Build + train + validate one structure; returns the model (caller disposes unless kept). */
  const trial = async (structure: number[], step: number): Promise<{ model: tf.LayersModel; t: SearchTrial }> => {
    const model = opts.build(structure);
    const d = new Distiller({ student: model, optimizer: opts.optimizer, seed: opts.seed ?? 0 });
    try {
      await d.fit(train, { epochs: opts.epochs, batchSize: opts.batchSize ?? 64 });
    } finally {
      d.dispose();
    }
    const t = { structure, params: countParams(model), validationAccuracy: evaluate(model, validation).accuracy, step };
    trials.push(t);
    return { model, t };
  };
  const better = (a: SearchTrial, b: SearchTrial | undefined) =>
    b == null ||
    a.validationAccuracy > b.validationAccuracy ||
    (a.validationAccuracy === b.validationAccuracy && a.params < b.params);
  const paramsOf = (s: number[]) => {
    const m = opts.build(s);
    const p = countParams(m);
    m.dispose();
    return p;
  };

  let best: { model: tf.LayersModel; t: SearchTrial } | undefined;
  const path: number[][] = [];
  if (opts.candidates) {
    const within = opts.candidates
      .map((c, i) => validStructure(c, `candidates[${i}]`))
      .filter((c) => paramsOf(c) <= opts.budgetParams);
    if (within.length === 0)
      throw new Error(`candidates: none has at most budgetParams = ${opts.budgetParams} parameters`);
    for (const c of within) {
      const r = await trial(c, 0);
      if (better(r.t, best?.t)) {
        best?.model.dispose();
        best = r;
      } else r.model.dispose();
    }
    path.push(best!.t.structure);
  } else {
    let current = validStructure(opts.start, 'start');
    path.push(current);
    let step = 0;
    if (paramsOf(current) <= opts.budgetParams) best = await trial(current, 0);
    while (best == null || best.t.params > opts.budgetParams) {
      step++;
      const ns = neighbours(current, shrink);
      if (ns.length === 0)
        throw new Error(
          `budgetParams: ${opts.budgetParams} cannot be reached from ${JSON.stringify(opts.start)} (smallest structure is over budget)`,
        );
      let stepBest: { model: tf.LayersModel; t: SearchTrial } | undefined;
      for (const s of ns) {
        const r = await trial(s, step);
        if (better(r.t, stepBest?.t)) {
          stepBest?.model.dispose();
          stepBest = r;
        } else r.model.dispose();
      }
      best?.model.dispose();
      best = stepBest!;
      current = best.t.structure;
      path.push(current);
      if (current.length === 0 && best.t.params > opts.budgetParams) {
        throw new Error(
          `budgetParams: ${opts.budgetParams} is below the smallest structure's ${best.t.params} parameters`,
        );
      }
    }
  }
  const model = best!.model;
  return {
    method: 'search',
    params: countParams(model),
    nonzeroParams: countNonzero(model),
    bytes: 4 * countParams(model),
    accuracy: test ? evaluate(model, test).accuracy : null,
    latencyMs: measureLatency(model, opts.latency),
    latencyBatch: opts.latency?.batchSize ?? 32,
    model,
    structure: best!.t.structure,
    validationAccuracy: best!.t.validationAccuracy,
    trials,
    path,
  };
}
