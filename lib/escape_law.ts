// The law of the escape time (SPEC section 7.2): predicted quantiles of the first step with
// |m| >= threshold (and of loss-based progress), computed in native/core/theory/escape_law.cpp,
// derivation in native/core/theory/escape_law.md. Rank 1, one unit, aligned w0 = mu w*, spherical.
import * as v from 'valibot';
import { activationSchema, type ActivationSpec } from './config.js';
import { ConfigError } from './errors.js';
import { loadNative, nativeAwait, nativeCall } from './native.js';
import { finiteNumber, fraction, nonNegative, positive, strictObject, toConfigIssues, zeroToOne } from './schema.js';

/** The probabilities of the quantiles escapeLaw() predicts by default: q10, q25, q50, q75, q90. */
export const QUANTILE_PROBS = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

const intAtLeast = (min: number, message: string) =>
  v.pipe(finiteNumber(message), v.integer(message), v.minValue(min, message), v.maxValue(2 ** 52, 'must be <= 2^52'));

/** The valibot schema of escapeLaw()'s argument: the setting (link, mu, d, batch, eta, ...) and what to predict, with defaults. */
export const escapeLawSchema = strictObject({
  activation: activationSchema,
  // "same" (matched), "square" (s*(z) = s(z)^2), or any activation.
  teacher: v.optional(v.union([v.literal('same'), v.literal('square'), activationSchema]), 'same'),
  mu: zeroToOne(),
  d: intAtLeast(3, 'must be an integer >= 3'),
  batch: intAtLeast(1, 'must be an integer >= 1'),
  eta: positive('must be a finite number > 0'),
  // Divide eta by k! k (k the student's top Hermite order), as the paper does.
  hermiteRescale: v.optional(v.boolean(), false),
  noise: v.optional(nonNegative('must be a finite number >= 0'), 0),
  // Initial u; null means 1/d^2.
  u0: v.optional(v.nullable(nonNegative('must be a finite number >= 0')), null),
  threshold: v.optional(fraction('must be in (0, 1)'), 0.5),
  // Also predict the first step with L - noise/2 <= f (L0 - noise/2) (SPEC 7.1, progress by loss).
  lossThreshold: v.optional(v.nullable(fraction('must be in (0, 1)')), null),
  probs: v.optional(
    v.pipe(v.array(fraction('each probability must be in (0, 1)')), v.minLength(1, 'must not be empty'), v.maxLength(999, 'at most 999 probabilities')),
    [...QUANTILE_PROBS],
  ),
  // Keep SGD's O(eta d / B) shrink of m in the nonlinear part (default true).
  noiseDrift: v.optional(v.boolean(), true),
});

/** escapeLaw()'s argument as a caller writes it (defaults may be left out). */
export type EscapeLawInput = v.InferInput<typeof escapeLawSchema>;
/** escapeLaw()'s argument with every default filled in, as the result echoes it. */
export type EscapeLawSpec = v.InferOutput<typeof escapeLawSchema>;

/** One predicted quantile of the escape time. */
export interface EscapeLawQuantile {
  /** Probability: the escape step is <= steps with probability p. */
  p: number;
  /** |zeta_eff| at this quantile (the start's size along the unstable direction). */
  zeta: number;
  /** Predicted first step with |m| >= threshold (fractional); null: the flow never gets there. */
  steps: number | null;
  /** With lossThreshold: predicted first step of the loss criterion; null: never. */
  lossSteps?: number | null;
}

/** The predicted law of the first-passage step of |m| over the threshold (docs/escape-law.md): the saddle's linearisation, the start's spread and the quantiles. */
export interface EscapeLaw {
  spec: EscapeLawSpec;
  /** false where A(mu) = 0: no escape along the linearisation (reason says why); quantiles empty. */
  finite: boolean;
  reason?: string;
  /** eta after the Hermite rescale; ODE time is steps x etaEff. */
  etaEff: number;
  /** The saddle's linearisation d(u, m)/dt = [[B, A], [A, 0]] (u, m), unrescaled. */
  A: number;
  B: number;
  lambdaPlus: number;
  lambdaMinus: number;
  tau: number | null;
  /** log(1 + etaEff lambda_+): SGD's exact per-step growth in the linear phase. */
  growthPerStep: number;
  /** Unit unstable direction in (u, m). */
  direction: { u: number; m: number };
  /** E[e^2] at the saddle, e = (s(mu z) - y) s'(mu z): the size of SGD's per-sample noise. */
  sigma2: number;
  /** zeta_eff ~ N(mean, sdInit^2 + sdNoise^2): the random row's part and SGD noise's part. */
  zeta: { mean: number; sdInit: number; sdNoise: number };
  /** eta d sigma2 |c| s / (2 |A| B): SGD's high-dimensional noise against the signal (validity: see docs/escape-law.md). */
  kappa: number;
  /** Population loss at the start. */
  loss0: number;
  quantiles: EscapeLawQuantile[];
  warnings: string[];
}

/**
 * Predicted quantiles of the escape step of rank-1 aligned spherical LoRA under one-pass SGD.
 * Rejects with ConfigError naming the offending field.
 */
export async function escapeLaw(input: EscapeLawInput): Promise<EscapeLaw> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ConfigError([{ path: '', message: 'escape-law spec must be an object' }]);
  const r = v.safeParse(escapeLawSchema, input);
  if (!r.success) throw new ConfigError(toConfigIssues(r.issues));
  const spec = r.output;
  const probs = [...spec.probs].sort((a, b) => a - b);
  const out = (await nativeAwait(nativeCall(() => loadNative().theory.escapeLaw({ ...spec, probs })))) as Omit<EscapeLaw, 'spec'>;
  return { spec: { ...spec, probs }, ...out };
}

/** Predicted P(escape step <= n) by interpolating the predicted quantiles in log steps (for plots and tests). */
export function lawCdf(law: EscapeLaw, steps: number): number | null {
  const q = law.quantiles.filter((x) => x.steps !== null && x.steps > 0);
  if (q.length < 2) return null;
  if (steps <= q[0]!.steps!) return q[0]!.p * (steps / q[0]!.steps!);
  for (let i = 1; i < q.length; i++)
    if (steps <= q[i]!.steps!) {
      const a = q[i - 1]!,
        b = q[i]!;
      const w = (Math.log(steps) - Math.log(a.steps!)) / (Math.log(b.steps!) - Math.log(a.steps!));
      return a.p + w * (b.p - a.p);
    }
  return q[q.length - 1]!.p;
}

export type { ActivationSpec };
