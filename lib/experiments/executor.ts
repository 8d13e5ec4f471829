// Executors run a list of pending runs and report each completion. The local executor uses this
// machine's cores; a queue-backed executor (e.g. BullMQ workers) can implement the same interface.
import os from 'node:os';
import { simulate } from '../simulate.js';
import type { RunResult } from '../types.js';
import type { RunSpec } from './sweep.js';

export interface RunOutcome {
  spec: RunSpec;
  result?: RunResult;
  backend?: string;
  wallMs: number;
  error?: Error;
}

export interface ExecutorHooks {
  /** Called once per finished run (result or error), in completion order; awaited. */
  onDone(outcome: RunOutcome): void | Promise<void>;
  /** Steps done so far over all given runs (in-flight runs included). */
  onSteps?(stepsDone: number): void;
}

export interface Executor {
  readonly name: string;
  /** Runs every spec; resolves when all finished, or rejects with AbortError when `signal` aborts. */
  run(specs: RunSpec[], hooks: ExecutorHooks, signal?: AbortSignal): Promise<void>;
}

/** Runs specs concurrently on native threads, one run per thread. */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly concurrency: number;
  constructor(concurrency = os.availableParallelism()) {
    this.concurrency = Math.max(1, concurrency);
  }

  async run(specs: RunSpec[], hooks: ExecutorHooks, signal?: AbortSignal): Promise<void> {
    let next = 0;
    let finishedSteps = 0;
    const inflight = new Map<number, number>();
    const report = () => {
      if (!hooks.onSteps) return;
      let s = finishedSteps;
      for (const v of inflight.values()) s += v;
      hooks.onSteps(s);
    };
    const worker = async () => {
      while (next < specs.length) {
        if (signal?.aborted) return;
        const i = next++;
        const spec = specs[i]!;
        const t0 = performance.now();
        inflight.set(i, 0);
        try {
          const r = await simulate(spec.config, {
            threads: 1,
            signal,
            onProgress: (p) => {
              inflight.set(i, p.stepsDone);
              report();
            },
          });
          inflight.delete(i);
          finishedSteps += spec.config.train.steps;
          await hooks.onDone({ spec, result: r.runs[0]!, backend: r.backend, wallMs: performance.now() - t0 });
        } catch (e) {
          inflight.delete(i);
          if (signal?.aborted) return;
          finishedSteps += spec.config.train.steps;
          await hooks.onDone({ spec, wallMs: performance.now() - t0, error: e as Error });
        }
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, specs.length) }, worker));
    if (signal?.aborted) {
      const { AbortError } = await import('../errors.js');
      throw new AbortError('sweep interrupted');
    }
  }
}
