// Statistics of the search protocol (docs/vit.md): per pre-training seed, the least-squares
// slope of a log metric against log2(1 + budget) (the seed's fine-tuning seeds averaged first);
// their mean; a paired bootstrap over pre-training seeds (each resample keeps a seed's whole
// budget profile); a two-sided sign test on the per-seed slopes; and the verdict.

/** Least-squares slope of y on x; NaN with fewer than two distinct x. */
export function olsSlope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n !== y.length) throw new Error('olsSlope: x and y differ in length');
  if (n < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/** Mulberry32: a small seeded generator, enough for resampling indices reproducibly. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two-sided exact sign test: P(|K - n/2| >= |k - n/2|) for K ~ Binomial(n, 1/2). */
export function signTestP(positive: number, n: number): number {
  if (n === 0) return 1;
  const k = Math.min(positive, n - positive);
  let tail = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= k; i++) {
    tail += c;
    c = (c * (n - i)) / (i + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

/** What an interval says about the predicted sign: reproduces (on the predicted side of 0), refutes (on the other side) or inconclusive (contains 0). */
export type Verdict = 'reproduces' | 'refutes' | 'inconclusive';

/**
 * The verdict of an interval against the sign the theory predicts (+1: the metric grows with
 * pre-training, -1: it falls): `reproduces` when the interval lies on the predicted side of 0,
 * `refutes` when it lies on the other side, `inconclusive` when it contains 0.
 */
export function verdictOf(ci: readonly [number, number], predictedSign: 1 | -1): Verdict {
  const [lo, hi] = ci;
  if (!(lo <= hi)) return 'inconclusive';
  if (predictedSign * lo > 0 && predictedSign * hi > 0) return 'reproduces';
  if (predictedSign * lo < 0 && predictedSign * hi < 0) return 'refutes';
  return 'inconclusive';
}

/** The p-quantile of sorted values: the element at rank round(p (n - 1)). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.round(p * (sorted.length - 1))]!;
}

/**
 * Fewest pre-training seeds whose slopes may carry a verdict. With two, the sign test cannot
 * reach p < 0.5 and the percentile bootstrap has three distinct means, so its "95 %" interval
 * is just the range of the seeds: no verdict is given, only the numbers ('too few seeds').
 */
export const MIN_VERDICT_SEEDS = 3;

/** z(0.975) + z(0.80): the smallest effect a two-sided 5 % test detects with 80 % power is this x SE. */
export const MDE_FACTOR = 1.959964 + 0.841621;

/** The slope statistics of one metric over pre-training seeds. */
export interface SlopeStats {
  /** Mean over pre-training seeds of the per-seed slopes of ln(metric) on log2(1 + budget). */
  slope: number;
  /** Percentile interval of the paired bootstrap over pre-training seeds. */
  ci: [number, number];
  /** Bootstrap standard error of the slope. */
  se: number;
  /** Smallest slope the design detects (two-sided 5 %, power 80 %): MDE_FACTOR x se. */
  mde: number;
  perSeed: { seed: number; slope: number }[];
  signTest: { positive: number; negative: number; n: number; p: number };
  /** The interval's verdict, withheld ('too few seeds') with fewer than MIN_VERDICT_SEEDS seeds. */
  verdict: Verdict | 'too few seeds';
}

/** One pre-training seed's profile: ln(metric) at each budget. */
export interface SlopeInput {
  seed: number;
  /** ln(metric) per budget (already averaged over the seed's fine-tuning seeds). */
  points: { budget: number; y: number }[];
}

/** Paired slope statistics; seeds with fewer than two budgets are left out (and do not count towards MIN_VERDICT_SEEDS). */
export function pairedSlope(input: readonly SlopeInput[], opts: { predictedSign: 1 | -1; resamples?: number; level?: number; seed?: number }): SlopeStats {
  const perSeed = input
    .map((s) => ({
      seed: s.seed,
      slope: olsSlope(
        s.points.map((p) => Math.log2(1 + p.budget)),
        s.points.map((p) => p.y),
      ),
    }))
    .filter((s) => Number.isFinite(s.slope));
  const n = perSeed.length;
  const slopes = perSeed.map((s) => s.slope);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const slope = n ? mean(slopes) : NaN;
  const B = opts.resamples ?? 10000;
  const rand = seededUniform(opts.seed ?? 17);
  const boots = new Float64Array(n ? B : 0);
  for (let b = 0; b < boots.length; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += slopes[Math.floor(rand() * n)]!;
    boots[b] = s / n;
  }
  boots.sort();
  const level = opts.level ?? 0.95;
  const ci: [number, number] = [quantileSorted(boots, (1 - level) / 2), quantileSorted(boots, 1 - (1 - level) / 2)];
  const bm = boots.length ? mean(Array.from(boots)) : NaN;
  const se = boots.length > 1 ? Math.sqrt(Array.from(boots).reduce((a, v) => a + (v - bm) ** 2, 0) / (boots.length - 1)) : NaN;
  const positive = slopes.filter((s) => s > 0).length;
  const negative = slopes.filter((s) => s < 0).length;
  return {
    slope,
    ci,
    se,
    mde: MDE_FACTOR * se,
    perSeed,
    signTest: { positive, negative, n: positive + negative, p: signTestP(positive, positive + negative) },
    verdict: n >= MIN_VERDICT_SEEDS ? verdictOf(ci, opts.predictedSign) : 'too few seeds',
  };
}

/** Geometric mean over seeds with a percentile bootstrap interval (the figures' points). */
export function geometricMeanCI(values: readonly number[], resamples = 4000, seed = 29): { mean: number; lo: number; hi: number; n: number } {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log);
  const n = logs.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n };
  const m = logs.reduce((a, b) => a + b, 0) / n;
  const rand = seededUniform(seed);
  const boots = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += logs[Math.floor(rand() * n)]!;
    boots[b] = s / n;
  }
  boots.sort();
  return { mean: Math.exp(m), lo: Math.exp(quantileSorted(boots, 0.025)), hi: Math.exp(quantileSorted(boots, 0.975)), n };
}
