// Escape-time theory and population-loss derivatives (SPEC sections 2 and 4), computed in
// native/core/theory. Curves and critical-point searches run on a native worker thread.
import { parseConfig, type ActivationSpec, type ConfigInput } from './config.js';
import { ConfigError } from './errors.js';
import { loadNative, nativeAwait, nativeCall, type NativeTheory } from './native.js';

/** A student/teacher pair. teacher: "same" (default), "square" (s^2) or any activation. */
export interface TheoryPair {
  activation: ActivationSpec;
  teacher?: 'same' | 'square' | ActivationSpec;
  /** Divide A and B by k! k (k the student's top Hermite order), as the paper's eta rescale. */
  hermiteRescale?: boolean;
}

/** One point of tau(mu). tau is null where it is infinite; reason says why. */
export interface TauPoint {
  mu: number;
  A: number;
  B: number;
  tau: number | null;
  reason?: string;
}

/** The critical points of tau(mu): where A(mu) = 0 (tau infinite) and the local minima of tau. */
export interface CriticalPoints {
  /** mu_c in the open search interval where A(mu_c) = 0 (tau infinite), refined to tol. */
  zeros: number[];
  /** Interior local minima of tau(mu), refined by golden-section search to tol in mu. */
  minima: { mu: number; tau: number }[];
}

/** Options of criticalPoints: the search interval, grid and tolerance. */
export interface CriticalOptions {
  /** Search interval [lo, hi] in [0, 1] and its number of grid intervals (default 1e-3, 0.999, 2000). */
  lo?: number;
  hi?: number;
  points?: number;
  /** Refinement tolerance in mu (default 1e-9). */
  tol?: number;
}

/** The population loss L(M, Q) and its derivatives L_M, L_Q at each given (M, Q). */
export interface LossValues {
  L: Float64Array;
  LM: Float64Array;
  LQ: Float64Array;
}

/** A Gaussian-expectation operand: derivative `order` of an activation (or of its square). */
export interface GaussOperand {
  activation: ActivationSpec;
  order?: 0 | 1 | 2;
  squared?: boolean;
}

function native(): NativeTheory {
  return loadNative().theory;
}

function checkMu(mu: number[], path = 'mu'): void {
  if (mu.length === 0) throw new ConfigError([{ path, message: 'mu list is empty' }]);
  mu.forEach((m, i) => {
    if (typeof m !== 'number' || !(m >= 0 && m <= 1)) throw new ConfigError([{ path: `${path}[${i}]`, message: `must be in [0, 1] (got ${m})` }]);
  });
}

/** n equally spaced values from lo to hi inclusive; rejects empty, reversed or out-of-range grids. */
export function muGrid(lo: number, hi: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError([{ path: 'grid', message: `point count must be an integer >= 1 (got ${n})` }]);
  checkMu([lo, hi], 'grid');
  if (n > 1 && !(hi > lo)) throw new ConfigError([{ path: 'grid', message: `grid is empty or reversed: need lo < hi (got ${lo}:${hi})` }]);
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}

/** A(mu), B(mu) and tau(mu) = 1/lambda_+ at each mu. */
export async function tauCurve(pair: TheoryPair, mu: number[]): Promise<TauPoint[]> {
  checkMu(mu);
  return nativeAwait(nativeCall(() => native().tau(pair, mu)));
}

/** Zeros of A (critical mu_c) and local minima of tau over a fine grid, refined. */
export async function criticalPoints(pair: TheoryPair, options: CriticalOptions = {}): Promise<CriticalPoints> {
  return nativeAwait(nativeCall(() => native().critical(pair, options)));
}

/**
 * Escape time in ODE time: t_exit = tau log(R / eps), with eps the initial overlap
 * (default d^-1/2, so d is needed unless eps is given) and R the exit radius (default 1).
 * Returns null when tau is.
 */
export function tExit(tau: number | null, o: { d?: number; eps?: number; R?: number }): number | null {
  const R = o.R ?? 1;
  const eps = o.eps ?? (o.d !== undefined ? 1 / Math.sqrt(o.d) : undefined);
  if (eps === undefined) throw new ConfigError([{ path: 'eps', message: 'give eps or d (eps defaults to d^-1/2)' }]);
  if (!(eps > 0) || !(R > eps) || !Number.isFinite(R)) throw new ConfigError([{ path: 'eps', message: `need 0 < eps < R (got eps = ${eps}, R = ${R})` }]);
  if (tau === null) return null;
  return tau * Math.log(R / eps);
}

/** Top-coefficient approximation for He_k: A = mu^(k-1) (1 - mu^k), B = -mu^(2k-2) (rescaled units). */
export function topCoefficient(k: number, mu: number[], rescaled = true): TauPoint[] {
  checkMu(mu);
  return nativeCall(() => native().topCoefficient(k, mu, rescaled));
}

/** Effective potential of the linear model, V(g) = -(1 - mu)^2 log cosh g (m = tanh g). */
export function linearPotential(mu: number, g: number[]): Float64Array {
  checkMu([mu]);
  return nativeCall(() => native().potential(mu, g));
}

/** Population loss L(M, Q) (label noise included) and L_M, L_Q at each (M[i], Q[i]). */
export function lossDerivatives(pair: TheoryPair & { noise?: number }, M: number[], Q: number[]): LossValues {
  return nativeCall(() => native().loss(pair, M, Q));
}

/**
 * Committee of K units (readout a): L and its gradient in each ordered entry of M and Q
 * (K x K row-major; dL = sum GM_jk dM_jk + sum GQ_jl dQ_jl).
 */
export function committeeLoss(pair: TheoryPair & { noise?: number }, K: number, readout: number, M: number[], Q: number[]) {
  return nativeCall(() => native().lossK(pair, K, readout, M, Q));
}

/**
 * E[f(a) g(b)] for (a, b) centred Gaussian with covariance [[caa, cab], [cab, cbb]]; mode
 * "auto" uses closed forms where they exist, "quadrature" forces numerical integration.
 */
export function gaussExpect(f: GaussOperand, g: GaussOperand, cov: [number, number, number], mode: 'auto' | 'quadrature' = 'auto'): number {
  return nativeCall(() => native().expect(f, g, cov, mode));
}

/** Right-hand side of the ODE ("rank1": state (u, m); "general": (U, m, n, C)) at a state; for checks. */
export function odeRhs(config: ConfigInput, system: 'rank1' | 'general', y: number[]): { dy: Float64Array; y0: Float64Array } {
  const c = parseConfig(config);
  return nativeCall(() => native().odeRhs(c, system, y));
}
