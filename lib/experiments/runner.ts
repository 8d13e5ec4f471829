// Runs an expanded sweep against a result store: skips what is stored, executes the rest through
// an Executor, stores each run as soon as it finishes.
import type { Progress } from '../types.js';
import { LocalExecutor, type Executor } from './executor.js';
import { ResultStore } from './store.js';
import { expandSweep, type ExpandedSweep, type RunSpec } from './sweep.js';

export interface SweepRunOptions {
  executor?: Executor;
  signal?: AbortSignal;
  onProgress?: (p: Progress & { runsDone: number; runsTotal: number }) => void;
  /** Called once per finished run (stored or failed), for progress renderers and event logs. */
  onRun?: (r: { spec: RunSpec; ok: boolean; error?: string; wallMs: number; backend?: string }) => void;
}

export interface SweepReport {
  total: number;
  cached: number;
  computed: number;
  failed: { hash: string; coords: Record<string, unknown>; seed: number; error: string }[];
  wallMs: number;
}

export async function runSweep(sweep: ExpandedSweep | unknown, store: ResultStore, o: SweepRunOptions = {}): Promise<SweepReport> {
  const ex: ExpandedSweep = isExpanded(sweep) ? sweep : expandSweep(sweep);
  const t0 = performance.now();
  // Duplicate grid points (same filled-in config) share a hash: run them once.
  const seen = new Set<string>();
  const unique: RunSpec[] = [];
  for (const r of ex.runs) if (!seen.has(r.hash)) (seen.add(r.hash), unique.push(r));
  store.sweepTemporaries();
  const pending = unique.filter((r) => !store.has(r.hash));
  const report: SweepReport = { total: unique.length, cached: unique.length - pending.length, computed: 0, failed: [], wallMs: 0 };
  const totalSteps = pending.reduce((a, r) => a + r.config.train.steps, 0);
  let runsDone = 0;
  let lastSteps = 0;
  const emit = (stepsDone: number) => {
    if (!o.onProgress) return;
    lastSteps = stepsDone;
    const elapsedMs = performance.now() - t0;
    const fraction = totalSteps > 0 ? Math.min(1, stepsDone / totalSteps) : 1;
    o.onProgress({ stepsDone, totalSteps, fraction, elapsedMs, etaMs: fraction > 0 ? (elapsedMs * (1 - fraction)) / fraction : null, runsDone, runsTotal: pending.length });
  };
  const executor = o.executor ?? new LocalExecutor();
  emit(0); // totals known before the first run finishes
  await executor.run(
    pending,
    {
      onDone: (out) => {
        runsDone++;
        if (out.result) {
          store.put(out.spec.hash, out.spec.config, out.result, { engine: out.spec.config.engine, backend: out.backend ?? '?', wallMs: out.wallMs, sweep: { name: ex.name, axes: out.spec.coords } });
          report.computed++;
        } else {
          report.failed.push({ hash: out.spec.hash, coords: out.spec.coords, seed: out.spec.seed, error: out.error?.message ?? 'unknown error' });
        }
        o.onRun?.({ spec: out.spec, ok: Boolean(out.result), error: out.result ? undefined : (out.error?.message ?? 'unknown error'), wallMs: out.wallMs, backend: out.backend });
        emit(lastSteps);
      },
      onSteps: emit,
    },
    o.signal,
  );
  report.wallMs = performance.now() - t0;
  return report;
}

function isExpanded(x: unknown): x is ExpandedSweep {
  return typeof x === 'object' && x !== null && Array.isArray((x as ExpandedSweep).runs) && Array.isArray((x as ExpandedSweep).points);
}
