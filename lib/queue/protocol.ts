// What travels through the queue: job data (one run's filled-in config, named by its hash, and its
// work bound) and the job's return value (the run in its plain-JSON form, checked by trust.ts). Bump
// QUEUE_SCHEMA_VERSION whenever either changes shape, so old workers and coordinators refuse each
// other instead of mixing results.
import type { Config } from '../config.js';
import type { JobBound } from './bounds.js';
import type { RunJson } from '../result_json.js';
import type { RunResult } from '../types.js';

/** Version of the job and result format; coordinators and workers of another version refuse each other. */
export const QUEUE_SCHEMA_VERSION = 2;

/** Redis key prefix of every loradyn queue (BullMQ namespaces its keys under it). */
export const QUEUE_PREFIX = 'loradyn';
/** The queue name when none is given (`--queue-name`). */
export const DEFAULT_QUEUE_NAME = 'runs';

export interface RunJobData {
  hash: string;
  /** The filled-in config with one seed; its canonical hash is `hash`. */
  config: Config;
  /** The job's size (jobBound of config); a worker refuses a job beyond its limits. */
  bound: JobBound;
  /** How many results of this job the coordinator has rejected so far (absent: none). */
  rejected?: number;
}

export interface RunJobResult {
  run: RunJson;
  backend: string;
  wallMs: number;
  /** Name of the worker that computed it (host:pid). */
  worker: string;
  /** loradyn version of that worker. */
  version: string;
}

/** Progress a worker publishes on an active job. */
export interface RunJobProgress {
  worker: string;
  stepsDone: number;
}

const nums = (a: (number | null)[]): Float64Array => Float64Array.from(a, (x) => (x === null ? NaN : x));

/**
 * Rebuilds a RunResult from its JSON form. runToJson of the rebuilt result is identical to the
 * input (numbers round-trip exactly through JSON; non-finite values are null on both sides), so a
 * run stored from the queue is byte-for-byte the run the local executor would store.
 */
export function runFromJson(j: RunJson): RunResult {
  const r: RunResult = {
    ...j,
    step: Float64Array.from(j.step),
    t: Float64Array.from(j.t),
    m: nums(j.m),
    u: nums(j.u),
    M: nums(j.M),
    Q: nums(j.Q),
    popLoss: nums(j.popLoss),
    batchLoss: nums(j.batchLoss),
    final: j.final ? { u: nums(j.final.u), v: nums(j.final.v), teacher: nums(j.final.teacher), w0: nums(j.final.w0) } : undefined,
  };
  if (!r.final) delete r.final;
  return r;
}
