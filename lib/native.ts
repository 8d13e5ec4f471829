// The one typed binding module of the addon (native/addon/main.cpp). Its exports are shaped
// like lib: one namespace per lib module that calls them (config, simulate, primitives,
// theory, vit), test hooks under `testing`. Like sharp's loader, loadNative() tries each
// candidate binary in turn and, if none loads, throws one error listing what was tried.
//
// Errors cross as structured values (native/addon/errors.hpp): a bad argument or config is a
// RangeError with code "LORADYN_INVALID" and issues [{ path, message }]; fromNative() turns it
// into a ConfigError without reading the message.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, NativeError, NativeLoadError, type ConfigIssue } from './errors.js';
import type { RunResult } from './types.js';
import { packageRoot } from './package_root.js';

/** A run as the addon returns it: escapes by threshold index rather than by name. */
export type NativeRunRecord = Omit<RunResult, 'escape' | 'lossEscape'> & { escape: (number | null)[]; lossEscape?: (number | null)[] };

/** "double": every stream but engine full's inputs; "single": the inputs x of engine full. */
export type GaussianPrecision = 'double' | 'single';

/** A native call that runs off the main thread and can be stopped. */
export interface NativeHandle<T> {
  promise: Promise<T>;
  cancel: () => void;
}

export type StepsCallback = (stepsDone: number) => void;

// ---- info (lib/info.ts) ----

/** Whether a backend is compiled into the addon and usable on this machine. */
export interface NativeBackendInfo {
  compiled: boolean;
  available: boolean;
  reason?: string;
  device?: string;
  engines?: string[];
  precision?: string;
}

export interface NativeInfo {
  build: string;
  threads: number;
  flags: Record<string, boolean | string>;
  backends: { cpu: NativeBackendInfo; cuda: NativeBackendInfo };
}

// ---- simulate (lib/simulate.ts) ----

export interface NativeSimulation {
  runs: NativeRunRecord[];
  wallMs: number;
  backend: string;
  cancelled: boolean;
}

/** What simulate.runMany() resolves to: one { runs, backend } per config, in input order. */
export interface NativeSimulationMany {
  results: { runs: NativeRunRecord[]; backend: string }[];
  wallMs: number;
  cancelled: boolean;
}

export interface NativeSimulate {
  /**
   * A filled-in config (engine, backend and seeds included); threads 0 = all cores; maxBytes:
   * the memory limit the call is checked against before it allocates (0 or absent: 3/4 of what
   * this process may use).
   */
  run(config: object, threads: number, onProgress?: StepsCallback, maxBytes?: number): NativeHandle<NativeSimulation>;
  runMany(configs: object[], threads: number, onProgress?: StepsCallback, maxBytes?: number): NativeHandle<NativeSimulationMany>;
}

/** What a call will hold at its peak (native/core/engine/memory.hpp) and the limit. */
export interface NativeMemoryEstimate {
  bytes: number;
  items: { what: string; path: string; bytes: number }[];
  limit: number;
  limitSource: string;
}

// ---- primitives (lib/primitives.ts) ----

/** An activation and its first two derivatives at given points, with its Dirac and Hermite data, from the native core. */
export interface NativeActivationValues {
  s: Float64Array;
  ds: Float64Array;
  d2s: Float64Array;
  dirac: number;
  hermiteOrder: number;
  name: string;
}

export type NativeActivationSpec = string | { hermite: number[] };

export interface NativePrimitives {
  philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): Uint32Array;
  gaussians(seed: number, stream: number, step: number, sample: number, start: number, count: number, precision?: GaussianPrecision): Float64Array;
  evalActivation(spec: NativeActivationSpec, z: Float64Array | number[]): NativeActivationValues;
  populationLoss(config: object, M: number[], Q: number[]): number;
  logGrid(steps: number, points: number): Float64Array;
}

// ---- theory (lib/theory.ts) ----

export interface NativeTheoryPair {
  activation: NativeActivationSpec;
  teacher?: 'same' | 'square' | NativeActivationSpec;
  hermiteRescale?: boolean;
  noise?: number;
}

/** One point of tau(mu). tau is null where it is infinite; reason says why. */
export interface NativeTauPoint {
  mu: number;
  A: number;
  B: number;
  tau: number | null;
  reason?: string;
}

export interface NativeGaussOperand {
  activation: NativeActivationSpec;
  order?: 0 | 1 | 2;
  squared?: boolean;
}

export interface NativeTheory {
  tau(pair: NativeTheoryPair, mu: number[]): Promise<NativeTauPoint[]>;
  critical(
    pair: NativeTheoryPair,
    options: { lo?: number; hi?: number; points?: number; tol?: number },
  ): Promise<{ zeros: number[]; minima: { mu: number; tau: number }[] }>;
  loss(pair: NativeTheoryPair, M: number[], Q: number[]): { L: Float64Array; LM: Float64Array; LQ: Float64Array };
  lossK(pair: NativeTheoryPair, K: number, readout: number, M: number[], Q: number[]): { L: number; GM: Float64Array; GQ: Float64Array };
  topCoefficient(k: number, mu: number[], rescaled: boolean): NativeTauPoint[];
  potential(mu: number, g: number[]): Float64Array;
  expect(f: NativeGaussOperand, g: NativeGaussOperand, cov: number[], mode: string): number;
  odeRhs(config: object, system: 'rank1' | 'general', y: number[]): { dy: Float64Array; y0: Float64Array };
  /** The law of the escape time (lib/escape_law.ts types the spec and the result). */
  escapeLaw(spec: object): Promise<unknown>;
}

// ---- vit (lib/vit) ----

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
  /** One-pass sampling (each image-shift sample at most once), its shifts and their fill value. */
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
  /** Step whose loss was non-finite (stopOnDivergence); 0 = none. */
  divergedAt: number;
  /** recordDraws: the stream index of every sample drawn. */
  draws: Float64Array;
  cancelled: boolean;
}

export interface NativeVit {
  layout(config: NativeVitConfig, lora: NativeLora): NativeVitLayout;
  init(config: NativeVitConfig, lora: NativeLora, seed: number, bSize?: number): Float32Array;
  forward(config: NativeVitConfig, lora: NativeLora, params: Float32Array, images: Float32Array): Float32Array;
  merge(config: NativeVitConfig, lora: NativeLora, params: Float32Array): Float32Array;
  gradCheck(seed: number): NativeGradCheck[];
  evaluate(
    config: NativeVitConfig,
    lora: NativeLora,
    params: Float32Array,
    x: Float32Array,
    y: Int32Array,
    threads: number,
  ): Promise<{ accuracy: number; loss: number; predictions: Int32Array }>;
  features(config: NativeVitConfig, params: Float32Array, x: Float32Array, threads: number): Promise<Float32Array>;
  train(spec: NativeVitTrainSpec, onProgress?: StepsCallback): NativeHandle<NativeVitTrainResult>;
  gradient(
    config: NativeVitConfig,
    lora: NativeLora,
    params: Float32Array,
    x: Float32Array,
    y: Int32Array,
    trainable: { base: boolean; head: boolean; lora: boolean },
    threads: number,
  ): Promise<{ loss: number; grad: Float32Array }>;
  attentionEntropy(config: NativeVitConfig, params: Float32Array, x: Float32Array, threads: number): Promise<Float64Array>;
}

// ---- testing: hooks for tests and benchmarks, not public API ----

export type SimdPath = 'scalar' | 'avx2' | 'avx512';

export interface BoxMullerAccuracy {
  logUlp: number;
  cosUlp: number;
  sinUlp: number;
  gaussianUlp: number;
  libmLogUlp: number;
  /** The single-precision transform of engine full's inputs, in float ulps. */
  single: { logUlp: number; cosUlp: number; sinUlp: number; gaussianUlp: number };
  referenceDigits: number;
  samples: number;
}

export interface NativeTesting {
  /** One run of the reduced chain on the calling thread; forceGeneral skips its rank-1 loop, 'generic' also its batch kernels. */
  reducedRun(config: object, seed: number, forceGeneral: boolean | 'generic'): NativeRunRecord;
  /** The CUDA backend's general reduced chain (any K, r <= 4) run on the host: its launch arrays, the kernel's per-run function over chunks of `chunk` steps, the replay; one record per seed of config. */
  reducedGpuEmulated(config: object, chunk: number): NativeRunRecord[];
  /** One run through the plain reference full-d step (the fast step must match it bit for bit). */
  simulateFullReference(config: object, seed: number): NativeRunRecord;
  /** Exact chi-square draws (Marsaglia–Tsang), for sampler tests. */
  chiSquare(seed: number, dof: number, count: number): Float64Array;
  simdPaths(): { available: SimdPath[]; best: SimdPath };
  gaussiansPath(
    path: SimdPath,
    seed: number,
    stream: number,
    step: number,
    sample: number,
    start: number,
    count: number,
    precision?: GaussianPrecision,
  ): Float64Array;
  rngAccuracy(samples: number, seed: number): BoxMullerAccuracy;
  /** The reduced chain's exp, erf and sigmoid (native/core/reduced/chain_math.hpp) against long double: largest errors in ulps. */
  chainMathAccuracy(
    samples: number,
    seed: number,
  ): {
    expUlp: number;
    erfUlp: number;
    erfDerivUlp: number;
    sigmoidUlp: number;
    sigmoidDerivUlp: number;
    libmErfUlp: number;
    arraysMatchScalar: boolean;
    referenceDigits: number;
    samples: number;
  };
  benchGenerator(path: SimdPath, count: number, repeats: number, precision?: GaussianPrecision): { seconds: number; cpuSeconds: number; gaussians: number };
  /** Groups of config indices that one GPU launch can hold (core/engine/launch_groups.hpp). */
  launchGroups(engine: string, configs: object[]): number[][];
  /** The nth thread start from now on fails as if the system refused it (0 disarms). */
  injectThreadFailure(nth: number): void;
  /** The default memory budget computed from given files (physical bytes, /proc/self/cgroup text, cgroup mount root). */
  memoryBudget(physical: number, procSelfCgroup: string, cgroupRoot: string): { bytes: number; source: string };
}

/** The whole native module. */
export interface NativeAddon {
  info(): NativeInfo;
  config: {
    /** Every issue of a filled-in config (engine, backend and memory rules); [] when it can run. */
    check(config: object, threads?: number, maxBytes?: number): ConfigIssue[];
    /** The memory of a call of these configs over `threads`, and the limit it is checked against. */
    estimateMemory(configs: object[], threads?: number, maxBytes?: number): NativeMemoryEstimate;
  };
  simulate: NativeSimulate;
  primitives: NativePrimitives;
  theory: NativeTheory;
  vit: NativeVit;
  testing: NativeTesting;
}

// ---- errors ----

interface StructuredNativeError extends Error {
  code?: string;
  issues?: ConfigIssue[];
}

/**
 * A native error as the public API throws it: LORADYN_INVALID becomes a ConfigError with the
 * issues the core named; the other codes a NativeError that keeps its code. Anything else
 * (a JS error from a callback) passes through.
 */
export function fromNative(e: unknown): Error {
  const err = e as StructuredNativeError;
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    if (err.code === 'LORADYN_INVALID' && Array.isArray(err.issues)) return new ConfigError(err.issues);
    if (err.code.startsWith('LORADYN_')) return new NativeError(err.code, err.message);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** Runs a synchronous native call, rethrowing its error through fromNative(). */
export function nativeCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}

/** Awaits a native promise, rejecting through fromNative(). */
export async function nativeAwait<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw fromNative(e);
  }
}

// ---- loading ----

/** Candidate binaries, in the order they are tried. */
export function addonCandidates(): string[] {
  const list: string[] = [];
  const env = process.env.LORADYN_BINARY;
  // An explicit choice is the only candidate: falling back silently would hide a wrong build.
  if (env) return [resolve(env)];
  list.push(join(packageRoot, 'build', 'Release', 'loradyn.node'));
  list.push(join(packageRoot, 'build-cuda', 'Release', 'loradyn.node'));
  list.push(join(packageRoot, 'build', 'Debug', 'loradyn.node'));
  return list;
}

let cached: { addon: NativeAddon; path: string } | undefined;

export function loadNative(): NativeAddon {
  return loadNativeWithPath().addon;
}

export function loadNativeWithPath(): { addon: NativeAddon; path: string } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const p of addonCandidates()) {
    if (!existsSync(p)) {
      tried.push(`${p}: not found`);
      continue;
    }
    try {
      const addon = require(p) as NativeAddon;
      // A binary from before the namespaced exports (an old build-cuda/) is not this addon.
      if (typeof addon.simulate?.run !== 'function') {
        tried.push(`${p}: an older build without simulate.run (rebuild it)`);
        continue;
      }
      cached = { addon, path: p };
      return cached;
    } catch (e) {
      tried.push(`${p}: ${(e as Error).message}`);
    }
  }
  throw new NativeLoadError(
    'could not load the loradyn native addon. Tried:\n  ' +
      tried.join('\n  ') +
      '\nBuild it with `npm install` (or `npx node-gyp rebuild`), or set LORADYN_BINARY to a built loradyn.node.',
  );
}
