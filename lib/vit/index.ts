// Vision transformer: public API.
export * from './config.js';
export * from './data.js';
export * from './model.js';
export { ridgeProbe, type ProbeResult } from './probe.js';
export { meanCI, median } from './stats.js';
export {
  runVitExperiment,
  defaultPairings,
  evalSchedule,
  firstStepReaching,
  summarize,
  figurePoints,
  type VitExperimentOptions,
  type VitExperimentResult,
  type PairingSpec,
  type TaskSpec,
  type CheckpointRecord,
  type FinetuneRecord,
  type SummaryRow,
  type AlignmentRow,
} from './experiment.js';
export { writeVitResults, saveCheckpoint, checkpointPath, type WrittenFiles } from './results_io.js';
export { stepsFigureSpec, renderSvg, type StepsPoint } from './figure.js';
export * as search from './search/index.js';
