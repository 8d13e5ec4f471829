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
  final?: { u: number[]; v: number[]; teacher: number[]; w0: number[] };
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
    final: r.final ? { u: Array.from(r.final.u), v: Array.from(r.final.v), teacher: Array.from(r.final.teacher), w0: Array.from(r.final.w0) } : undefined,
  };
  if (!out.final) delete out.final;
  return out;
}

/** A simulation result in plain JSON, for files and the queue. */
export function resultToJson(r: SimulationResult): SimulationJson {
  return { ...r, runs: r.runs.map(runToJson) };
}
