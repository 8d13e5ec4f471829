// Types of the vision-transformer functions of the addon (native/addon/vit_api.cpp), added to
// the one NativeAddon interface by declaration merging.
import { loadNative, type NativeAddon } from '../native.js';

export interface NativeVitConfig {
  image: number;
  channels: number;
  patch: number;
  width: number;
  depth: number;
  heads: number;
  mlp: number;
  classes: number;
}

export interface NativeLora {
  rank: number;
  alpha: number;
  targets: string[];
}

export interface NativeVitLayout {
  total: number;
  baseSize: number;
  tensors: { name: string; offset: number; size: number; rows: number; cols: number; group: 'base' | 'head' | 'lora' }[];
}

export interface NativeGradCheck {
  name: string;
  maxError: number;
  maxAbsGrad: number;
  entries: number;
}

export interface NativeVitData {
  x: Float32Array;
  y: Int32Array;
}

export interface NativeVitTrainSpec {
  config: NativeVitConfig;
  lora: NativeLora;
  trainable: { base: boolean; head: boolean; lora: boolean };
  optimizer: { kind: 'sgd' | 'adamw'; lr: number; momentum: number; beta1: number; beta2: number; eps: number; weightDecay: number };
  batch: number;
  steps: number;
  evalEvery: number;
  evalSteps: number[];
  stopAccuracy: number;
  snapshotSteps: number[];
  seed: number;
  sampling?: 'epochs' | 'one-pass';
  maxShift?: number;
  shiftFill?: number;
  stopOnDivergence?: boolean;
  recordDraws?: boolean;
  threads: number;
  params: Float32Array;
  train: NativeVitData;
  test: NativeVitData;
}

export interface NativeVitTrainResult {
  evalStep: Float64Array;
  testAccuracy: Float64Array;
  testLoss: Float64Array;
  trainLoss: Float64Array;
  params: Float32Array;
  snapshots: { step: number; params: Float32Array }[];
  stepsDone: number;
  divergedAt: number;
  draws: Float64Array;
  cancelled: boolean;
}

export interface VitNative {
  vitLayout(config: NativeVitConfig, lora: NativeLora): NativeVitLayout;
  vitInit(config: NativeVitConfig, lora: NativeLora, seed: number, bSize?: number): Float32Array;
  vitForward(config: NativeVitConfig, lora: NativeLora, params: Float32Array, images: Float32Array): Float32Array;
  vitMerge(config: NativeVitConfig, lora: NativeLora, params: Float32Array): Float32Array;
  vitGradCheck(seed: number): NativeGradCheck[];
  vitEvaluate(
    config: NativeVitConfig,
    lora: NativeLora,
    params: Float32Array,
    x: Float32Array,
    y: Int32Array,
    threads: number,
  ): Promise<{ accuracy: number; loss: number; predictions: Int32Array }>;
  vitFeatures(config: NativeVitConfig, params: Float32Array, x: Float32Array, threads: number): Promise<Float32Array>;
  vitGradient(
    config: NativeVitConfig,
    lora: NativeLora,
    params: Float32Array,
    x: Float32Array,
    y: Int32Array,
    trainable: { base: boolean; head: boolean; lora: boolean },
    threads: number,
  ): Promise<{ loss: number; grad: Float32Array }>;
  vitAttentionEntropy(config: NativeVitConfig, params: Float32Array, x: Float32Array, threads: number): Promise<Float64Array>;
  vitTrain(
    spec: NativeVitTrainSpec,
    onProgress?: (stepsDone: number) => void,
  ): { promise: Promise<NativeVitTrainResult>; cancel: () => void };
}

export function vitNative(): NativeAddon & VitNative {
  return loadNative() as NativeAddon & VitNative;
}
