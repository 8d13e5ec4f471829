// Executors run a list of pending runs and report each completion. The local executor uses this
// machine's cores; a queue-backed executor (e.g. BullMQ workers) can implement the same interface.
import os from 'node:os';
import { info } from '../info.js';
import { simulate, simulateMany } from '../simulate.js';
import type { RunResult } from '../types.js';
import type { RunSpec } from './sweep.js';

/** One finished run: its result and the backend that computed it, or the error. */
export interface RunOutcome {
  spec: RunSpec;
  result?: RunResult;
  backend?: string;
  wallMs: number;
  error?: Error;
}

/** What an executor reports back while it runs. */
export interface ExecutorHooks {
  /** Called once per finished run (result or error), in completion order; awaited. */
  onDone(outcome: RunOutcome): void | Promise<void>;
  /** Steps done so far over all given runs (in-flight runs included). */
  onSteps?(stepsDone: number): void;
  /**
   * Called just before a run is computed (or, on a queue, collected). False: another process that
   * shares the store has it in hand or has stored it; the executor then neither computes nor reports
   * it (the runner waits for that process). An executor that never calls it still gives correct
   * results, but two processes on one store may then compute the same runs.
   */
  claim?(spec: RunSpec): Promise<boolean>;
}

/** Computes runs of a sweep: on this machine (LocalExecutor) or on a queue's workers (QueueExecutor). */
export interface Executor {
  readonly name: string;
  /** Runs every spec; resolves when all finished, or rejects with AbortError when `signal` aborts. */
  run(specs: RunSpec[], hooks: ExecutorHooks, signal?: AbortSignal): Promise<void>;
}

/** Options of the LocalExecutor. */
export interface LocalExecutorOptions {
  /** Runs at once on the CPU path (default: all cores). */
  concurrency?: number;
  /**
   * Hand runs to simulateMany() in batches, so the CUDA backend gives compatible sweep points
   * one kernel launch. "auto" (default): the runs that would go to a working CUDA device
   * (backend "cuda", or "auto" when info() reports one); true: every run; false: none.
   */
  batch?: boolean | 'auto';
  /** Runs per simulateMany() call (default 4096): each batch is stored when it ends. */
  batchSize?: number;
}

/**
 * Runs specs on this machine: one run per native thread, and (see `batch`) batches for the
 * GPU, which run alongside the CPU runs.
 */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly concurrency: number;
  readonly batch: boolean | 'auto';
  readonly batchSize: number;
  constructor(opts: number | LocalExecutorOptions = {}) {
    const o = typeof opts === 'number' ? { concurrency: opts } : opts;
    this.concurrency = Math.max(1, o.concurrency ?? os.availableParallelism());
    this.batch = o.batch ?? 'auto';
    this.batchSize = Math.max(1, o.batchSize ?? 4096);
  }

  private batched(spec: RunSpec, cudaWorks: boolean): boolean {
    if (this.batch !== 'auto') return this.batch;
    const b = spec.config.backend;
    return b === 'cuda' || (b === 'auto' && cudaWorks);
  }

  async run(specs: RunSpec[], hooks: ExecutorHooks, signal?: AbortSignal): Promise<void> {
    const cudaWorks = this.batch === 'auto' && specs.some((s) => s.config.backend !== 'cpu') ? info().backends.cuda.available : false;
    const toBatch = specs.filter((s) => this.batched(s, cudaWorks));
    const single = specs.filter((s) => !this.batched(s, cudaWorks));
    let batchSteps = 0,
      singleSteps = 0;
    const report = () => hooks.onSteps?.(batchSteps + singleSteps);
    await Promise.all([
      this.runBatches(
        toBatch,
        hooks,
        (s) => {
          batchSteps = s;
          report();
        },
        signal,
      ),
      this.runSingles(
        single,
        hooks,
        (s) => {
          singleSteps = s;
          report();
        },
        signal,
      ),
    ]);
    if (signal?.aborted) {
      const { AbortError } = await import('../errors.js');
      throw new AbortError('sweep interrupted');
    }
  }

  // simulateMany() over chunks of batchSize runs, one chunk after another.
  private async runBatches(specs: RunSpec[], hooks: ExecutorHooks, onSteps: (s: number) => void, signal?: AbortSignal): Promise<void> {
    let finished = 0;
    for (let i = 0; i < specs.length && !signal?.aborted; i += this.batchSize) {
      const chunk: RunSpec[] = [];
      for (const s of specs.slice(i, i + this.batchSize)) if (!hooks.claim || (await hooks.claim(s))) chunk.push(s);
      if (!chunk.length) continue;
      const t0 = performance.now();
      let results: Awaited<ReturnType<typeof simulateMany>> | undefined;
      let error: Error | undefined;
      try {
        results = await simulateMany(
          chunk.map((s) => s.config),
          { signal, onProgress: (p) => onSteps(finished + p.stepsDone) },
        );
      } catch (e) {
        if (signal?.aborted) return;
        error = e as Error;
      }
      const wallMs = performance.now() - t0;
      if (error && chunk.length > 1) {
        // One bad run must not sink the others: retry the chunk's runs one by one.
        await this.runSingles(chunk, hooks, (s) => onSteps(finished + s), signal, 1);
      } else {
        for (let k = 0; k < chunk.length; k++) {
          const r = results?.[k];
          await hooks.onDone(r ? { spec: chunk[k]!, result: r.runs[0]!, backend: r.backend, wallMs } : { spec: chunk[k]!, wallMs, error });
        }
      }
      finished += chunk.reduce((a, s) => a + s.config.train.steps, 0);
      onSteps(finished);
    }
  }

  // One simulate() per run, `concurrency` at a time, each on one thread.
  private async runSingles(
    specs: RunSpec[],
    hooks: ExecutorHooks,
    onSteps: (s: number) => void,
    signal?: AbortSignal,
    concurrency = this.concurrency,
  ): Promise<void> {
    let next = 0;
    let finishedSteps = 0;
    const inflight = new Map<number, number>();
    const report = () => {
      let s = finishedSteps;
      for (const v of inflight.values()) s += v;
      onSteps(s);
    };
    const worker = async () => {
      while (next < specs.length) {
        if (signal?.aborted) return;
        const i = next++;
        const spec = specs[i]!;
        if (hooks.claim && !(await hooks.claim(spec))) continue;
        if (signal?.aborted) return;
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
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  }
}
