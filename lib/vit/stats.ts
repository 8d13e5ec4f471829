// Small statistics for the experiment tables: mean with a Student-t 95 % interval, median.

// Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond.
const t975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5 % quantile of Student's t with df degrees of freedom (1.96 beyond 30). */
export function tQuantile975(df: number): number {
  return df >= 1 && df <= 30 ? t975[df - 1]! : 1.96;
}

/** A mean with its 95 % t-interval [lo, hi], the sample standard deviation and the count. */
export interface MeanCI {
  n: number;
  mean: number;
  lo: number;
  hi: number;
  sd: number;
}

/** Mean and 95 % t-interval; with one value the interval is the point itself. */
export function meanCI(values: number[]): MeanCI {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, lo: NaN, hi: NaN, sd: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, lo: mean, hi: mean, sd: 0 };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const h = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, lo: mean - h, hi: mean + h, sd };
}

/** The median (NaN for no values). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
