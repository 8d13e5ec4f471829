// simulate(): validate, run on native threads, return typed results without copying.
import os from 'node:os';
import { ConfigError, AbortError } from './errors.js';
import { parseConfig, seedList, type Config, type ConfigInput } from './config.js';
import { loadNative, type NativeRunRecord } from './native.js';
import type { Progress, RunOptions, RunResult, SimulationResult } from './types.js';
import { version } from './version.js';

function toRunResult(r: NativeRunRecord, thresholds: number[], lossThresholds?: number[]): RunResult {
  const escape: Record<string, number | null> = {};
  thresholds.forEach((th, i) => (escape[String(th)] = r.escape[i] ?? null));
  const { lossEscape: le, ...rest } = r;
  if (!lossThresholds) return { ...rest, escape };
  const lossEscape: Record<string, number | null> = {};
  lossThresholds.forEach((f, i) => (lossEscape[String(f)] = le?.[i] ?? null));
  return { ...rest, escape, lossEscape };
}

export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 4096)
    throw new ConfigError([{ path: 'threads', message: `must be an integer in [1, 4096] (got ${threads})` }]);
  return threads;
}

/** Checks a filled-in config with the native core too (activation names, core-level limits). */
export function nativeCheck(config: Config): void {
  try {
    loadNative().validateConfig(config);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /^([a-zA-Z.]+(?:\.[a-zA-Z0-9]+)*): (.*)$/s.exec(msg);
    throw new ConfigError([m ? { path: m[1]!, message: m[2]! } : { path: '', message: msg }]);
  }
}

// Progress over `totalSteps` trajectory-steps, as the native side reports steps done.
function progressReporter(totalSteps: number, onProgress: ((p: Progress) => void) | undefined) {
  if (!onProgress) return undefined;
  const t0 = performance.now();
  return (stepsDone: number) => {
    const elapsedMs = performance.now() - t0;
    const fraction = totalSteps > 0 ? Math.min(1, stepsDone / totalSteps) : 1;
    onProgress({ stepsDone, totalSteps, fraction, elapsedMs, etaMs: fraction > 0 ? (elapsedMs * (1 - fraction)) / fraction : null });
  };
}

// Awaits a native handle, cancelling it when `signal` aborts; AbortError when cancelled.
async function awaitHandle<T extends { cancelled: boolean }>(handle: { promise: Promise<T>; cancel: () => void }, signal?: AbortSignal): Promise<T> {
  const abort = () => handle.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const out = await handle.promise;
    if (signal?.aborted || out.cancelled) throw new AbortError();
    return out;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Runs every seed of `input` with its engine. Resolves to a SimulationResult; rejects with
 * ConfigError for a bad config and AbortError when `signal` aborts (within milliseconds).
 */
export async function simulate(input: ConfigInput | Config, options: RunOptions = {}): Promise<SimulationResult> {
  const threads = resolveThreads(options.threads);
  const config = parseConfig(input, threads);
  nativeCheck(config);
  const seeds = seedList(config);
  const native = loadNative();
  if (options.signal?.aborted) throw new AbortError();
  const onSteps = progressReporter(config.train.steps * seeds.length, options.onProgress);
  let handle: ReturnType<typeof native.simulate>;
  try {
    handle = native.simulate(config, config.engine, seeds, threads, config.backend, onSteps);
  } catch (e) {
    throw new ConfigError([{ path: 'backend', message: (e as Error).message }]);
  }
  const out = await awaitHandle(handle, options.signal);
  return {
    config,
    engine: config.engine,
    backend: out.backend,
    runs: out.runs.map((r) => toRunResult(r, config.record.thresholds, config.record.lossThresholds)),
    wallMs: out.wallMs,
    version,
  };
}

/**
 * Runs several configs (the points of a sweep) in one native call and resolves to one
 * SimulationResult per config, in input order, each with the same bits simulate() gives it
 * alone. All runs share the threads; on the CUDA backend, configs that differ only in seeds,
 * mu, eta, label noise or the initial state share one kernel launch, so a sweep fills the
 * device. Each config keeps its own engine and backend. A bad config is a ConfigError whose
 * paths start with its index ("[2].model.d"); `wallMs` of each result is the whole call's.
 */
export async function simulateMany(inputs: (ConfigInput | Config)[], options: RunOptions = {}): Promise<SimulationResult[]> {
  if (!Array.isArray(inputs)) throw new ConfigError([{ path: '', message: 'simulateMany expects an array of configs' }]);
  const threads = resolveThreads(options.threads);
  const configs = inputs.map((input, i) => {
    try {
      const c = parseConfig(input, threads);
      nativeCheck(c);
      return c;
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.issues.map((x) => ({ path: `[${i}]${x.path ? '.' + x.path : ''}`, message: x.message })));
      throw e;
    }
  });
  if (configs.length === 0) return [];
  const native = loadNative();
  if (options.signal?.aborted) throw new AbortError();
  const jobs = configs.map((c) => ({ config: c, engine: c.engine, seeds: seedList(c), backend: c.backend }));
  const onSteps = progressReporter(jobs.reduce((a, j) => a + j.config.train.steps * j.seeds.length, 0), options.onProgress);
  let handle: ReturnType<typeof native.simulateMany>;
  try {
    handle = native.simulateMany(jobs, threads, onSteps);
  } catch (e) {
    const m = /^\[(\d+)\] (.*)$/s.exec((e as Error).message);
    throw new ConfigError([{ path: m ? `[${m[1]}].backend` : 'backend', message: m ? m[2]! : (e as Error).message }]);
  }
  const out = await awaitHandle(handle, options.signal);
  return out.results.map((r, i) => ({
    config: configs[i]!,
    engine: configs[i]!.engine,
    backend: r.backend,
    runs: r.runs.map((x) => toRunResult(x, configs[i]!.record.thresholds, configs[i]!.record.lossThresholds)),
    wallMs: out.wallMs,
    version,
  }));
}
