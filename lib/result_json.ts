// Plain-JSON form of a result (typed arrays become number arrays; NaN becomes null).
import type { SimulationResult, RunResult } from './types.js';

/** A run in plain JSON: typed arrays as number arrays, NaN as null. */
export type RunJson = Omit<RunResult, 'step' | 't' | 'm' | 'u' | 'M' | 'Q' | 'popLoss' | 'batchLoss' | 'final'> & {
  step: number[];
  t: number[];
  m: (number | null)[];
  u: (number | null)[];
  M: (number | null)[];
  Q: (number | null)[];
  popLoss: (number | null)[];
  batchLoss: (number | null)[];
  // A diverged run's final weights hold NaN or Inf: null here, like the trajectories.
  final?: { u: (number | null)[]; v: (number | null)[]; teacher: (number | null)[]; w0: (number | null)[] };
};

/** A simulation result in plain JSON (see RunJson). */
export type SimulationJson = Omit<SimulationResult, 'runs'> & { runs: RunJson[] };

const arr = (a: Float64Array): (number | null)[] => Array.from(a, (x) => (Number.isFinite(x) ? x : null));

export function runToJson(r: RunResult): RunJson {
  const out: RunJson = {
    ...r,
    step: Array.from(r.step),
    t: Array.from(r.t),
    m: arr(r.m),
    u: arr(r.u),
    M: arr(r.M),
    Q: arr(r.Q),
    popLoss: arr(r.popLoss),
    batchLoss: arr(r.batchLoss),
    final: r.final ? { u: arr(r.final.u), v: arr(r.final.v), teacher: arr(r.final.teacher), w0: arr(r.final.w0) } : undefined,
  };
  if (!out.final) delete out.final;
  return out;
}

/** A simulation result in plain JSON, for files and the queue. */
export function resultToJson(r: SimulationResult): SimulationJson {
  return { ...r, runs: r.runs.map(runToJson) };
}
