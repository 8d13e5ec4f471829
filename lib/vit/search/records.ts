// What the search protocol records: per checkpoint, per fine-tuning run, and the analysis.
import type { Verdict } from './statistics.js';
import type { SearchSettings } from './settings.js';

/** Frobenius norms over all blocks of the q, k, v weights and of the MLP (fc1 and fc2) weights. */
export interface WeightNorms {
  q: number;
  k: number;
  v: number;
  mlp: number;
}

/** One pre-training checkpoint of the search protocol with its fitted head: the start state of every fine-tuning run at that pairing, seed and budget. */
export interface SearchCheckpoint {
  pairing: string;
  seed: number;
  budgetEpochs: number;
  pretrainSteps: number;
  sourceTestAccuracy: number;
  weightNorms: WeightNorms;
  /** Mean attention entropy (nats) of each block on the held-out target images; log(17) = 2.83 is uniform. */
  attentionEntropy: number[];
  attentionEntropyMean: number;
  headFit: { iterations: number; gradMax: number; converged: boolean; loss: number; accuracy: number };
  /** Held-out target loss of the checkpoint with its fitted head (no adapter). */
  L0: number;
  /** Held-out target accuracy of that fitted head: the linear-probe accuracy. */
  probeAccuracy: number;
  /** L*: the best held-out loss of the long run, or any lower one evaluated at this checkpoint, and where it came from. */
  lStar: number;
  lStarFrom: string;
  /** The primary arm's fine-tuning seed 1, run lStarFactor x longer. */
  longRun: { arm: string; steps: number; bestLoss: number; bestStep: number; divergedAt: number | null };
}

/** One fine-tuning run of the search protocol: its start, its metrics and its held-out curve (losses in nats, steps counted from the start of fine-tuning). */
export interface SearchRun {
  arm: string;
  pairing: string;
  seed: number;
  ftSeed: number;
  budgetEpochs: number;
  rank: number;
  /** Held-out loss at step 0 (the fitted head, the adapters at their init). */
  L0: number;
  probeAccuracy: number;
  /** Norm of the gradient of the held-out loss with respect to every adapter entry at step 0. */
  gradNorm0: number;
  /** Interpolated first step with L <= L0 - 0.1 (L0 - L*); null: not within `steps` (censored). */
  plateauExit: number | null;
  /** Interpolated first step with L - L* <= (L0 - L*) / 2; null: censored. */
  halfLife: number | null;
  lStar: number;
  finalLoss: number;
  /** Secondary (favours the head start): first evaluated step at each held-out accuracy. */
  stepsToAccuracy: Record<string, number | null>;
  weightNorms: WeightNorms;
  steps: number;
  divergedAt: number | null;
  evalStep: number[];
  loss: number[];
  accuracy: number[];
  normalised: number[];
}

/** Wall and CPU time (ms) of one unit (pairing x pre-training seed), and whether it was read from the cache (then its original times). */
export interface UnitTiming {
  pairing: string;
  seed: number;
  wallMs: number;
  cpuMs: number;
  cached: boolean;
}

/** The search protocol's primary metrics: plateau exit and half-life (steps) and gradNorm0 (the adapters' gradient norm at step 0). */
export type MetricName = 'plateauExit' | 'halfLife' | 'gradNorm0';
/** Every MetricName, in the order the tables list them. */
export const metricNames: MetricName[] = ['plateauExit', 'halfLife', 'gradNorm0'];
/** Sign of the slope the theory predicts: a longer search and a smaller growth coefficient. */
export const predictedSign: Record<MetricName, 1 | -1> = { plateauExit: 1, halfLife: 1, gradNorm0: -1 };

/**
 * A verdict on one pairing, arm and metric: the interval's verdict, or why none is given.
 * 'not measured': every value is censored (or none exists), so there is no slope to judge;
 * 'too few seeds': fewer than MIN_VERDICT_SEEDS pre-training seeds, the numbers shown unjudged;
 * 'no search phase in this regime': no budget shows a plateau in at least half of its runs.
 */
export type SearchVerdict = Verdict | 'not measured' | 'too few seeds' | 'no search phase in this regime';

/** The slope of one metric against pre-training, for one pairing and arm, with its interval, design sensitivity, sign test and verdict. */
export interface SlopeRecord {
  pairing: string;
  arm: string;
  metric: MetricName;
  predictedSign: 1 | -1;
  /** Mean per-seed slope of ln(metric) against log2(1 + budget); null when not measured. */
  slope: number | null;
  /** 95 % paired bootstrap interval of the slope; null when not measured. */
  ci: [number, number] | null;
  /** Bootstrap standard error of the slope; null when not measured. */
  se: number | null;
  /** Smallest |slope| the design detects (two-sided 5 %, power 80 %); null when not measured. */
  mde: number | null;
  signTest: { positive: number; negative: number; n: number; p: number };
  verdict: SearchVerdict;
  /** Values that are lower bounds (censored at the step budget), of all values used. */
  censored: number;
  values: number;
  perSeed: { seed: number; slope: number }[];
}

/** One pairing, arm and budget over its runs: the metrics' geometric means and intervals, the absolute losses and the median normalised curve. */
export interface BudgetSummary {
  pairing: string;
  arm: string;
  budgetEpochs: number;
  runs: number;
  diverged: number;
  /** Geometric mean over pre-training seeds (fine-tuning seeds averaged in logs) and 95 % bootstrap interval. */
  plateauExit: { mean: number; lo: number; hi: number; censored: number };
  halfLife: { mean: number; lo: number; hi: number; censored: number };
  gradNorm0: { mean: number; lo: number; hi: number };
  /** Fraction of runs whose exit is later than PLATEAU_MIN_STEPS. */
  plateauFraction: number;
  L0: number;
  probeAccuracy: number;
  lStar: number;
  finalLoss: number;
  /** Median over runs of the normalised curve on the shared evaluation steps. */
  normalisedCurve: { step: number; median: number }[];
  stepsToAccuracy: Record<string, { median: number | null; reached: number }>;
}

/** One pairing and budget, means over pre-training seeds: source and probe accuracy, L0, weight norms, attention entropy. */
export interface CheckpointSummary {
  pairing: string;
  budgetEpochs: number;
  sourceTestAccuracy: number;
  probeAccuracy: number;
  L0: number;
  weightNorms: WeightNorms;
  attentionEntropyMean: number;
}

/** Everything the search protocol produced (the contents of DIR/vit.json): settings, data sizes, every checkpoint and run, the summaries, slopes and verdicts, and the cost. */
export interface SearchResult {
  version: string;
  protocol: 'search';
  settings: SearchSettings;
  /** Images per pairing: source splits, target head-fit set, one-pass stream, held-out set. */
  data: { pairing: string; sourceTrain: number; sourceTest: number; headFit: number; streamImages: number; streamSamples: number; heldOut: number }[];
  checkpoints: SearchCheckpoint[];
  runs: SearchRun[];
  budgets: BudgetSummary[];
  checkpointSummary: CheckpointSummary[];
  slopes: SlopeRecord[];
  /** Per pairing and arm: does any budget show a plateau in at least half of its runs? */
  searchPhase: { pairing: string; arm: string; present: boolean }[];
  timing: { wallMs: number; cpuMs: number; units: UnitTiming[]; loadAverage: { start: number[]; end: number[] } };
}
