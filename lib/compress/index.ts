/**
 * kd.compress — the compression baselines of the article's §2.1, each returning a CompressionReport
 * ({method, params, nonzeroParams, bytes, accuracy, latencyMs, model, ...}) so a chapter can put
 * pruning, quantisation, architecture search and KD students (via `measure`) on one accuracy-vs-size plot.
 */
export { measure, measureLatency, countParams, countNonzero } from './report';
export type { CompressionReport, MeasureOptions } from './report';
export { prune, magnitudeMask, gradualSparsity, encodeSparse, measuredSparsity, prunableWeights } from './prune';
export type { PruneOptions, PruneReport } from './prune';
export { quantize, quantizeWeights, dequantizeBuffer, affineParams } from './quantize';
export type { QuantizeOptions, QuantizeReport, QuantizedTensorSpec } from './quantize';
export { toHalfBits, fromHalfBits } from './float16';
export { paretoFront } from './pareto';
export { searchArchitecture, neighbours } from './search';
export type { SearchOptions, SearchReport, SearchTrial } from './search';
