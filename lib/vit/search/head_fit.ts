// The target head of the search protocol: softmax regression on a checkpoint's frozen
// features, fitted to convergence before LoRA starts and then frozen, so the adapters' search
// is not mixed up with fitting a convex head. Newton's method in float64 on
//   f(W, b) = mean_i CE(softmax(x_i W + b), y_i) + (lambda / 2) (|W|^2 + |b|^2),
// which is strictly convex (the penalty also fixes the softmax's shift of all classes), with a
// backtracking line search. Converged when the largest gradient entry is <= tolerance.
import { cholSolve } from '../probe.js';

/** Options of fitSoftmaxHead (defaults: HEAD_FIT_DEFAULTS). */
export interface HeadFitOptions {
  /** L2 penalty on every head parameter (biases included). */
  lambda?: number;
  /** Convergence: max |gradient entry| of f at or below this. */
  tolerance?: number;
  maxIterations?: number;
}

/** A fitted softmax head and how the fit ended. */
export interface HeadFit {
  /** [dim x classes] row-major, the layout of the ViT's head.W. */
  W: Float64Array;
  b: Float64Array;
  iterations: number;
  /** Largest gradient entry of f at the returned parameters. */
  gradMax: number;
  converged: boolean;
  /** Mean cross-entropy (without the penalty) on the fitting data. */
  loss: number;
  /** Fraction of the fitting data classified right. */
  accuracy: number;
  lambda: number;
  tolerance: number;
}

/** The head fit's defaults: penalty 1e-4, converged at max |gradient| <= 1e-8, at most 100 Newton steps (a few suffice: the problem is strictly convex). */
export const HEAD_FIT_DEFAULTS = { lambda: 1e-4, tolerance: 1e-8, maxIterations: 100 } as const;

interface Eval {
  f: number;
  loss: number;
  correct: number;
  probs: Float64Array; // n x C
  grad: Float64Array; // C x (dim + 1), class-major: entry (c, k), k = dim is the bias
}

function evaluate(F: Float32Array, y: Int32Array, dim: number, C: number, theta: Float64Array, lambda: number, withGrad: boolean): Eval {
  const n = y.length;
  const p = dim + 1;
  const probs = new Float64Array(n * C);
  const grad = new Float64Array(withGrad ? C * p : 0);
  let loss = 0;
  let correct = 0;
  const z = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    let arg = 0;
    for (let c = 0; c < C; c++) {
      let s = theta[c * p + dim]!;
      const w = c * p;
      for (let k = 0; k < dim; k++) s += F[i * dim + k]! * theta[w + k]!;
      z[c] = s;
      if (s > mx) {
        mx = s;
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[c]! - mx);
    const lse = mx + Math.log(sum);
    loss += lse - z[y[i]!]!;
    if (arg === y[i]) correct++;
    for (let c = 0; c < C; c++) {
      const pc = Math.exp(z[c]! - lse);
      probs[i * C + c] = pc;
      if (!withGrad) continue;
      const e = (pc - (c === y[i] ? 1 : 0)) / n;
      const w = c * p;
      for (let k = 0; k < dim; k++) grad[w + k] += e * F[i * dim + k]!;
      grad[w + dim] += e;
    }
  }
  loss /= n;
  let pen = 0;
  for (let j = 0; j < theta.length; j++) {
    pen += theta[j]! ** 2;
    if (withGrad) grad[j] += lambda * theta[j]!;
  }
  return { f: loss + 0.5 * lambda * pen, loss, correct, probs, grad };
}

/** Hessian of f: (1/n) sum_i (diag(p_i) - p_i p_i^T) (x) xt_i xt_i^T + lambda I, xt = [x, 1]. */
function hessian(F: Float32Array, n: number, dim: number, C: number, probs: Float64Array, lambda: number): Float64Array {
  const p = dim + 1;
  const N = C * p;
  const H = new Float64Array(N * N);
  const xt = new Float64Array(p);
  const outer = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) xt[k] = F[i * dim + k]!;
    xt[dim] = 1;
    for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) outer[a * p + b] = xt[a]! * xt[b]!;
    for (let c = 0; c < C; c++)
      for (let d = 0; d <= c; d++) {
        const w = probs[i * C + c]! * ((c === d ? 1 : 0) - probs[i * C + d]!);
        if (w === 0) continue;
        const base = c * p * N + d * p;
        for (let a = 0; a < p; a++) {
          const row = base + a * N;
          for (let b = 0; b <= a; b++) H[row + b] += w * outer[a * p + b]!;
        }
      }
  }
  // Fill the blocks: within each (c, d) block only a >= b was summed; (c, d) with d > c mirror.
  for (let c = 0; c < C; c++)
    for (let d = 0; d <= c; d++)
      for (let a = 0; a < p; a++)
        for (let b = 0; b <= a; b++) {
          const v = H[(c * p + a) * N + d * p + b]! / n;
          H[(c * p + a) * N + d * p + b] = v;
          H[(c * p + b) * N + d * p + a] = v;
          H[(d * p + a) * N + c * p + b] = v;
          H[(d * p + b) * N + c * p + a] = v;
        }
  for (let j = 0; j < N; j++) H[j * N + j] += lambda;
  return H;
}

const maxAbs = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** Fits the head on features F [n x dim] with labels y in [0, classes). */
export function fitSoftmaxHead(F: Float32Array, y: Int32Array, dim: number, classes: number, options: HeadFitOptions = {}): HeadFit {
  const lambda = options.lambda ?? HEAD_FIT_DEFAULTS.lambda;
  const tolerance = options.tolerance ?? HEAD_FIT_DEFAULTS.tolerance;
  const maxIterations = options.maxIterations ?? HEAD_FIT_DEFAULTS.maxIterations;
  const n = y.length;
  if (n < 1 || F.length !== n * dim) throw new Error(`head fit: features hold ${F.length} values, expected ${n} x ${dim}`);
  if (!(lambda > 0)) throw new Error('head fit: lambda must be > 0 (it makes the problem strictly convex)');
  const p = dim + 1;
  const N = classes * p;
  let theta = new Float64Array(N);
  let cur = evaluate(F, y, dim, classes, theta, lambda, true);
  let it = 0;
  while (maxAbs(cur.grad) > tolerance && it < maxIterations) {
    it++;
    const H = hessian(F, n, dim, classes, cur.probs, lambda);
    const step = Float64Array.from(cur.grad);
    cholSolve(H, N, step, 1); // Newton direction: -H^-1 g
    let slope = 0;
    for (let j = 0; j < N; j++) slope -= cur.grad[j]! * step[j]!;
    let t = 1;
    let next: Eval | null = null;
    for (let tries = 0; tries < 60; tries++, t *= 0.5) {
      const cand = theta.map((v, j) => v - t * step[j]!);
      const e = evaluate(F, y, dim, classes, cand, lambda, false);
      // Armijo condition; the second clause accepts steps that rounding alone keeps from it.
      if (e.f <= cur.f + 1e-4 * t * slope || Math.abs(e.f - cur.f) <= 1e-15 * Math.abs(cur.f)) {
        theta = cand;
        next = e;
        break;
      }
    }
    if (!next) break;
    cur = evaluate(F, y, dim, classes, theta, lambda, true);
  }
  const W = new Float64Array(dim * classes);
  const b = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    for (let k = 0; k < dim; k++) W[k * classes + c] = theta[c * p + k]!;
    b[c] = theta[c * p + dim]!;
  }
  const gradMax = maxAbs(cur.grad);
  return { W, b, iterations: it, gradMax, converged: gradMax <= tolerance, loss: cur.loss, accuracy: cur.correct / n, lambda, tolerance };
}
