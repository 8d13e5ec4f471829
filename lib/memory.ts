// How much memory a call will need, estimated before it runs, and the limits it must fit:
// the native part (engine state, step buffers, records: native/core/engine/memory.hpp, checked
// by the core before it allocates) and the JavaScript part (one object per run and its typed
// arrays, checked here against V8's heap limit). The one place that answers "does this fit?"
// for simulate, simulateMany, sweep grids and job schedulers.
import os from 'node:os';
import v8 from 'node:v8';
import { maxBytesOption, seedList, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { loadNative, nativeCall } from './native.js';

/** JS heap per returned run: the run object, its typed arrays, the escapes (measured after GC: 2.0 KB; 100000 runs of d = 20). */
export const JS_BYTES_PER_RUN = 2500;

/** Options of estimateMemory(): the call's threads and its memory limit. */
export interface MemoryOptions {
  /** Worker threads of the call (default: all cores). */
  threads?: number;
  /** Native memory limit in bytes (default LORADYN_MAX_BYTES, else 3/4 of what this process may use). */
  maxBytes?: number;
}

/** What a call needs (native bytes by item, the JS heap of its results) and the limits it is checked against. */
export interface MemoryEstimate {
  /** Native bytes at the peak (state of the runs in flight, every record, the configs' vectors). */
  bytes: number;
  items: { what: string; path: string; bytes: number }[];
  /** The native limit and what set it ("3/4 of the cgroup's memory.max (...)", "maxBytes / LORADYN_MAX_BYTES"). */
  limit: number;
  limitSource: string;
  /** JS heap the results take, and the part of V8's heap limit they may use (3/4). */
  jsBytes: number;
  jsLimit: number;
}

function jsLimit(): number {
  return 0.75 * v8.getHeapStatistics().heap_size_limit;
}

/**
 * The memory a call of `configs` (filled in: parseConfig) needs, with the limits it is checked
 * against. simulate() and simulateMany() refuse a call that does not fit with a ConfigError
 * naming the field to lower, before anything is allocated.
 */
export function estimateMemory(configs: Config | Config[], options: MemoryOptions = {}): MemoryEstimate {
  const list = Array.isArray(configs) ? configs : [configs];
  const threads = options.threads ?? os.availableParallelism();
  const n = nativeCall(() => loadNative().config.estimateMemory(list, threads, maxBytesOption(options.maxBytes)));
  const runs = list.reduce((a, c) => a + seedList(c).length, 0);
  return { ...n, jsBytes: runs * JS_BYTES_PER_RUN, jsLimit: jsLimit() };
}

/** ConfigError when the results of `runs` runs would not fit in the JS heap. */
export function checkJsHeap(runs: number, path = 'seeds'): void {
  const need = runs * JS_BYTES_PER_RUN,
    limit = jsLimit();
  if (need > limit) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    throw new ConfigError([
      {
        path,
        message: `${runs} runs return about ${gib(need)} of JavaScript objects, more than the ${gib(limit)} this process's heap allows (3/4 of V8's limit); run fewer seeds per call (a sweep splits them) or raise node's --max-old-space-size`,
      },
    ]);
  }
}
