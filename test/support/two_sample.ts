// Two-sample statistics for comparing simulators in law: z-tests on means and on the
// Brown–Forsythe spread (mean absolute deviation from the median), and Kolmogorov–Smirnov.

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

export function variance(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return s / (x.length - 1);
}

export function median(x: ArrayLike<number>): number {
  const s = Array.from(x).sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
}

/** z statistic of the difference of two means (Welch standard error). Spreads below
 *  `floor` are rounding noise (e.g. |v|^2 = 1 +- 1e-16): then 0 if the means agree to
 *  `floor`, Infinity otherwise. */
export function zMeans(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-10): number {
  const se = Math.sqrt(variance(a) / a.length + variance(b) / b.length);
  const diff = mean(a) - mean(b);
  if (!(se > floor)) return Math.abs(diff) <= floor ? 0 : Infinity;
  return diff / se;
}

/** z statistic of the difference of two proportions (pooled standard error). */
export function zProportions(k1: number, n1: number, k2: number, n2: number): number {
  const p = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  const diff = k1 / n1 - k2 / n2;
  if (!(se > 0)) return diff === 0 ? 0 : Infinity;
  return diff / se;
}

/** Brown–Forsythe: z of the difference in mean |x - median(x)| (robust spread test). */
export function zSpread(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = median(a),
    mb = median(b);
  return zMeans(
    Array.from(a, (x) => Math.abs(x - ma)),
    Array.from(b, (x) => Math.abs(x - mb)),
  );
}

/** Two-sample Kolmogorov–Smirnov statistic D; Infinity entries (censored) are allowed. */
export function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q),
    y = [...b].sort((p, q) => p - q);
  let i = 0,
    j = 0,
    d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Critical D of the two-sample KS test at level alpha (asymptotic; conservative with ties). */
export function ksCritical(n: number, m: number, alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

// Complementary error function (Numerical Recipes erfcc, relative error < 1.2e-7).
function erfc(x: number): number {
  const z = Math.abs(x),
    t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided standard-normal critical value for level alpha (bisection on erfc). */
export function zCritical(alpha: number): number {
  let lo = 0,
    hi = 40;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (erfc(mid / Math.SQRT2) > alpha) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
