// Escape statistics (SPEC section 5): first passages with censoring, Kaplan-Meier median,
// means, seeded bootstrap confidence intervals, and the paper's window metric.

/** One run's first passage: the step, or null when the run ended at `horizon` without escaping. */
export interface Passage {
  step: number | null;
  /** Steps the run lasted (its censoring time when step is null). */
  horizon: number;
}

/** A confidence interval; null ends are unbounded (an open upper end: too many censored runs). */
export interface Interval {
  lo: number | null;
  hi: number | null;
}

/** Escape statistics of one setting over its seeds: counts, Kaplan-Meier median with its bootstrap interval, mean. */
export interface EscapeSummary {
  runs: number;
  escaped: number;
  fraction: number;
  /** Kaplan-Meier median; null when the survival curve never drops to 1/2 (too many censored). */
  median: number | null;
  medianCI: Interval;
  /**
   * Mean first passage over escaped runs when none is censored; with censoring, the restricted mean
   * (area under the KM curve up to the largest horizon), which is a lower bound of the true mean.
   */
  mean: number | null;
  meanCI: Interval;
  meanRestricted: boolean;
}

/** A small seeded generator (mulberry32) so bootstrap intervals are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kaplan-Meier survival curve: S just after each distinct event time. */
export function kaplanMeier(p: Passage[]): { time: number[]; survival: number[] } {
  const events = p.map((x) => ({ t: x.step ?? x.horizon, event: x.step !== null }));
  events.sort((a, b) => a.t - b.t || Number(b.event) - Number(a.event));
  const time: number[] = [];
  const survival: number[] = [];
  let atRisk = events.length;
  let s = 1;
  let i = 0;
  while (i < events.length) {
    const t = events[i]!.t;
    let d = 0;
    let n = 0;
    // Events at t count before censorings at t (a run censored at t was still at risk at t).
    while (i < events.length && events[i]!.t === t) {
      if (events[i]!.event) d++;
      n++;
      i++;
    }
    if (d > 0) {
      s *= 1 - d / atRisk;
      time.push(t);
      survival.push(s);
    }
    atRisk -= n;
  }
  return { time, survival };
}

/** Smallest time at which the KM survival is <= 1/2; null if it never is. */
export function kmMedian(p: Passage[]): number | null {
  const km = kaplanMeier(p);
  for (let i = 0; i < km.time.length; i++) if (km.survival[i]! <= 0.5 + 1e-12) return km.time[i]!;
  return null;
}

/** Area under the KM curve from 0 to the largest observed time (the restricted mean). */
export function kmRestrictedMean(p: Passage[]): number {
  const km = kaplanMeier(p);
  const end = Math.max(...p.map((x) => x.step ?? x.horizon));
  let area = 0;
  let prevT = 0;
  let s = 1;
  for (let i = 0; i < km.time.length; i++) {
    area += s * (km.time[i]! - prevT);
    prevT = km.time[i]!;
    s = km.survival[i]!;
  }
  return area + s * (end - prevT);
}

function meanOf(p: Passage[]): { value: number | null; restricted: boolean } {
  if (p.length === 0) return { value: null, restricted: false };
  if (p.every((x) => x.step !== null)) return { value: p.reduce((a, x) => a + x.step!, 0) / p.length, restricted: false };
  return { value: kmRestrictedMean(p), restricted: true };
}

/** Percentile of a sorted array (linear interpolation), q in [0, 1]. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Options of summarizeEscapes: bootstrap resamples, confidence level, seed. */
export interface SummaryOptions {
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Seed of the bootstrap generator (default 1), so intervals are reproducible. */
  seed?: number;
}

/**
 * Summary of one setting's passages: fraction escaped, KM median, mean, and percentile-bootstrap
 * intervals (resampling runs with replacement). A resample whose median is undefined (survival
 * never reaches 1/2) counts as +infinity, so the upper bound becomes null (unbounded) when that
 * happens often enough.
 */
export function summarizeEscapes(p: Passage[], o: SummaryOptions = {}): EscapeSummary {
  const B = o.resamples ?? 2000;
  const level = o.level ?? 0.95;
  const rand = seededRandom(o.seed ?? 1);
  const n = p.length;
  const escaped = p.filter((x) => x.step !== null).length;
  const median = n ? kmMedian(p) : null;
  const mean = meanOf(p);
  const meds: number[] = [];
  const means: number[] = [];
  if (n > 1) {
    const sample: Passage[] = new Array(n);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < n; i++) sample[i] = p[Math.floor(rand() * n)]!;
      meds.push(kmMedian(sample) ?? Infinity);
      means.push(meanOf(sample).value!);
    }
  }
  const ci = (xs: number[]): Interval => {
    if (xs.length === 0) return { lo: null, hi: null };
    xs.sort((a, b) => a - b);
    const a = (1 - level) / 2;
    const lo = quantile(xs, a);
    const hi = quantile(xs, 1 - a);
    return { lo: Number.isFinite(lo) ? lo : null, hi: Number.isFinite(hi) ? hi : null };
  };
  return {
    runs: n,
    escaped,
    fraction: n ? escaped / n : 0,
    median,
    medianCI: ci(meds),
    mean: mean.value,
    meanCI: ci(means),
    meanRestricted: mean.restricted,
  };
}

/** Steps to ODE-time units divided by log d: value x eta / log d, comparable with tau(mu)/2. */
export function perLogD(steps: number | null, eta: number, d: number): number | null {
  return steps === null ? null : (steps * eta) / Math.log(d);
}

/**
 * The paper's window metric: on the seed-averaged |m| curve, the mean (and std) of the step
 * indices at which |m| lies within [mu - halfWidth, mu + halfWidth]. null when the curve never
 * enters the window. `step` and `mAbsMean` are the same length (the recorded grid). On a log
 * grid this is a coarse estimate; paperWindowMetricDense is exact on a dense record.
 */
export function paperWindowMetric(
  step: ArrayLike<number>,
  mAbsMean: ArrayLike<number>,
  mu: number,
  halfWidth = 0.05,
): { mean: number; std: number; count: number } | null {
  const hits: number[] = [];
  for (let i = 0; i < step.length; i++) {
    const m = mAbsMean[i]!;
    if (m >= mu - halfWidth && m <= mu + halfWidth) hits.push(step[i]!);
  }
  if (hits.length === 0) return null;
  const mean = hits.reduce((a, b) => a + b, 0) / hits.length;
  const std = Math.sqrt(hits.reduce((a, b) => a + (b - mean) ** 2, 0) / hits.length);
  return { mean, std, count: hits.length };
}

/** The paper's window metric read exactly from a dense record (every step recorded, record.dense). */
export interface DenseWindowMetric {
  /** Mean and std of the steps (1 = after the first update) at which the seed-mean |m| is in the window. */
  mean: number;
  std: number;
  count: number;
  /** The same mean on the authors' index, which counts from 0 after the first update: mean - 1. */
  paperIndex: number;
  /** The last step recorded densely (every step from 0 to it). */
  denseTo: number;
  /**
   * True when the seed-mean |m| has passed the window's top (mu + halfWidth) by the end of the
   * dense record, so that no later visit can be missed while |m| rises; false means the window
   * may extend past the dense record (raise record.dense).
   */
  complete: boolean;
}

/**
 * The paper's window metric computed exactly: runs recorded at every step (record.dense), the
 * seed average of |m_11| at each step, and the mean and std of the steps at which it lies in
 * [mu - halfWidth, mu + halfWidth] (the authors record after every update and report 0-based
 * indices: paperIndex = mean - 1). null when the curve never enters the window in the dense
 * part. Throws when the runs have no dense record (step 1 missing).
 */
export function paperWindowMetricDense(
  runs: { step: ArrayLike<number>; m: ArrayLike<number>; rank: number; hidden: number }[],
  mu: number,
  halfWidth = 0.05,
): DenseWindowMetric | null {
  if (runs.length === 0) return null;
  // The dense prefix common to every run: step[i] = i.
  let n = Infinity;
  for (const r of runs) {
    let k = 0;
    while (k < r.step.length && r.step[k] === k) k++;
    n = Math.min(n, k);
  }
  if (!(n >= 2)) throw new Error('paperWindowMetricDense needs runs recorded at every step (set record.dense)');
  const hits: number[] = [];
  let last = 0;
  for (let i = 1; i < n; i++) {
    let acc = 0;
    for (const r of runs) acc += Math.abs(r.m[i * r.rank * r.hidden]!);
    last = acc / runs.length;
    if (last >= mu - halfWidth && last <= mu + halfWidth) hits.push(i);
  }
  if (hits.length === 0) return null;
  const mean = hits.reduce((a, b) => a + b, 0) / hits.length;
  const std = Math.sqrt(hits.reduce((a, b) => a + (b - mean) ** 2, 0) / hits.length);
  return { mean, std, count: hits.length, paperIndex: mean - 1, denseTo: n - 1, complete: last > mu + halfWidth };
}

/** Seed average of |m| (first entry of each run's m, i.e. m_11) on a common grid. */
export function meanAbsM(runs: { step: ArrayLike<number>; m: ArrayLike<number>; rank: number; hidden: number }[]): {
  step: number[];
  value: number[];
} {
  if (runs.length === 0) return { step: [], value: [] };
  const r0 = runs[0]!;
  const stride = r0.rank * r0.hidden;
  const n = Math.min(...runs.map((r) => r.step.length));
  const step = Array.from({ length: n }, (_, i) => r0.step[i]!);
  const value = step.map((_, i) => runs.reduce((a, r) => a + Math.abs(r.m[i * stride]!), 0) / runs.length);
  return { step, value };
}

/** Least-squares slope of log y against log x: the exponent of a power law y ~ x^a (NaN with fewer than 2 points). */
export function logLogSlope(xs: number[], ys: number[]): number {
  if (xs.length < 2 || xs.length !== ys.length) return Number.NaN;
  const lx = xs.map(Math.log),
    ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length,
    my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0,
    den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i]! - mx) * (ly[i]! - my);
    den += (lx[i]! - mx) ** 2;
  }
  return num / den;
}
