// Small statistics helpers for the tests.

/** erf by Abramowitz–Stegun 7.1.26 refined: |error| < 1.2e-7, enough for KS at n = 1e6. */
export function erf(x: number): number {
  // W. J. Cody's rational approximations would be tighter; this series/continued-fraction
  // pair is accurate to ~1e-14 and independent of the engine's code.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    // Maclaurin series, converges fast for |x| < 2.5.
    let term = ax, sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Continued fraction for erfc (Lentz), converges fast for |x| >= 2.5.
    let f = ax, C = ax, D = 0;
    for (let n = 1; n < 300; n++) {
      const a = n / 2;
      D = ax + a * D; D = 1 / D;
      C = ax + a / C;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  }
  return x < 0 ? -r : r;
}

export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}
