// Loads the compiled addon and types it as one interface. Like sharp's loader, it tries each
// candidate binary in turn and, if none loads, throws one error listing what was tried.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeLoadError } from './errors.js';
import type { RunResult } from './types.js';

/** A run as the addon returns it: escapes by threshold index rather than by name. */
export type NativeRunRecord = Omit<RunResult, 'escape' | 'lossEscape'> & { escape: (number | null)[]; lossEscape?: (number | null)[] };

/** "double": every stream but engine full's inputs; "single": the inputs x of engine full. */
export type GaussianPrecision = 'double' | 'single';

export interface NativeSimulation {
  runs: NativeRunRecord[];
  wallMs: number;
  backend: string;
  cancelled: boolean;
}

/** What simulateMany() resolves to: one { runs, backend } per job, in input order. */
export interface NativeSimulationMany {
  results: { runs: NativeRunRecord[]; backend: string }[];
  wallMs: number;
  cancelled: boolean;
}

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

export interface NativeActivationValues {
  s: Float64Array;
  ds: Float64Array;
  d2s: Float64Array;
  dirac: number;
  hermiteOrder: number;
  name: string;
}

/** The whole native module. Extended by each capability's glue (theory, reduced, vit, ...). */
export interface NativeAddon {
  info(): NativeInfo;
  simulate(
    config: object,
    engine: string,
    seeds: number[],
    threads: number,
    backend: string,
    onProgress?: (stepsDone: number) => void,
  ): { promise: Promise<NativeSimulation>; cancel: () => void };
  simulateMany(
    jobs: { config: object; engine: string; seeds: number[]; backend: string }[],
    threads: number,
    onProgress?: (stepsDone: number) => void,
  ): { promise: Promise<NativeSimulationMany>; cancel: () => void };
  /** Groups of config indices that one GPU launch can hold (core/engine/launch_groups.hpp). */
  launchGroups(engine: string, configs: object[]): number[][];
  philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): Uint32Array;
  gaussians(seed: number, stream: number, step: number, sample: number, start: number, count: number, precision?: GaussianPrecision): Float64Array;
  evalActivation(spec: string | { hermite: number[] }, z: Float64Array | number[]): NativeActivationValues;
  validateConfig(config: object): void;
  populationLoss(config: object, M: number[], Q: number[]): number;
  logGrid(steps: number, points: number): Float64Array;
  /** Test hook of the reduced chain: one run, synchronously; forceGeneral skips its rank-1 loop. */
  reducedRun(config: object, seed: number, forceGeneral: boolean): NativeRunRecord;
  /** Exact chi-square draws (Marsaglia–Tsang), for sampler tests. */
  chiSquare(seed: number, dof: number, count: number): Float64Array;
}

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
      cached = { addon: require(p) as NativeAddon, path: p };
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
