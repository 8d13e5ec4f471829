// Same law of two ensembles of runs (engine "full" against engine "reduced"): every observable's
// mean and spread at chosen grid steps, the fraction of runs not blown up, and the first
// passages by KS, at a Bonferroni-corrected family level (test/reduced.test.ts, test/practice_reduced.test.ts).
import { simulate, logGrid, type ConfigInput, type RunResult } from '../../lib/index.js';
import { ksCritical, ksStatistic, zCritical, zMeans, zProportions, zSpread } from './two_sample.js';

// Sign-invariant observables at grid step S: |m_ij|, |u_ji|, M_jj, Q_jj, the population loss;
// null when the run has blown up by S (diverged, or |u| > 1e3). The second clause matters: a
// blow-up overflows differently in R^d (full-d SGD can overflow |v|^2 to Inf, renormalise v to
// exactly 0 and sit there with u ~ 1e250 without a NaN) and in the chain (NaN at once), so only
// "blown up", not "NaN", has the same law in both. (v_i -> -v_i with u_.i -> -u_.i is a symmetry
// of the law, so signed m and u would average to 0.)
export function observables(r: RunResult, S: number, rank: number, K: number): number[] | null {
  const p = r.step.indexOf(S);
  if (p < 0 || (r.divergedStep !== null && r.divergedStep <= S)) return null;
  const out: number[] = [];
  for (let k = 0; k < rank * K; k++) out.push(Math.abs(r.m[p * rank * K + k]!));
  for (let k = 0; k < rank * K; k++) out.push(Math.abs(r.u[p * rank * K + k]!));
  for (let j = 0; j < K; j++) out.push(r.M[p * K * K + j * K + j]!, r.Q[p * K * K + j * K + j]!);
  out.push(r.popLoss[p]!);
  const blown = out.slice(rank * K, 2 * rank * K).some((u) => u > 1e3);
  return out.every(Number.isFinite) && !blown ? out : null;
}

export interface Verdict {
  worstZ: number;
  zCrit: number;
  ks: number;
  ksCrit: number;
  ksLoss: number;
  where: string;
}

const passage = (r: RunResult) => r.escape['0.5'] ?? Infinity;
const lossPassage = (r: RunResult) => r.lossEscape?.['0.5'] ?? Infinity;

// Compares two ensembles at the grid steps `at`: the fraction of runs still finite, and every
// observable's mean and spread over those runs, with a Bonferroni-corrected family level alpha;
// then the first passages (censored = Infinity) by KS: those of |m| over 0.5 and of the loss
// below 0.5, each at alpha / 2, or (lossPassages false) those of |m| alone at alpha (ksLoss 0).
export function compareLaw(
  a: RunResult[],
  b: RunResult[],
  rank: number,
  K: number,
  at: number[],
  alpha: number,
  { lossPassages = true }: { lossPassages?: boolean } = {},
): Verdict {
  const nObs = 2 * rank * K + 2 * K + 1;
  const zCrit = zCritical(alpha / ((2 * nObs + 1) * at.length));
  let worstZ = 0,
    where = '';
  const note = (z: number, w: string) => {
    if (!(Math.abs(z) <= worstZ)) {
      worstZ = Math.abs(z);
      where = w;
    }
  };
  for (const S of at) {
    const oa = a.map((r) => observables(r, S, rank, K)).filter((o) => o !== null) as number[][];
    const ob = b.map((r) => observables(r, S, rank, K)).filter((o) => o !== null) as number[][];
    note(zProportions(oa.length, a.length, ob.length, b.length), `fraction not blown up at step ${S}`);
    if (oa.length < 20 || ob.length < 20) continue;
    for (let k = 0; k < nObs; k++) {
      const xa = oa.map((o) => o[k]!),
        xb = ob.map((o) => o[k]!);
      note(zMeans(xa, xb), `mean of observable ${k} at step ${S}`);
      note(zSpread(xa, xb), `spread of observable ${k} at step ${S}`);
    }
  }
  const ksCrit = ksCritical(a.length, b.length, lossPassages ? alpha / 2 : alpha);
  return {
    worstZ,
    zCrit,
    where,
    ksCrit,
    ks: ksStatistic(a.map(passage), b.map(passage)),
    ksLoss: lossPassages ? ksStatistic(a.map(lossPassage), b.map(lossPassage)) : 0,
  };
}

/**
 * What a same-law case asserts: no observable and neither first passage told apart at the family
 * level, and at least a fifth of the full-d runs escaping within the horizon (so that the passages
 * are compared on runs that pass, not on censored ones).
 */
export function assertSameLaw(tt: { ok(ok: boolean, message: string): unknown }, v: Verdict, alpha: number, full: RunResult[]): void {
  tt.ok(v.worstZ < v.zCrit, `largest |z| ${v.worstZ.toFixed(2)} (${v.where}) < ${v.zCrit.toFixed(2)} (family alpha ${alpha})`);
  tt.ok(v.ks < v.ksCrit, `|m| first-passage KS D ${v.ks.toFixed(3)} < ${v.ksCrit.toFixed(3)}`);
  tt.ok(v.ksLoss < v.ksCrit, `loss-halving first-passage KS D ${v.ksLoss.toFixed(3)} < ${v.ksCrit.toFixed(3)}`);
  const escaped = full.filter((r) => r.escape['0.5'] !== null || r.lossEscape?.['0.5'] != null).length;
  tt.ok(escaped >= 0.2 * full.length, `${escaped}/${full.length} full-d runs escape within the horizon`);
}

/** Seeds from, from + 1, ..., n of them (the reduced runs take a disjoint range from the full-d ones). */
export const seedRange = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);

/** The runs of one engine on a config, two threads. */
export async function runSeeds(engine: 'full' | 'reduced' | 'ode', cfg: ConfigInput, seeds: number[]): Promise<RunResult[]> {
  return (await simulate({ ...cfg, engine, seeds }, { threads: 2 })).runs;
}

/** Four steps of the record grid (first, a third, two thirds, last) at which the laws are compared. */
export function checkSteps(steps: number, points = 12): number[] {
  const g = logGrid(steps, points);
  const P = g.length;
  return [g[0]!, g[Math.floor(P / 3)]!, g[Math.floor((2 * P) / 3)]!, g[P - 1]!];
}

/** What a same-law case varies; each file supplies its own defaults (sameLawConfig). */
export interface SameLawOver {
  activation?: string;
  d?: number;
  rank?: number;
  hidden?: number;
  mu?: number | number[];
  misaligned?: boolean;
  u0?: number | null;
  spherical?: boolean;
  noise?: number;
  adapter?: 'lora' | 'full';
  batch?: number;
  eta?: number;
  steps?: number;
  points?: number;
  optimizer?: { kind: 'momentum'; beta: number };
  weightDecay?: number;
  lrRatio?: number;
}

/** The config of a same-law case: d = 200, one aligned unit, 12 record points unless `o` or `defaults` say otherwise. */
export function sameLawConfig(o: SameLawOver, defaults: { rank: number; mu: number; batch: number; eta: number; steps: number }): ConfigInput {
  return {
    model: {
      activation: o.activation ?? 'linear',
      d: o.d ?? 200,
      rank: o.rank ?? defaults.rank,
      hidden: o.hidden ?? 1,
      pretrained: { kind: o.misaligned ? 'misaligned' : 'aligned', mu: o.mu ?? defaults.mu },
      ...(o.u0 !== undefined ? { u0: o.u0 } : {}),
      spherical: o.spherical ?? true,
      noise: o.noise ?? 0,
      ...(o.adapter ? { adapter: o.adapter } : {}),
    },
    train: {
      batch: o.batch ?? defaults.batch,
      eta: o.eta ?? defaults.eta,
      steps: o.steps ?? defaults.steps,
      ...(o.optimizer ? { optimizer: o.optimizer } : {}),
      ...(o.weightDecay ? { weightDecay: o.weightDecay } : {}),
      ...(o.lrRatio ? { lrRatio: o.lrRatio } : {}),
    },
    record: { points: o.points ?? 12, thresholds: [0.5], lossThresholds: [0.5] },
    backend: 'cpu',
  };
}

type Shape = { model: { rank: number; hidden: number }; train: { steps: number }; record: { points: number } };

/** One same-law case: n full-d runs (seeds 1..n) against n reduced runs (seeds 100001..), compared at checkSteps. */
export async function checkSameLaw(tt: { ok(ok: boolean, message: string): unknown }, cfg: ConfigInput, n: number, alpha: number): Promise<void> {
  const s = cfg as Shape;
  const full = await runSeeds('full', cfg, seedRange(n));
  const red = await runSeeds('reduced', cfg, seedRange(n, 100001));
  assertSameLaw(tt, compareLaw(full, red, s.model.rank, s.model.hidden, checkSteps(s.train.steps, s.record.points), alpha), alpha, full);
}

/** What a power check asserts: the comparison tells the wrong chain apart (an observable or a first passage). */
export function assertToldApart(tt: { ok(ok: boolean, message: string): unknown }, v: Verdict): void {
  tt.ok(
    v.worstZ > v.zCrit || v.ks > v.ksCrit || v.ksLoss > v.ksCrit,
    `rejected: |z| ${v.worstZ.toFixed(2)} vs ${v.zCrit.toFixed(2)} (${v.where}), KS ${v.ks.toFixed(3)} / ${v.ksLoss.toFixed(3)} vs ${v.ksCrit.toFixed(3)}`,
  );
}
