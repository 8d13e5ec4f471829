// The search protocol of the ViT experiment (SPEC 7.4, docs/vit.md).
export * from './settings.js';
export * from './records.js';
export { runSearchExperiment, weightNorms, type SearchOptions } from './run.js';
export { analyseSearch, metricValue } from './analysis.js';
export { fitSoftmaxHead, HEAD_FIT_DEFAULTS, type HeadFit, type HeadFitOptions } from './head_fit.js';
export { crossingStep, curveMetrics, firstStepAtAccuracy, hasPlateau, searchEvalSchedule, PLATEAU_MIN_STEPS, type CurveMetrics } from './metrics.js';
export {
  geometricMeanCI,
  olsSlope,
  pairedSlope,
  quantileSorted,
  seededUniform,
  signTestP,
  verdictOf,
  MDE_FACTOR,
  MIN_VERDICT_SEEDS,
  type SlopeInput,
  type SlopeStats,
  type Verdict,
} from './statistics.js';
