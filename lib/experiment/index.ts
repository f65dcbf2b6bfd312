/**
 * Experiment helpers for chapters: repeat a run over seeds and summarise it honestly, compare two methods
 * paired by seed, and
 * post-hoc class-bias correction (Hinton et al. 2015, §3, the omitted-class experiment).
 */
export { overSeeds, meanStd, formatMeanStd } from './seeds';
export type { SeedRuns, MeanStd } from './seeds';
export { paired, describePaired, tCritical95 } from './paired';
export type { PairedComparison } from './paired';
export { classBiasErrors, tuneClassBias, shiftClassBias } from './bias';
export type { BiasTuning } from './bias';
