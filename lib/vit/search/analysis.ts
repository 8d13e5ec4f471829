// From the runs to the findings (docs/vit.md): per arm and budget, the geometric means over
// pre-training seeds with bootstrap intervals and the median normalised curve; per arm and
// metric, the paired slope against log2(1 + budget), its interval, the sign test and the verdict.
import { hasPlateau } from './metrics.js';
import {
  metricNames,
  predictedSign,
  type BudgetSummary,
  type CheckpointSummary,
  type MetricName,
  type SearchCheckpoint,
  type SearchResult,
  type SearchRun,
  type SlopeRecord,
} from './records.js';
import type { SearchSettings } from './settings.js';
import { geometricMeanCI, pairedSlope, type SlopeInput, type SlopeStats } from './statistics.js';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The value a run contributes to a metric: the measured step, the step budget when the run
 * never got there (a lower bound, counted as censored), or nothing when it diverged first.
 */
export function metricValue(r: SearchRun, metric: MetricName): { value: number; censored: boolean } | null {
  if (metric === 'gradNorm0') return r.gradNorm0 > 0 ? { value: r.gradNorm0, censored: false } : null;
  const v = r[metric];
  if (v !== null) return { value: Math.max(v, 1), censored: false };
  if (r.divergedAt !== null) return null;
  return { value: r.steps, censored: true };
}

/** Per pre-training seed: the mean over its fine-tuning seeds of ln(value), per budget. */
function perSeedLogs(runs: SearchRun[], metric: MetricName): { inputs: SlopeInput[]; censored: number; values: number } {
  const bySeed = new Map<number, Map<number, number[]>>();
  let censored = 0;
  let values = 0;
  for (const r of runs) {
    const v = metricValue(r, metric);
    if (!v) continue;
    values++;
    if (v.censored) censored++;
    const m = bySeed.get(r.seed) ?? new Map<number, number[]>();
    bySeed.set(r.seed, m);
    const xs = m.get(r.budgetEpochs) ?? [];
    m.set(r.budgetEpochs, xs);
    xs.push(Math.log(v.value));
  }
  const inputs = [...bySeed.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([seed, m]) => ({ seed, points: [...m.entries()].sort((a, b) => a[0] - b[0]).map(([budget, ys]) => ({ budget, y: mean(ys) })) }));
  return { inputs, censored, values };
}

function budgetSummary(s: SearchSettings, pairing: string, arm: string, budget: number, rs: SearchRun[]): BudgetSummary {
  const gm = (metric: MetricName) => {
    const { inputs, censored } = perSeedLogs(rs, metric);
    const perSeed = inputs.map((i) => Math.exp(i.points[0]?.y ?? NaN)).filter(Number.isFinite);
    const ci = geometricMeanCI(perSeed);
    return { mean: ci.mean, lo: ci.lo, hi: ci.hi, censored };
  };
  const live = rs.filter((r) => r.divergedAt === null || r.plateauExit !== null);
  const steps = rs[0]?.evalStep ?? [];
  const curve = steps.map((step, i) => ({
    step,
    median: median(rs.map((r) => r.normalised[i]).filter((v): v is number => v !== undefined && Number.isFinite(v))),
  }));
  const stepsToAccuracy: BudgetSummary['stepsToAccuracy'] = {};
  for (const th of s.accuracyThresholds) {
    const vals = rs.map((r) => r.stepsToAccuracy[String(th)] ?? Infinity);
    const m = median(vals);
    stepsToAccuracy[String(th)] = { median: Number.isFinite(m) ? m : null, reached: vals.filter(Number.isFinite).length };
  }
  const { mean: g, lo, hi } = gm('gradNorm0');
  return {
    pairing,
    arm,
    budgetEpochs: budget,
    runs: rs.length,
    diverged: rs.filter((r) => r.divergedAt !== null).length,
    plateauExit: gm('plateauExit'),
    halfLife: gm('halfLife'),
    gradNorm0: { mean: g, lo, hi },
    plateauFraction: live.length ? live.filter((r) => hasPlateau(r.plateauExit)).length / live.length : NaN,
    L0: mean(rs.map((r) => r.L0)),
    probeAccuracy: mean(rs.map((r) => r.probeAccuracy)),
    lStar: mean(rs.map((r) => r.lStar)),
    finalLoss: mean(rs.map((r) => r.finalLoss).filter(Number.isFinite)),
    normalisedCurve: curve.filter((c) => Number.isFinite(c.median)),
    stepsToAccuracy,
  };
}

/**
 * The verdict of one metric, in this order: 'not measured' when no value is a measurement (all
 * censored at the step budget, or none at all: a slope of lower bounds all equal to the budget
 * is 0 by construction, not a finding); 'too few seeds' (pairedSlope withholds it); 'no search
 * phase in this regime' for the exit and half-life when no budget shows a plateau; else the
 * interval's verdict.
 */
function slopeVerdict(metric: MetricName, st: SlopeStats, censored: number, values: number, searchPhase: boolean): SlopeRecord['verdict'] {
  if (values === 0 || censored === values) return 'not measured';
  if (st.verdict === 'too few seeds') return st.verdict;
  if (metric !== 'gradNorm0' && !searchPhase) return 'no search phase in this regime';
  return st.verdict;
}

/** The analysis of the search protocol's runs: per pairing, arm and budget the summaries; per pairing, arm and metric the slope, interval, sign test and verdict; per pairing and budget the checkpoint means. */
export function analyseSearch(
  s: SearchSettings,
  checkpoints: SearchCheckpoint[],
  runs: SearchRun[],
): Pick<SearchResult, 'budgets' | 'checkpointSummary' | 'slopes' | 'searchPhase'> {
  const budgets: BudgetSummary[] = [];
  const slopes: SlopeRecord[] = [];
  const searchPhase: SearchResult['searchPhase'] = [];
  for (const p of s.pairings)
    for (const arm of s.arms) {
      const rs = runs.filter((r) => r.pairing === p.name && r.arm === arm.name);
      const rows = s.budgets.map((b) =>
        budgetSummary(
          s,
          p.name,
          arm.name,
          b,
          rs.filter((r) => r.budgetEpochs === b),
        ),
      );
      budgets.push(...rows);
      // A search phase is seen when, at some budget, at least half of the runs show a plateau.
      const present = rows.some((r) => r.plateauFraction >= 0.5);
      searchPhase.push({ pairing: p.name, arm: arm.name, present });
      for (const metric of metricNames) {
        const { inputs, censored, values } = perSeedLogs(rs, metric);
        const st = pairedSlope(inputs, { predictedSign: predictedSign[metric], resamples: s.bootstrap.resamples, seed: s.bootstrap.seed });
        const verdict = slopeVerdict(metric, st, censored, values, present);
        const measured = verdict !== 'not measured';
        slopes.push({
          pairing: p.name,
          arm: arm.name,
          metric,
          predictedSign: predictedSign[metric],
          slope: measured ? st.slope : null,
          ci: measured ? st.ci : null,
          se: measured ? st.se : null,
          mde: measured ? st.mde : null,
          signTest: st.signTest,
          verdict,
          censored,
          values,
          perSeed: st.perSeed,
        });
      }
    }
  const checkpointSummary: CheckpointSummary[] = [];
  for (const p of s.pairings)
    for (const b of s.budgets) {
      const cs = checkpoints.filter((c) => c.pairing === p.name && c.budgetEpochs === b);
      const wn = (k: 'q' | 'k' | 'v' | 'mlp') => mean(cs.map((c) => c.weightNorms[k]));
      checkpointSummary.push({
        pairing: p.name,
        budgetEpochs: b,
        sourceTestAccuracy: mean(cs.map((c) => c.sourceTestAccuracy)),
        probeAccuracy: mean(cs.map((c) => c.probeAccuracy)),
        L0: mean(cs.map((c) => c.L0)),
        weightNorms: { q: wn('q'), k: wn('k'), v: wn('v'), mlp: wn('mlp') },
        attentionEntropyMean: mean(cs.map((c) => c.attentionEntropyMean)),
      });
    }
  return { budgets, checkpointSummary, slopes, searchPhase };
}
