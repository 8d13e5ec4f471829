// What the search protocol reports: verdict tables with intervals and the design's limits,
// absolute and relative measures side by side, and the checkpoints. Used by the HTML report of
// `loradyn reproduce vit` and by the text summary of `loradyn vit --protocol search`.
import type { Table } from '../../report/html.js';
import { PLATEAU_MIN_STEPS } from './metrics.js';
import { MIN_VERDICT_SEEDS } from './statistics.js';
import type { SearchResult, SlopeRecord } from './records.js';

const f = (x: number | null, d = 3) => (x !== null && Number.isFinite(x) ? x.toFixed(d) : '-');
const ci = (lo: number, hi: number, d = 3) => `[${f(lo, d)}, ${f(hi, d)}]`;

/** exp(slope): the factor by which a metric changes per doubling of (1 + budget); NaN when not measured. */
export const perDoubling = (slope: number | null) => (slope === null ? NaN : Math.exp(slope));

/** A slope with its interval, or why there is none (every value censored, or no value at all). */
const slopeText = (s: SlopeRecord) =>
  s.verdict === 'not measured' || !s.ci
    ? `no slope (${s.values ? 'every value censored' : 'no value'})`
    : `${f(s.slope)} ${ci(s.ci[0], s.ci[1])} (MDE ${f(s.mde)})`;

/** The verdict table: per pairing, arm and metric the slope, interval, per-doubling factor, MDE, sign test, censoring and verdict. */
export function verdictTable(r: SearchResult): Table {
  return {
    title:
      'Slope of ln(metric) against log2(1 + budget): mean over pre-training seeds, 95% paired bootstrap interval, smallest detectable slope (MDE, 80% power), sign test over seeds',
    columns: ['pairing', 'arm', 'metric', 'theory predicts', 'slope', '95% CI', 'x per doubling', 'MDE', 'seeds + / -', 'sign test p', 'censored', 'verdict'],
    rows: r.slopes.map((s) => [
      s.pairing,
      s.arm,
      s.metric,
      s.predictedSign > 0 ? 'slope > 0' : 'slope < 0',
      f(s.slope),
      s.ci ? ci(s.ci[0], s.ci[1]) : '-',
      f(perDoubling(s.slope), 2),
      f(s.mde),
      s.verdict === 'not measured' ? '-' : `${s.signTest.positive} / ${s.signTest.negative}`,
      s.verdict === 'not measured' ? '-' : f(s.signTest.p, 3),
      `${s.censored}/${s.values}`,
      s.verdict,
    ]),
  };
}

/** Absolute and relative measures per pairing, arm and budget, side by side. */
export function budgetTable(r: SearchResult): Table {
  const T = r.settings.finetune.steps;
  const th = r.settings.accuracyThresholds[0]!;
  const gm = (m: { mean: number; lo: number; hi: number }, d = 1) => `${f(m.mean, d)} ${ci(m.lo, m.hi, d)}`;
  return {
    title: `Absolute (probe accuracy, L0, L*, L(${T})) and relative (gradNorm0, plateau exit, half-life) measures per arm and budget; geometric means over pre-training seeds with 95% bootstrap intervals; steps to accuracy ${th} is secondary and favours the head start`,
    columns: [
      'pairing',
      'arm',
      'budget',
      'probe acc',
      'L0',
      'L*',
      `L(${T})`,
      'gradNorm0',
      'plateau exit',
      'half-life',
      'censored exit/half',
      `plateau > ${PLATEAU_MIN_STEPS} steps`,
      'diverged',
      `steps to acc ${th} (median, reached)`,
    ],
    rows: r.budgets.map((b) => {
      const acc = b.stepsToAccuracy[String(th)];
      return [
        b.pairing,
        b.arm,
        b.budgetEpochs,
        f(b.probeAccuracy),
        f(b.L0),
        f(b.lStar),
        f(b.finalLoss),
        gm(b.gradNorm0, 4),
        gm(b.plateauExit),
        gm(b.halfLife),
        `${b.plateauExit.censored}/${b.halfLife.censored} of ${b.runs}`,
        f(b.plateauFraction, 2),
        b.diverged,
        acc ? `${acc.median ?? `>${T}`} (${acc.reached}/${b.runs})` : '-',
      ];
    }),
  };
}

/** The checkpoints per pairing and budget (means over pre-training seeds). */
export function checkpointTable(r: SearchResult): Table {
  return {
    title:
      'Checkpoints (means over pre-training seeds): source accuracy, target probe accuracy and L0 with the fitted head, weight norms, attention entropy (nats; uniform = ln 17 = 2.83)',
    columns: ['pairing', 'budget', 'source acc', 'probe acc', 'L0', '|Wq|', '|Wk|', '|Wv|', '|W mlp|', 'attention entropy'],
    rows: r.checkpointSummary.map((c) => [
      c.pairing,
      c.budgetEpochs,
      f(c.sourceTestAccuracy),
      f(c.probeAccuracy),
      f(c.L0),
      f(c.weightNorms.q, 2),
      f(c.weightNorms.k, 2),
      f(c.weightNorms.v, 2),
      f(c.weightNorms.mlp, 2),
      f(c.attentionEntropyMean),
    ]),
  };
}

/**
 * What the numbers cost: the units' own compute (cached units with the times they took when they were
 * computed) and this call's wall time, which is seconds when every unit was cached.
 */
export function costText(r: SearchResult): string {
  const u = r.timing.units;
  const cached = u.filter((x) => x.cached).length;
  const range = (xs: number[]) => (xs.length ? `${f(Math.min(...xs), 1)}-${f(Math.max(...xs), 1)}` : '-');
  const cpuH = u.reduce((a, x) => a + x.cpuMs, 0) / 3.6e6;
  return (
    `compute ${f(cpuH, 2)} CPU-h over ${u.length} units (per unit ${range(u.map((x) => x.cpuMs / 60000))} CPU-min, ${range(u.map((x) => x.wallMs / 60000))} min wall); ` +
    `this call ${f(r.timing.wallMs / 1000, 1)} s wall, ${f(r.timing.cpuMs / 1000, 1)} s CPU, ${cached} of ${u.length} units from the cache`
  );
}

/** The design in words, with its limits. */
export function designText(r: SearchResult): string[] {
  const s = r.settings;
  const runs = r.runs.length;
  const mdes = r.slopes
    .filter((x) => x.metric === 'plateauExit')
    .map((x) => x.mde)
    .filter((x): x is number => x !== null && Number.isFinite(x));
  return [
    `Design: ${s.pairings.length} pairing(s) x ${s.preSeeds.length} pre-training seeds x ${s.budgets.length} budgets (${s.budgets.join(', ')} epochs) x ${s.arms.length} arms (the primary with ${s.ftSeeds.length} fine-tuning seed(s), the others with one) = ${runs} fine-tuning runs of ${s.finetune.steps} steps (batch ${s.finetune.batch}, one pass), the primary arm's first seed run ${s.finetune.lStarFactor}x longer at each checkpoint for L*.`,
    `Arms: ${s.arms.map((a) => a.name).join('; ')}. LoRA on q and v of every block, alpha = rank, A ~ N(0, 1/in), B = 0 or +-1/width^2; base and fitted head frozen.`,
    `Verdicts per pairing, arm and metric: reproduces when the 95% interval of the slope lies on the side the theory predicts (longer plateau exit and half-life, smaller gradNorm0 with more pre-training), refutes when it lies on the other side, inconclusive otherwise. Exit and half-life verdicts read "no search phase in this regime" when no budget has a plateau (exit later than ${PLATEAU_MIN_STEPS} steps) in at least half of its runs. A metric whose every value is censored at the step budget reads "not measured" (its slope would be 0 by construction). With fewer than ${MIN_VERDICT_SEEDS} pre-training seeds no verdict is given ("too few seeds"): the slopes and intervals are shown, unjudged.`,
    `Smallest detectable slope of ln(plateau exit) (two-sided 5%, power 80%): ${mdes.length ? `${f(Math.min(...mdes))} to ${f(Math.max(...mdes))}` : '-'}, i.e. a factor ${mdes.length ? `${f(perDoubling(Math.min(...mdes)), 2)} to ${f(perDoubling(Math.max(...mdes)), 2)}` : '-'} per doubling of (1 + budget).`,
    `Limits: one small ViT (width ${s.config.width}, depth ${s.config.depth}); the second init, rank 4 and AdamW are varied one at a time at the primary arm's rate (not crossed with the rates), and run one fine-tuning seed where the primary arm runs ${s.ftSeeds.length}; a censored exit or half-life enters the slope as the step budget (a lower bound); the bootstrap over ${s.preSeeds.length} seeds gives percentile intervals that are somewhat narrow for so few seeds, so the sign test is shown beside them.`,
    `Cost: ${costText(r)} (load average ${r.timing.loadAverage.start.map((x) => x.toFixed(1)).join('/')} at this call's start, ${r.timing.loadAverage.end.map((x) => x.toFixed(1)).join('/')} at its end).`,
  ];
}

/** A compact plain-text summary for the terminal. */
export function searchSummaryText(r: SearchResult): string {
  const lines: string[] = [];
  lines.push(`ViT search protocol (${r.settings.scale}): ${r.runs.length} fine-tuning runs; ${costText(r)}`);
  lines.push('pairing | arm | metric: slope of ln(metric) per log2(1 + budget) [95% CI] (MDE) seeds +/- -> verdict');
  for (const s of r.slopes)
    lines.push(
      `  ${s.pairing} | ${s.arm} | ${s.metric}: ${slopeText(s)}${s.verdict === 'not measured' ? '' : ` ${s.signTest.positive}/${s.signTest.negative}`} -> ${s.verdict}${s.censored ? ` (${s.censored}/${s.values} censored)` : ''}`,
    );
  return lines.join('\n') + '\n';
}
