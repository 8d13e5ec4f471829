// simulate(): check the config's shape (valibot), hand it to the native core, which converts and
// validates it once (every engine and backend rule) and runs it on native threads; typed
// results come back without copying.
import os from 'node:os';
import { ConfigError, AbortError } from './errors.js';
import { maxBytesOption, parseConfigShape, seedList, type Config, type ConfigInput } from './config.js';
import { checkJsHeap } from './memory.js';
import { fromNative, loadNative, nativeCall, type NativeHandle, type NativeRunRecord } from './native.js';
import type { Progress, RunOptions, RunResult, SimulationResult } from './types.js';
import { version } from './version.js';

function toRunResult(r: NativeRunRecord, thresholds: number[], lossThresholds?: number[]): RunResult {
  const escapes: Record<string, number | null> = {};
  thresholds.forEach((th, i) => {
    escapes[String(th)] = r.escape[i] ?? null;
  });
  const { lossEscape: le, ...rest } = r;
  if (!lossThresholds) return { ...rest, escape: escapes };
  const lossEscape: Record<string, number | null> = {};
  lossThresholds.forEach((f, i) => {
    lossEscape[String(f)] = le?.[i] ?? null;
  });
  return { ...rest, escape: escapes, lossEscape };
}

export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 4096)
    throw new ConfigError([{ path: 'threads', message: `must be an integer in [1, 4096] (got ${threads})` }]);
  return threads;
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
async function awaitHandle<T extends { cancelled: boolean }>(handle: NativeHandle<T>, signal?: AbortSignal): Promise<T> {
  const abort = () => handle.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    let out: T;
    try {
      out = await handle.promise;
    } catch (e) {
      throw fromNative(e);
    }
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
  const config = parseConfigShape(input);
  const maxBytes = maxBytesOption(options.maxBytes);
  const seeds = seedList(config).length;
  checkJsHeap(seeds);
  const native = loadNative();
  if (options.signal?.aborted) throw new AbortError();
  const onSteps = progressReporter(config.train.steps * seeds, options.onProgress);
  // The core converts and validates the config, checks the call's memory, then starts it.
  const handle = nativeCall(() => native.simulate.run(config, threads, onSteps, maxBytes));
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
      return parseConfigShape(input);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.issues.map((x) => ({ path: `[${i}]${x.path ? '.' + x.path : ''}`, message: x.message })));
      throw e;
    }
  });
  if (configs.length === 0) return [];
  const maxBytes = maxBytesOption(options.maxBytes);
  checkJsHeap(configs.reduce((a, c) => a + seedList(c).length, 0));
  const native = loadNative();
  if (options.signal?.aborted) throw new AbortError();
  const onSteps = progressReporter(
    configs.reduce((a, c) => a + c.train.steps * seedList(c).length, 0),
    options.onProgress,
  );
  // The core names each bad field under its config's index ("[2].model.d").
  const handle = nativeCall(() => native.simulate.runMany(configs, threads, onSteps, maxBytes));
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
