// Public API of loradyn.
export { simulate } from './simulate.js';
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
} from './config.js';
export { ConfigError, NativeLoadError, AbortError, type ConfigIssue } from './errors.js';
export type { RunResult, SimulationResult, Progress, RunOptions } from './types.js';
export { evalActivation, gaussians, philox, logGrid, populationLoss } from './primitives.js';
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
export * as vit from './vit/index.js';
