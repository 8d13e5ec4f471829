// Typed API of the native vision transformer: layout, init, inference, LoRA merge, gradient
// checks, and Promise-returning evaluation, feature extraction and training (AbortSignal,
// progress), each running on native threads off the event loop.
import { AbortError, ConfigError } from '../errors.js';
import type { Progress } from '../types.js';
import {
  defaultThreads,
  loraSchema,
  optimizerSchema,
  parseWith,
  toNativeLora,
  vitConfigSchema,
  type LoraConfig,
  type LoraInput,
  type OptimizerInput,
  type VitConfig,
  type VitConfigInput,
} from './config.js';
import type { ImageSet } from './data.js';
import { vitNative, type NativeGradCheck, type NativeVitLayout } from './native.js';
import { nativeAwait, nativeCall } from '../native.js';

const noLora: LoraConfig = { rank: 0, alpha: null, targets: ['q', 'v'] };

function cfg(c: VitConfigInput | undefined): VitConfig {
  return parseWith(vitConfigSchema, c ?? {}, 'vit');
}
function lora(l: LoraInput | null | undefined): LoraConfig {
  return l ? parseWith(loraSchema, l, 'lora') : noLora;
}

/** A native call: a bad argument surfaces as a ConfigError naming the field (lib/native.ts). */
function native<T>(_context: string, f: () => T): T {
  return nativeCall(f);
}

/** Where each tensor sits in the flat parameter vector (name, group base / head / lora, offset, size) and the total length. */
export type VitLayout = NativeVitLayout;
/** One finite-difference check: the largest relative error between the analytic and numerical gradient of a layer. */
export type GradCheck = NativeGradCheck;

/** The parameter layout of a model with (or without) adapters; validates the config. */
export function vitLayout(config?: VitConfigInput, adapters?: LoraInput | null): VitLayout {
  return native('vit', () => vitNative().layout(cfg(config), toNativeLora(lora(adapters))));
}

/**
 * Fresh parameters: base and head from `seed`, adapters (if any) with random A (variance 1/in)
 * and B = 0, or, with `bSize` > 0, every entry of B equal to +bSize or -bSize (random signs).
 */
export function initParams(config: VitConfigInput | undefined, adapters: LoraInput | null | undefined, seed: number, bSize = 0): Float32Array {
  if (!(bSize >= 0) || !Number.isFinite(bSize)) throw new ConfigError([{ path: 'bSize', message: 'must be a finite number >= 0' }]);
  return native('vit', () => vitNative().init(cfg(config), toNativeLora(lora(adapters)), seed, bSize));
}

/** Logits [n x classes] for images [n x pixels] (synchronous; meant for small n). */
export function forward(config: VitConfigInput | undefined, adapters: LoraInput | null | undefined, params: Float32Array, images: Float32Array): Float32Array {
  return native('vit', () => vitNative().forward(cfg(config), toNativeLora(lora(adapters)), params, images));
}

/** Base parameters with every adapter folded in: W0 + (alpha / r) A B. */
export function mergeLora(config: VitConfigInput | undefined, adapters: LoraInput, params: Float32Array): Float32Array {
  return native('vit', () => vitNative().merge(cfg(config), toNativeLora(lora(adapters)), params));
}

/** Finite-difference checks (float64) of every layer and of the whole model at a tiny size. */
export function gradChecks(seed = 1): GradCheck[] {
  return vitNative().gradCheck(seed);
}

/** Accuracy (fraction correct), mean cross-entropy (nats) and the predicted label of every image. */
export interface EvalResult {
  /** Fraction of the images classified right. */
  accuracy: number;
  /** Mean cross-entropy over the images (nats). */
  loss: number;
  /** The predicted label (arg-max logit) of every image. */
  predictions: Int32Array;
}

/** Evaluates a parameter vector on a set of images on native threads; resolves with accuracy, mean loss and predictions. */
export async function evaluate(
  config: VitConfigInput | undefined,
  adapters: LoraInput | null | undefined,
  params: Float32Array,
  data: ImageSet,
  threads?: number,
): Promise<EvalResult> {
  const c = cfg(config);
  return nativeAwait(native('vit', () => vitNative().evaluate(c, toNativeLora(lora(adapters)), params, data.x, data.y, defaultThreads(threads))));
}

/** Final-norm class-token features [n x width] of a base parameter vector (no adapters). */
export async function features(config: VitConfigInput | undefined, params: Float32Array, x: Float32Array, threads?: number): Promise<Float32Array> {
  const c = cfg(config);
  return nativeAwait(native('vit', () => vitNative().features(c, params, x, defaultThreads(threads))));
}

/** The mean held-out loss and its gradient, as lossGradient returns them. */
export interface LossGradient {
  /** Mean cross-entropy over the data. */
  loss: number;
  /** Gradient of that mean (full layout; zero outside the groups asked for). */
  grad: Float32Array;
}

/** Mean loss over `data` and its gradient with respect to the `wrt` groups (default: the adapters). */
export async function lossGradient(
  config: VitConfigInput | undefined,
  adapters: LoraInput | null | undefined,
  params: Float32Array,
  data: ImageSet,
  wrt: { base: boolean; head: boolean; lora: boolean } = { base: false, head: false, lora: true },
  threads?: number,
): Promise<LossGradient> {
  const c = cfg(config);
  return nativeAwait(native('vit', () => vitNative().gradient(c, toNativeLora(lora(adapters)), params, data.x, data.y, { ...wrt }, defaultThreads(threads))));
}

/** Mean attention entropy (nats) of each block over images, heads and query tokens (base parameters). */
export async function attentionEntropy(config: VitConfigInput | undefined, params: Float32Array, x: Float32Array, threads?: number): Promise<number[]> {
  const c = cfg(config);
  return Array.from(await nativeAwait(native('vit', () => vitNative().attentionEntropy(c, params, x, defaultThreads(threads)))));
}

/** What train runs: the model, which groups learn, the optimiser, the batch and step count, the sampling, when to evaluate and snapshot, and the data. */
export interface TrainOptions {
  /** The model's shape (defaults as in vitConfigSchema). */
  config?: VitConfigInput;
  /** The adapters (null or absent: none). */
  lora?: LoraInput | null;
  /** Which groups learn. Pre-training: base + head; LoRA fine-tuning: lora + head (base frozen). */
  trainable: { base: boolean; head: boolean; lora: boolean };
  /** Default: AdamW at lr 1e-3 (optimizerSchema). */
  optimizer?: OptimizerInput;
  /** Images per step. */
  batch: number;
  /** Optimiser steps to take (0: evaluate only). */
  steps: number;
  /** Evaluate on `test` every this many steps (0: only at the steps listed in evalSteps). */
  evalEvery?: number;
  /** Further steps at which to evaluate on `test` (0 = before training). */
  evalSteps?: number[];
  /** Stop at the first evaluation with test accuracy >= this (0: never). */
  stopAccuracy?: number;
  /** Keep copies of the base parameters at these steps (0 = before training). */
  snapshotSteps?: number[];
  /** Batch order seed (epochs) or order of the one-pass stream. */
  seed: number;
  /**
   * 'epochs' (default): a new random order of the training set every epoch. 'one-pass': every
   * sample at most once; steps x batch must not exceed the stream (images x shifts).
   */
  sampling?: 'epochs' | 'one-pass';
  /** One-pass only: each image also appears moved by every (dx, dy) in [-maxShift, maxShift]^2. */
  maxShift?: number;
  /** Value of the pixels a shift uncovers (the normalised background). */
  shiftFill?: number;
  /** A non-finite loss ends the run (divergedAt) instead of rejecting the promise. */
  stopOnDivergence?: boolean;
  /** Return the stream index of every sample drawn (for checks). */
  recordDraws?: boolean;
  /** The starting parameters in the layout of vitLayout(config, lora); not modified. */
  params: Float32Array;
  /** The training images (the one-pass stream's images under 'one-pass'). */
  train: ImageSet;
  /** The images every evaluation scores. */
  test: ImageSet;
  /** Native threads (default: every core). */
  threads?: number;
  /** Aborting it cancels the native run at its next step; train then rejects with AbortError. */
  signal?: AbortSignal;
  /** Called now and then with the steps done, the fraction, the elapsed time and an ETA (ms). */
  onProgress?: (p: Progress) => void;
}

/** A training run's evaluated curve, its final parameters, the snapshots asked for, how far it got and its wall time (ms). */
export interface TrainResult {
  /** The steps evaluated, in order. */
  evalStep: number[];
  /** Test accuracy (fraction correct) at each evaluated step. */
  testAccuracy: number[];
  /** Mean test cross-entropy (nats) at each evaluated step. */
  testLoss: number[];
  /** Mean training batch loss since the previous evaluation (NaN at step 0). */
  trainLoss: number[];
  /** The parameters after the last step done. */
  params: Float32Array;
  /** Copies of the whole parameter vector at the steps of snapshotSteps. */
  snapshots: { step: number; params: Float32Array }[];
  /** Steps taken: `steps`, or fewer when stopAccuracy or a divergence ended the run. */
  stepsDone: number;
  /** Step whose loss was non-finite (stopOnDivergence), else null. */
  divergedAt: number | null;
  /** recordDraws: stream indices (one-pass: image x shifts + shift; epochs: image). */
  draws: number[];
  /** Wall time of the call (ms). */
  wallMs: number;
}

function intField(v: number | undefined, name: string, min: number, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new ConfigError([{ path: `train.${name}`, message: `must be an integer >= ${min} (got ${x})` }]);
  return x;
}

/** Trains on native threads off the event loop. Rejects with AbortError when `signal` aborts, with ConfigError (naming the field) on a bad option; a non-finite loss ends the run (divergedAt) under stopOnDivergence and rejects otherwise. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const c = cfg(o.config);
  const l = lora(o.lora);
  const opt = parseWith(optimizerSchema, o.optimizer ?? {}, 'optimizer');
  const steps = intField(o.steps, 'steps', 0, 0);
  if (o.sampling !== undefined && o.sampling !== 'epochs' && o.sampling !== 'one-pass')
    throw new ConfigError([{ path: 'train.sampling', message: `must be 'epochs' or 'one-pass' (got '${String(o.sampling)}')` }]);
  if (o.shiftFill !== undefined && !Number.isFinite(o.shiftFill)) throw new ConfigError([{ path: 'train.shiftFill', message: 'must be a finite number' }]);
  const spec = {
    config: c,
    lora: toNativeLora(l),
    trainable: { ...o.trainable },
    optimizer: opt,
    batch: intField(o.batch, 'batch', 1, 64),
    steps,
    evalEvery: intField(o.evalEvery, 'evalEvery', 0, 0),
    evalSteps: o.evalSteps ?? [],
    stopAccuracy: o.stopAccuracy ?? 0,
    snapshotSteps: o.snapshotSteps ?? [],
    seed: intField(o.seed, 'seed', 0, 0),
    sampling: o.sampling ?? 'epochs',
    maxShift: intField(o.maxShift, 'maxShift', 0, 0),
    shiftFill: o.shiftFill ?? 0,
    stopOnDivergence: o.stopOnDivergence ?? false,
    recordDraws: o.recordDraws ?? false,
    threads: defaultThreads(o.threads),
    params: o.params,
    train: { x: o.train.x, y: o.train.y },
    test: { x: o.test.x, y: o.test.y },
  };
  if (o.signal?.aborted) throw new AbortError();
  const t0 = performance.now();
  const onSteps = o.onProgress
    ? (done: number) => {
        const elapsedMs = performance.now() - t0;
        const fraction = steps > 0 ? Math.min(1, done / steps) : 1;
        o.onProgress!({ stepsDone: done, totalSteps: steps, fraction, elapsedMs, etaMs: fraction > 0 ? (elapsedMs * (1 - fraction)) / fraction : null });
      }
    : undefined;
  const handle = native('train', () => vitNative().train(spec, onSteps));
  const abort = () => handle.cancel();
  o.signal?.addEventListener('abort', abort, { once: true });
  try {
    const r = await nativeAwait(handle.promise);
    if (o.signal?.aborted || r.cancelled) throw new AbortError();
    return {
      evalStep: Array.from(r.evalStep),
      testAccuracy: Array.from(r.testAccuracy),
      testLoss: Array.from(r.testLoss),
      trainLoss: Array.from(r.trainLoss),
      params: r.params,
      snapshots: r.snapshots,
      stepsDone: r.stepsDone,
      divergedAt: r.divergedAt > 0 ? r.divergedAt : null,
      draws: Array.from(r.draws),
      wallMs: performance.now() - t0,
    };
  } finally {
    o.signal?.removeEventListener('abort', abort);
  }
}
