// Typed results of the simulators.
import type { Config } from './config.js';

/** One run (one seed). Arrays are per record point; matrices are flattened row-major. */
export interface RunResult {
  seed: number;
  rank: number;
  hidden: number;
  /** Record points: step index (log-spaced, plus 0 and the last step; every step up to record.dense when set). */
  step: Float64Array;
  /** t = step x eta (effective eta, after any Hermite rescale). */
  t: Float64Array;
  /** m[p, i, j] = v_i . w*_j: length points x rank x hidden. */
  m: Float64Array;
  /** u[p, j, i] = U_ji: length points x hidden x rank. */
  u: Float64Array;
  /** M[p, j, k] = W_j . w*_k: length points x hidden^2. */
  M: Float64Array;
  /** Q[p, j, k] = W_j . W_k: length points x hidden^2. */
  Q: Float64Array;
  /** Exact population loss at each point. */
  popLoss: Float64Array;
  /** Mean batch loss over the updates since the previous point (NaN at step 0). */
  batchLoss: Float64Array;
  /** First step at which max_ij |m_ij| >= threshold, keyed by the threshold ("0.5"); null if never (censored). */
  escape: Record<string, number | null>;
  /**
   * With record.lossThresholds: per fraction f ("0.5"), the first step at which the population
   * loss minus the noise floor is at most f times its value at step 0; null if never (censored).
   */
  lossEscape?: Record<string, number | null>;
  stepsDone: number;
  /** The step at which the state became NaN or Inf; null if it never did. */
  divergedStep: number | null;
  cancelled: boolean;
  /** With record.final: final U (hidden x rank), V (rank x d), teacher rows and w0 (hidden x d). */
  final?: { u: Float64Array; v: Float64Array; teacher: Float64Array; w0: Float64Array };
}

/** The result of simulate(): the filled-in config and one run per seed. */
export interface SimulationResult {
  /** The filled-in config that produced these runs. */
  config: Config;
  engine: Config['engine'];
  /** The backend that ran it ("cpu" or "cuda"). */
  backend: string;
  runs: RunResult[];
  wallMs: number;
  version: string;
}

/** Progress of a simulation: steps done of the total, elapsed time and a time-to-go estimate. */
export interface Progress {
  stepsDone: number;
  totalSteps: number;
  fraction: number;
  elapsedMs: number;
  /** Estimated milliseconds left; null until there is something to extrapolate from. */
  etaMs: number | null;
}

/** Options of simulate(): cancellation and progress. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Called as the native side reports steps done (over all seeds), with elapsed time and time to go. */
  onProgress?: (p: Progress) => void;
  /** Worker threads (default: all cores). */
  threads?: number;
  /**
   * Memory limit of the call in bytes, checked before anything is allocated (default:
   * LORADYN_MAX_BYTES, else 3/4 of what this process may use: physical memory, its cgroup's
   * limit, ulimit -v). estimateMemory() tells what a config needs.
   */
  maxBytes?: number;
}
