// The vision-transformer experiment (SPEC section 6, item 10): pre-train a small ViT on a source
// task for a range of budgets, then LoRA-fine-tune each checkpoint on a related target task
// (frozen base, fresh head) and count the steps needed to reach target test accuracies; the
// linear-probe accuracy of each checkpoint's features on the target measures task alignment.
// One pre-training run per seed provides every budget (checkpoints along its trajectory).
import { AbortError, ConfigError } from '../errors.js';
import { version } from '../version.js';
import {
  loraSchema,
  optimizerSchema,
  parseWith,
  vitConfigSchema,
  type LoraConfig,
  type LoraInput,
  type OptimizerConfig,
  type OptimizerInput,
  type VitConfig,
  type VitConfigInput,
} from './config.js';
import { classNames, loadTask, subsample, type DatasetName, type Task } from './data.js';
import { features, initParams, train, vitLayout } from './model.js';
import { ridgeProbe } from './probe.js';
import { meanCI, median } from './stats.js';
import type { StepsPoint } from './figure.js';

/** One side of a pairing: a data set and the class ids (0-9) it uses. */
export interface TaskSpec {
  dataset: DatasetName;
  classes: number[];
}

/** A source task to pre-train on and a related target task to fine-tune on, with the accuracies whose first-passage steps are recorded. */
export interface PairingSpec {
  name: string;
  source: TaskSpec;
  target: TaskSpec;
  /** At most this many images per class are loaded (before the 80/20 split). */
  maxPerClass?: number;
  /** Target test accuracies whose first-passage step is recorded. */
  thresholds: number[];
  why?: string;
}

/** The steps-to-accuracy protocol's two pairings: MNIST digits 0-4 to 5-9 (closely related) and Fashion-MNIST garments to footwear and bags (less aligned). */
export const defaultPairings: PairingSpec[] = [
  {
    name: 'mnist 0-4 -> 5-9',
    source: { dataset: 'mnist', classes: [0, 1, 2, 3, 4] },
    target: { dataset: 'mnist', classes: [5, 6, 7, 8, 9] },
    thresholds: [0.6, 0.7, 0.8, 0.85],
    why: 'same strokes and statistics, disjoint digit classes: closely related tasks',
  },
  {
    name: 'fashion 0-4 -> 5-9',
    source: { dataset: 'fashion-mnist', classes: [0, 1, 2, 3, 4] },
    target: { dataset: 'fashion-mnist', classes: [5, 6, 7, 8, 9] },
    maxPerClass: 1000,
    thresholds: [0.6, 0.7, 0.8, 0.85],
    why:
      'garments (T-shirt, trouser, pullover, dress, coat) to footwear, bags and shirts (sandal, shirt, sneaker, bag, ' +
      'ankle boot): same image statistics but mostly different shapes, a less aligned pairing than the digits',
  },
];

/** Options of runVitExperiment (the steps-to-accuracy protocol); everything left out is set by `scale`. */
export interface VitExperimentOptions {
  /** quick (default: budgets 0, 1, 4 epochs, 2 seeds, 200 steps) or paper (budgets 0-32, 5 seeds, 600 steps). */
  scale?: 'quick' | 'paper';
  /** Pre-training budgets in epochs of the source training split (0 = random init). */
  budgets?: number[];
  /** Number of seeds (each: its own pre-training run, LoRA init, head and batch order). */
  seeds?: number;
  /** Default: defaultPairings. */
  pairings?: PairingSpec[];
  /** The model's shape (classes are set by the pairings). */
  config?: VitConfigInput;
  /** Default: rank 4, alpha 8, on q and v. */
  lora?: LoraInput;
  /** Default: AdamW lr 1e-3, weight decay 0.05, batch 64. */
  pretrain?: { optimizer?: OptimizerInput; batch?: number };
  /** Default: AdamW lr 3e-3, batch 32, maxSteps by scale, 500 evaluation images. */
  finetune?: { optimizer?: OptimizerInput; batch?: number; maxSteps?: number; evalImages?: number };
  /** Native threads (default: every core). */
  threads?: number;
  /** Aborting it stops the experiment with AbortError. */
  signal?: AbortSignal;
  /** Progress lines ("pairing x seed s: ..."). */
  log?: (line: string) => void;
  /** Called with each finished checkpoint's base parameters (the CLI saves them). */
  onCheckpoint?: (c: CheckpointRecord, params: Float32Array) => void | Promise<void>;
  /** Called after each fine-tuning run, with how many of all the experiment's runs are done. */
  onRun?: (r: FinetuneRecord, done: number, total: number) => void;
}

/** One pre-training checkpoint (pairing, seed, budget in epochs and steps) with its source test accuracy and the target linear-probe accuracy of its frozen features (train and test). */
export interface CheckpointRecord {
  pairing: string;
  seed: number;
  budgetEpochs: number;
  pretrainSteps: number;
  sourceTestAccuracy: number;
  probeTrainAccuracy: number;
  probeTestAccuracy: number;
}

/** One LoRA fine-tuning run from a checkpoint: its evaluated curve (steps, test accuracy, training loss) and the first step at each threshold. */
export interface FinetuneRecord {
  pairing: string;
  seed: number;
  budgetEpochs: number;
  evalStep: number[];
  testAccuracy: number[];
  trainLoss: number[];
  /** First evaluated step reaching each threshold (key: threshold as text); null = not within maxSteps. */
  stepsTo: Record<string, number | null>;
  finalAccuracy: number;
  stepsDone: number;
}

/** Steps to one threshold at one pairing and budget, over seeds: mean with a 95 % t-interval and median (censored runs counted at maxSteps). */
export interface SummaryRow {
  pairing: string;
  budgetEpochs: number;
  threshold: number;
  seeds: number;
  reached: number;
  /** Over all seeds, a censored run counted as maxSteps (so a lower bound when reached < seeds). */
  mean: number;
  lo: number;
  hi: number;
  median: number;
}

/** Per pairing and budget: source test accuracy and target linear-probe accuracy, mean and 95 % t-interval over seeds. */
export interface AlignmentRow {
  pairing: string;
  budgetEpochs: number;
  sourceAccuracy: { mean: number; lo: number; hi: number };
  probeAccuracy: { mean: number; lo: number; hi: number };
}

/** Everything runVitExperiment measured, with the settings that produced it, its summaries and its wall time (ms). */
export interface VitExperimentResult {
  version: string;
  scale: 'quick' | 'paper' | 'custom';
  settings: {
    budgets: number[];
    seeds: number[];
    config: VitConfig;
    lora: LoraConfig;
    pretrain: { optimizer: OptimizerConfig; batch: number };
    finetune: { optimizer: OptimizerConfig; batch: number; maxSteps: number; evalSteps: number[]; evalImages: number };
    pairings: PairingSpec[];
  };
  checkpoints: CheckpointRecord[];
  finetunes: FinetuneRecord[];
  summary: SummaryRow[];
  alignment: AlignmentRow[];
  wallMs: number;
}

const scales = {
  quick: { budgets: [0, 1, 4], seeds: 2, maxSteps: 200 },
  paper: { budgets: [0, 1, 2, 4, 8, 16, 32], seeds: 5, maxSteps: 600 },
};

/** Evaluation steps: every 10 to 100, every 25 to 300, every 50 beyond. */
export function evalSchedule(maxSteps: number): number[] {
  const out: number[] = [];
  for (let s = 10; s <= maxSteps; s += s < 100 ? 10 : s < 300 ? 25 : 50) out.push(s);
  if (out[out.length - 1] !== maxSteps) out.push(maxSteps);
  return out;
}

/** First evaluated step with accuracy >= threshold (step 0 counts), or null. */
export function firstStepReaching(steps: number[], acc: number[], threshold: number): number | null {
  for (let i = 0; i < steps.length; i++) if (acc[i]! >= threshold) return steps[i]!;
  return null;
}

function checkTask(t: TaskSpec, path: string): void {
  if (!['mnist', 'fashion-mnist'].includes(t.dataset)) throw new ConfigError([{ path: `${path}.dataset`, message: "must be 'mnist' or 'fashion-mnist'" }]);
  if (!Array.isArray(t.classes) || t.classes.length < 2 || t.classes.some((c) => !Number.isInteger(c) || c < 0 || c > 9))
    throw new ConfigError([{ path: `${path}.classes`, message: 'must list at least two class ids in [0, 9]' }]);
}

/** Runs the steps-to-accuracy protocol: per pairing and seed one pre-training run whose snapshots give every budget, a linear probe and a LoRA fine-tuning run per checkpoint. Long (minutes at quick scale); honours `signal` between and inside runs. */
export async function runVitExperiment(options: VitExperimentOptions = {}): Promise<VitExperimentResult> {
  const t0 = performance.now();
  const base = scales[options.scale ?? 'quick'];
  if (!base) throw new ConfigError([{ path: 'scale', message: "must be 'quick' or 'paper'" }]);
  const budgets = options.budgets ?? base.budgets;
  if (budgets.length === 0 || budgets.some((b) => !Number.isInteger(b) || b < 0))
    throw new ConfigError([{ path: 'budgets', message: 'must be a non-empty list of integers >= 0 (epochs)' }]);
  const sortedBudgets = [...new Set(budgets)].sort((a, b) => a - b);
  const nSeeds = options.seeds ?? base.seeds;
  if (!Number.isInteger(nSeeds) || nSeeds < 1 || nSeeds > 100) throw new ConfigError([{ path: 'seeds', message: 'must be an integer in [1, 100]' }]);
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  const pairings = options.pairings ?? defaultPairings;
  pairings.forEach((p, i) => {
    checkTask(p.source, `pairings[${i}].source`);
    checkTask(p.target, `pairings[${i}].target`);
    if (p.source.classes.length !== p.target.classes.length)
      throw new ConfigError([{ path: `pairings[${i}]`, message: 'source and target need the same number of classes (one head shape)' }]);
    if (!p.thresholds.length || p.thresholds.some((t) => !(t > 0 && t <= 1)))
      throw new ConfigError([{ path: `pairings[${i}].thresholds`, message: 'must be accuracies in (0, 1]' }]);
  });
  const classes = pairings[0]?.source.classes.length ?? 5;
  if (pairings.some((p) => p.source.classes.length !== classes))
    throw new ConfigError([{ path: 'pairings', message: 'every pairing must have the same number of classes' }]);
  const config = parseWith(vitConfigSchema, { ...(options.config ?? {}), classes }, 'config');
  const lora = parseWith(loraSchema, options.lora ?? { rank: 4, alpha: 8 }, 'lora');
  if (lora.rank < 1) throw new ConfigError([{ path: 'lora.rank', message: 'the experiment needs rank >= 1' }]);
  const preOpt = parseWith(optimizerSchema, options.pretrain?.optimizer ?? { kind: 'adamw', lr: 1e-3, weightDecay: 0.05 }, 'pretrain.optimizer');
  const preBatch = options.pretrain?.batch ?? 64;
  const ftOpt = parseWith(optimizerSchema, options.finetune?.optimizer ?? { kind: 'adamw', lr: 3e-3 }, 'finetune.optimizer');
  const ftBatch = options.finetune?.batch ?? 32;
  const maxSteps = options.finetune?.maxSteps ?? base.maxSteps;
  const evalSteps = evalSchedule(maxSteps);
  // Fine-tuning curves are scored on a fixed, class-balanced subset of the target test split
  // (evaluation would otherwise cost more than the training steps it measures).
  const evalImages = options.finetune?.evalImages ?? 500;
  if (!Number.isInteger(evalImages) || evalImages < 10) throw new ConfigError([{ path: 'finetune.evalImages', message: 'must be an integer >= 10' }]);
  if (!Number.isInteger(maxSteps) || maxSteps < 10) throw new ConfigError([{ path: 'finetune.maxSteps', message: 'must be an integer >= 10' }]);
  const log = options.log ?? (() => {});
  const threads = options.threads;
  const layoutBase = vitLayout(config, null);
  const layoutLora = vitLayout(config, lora);
  const baseTensors = layoutBase.tensors.filter((t) => t.group === 'base');

  const checkpoints: CheckpointRecord[] = [];
  const finetunes: FinetuneRecord[] = [];
  const aborted = () => {
    if (options.signal?.aborted) throw new AbortError();
  };

  for (const pairing of pairings) {
    const load = (t: TaskSpec): Task => loadTask(t.dataset, t.classes, { maxPerClass: pairing.maxPerClass });
    const source = load(pairing.source);
    const target = load(pairing.target);
    const targetEval = subsample(target.test, evalImages);
    const stepsPerEpoch = Math.floor(source.train.n / preBatch);
    log(
      `${pairing.name}: source ${source.train.n}/${source.test.n} images (${pairing.source.classes.map((c) => classNames[pairing.source.dataset][c]).join(', ')}), ` +
        `target ${target.train.n}/${target.test.n} (${pairing.target.classes.map((c) => classNames[pairing.target.dataset][c]).join(', ')})`,
    );
    for (const seed of seeds) {
      aborted();
      // Pre-training: one run, snapshots at every budget.
      const maxBudget = sortedBudgets[sortedBudgets.length - 1]!;
      const snapSteps = sortedBudgets.map((b) => b * stepsPerEpoch);
      const pre = await train({
        config,
        lora: null,
        trainable: { base: true, head: true, lora: false },
        optimizer: preOpt,
        batch: preBatch,
        steps: maxBudget * stepsPerEpoch,
        evalSteps: snapSteps,
        snapshotSteps: snapSteps,
        seed,
        params: initParams(config, null, seed),
        train: source.train,
        test: source.test,
        threads,
        signal: options.signal,
      });
      for (const budget of sortedBudgets) {
        aborted();
        const step = budget * stepsPerEpoch;
        const snap = pre.snapshots.find((s) => s.step === step);
        if (!snap) throw new Error(`internal: no snapshot at step ${step}`);
        const srcAcc = pre.testAccuracy[pre.evalStep.indexOf(step)] ?? NaN;
        // Alignment: linear probe of the checkpoint's features on the target task.
        const [fTrain, fTest] = await Promise.all([
          features(config, snap.params, target.train.x, threads),
          features(config, snap.params, target.test.x, threads),
        ]);
        const probe = ridgeProbe(fTrain, target.train.y, fTest, target.test.y, config.width, classes);
        const rec: CheckpointRecord = {
          pairing: pairing.name,
          seed,
          budgetEpochs: budget,
          pretrainSteps: step,
          sourceTestAccuracy: srcAcc,
          probeTrainAccuracy: probe.trainAccuracy,
          probeTestAccuracy: probe.testAccuracy,
        };
        checkpoints.push(rec);
        await options.onCheckpoint?.(rec, snap.params);
        // LoRA fine-tuning: frozen checkpoint, fresh head and adapters from a seed of their own.
        const params = initParams(config, lora, 1000 + seed);
        for (const t of baseTensors) params.set(snap.params.subarray(t.offset, t.offset + t.size), t.offset);
        if (params.length !== layoutLora.total) throw new Error('internal: layout mismatch');
        const ft = await train({
          config,
          lora,
          trainable: { base: false, head: true, lora: true },
          optimizer: ftOpt,
          batch: ftBatch,
          steps: maxSteps,
          evalSteps,
          stopAccuracy: Math.max(...pairing.thresholds),
          seed: 1000 + seed,
          params,
          train: target.train,
          test: targetEval,
          threads,
          signal: options.signal,
        });
        const stepsTo: Record<string, number | null> = {};
        for (const th of pairing.thresholds) stepsTo[String(th)] = firstStepReaching(ft.evalStep, ft.testAccuracy, th);
        finetunes.push({
          pairing: pairing.name,
          seed,
          budgetEpochs: budget,
          evalStep: ft.evalStep,
          testAccuracy: ft.testAccuracy,
          trainLoss: ft.trainLoss,
          stepsTo,
          finalAccuracy: ft.testAccuracy[ft.testAccuracy.length - 1]!,
          stepsDone: ft.stepsDone,
        });
        options.onRun?.(finetunes[finetunes.length - 1]!, finetunes.length, pairings.length * seeds.length * sortedBudgets.length);
        log(
          `${pairing.name} seed ${seed} budget ${budget} ep: source acc ${srcAcc.toFixed(3)}, probe ${probe.testAccuracy.toFixed(3)}, ` +
            `LoRA steps to ${pairing.thresholds.map((th) => `${th}: ${stepsTo[String(th)] ?? `>${maxSteps}`}`).join(', ')} (${(ft.wallMs / 1000).toFixed(1)} s)`,
        );
      }
    }
  }
  return {
    version,
    scale: options.budgets || options.seeds || options.pairings ? 'custom' : (options.scale ?? 'quick'),
    settings: {
      budgets: sortedBudgets,
      seeds,
      config,
      lora,
      pretrain: { optimizer: preOpt, batch: preBatch },
      finetune: { optimizer: ftOpt, batch: ftBatch, maxSteps, evalSteps, evalImages },
      pairings,
    },
    checkpoints,
    finetunes,
    summary: summarize(pairings, sortedBudgets, finetunes, maxSteps),
    alignment: alignment(pairings, sortedBudgets, checkpoints),
    wallMs: performance.now() - t0,
  };
}

/** Summary rows per pairing, budget and threshold; a run that never reached a threshold counts as maxSteps, so the mean is a lower bound when `reached < seeds`. */
export function summarize(pairings: PairingSpec[], budgets: number[], runs: FinetuneRecord[], maxSteps: number): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const p of pairings)
    for (const b of budgets)
      for (const th of p.thresholds) {
        const rs = runs.filter((r) => r.pairing === p.name && r.budgetEpochs === b);
        const raw = rs.map((r) => r.stepsTo[String(th)] ?? null);
        const reachedVals = raw.filter((v): v is number => v !== null);
        const filled = raw.map((v) => v ?? maxSteps);
        const ci = meanCI(filled);
        rows.push({
          pairing: p.name,
          budgetEpochs: b,
          threshold: th,
          seeds: rs.length,
          reached: reachedVals.length,
          mean: ci.mean,
          lo: ci.lo,
          hi: ci.hi,
          median: median(filled),
        });
      }
  return rows;
}

function alignment(pairings: PairingSpec[], budgets: number[], cps: CheckpointRecord[]): AlignmentRow[] {
  const rows: AlignmentRow[] = [];
  for (const p of pairings)
    for (const b of budgets) {
      const cs = cps.filter((c) => c.pairing === p.name && c.budgetEpochs === b);
      const s = meanCI(cs.map((c) => c.sourceTestAccuracy));
      const q = meanCI(cs.map((c) => c.probeTestAccuracy));
      rows.push({
        pairing: p.name,
        budgetEpochs: b,
        sourceAccuracy: { mean: s.mean, lo: s.lo, hi: s.hi },
        probeAccuracy: { mean: q.mean, lo: q.lo, hi: q.hi },
      });
    }
  return rows;
}

/** The points of the steps-to-accuracy figure, one per summary row. */
export function figurePoints(r: VitExperimentResult): StepsPoint[] {
  return r.summary.map((s) => ({
    pairing: s.pairing,
    budgetEpochs: s.budgetEpochs,
    threshold: s.threshold,
    mean: s.mean,
    lo: s.lo,
    hi: s.hi,
    reached: s.reached,
    seeds: s.seeds,
  }));
}
