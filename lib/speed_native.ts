// Typed access to the addon's speed-path functions (SIMD generator paths, accuracy of the
// Box–Muller elementary functions, the reference full-d step). For tests and benchmarks.
import { loadNative } from './native.js';
import type { GaussianPrecision, NativeRunRecord } from './native.js';

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

export interface NativeSpeedAddon {
  simdPaths(): { available: SimdPath[]; best: SimdPath };
  gaussiansPath(path: SimdPath, seed: number, stream: number, step: number, sample: number, start: number, count: number, precision?: GaussianPrecision): Float64Array;
  rngAccuracy(samples: number, seed: number): BoxMullerAccuracy;
  simulateFullReference(config: object, seed: number): NativeRunRecord;
  benchGenerator(path: SimdPath, count: number, repeats: number, precision?: GaussianPrecision): { seconds: number; cpuSeconds: number; gaussians: number };
}

export function speedNative(): NativeSpeedAddon {
  return loadNative() as unknown as NativeSpeedAddon;
}
