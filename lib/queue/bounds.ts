// The work bound a queue job carries, and a worker's limits on it. Work is a size, not a time: the
// number of (sample x coordinate) products the engine forms, summed over steps and seeds. Memory is
// the engine's estimate of what one job holds at once (lib/memory.ts, the core's own estimate).
import os from 'node:os';
import { parseConfigShape, seedList, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { estimateMemory } from '../memory.js';
import { DEFAULT_MAX_SECONDS, DEFAULT_MAX_WORK } from './defaults.js';

export interface JobBound {
  /** full: steps x batch x d x seeds; reduced: steps x batch x (rank + hidden + 1) x seeds; ode: steps x (rank + hidden)^2 x seeds. */
  work: number;
  /** Native bytes the job holds at its peak on one thread, by the core's estimate (estimateMemory). */
  bytes: number;
}

/** What the work of `c`'s engine counts, for messages. */
export function workFormula(c: Config): string {
  return c.engine === 'full'
    ? 'steps x batch x d x seeds'
    : c.engine === 'reduced'
      ? 'steps x batch x (rank + hidden + 1) x seeds'
      : 'steps x (rank + hidden)^2 x seeds';
}

export function jobBound(c: Config): JobBound {
  const { d, rank, hidden } = c.model;
  const seeds = seedList(c).length;
  const per = c.engine === 'full' ? c.train.batch * d : c.engine === 'reduced' ? c.train.batch * (rank + hidden + 1) : (rank + hidden) ** 2;
  return { work: c.train.steps * per * seeds, bytes: runBytes(c) };
}

// A config the core refuses has no estimate; it is bounded by its work alone, and the worker's
// run then fails on the core's error, once, like any deterministic failure.
function runBytes(c: Config): number {
  try {
    return estimateMemory(c, { threads: 1 }).bytes;
  } catch (e) {
    if (e instanceof ConfigError) return 0;
    throw e;
  }
}

/** What a worker accepts: the most work and memory per job, and the longest a job may run. */
export interface WorkerLimits {
  /** Refuse a job whose work is above this (default 1e13: about 3 hours of the full engine on one core). */
  maxWork: number;
  /** Stop a job still running after this many seconds (default 86 400; Infinity: no limit). */
  maxSeconds: number;
  /** Refuse a job whose memory estimate is above this (default: the core's memory limit shared by the worker's threads). */
  maxBytes: number;
}

export { DEFAULT_MAX_SECONDS, DEFAULT_MAX_WORK } from './defaults.js';

// The limit the core checks every call against (LORADYN_MAX_BYTES, else 3/4 of what this process
// may use, cgroup limits included), read off the estimate of the default config.
function defaultLimit(): number {
  return estimateMemory(parseConfigShape({})).limit;
}

export function workerLimits(o: Partial<WorkerLimits> & { threads?: number } = {}): WorkerLimits {
  const threads = Math.max(1, o.threads ?? os.availableParallelism());
  return {
    maxWork: o.maxWork ?? DEFAULT_MAX_WORK,
    maxSeconds: o.maxSeconds ?? DEFAULT_MAX_SECONDS,
    maxBytes: o.maxBytes ?? defaultLimit() / threads,
  };
}

const sci = (x: number) => (x >= 1e6 ? x.toExponential(2).replace('e+', 'e') : String(x));
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/** Why a job with this config is over the limits, or null when it is within them. */
export function overLimits(c: Config, l: WorkerLimits): string | null {
  const b = jobBound(c);
  if (b.work > l.maxWork) return `its work ${sci(b.work)} (${workFormula(c)}) is over this worker's --max-work ${sci(l.maxWork)}`;
  if (b.bytes > l.maxBytes) return `it needs about ${gib(b.bytes)} by the engine's estimate, over this worker's ${gib(l.maxBytes)} per job (--max-memory)`;
  return null;
}
