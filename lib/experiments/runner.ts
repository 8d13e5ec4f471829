// Runs an expanded sweep against a result store: skips what is stored, executes the rest through
// an Executor, stores each run as soon as it finishes. Several sweeps may share one store: each run
// is claimed before it is computed, so concurrent sweeps split the work; runs another process holds
// are waited for, and computed here only if that process gives them up (fails, stops or dies).
import type { Progress } from '../types.js';
import type { Claim } from './claims.js';
import { LocalExecutor, type Executor, type RunOutcome } from './executor.js';
import type { ResultStore } from './store.js';
import { expandSweep, type ExpandedSweep, type RunSpec } from './sweep.js';

/** Options of runSweep(). */
export interface SweepRunOptions {
  executor?: Executor;
  signal?: AbortSignal;
  /** Progress over the runs to compute: steps and runs done, elapsed time and time to go. */
  onProgress?: (p: Progress & { runsDone: number; runsTotal: number }) => void;
  /** How often runs held by other processes are checked on (ms, default 500). */
  peerPollMs?: number;
  /** Called once per finished run (stored or failed), for progress renderers and event logs. */
  onRun?: (r: { spec: RunSpec; ok: boolean; error?: string; wallMs: number; backend?: string }) => void;
}

/** What a sweep did: runs in total, taken from the store, computed here or by other processes, quarantined and failed. */
export interface SweepReport {
  total: number;
  /** Verified runs in the store when the sweep started. */
  cached: number;
  /** Runs this process computed and stored. */
  computed: number;
  /** Runs another process sharing the store computed while this sweep ran. */
  byPeers: number;
  /** Bad files met while reading the store (moved to quarantine/ and computed again). */
  quarantined: number;
  failed: { hash: string; coords: Record<string, unknown>; seed: number; error: string }[];
  wallMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs every run of a sweep not yet in the store and stores it, with progress; resumable, and safe with several processes on one store (claims). Failed runs are reported, not thrown. */
export async function runSweep(sweep: ExpandedSweep | unknown, store: ResultStore, o: SweepRunOptions = {}): Promise<SweepReport> {
  const ex: ExpandedSweep = isExpanded(sweep) ? sweep : expandSweep(sweep);
  const t0 = performance.now();
  const quarantinedBefore = store.quarantined.length;
  // Duplicate grid points (same filled-in config) share a hash: run them once.
  const seen = new Set<string>();
  const unique: RunSpec[] = [];
  for (const r of ex.runs) {
    if (seen.has(r.hash)) continue;
    seen.add(r.hash);
    unique.push(r);
  }
  store.sweepTemporaries();
  const pending = unique.filter((r) => !store.has(r.hash));
  const report: SweepReport = { total: unique.length, cached: unique.length - pending.length, computed: 0, byPeers: 0, quarantined: 0, failed: [], wallMs: 0 };
  const totalSteps = pending.reduce((a, r) => a + r.config.train.steps, 0);
  let runsDone = 0;
  let settledSteps = 0; // steps of runs settled in earlier rounds, or by peers
  let roundSteps = 0;
  const emit = () => {
    if (!o.onProgress) return;
    const stepsDone = settledSteps + roundSteps;
    const elapsedMs = performance.now() - t0;
    const fraction = totalSteps > 0 ? Math.min(1, stepsDone / totalSteps) : 1;
    o.onProgress({
      stepsDone,
      totalSteps,
      fraction,
      elapsedMs,
      etaMs: fraction > 0 ? (elapsedMs * (1 - fraction)) / fraction : null,
      runsDone,
      runsTotal: pending.length,
    });
  };
  const settled = new Set<string>();
  const settleSteps = (spec: RunSpec) => {
    if (!settled.has(spec.hash)) settledSteps += spec.config.train.steps;
    settled.add(spec.hash);
  };
  const settle = (spec: RunSpec) => {
    runsDone++;
    settleSteps(spec);
  };

  const claims = new Map<string, Claim>();
  let deferred: RunSpec[] = [];
  const executor = o.executor ?? new LocalExecutor();
  const hooks = {
    claim: async (spec: RunSpec): Promise<boolean> => {
      if (claims.has(spec.hash)) return true;
      const c = await store.claims.tryClaim(spec.hash);
      if (!c) {
        deferred.push(spec);
        return false;
      }
      if (store.has(spec.hash)) {
        // Stored by another process since this sweep looked.
        await c.release();
        report.byPeers++;
        settle(spec);
        emit();
        return false;
      }
      claims.set(spec.hash, c);
      return true;
    },
    onDone: async (out: RunOutcome) => {
      const spec = out.spec;
      let error: string | undefined;
      try {
        if (out.result) {
          try {
            store.put(spec.hash, spec.config, out.result, {
              engine: spec.config.engine,
              backend: out.backend ?? '?',
              wallMs: out.wallMs,
              sweep: { name: ex.name, axes: spec.coords },
            });
            report.computed++;
          } catch (e) {
            if ((e as Error).name !== 'StoreError') throw e;
            error = (e as Error).message;
            report.failed.push({ hash: spec.hash, coords: spec.coords, seed: spec.seed, error });
          }
        } else {
          error = out.error?.message ?? 'unknown error';
          report.failed.push({ hash: spec.hash, coords: spec.coords, seed: spec.seed, error });
        }
      } finally {
        const c = claims.get(spec.hash);
        claims.delete(spec.hash);
        await c?.release();
      }
      runsDone++;
      o.onRun?.({ spec, ok: error === undefined, error, wallMs: out.wallMs, backend: out.backend });
      emit();
    },
    onSteps: (s: number) => {
      roundSteps = s;
      emit();
    },
  };

  emit(); // totals known before the first run finishes
  try {
    let round = pending;
    while (round.length) {
      deferred = [];
      roundSteps = 0;
      await executor.run(round, hooks, o.signal);
      const waiting = new Set(deferred.map((s) => s.hash));
      for (const s of round) if (!waiting.has(s.hash)) settleSteps(s);
      roundSteps = 0;
      round = await waitForPeers(deferred);
    }
  } finally {
    for (const c of claims.values()) await c.release();
  }
  report.quarantined = store.quarantined.length - quarantinedBefore;
  report.wallMs = performance.now() - t0;
  return report;

  // Waits until some of the runs other processes hold are stored (counted) or let go (returned, to
  // be computed here). Resolves to [] when all of them were stored by their holders.
  async function waitForPeers(held: RunSpec[]): Promise<RunSpec[]> {
    let left = held;
    while (left.length) {
      if (o.signal?.aborted) {
        const { AbortError } = await import('../errors.js');
        throw new AbortError('sweep interrupted');
      }
      const free: RunSpec[] = [];
      const still: RunSpec[] = [];
      for (const s of left) {
        if (store.has(s.hash)) {
          report.byPeers++;
          settle(s);
        } else if (await store.claims.isClaimed(s.hash)) still.push(s);
        else free.push(s);
      }
      emit();
      if (free.length) return [...free, ...still];
      left = still;
      if (left.length) await sleep(o.peerPollMs ?? 500);
    }
    return [];
  }
}

function isExpanded(x: unknown): x is ExpandedSweep {
  return typeof x === 'object' && x !== null && Array.isArray((x as ExpandedSweep).runs) && Array.isArray((x as ExpandedSweep).points);
}
