// Public API of loradyn.
export { simulate, simulateMany } from './simulate.js';
export { info, type Info } from './info.js';
export {
  parseConfig,
  canonicalJson,
  seedList,
  muList,
  configSchema,
  type Config,
  type ConfigInput,
  type ActivationSpec,
  type OptimizerSpec,
} from './config.js';
export { practiceFields } from './practice_config.js';
export type { AnySchema, StrictObjectSchema } from './schema.js';
export { ConfigError, NativeLoadError, NativeError, FileError, AbortError, type ConfigIssue } from './errors.js';
export { estimateMemory, type MemoryEstimate, type MemoryOptions } from './memory.js';
export type { RunResult, SimulationResult, Progress, RunOptions } from './types.js';
export { evalActivation, gaussians, philox, logGrid, populationLoss } from './primitives.js';
export type { GaussianPrecision } from './native.js';
export { resultToJson, type RunJson, type SimulationJson } from './result_json.js';
export { version } from './version.js';
export {
  tauCurve,
  criticalPoints,
  tExit,
  topCoefficient,
  linearPotential,
  lossDerivatives,
  committeeLoss,
  gaussExpect,
  odeRhs,
  muGrid,
  type TheoryPair,
  type TauPoint,
  type CriticalPoints,
  type CriticalOptions,
  type LossValues,
  type GaussOperand,
} from './theory.js';
export { expandSweep, runHash, type SweepSpec, type RunSpec, type ExpandedSweep } from './experiments/sweep.js';
export { runSweep, type SweepReport } from './experiments/runner.js';
export { ResultStore, StoreError, STORE_SCHEMA_VERSION, openStore, type StoredRun, type StoreOptions, type QuarantinedFile } from './experiments/store.js';
export {
  verifyStoredRun,
  verifyRunJson,
  runJsonSchema,
  storedRunSchema,
  runChecks,
  sweepCheck,
  type RunCheck,
  type Verdict,
} from './experiments/run_schema.js';
export {
  exportStore,
  storeTable,
  tableToCsv,
  tableToJsonl,
  tableToParquet,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOptions,
  type ExportSummary,
  type ExportTable,
  type ExportColumn,
  type ColumnType,
} from './experiments/export.js';
export { varyingFields, flattenConfig, type FieldValue } from './experiments/fields.js';
export { LocalExecutor, type Executor, type ExecutorHooks, type RunOutcome } from './experiments/executor.js';
export {
  summarizeEscapes,
  kaplanMeier,
  kmMedian,
  paperWindowMetric,
  paperWindowMetricDense,
  perLogD,
  type Passage,
  type EscapeSummary,
  type DenseWindowMetric,
} from './experiments/escape_stats.js';
export { loadSettings, settingRows, runsCsv, recordedThresholds, settingFields, lossPassages } from './experiments/results.js';
export { reproduce } from './experiments/reproduce.js';
export { presets } from './experiments/presets/index.js';
export { panelsSpec, bandOverSeeds, renderFigure, vegaLiteToSvg, svgToPng, type Panel, type Series, type Figure } from './plots/index.js';
export * as vit from './vit/index.js';
export {
  escapeLaw,
  lawCdf,
  escapeLawSchema,
  QUANTILE_PROBS,
  type EscapeLaw,
  type EscapeLawInput,
  type EscapeLawSpec,
  type EscapeLawQuantile,
} from './escape_law.js';
// Types that the API above takes or returns, exported so that they can be named and documented.
export type { Preset, PresetContext, PresetResult, Section, Scale } from './experiments/presets/types.js';
export type { Interval, SummaryOptions } from './experiments/escape_stats.js';
export type { SweepPoint } from './experiments/sweep.js';
export type { Axis, XY, ChartOptions } from './plots/charts.js';
export type { NativeActivationValues, NativeBackendInfo } from './native.js';
export type { Setting, SettingRow } from './experiments/results.js';
export type { ReproduceOutput, ReproduceOptions } from './experiments/reproduce.js';
export type { SweepRunOptions } from './experiments/runner.js';
export type { LocalExecutorOptions } from './experiments/executor.js';
export type { Table, ReportInput } from './report/html.js';
export type { RunClaims, Claim, ClaimOptions } from './experiments/claims.js';
