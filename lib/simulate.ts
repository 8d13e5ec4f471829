// simulate(): validate, run on native threads, return typed results without copying.
import os from 'node:os';
import { ConfigError, AbortError } from './errors.js';
import { parseConfig, seedList, type Config, type ConfigInput } from './config.js';
import { loadNative, type NativeRunRecord } from './native.js';
import type { Progress, RunOptions, RunResult, SimulationResult } from './types.js';
import { version } from './version.js';

function toRunResult(r: NativeRunRecord, thresholds: number[]): RunResult {
  const escape: Record<string, number | null> = {};
  thresholds.forEach((th, i) => (escape[String(th)] = r.escape[i] ?? null));
  return { ...r, escape };
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
  const totalSteps = config.train.steps * seeds.length;
  const t0 = performance.now();
  const onSteps = options.onProgress
    ? (stepsDone: number) => {
        const elapsedMs = performance.now() - t0;
        const fraction = totalSteps > 0 ? Math.min(1, stepsDone / totalSteps) : 1;
        const p: Progress = {
          stepsDone,
          totalSteps,
          fraction,
          elapsedMs,
          etaMs: fraction > 0 ? (elapsedMs * (1 - fraction)) / fraction : null,
        };
        options.onProgress!(p);
      }
    : undefined;
  let handle: ReturnType<typeof native.simulate>;
  try {
    handle = native.simulate(config, config.engine, seeds, threads, config.backend, onSteps);
  } catch (e) {
    throw new ConfigError([{ path: 'backend', message: (e as Error).message }]);
  }
  const abort = () => handle.cancel();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const out = await handle.promise;
    if (options.signal?.aborted || out.cancelled) throw new AbortError();
    return {
      config,
      engine: config.engine,
      backend: out.backend,
      runs: out.runs.map((r) => toRunResult(r, config.record.thresholds)),
      wallMs: out.wallMs,
      version,
    };
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
