// Low-level access to the generator, activations and the loss: for tests and hand checks.
import { parseConfig, type ConfigInput, type ActivationSpec } from './config.js';
import { loadNative, nativeCall, type GaussianPrecision, type NativeActivationValues } from './native.js';

/** Philox4x32-10 of counter (c0..c3) and key (k0, k1). */
export function philox(counter: [number, number, number, number], key: [number, number]): Uint32Array {
  return nativeCall(() => loadNative().primitives.philox(counter[0], counter[1], counter[2], counter[3], key[0], key[1]));
}

/** Stream ids of the generator (native/core/rng/gaussian.hpp). */
export const streams = { teacher: 1, misalign: 2, loraInit: 3, inputs: 4, labelNoise: 5, reduced: 6, test: 15 } as const;

/**
 * Gaussians of coordinates start .. start+count of (seed, stream, step, sample).
 * precision "double" (default) is the transform of every stream except the inputs x of engine
 * "full", which are drawn in "single" precision (floats widened to double, in super-blocks of
 * 256 coordinates; native/core/rng/gaussian.hpp): pass it to reproduce those inputs.
 */
export function gaussians(a: {
  seed: number;
  stream: number;
  step: number;
  sample: number;
  start?: number;
  count: number;
  precision?: GaussianPrecision;
}): Float64Array {
  return nativeCall(() => loadNative().primitives.gaussians(a.seed, a.stream, a.step, a.sample, a.start ?? 0, a.count, a.precision ?? 'double'));
}

/** s, s', s'' of an activation at the points z. */
export function evalActivation(spec: ActivationSpec, z: ArrayLike<number>): NativeActivationValues {
  return nativeCall(() => loadNative().primitives.evalActivation(spec, Float64Array.from(z)));
}

/** Steps at which runs of `steps` steps record, `points` at most. */
export function logGrid(steps: number, points: number): number[] {
  return Array.from(nativeCall(() => loadNative().primitives.logGrid(steps, points)));
}

/** Exact population loss of the config's model at overlaps M, Q (hidden x hidden each). */
export function populationLoss(config: ConfigInput, M: number[], Q: number[]): number {
  const c = parseConfig(config);
  return nativeCall(() => loadNative().primitives.populationLoss(c, M, Q));
}
