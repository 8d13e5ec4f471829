// The queue executor: the coordinator side of a sweep on several machines. It enqueues one BullMQ
// job per pending run (jobId = the run's hash, so a run is never enqueued twice, even by a restarted
// coordinator), then polls the queue and hands each finished run to the sweep runner, which stores
// it exactly as it stores a local run. Collected jobs are removed from Redis: from then on the
// result lives in the store on disk, whatever happens to Redis.
//
// Returned results are untrusted (trust.ts): a result that fails the checks of a stored run is
// rejected, counted and logged, and its job is computed again, up to maxRejections results, after
// which the run is reported failed and its job removed. Nothing a job holds can stop the coordinator.
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortError } from '../errors.js';
import type { Executor, ExecutorHooks } from '../experiments/executor.js';
import type { RunSpec } from '../experiments/sweep.js';
import type { Config } from '../config.js';
import { jobBound } from './bounds.js';
import { bullConnection, checkQueue, displayUrl, type QueueTarget } from './connection.js';
import { QUEUE_PREFIX, type RunJobData, type RunJobProgress, type RunJobResult } from './protocol.js';
import { checkJobResult, printable } from './trust.js';

/** The state of this sweep's runs across the cluster. */
export interface ClusterStatus {
  total: number;
  done: number;
  running: number;
  queued: number;
  failed: number;
  /** Results returned through the queue that failed the checks of a stored run. */
  rejected: number;
  /** Per worker name: runs of this sweep it is running now and has finished. */
  workers: Record<string, { running: number; done: number }>;
  /** Workers connected to the queue (all sweeps). */
  connectedWorkers: number;
}

/** Options of the QueueExecutor. */
export interface QueueExecutorOptions {
  /** How often the queue is polled (ms, default 1000). */
  pollMs?: number;
  /** Attempts per job for failures that may be transient (default 3); a refused config fails at once. */
  attempts?: number;
  /** Called after every poll. */
  onStatus?: (s: ClusterStatus) => void;
  /** Called (at most every 10 s) while Redis cannot be reached, and once per rejected result. */
  onWarning?: (message: string) => void;
  /** Rejected results of one run before it is reported failed (default 3). */
  maxRejections?: number;
}

type RunJob = Job<RunJobData, RunJobResult>;
const WAITING_STATES = ['waiting', 'delayed', 'prioritized', 'waiting-children'] as const;
const CHUNK = 500;

/** Most characters a genuine result of `c` can take in Redis (its recorded arrays, with room to spare). */
export function maxResultChars(c: Config): number {
  const { d, rank, hidden } = c.model;
  const points = c.record.points + c.record.thresholds.length + 8;
  const numbers = points * (2 * rank * hidden + 2 * hidden * hidden + 4) + (c.record.final ? hidden * rank + rank * d + 2 * hidden * d : 0);
  return 65_536 + 32 * numbers;
}

/** How a job's collection ended. */
type Collected = 'stored' | 'claimed-elsewhere' | 'retried' | 'failed' | 'gone';

/** An executor that puts runs on a BullMQ queue and stores what the workers return, after checking each result. */
export class QueueExecutor implements Executor {
  readonly name = 'queue';
  constructor(
    readonly target: QueueTarget,
    readonly options: QueueExecutorOptions = {},
  ) {}

  async run(specs: RunSpec[], hooks: ExecutorHooks, signal?: AbortSignal): Promise<void> {
    await checkQueue(this.target);
    const queue = new Queue<RunJobData, RunJobResult>(this.target.name, { connection: bullConnection(this.target), prefix: QUEUE_PREFIX });
    // ioredis reconnects by itself and commands wait for it; say so, without flooding the log.
    let warned = 0;
    queue.on('error', (e: NodeJS.ErrnoException) => {
      if (Date.now() - warned < 10_000) return;
      warned = Date.now();
      this.options.onWarning?.(`lost the connection to ${displayUrl(this.target.url)} (${e.code ?? e.message}); retrying`);
    });
    try {
      await this.collect(queue, specs, hooks, signal);
    } finally {
      await queue.close().catch(() => {});
    }
  }

  private jobOptions(hash: string) {
    return { jobId: hash, attempts: this.options.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false };
  }

  private async enqueue(queue: Queue<RunJobData, RunJobResult>, specs: RunSpec[]): Promise<void> {
    for (let i = 0; i < specs.length; i += CHUNK)
      await queue.addBulk(
        specs
          .slice(i, i + CHUNK)
          .map((s) => ({ name: 'run', data: { hash: s.hash, config: s.config, bound: jobBound(s.config) }, opts: this.jobOptions(s.hash) })),
      );
  }

  private async collect(queue: Queue<RunJobData, RunJobResult>, specs: RunSpec[], hooks: ExecutorHooks, signal?: AbortSignal): Promise<void> {
    const pending = new Map(specs.map((s) => [s.hash, s]));
    const until = <T>(p: Promise<T>) => abortable(p, signal);
    // Runs that failed in an earlier sweep invocation get one new set of attempts, as the local
    // runner recomputes runs that failed before; within one invocation a failure is final.
    const failedBefore = (await until(queue.getRanges(['failed'], 0, -1))).filter((id) => pending.has(id));
    for (const id of failedBefore)
      await until((queue.getJob(id) as Promise<RunJob | undefined>).then((j) => j?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })));
    // Jobs that already exist (waiting, running or finished) are left as they are by addBulk.
    await until(this.enqueue(queue, specs));

    const total = specs.length;
    let done = 0;
    let failed = 0;
    const doneBy: Record<string, number> = {};
    const counts = { rejected: 0, doneBy };
    let finishedSteps = 0;
    const pollMs = this.options.pollMs ?? 1000;
    let lastStatus = '';
    let connectedWorkers = 0;
    while (pending.size > 0) {
      if (signal?.aborted) throw new AbortError('sweep interrupted (its jobs stay in the queue; run the same command again to collect them)');
      const ids = async (types: Parameters<typeof queue.getRanges>[0]) => new Set((await until(queue.getRanges(types, 0, -1))).filter((id) => pending.has(id)));
      const completed = await ids(['completed']);
      for (const id of completed) {
        const spec = pending.get(id)!;
        const how = await until(this.collectOne(queue, id, spec, hooks, counts));
        if (how === 'gone') continue; // removed meanwhile: stored by a peer, or re-added below
        if (how === 'retried') continue;
        pending.delete(id);
        if (how === 'stored') {
          done++;
          finishedSteps += spec.config.train.steps;
        } else if (how === 'failed') {
          failed++;
          finishedSteps += spec.config.train.steps;
        }
      }
      for (const id of await ids(['failed'])) {
        const job = (await until(queue.getJob(id).catch(() => undefined))) as RunJob | undefined;
        const spec = pending.get(id)!;
        pending.delete(id);
        await hooks.onDone({ spec, wallMs: 0, error: new Error(printable(job?.failedReason || 'failed in the queue', 400)) });
        finishedSteps += spec.config.train.steps;
        failed++;
      }
      if (pending.size === 0) break;
      const active = await ids(['active']);
      const waiting = await ids([...WAITING_STATES]);
      // A pending run in no state at all was lost (e.g. Redis restarted without persistence): enqueue it again.
      const lost = [...pending.keys()].filter((id) => !active.has(id) && !waiting.has(id) && !completed.has(id));
      if (lost.length) {
        const again: RunSpec[] = [];
        for (const id of lost) {
          if ((await until(queue.getJobState(id))) !== 'unknown') continue;
          const spec = pending.get(id)!;
          // Its job may be gone because another coordinator sharing the store collected it.
          if (hooks.claim && !(await until(hooks.claim(spec)))) {
            pending.delete(id);
            continue;
          }
          again.push(spec);
        }
        if (again.length) await until(this.enqueue(queue, again));
      }
      const workers: ClusterStatus['workers'] = {};
      for (const [w, n] of Object.entries(doneBy)) workers[w] = { running: 0, done: n };
      let inflightSteps = 0;
      for (const id of active) {
        const job = (await until(queue.getJob(id).catch(() => undefined))) as RunJob | undefined;
        const p = job?.progress as Partial<RunJobProgress> | undefined;
        const w = printable(typeof p === 'object' && p && typeof p.worker === 'string' ? p.worker : (job?.processedBy ?? '?'));
        workers[w] ??= { running: 0, done: 0 };
        workers[w].running++;
        if (typeof p === 'object' && p && typeof p.stepsDone === 'number') inflightSteps += p.stepsDone;
      }
      hooks.onSteps?.(finishedSteps + inflightSteps);
      if (this.options.onStatus) {
        connectedWorkers = await until(queue.getWorkersCount().catch(() => connectedWorkers));
        const s: ClusterStatus = { total, done, running: active.size, queued: waiting.size, failed, rejected: counts.rejected, workers, connectedWorkers };
        const key = JSON.stringify(s);
        if (key !== lastStatus) this.options.onStatus(s);
        lastStatus = key;
      }
      await until(sleep(pollMs));
    }
    hooks.onSteps?.(finishedSteps);
    this.options.onStatus?.({
      total,
      done,
      running: 0,
      queued: 0,
      failed,
      rejected: counts.rejected,
      workers: Object.fromEntries(Object.entries(doneBy).map(([w, n]) => [w, { running: 0, done: n }])),
      connectedWorkers,
    });
  }

  /**
   * Collects one completed job: checks its result, stores it (through the runner's claim and
   * onDone) and removes the job; or rejects it, counts and logs why, and sends the job back to the
   * workers, or after maxRejections reports the run failed and removes the job. Errors of the
   * store (a full disk) propagate: the job stays in Redis for the next coordinator.
   */
  private async collectOne(
    queue: Queue<RunJobData, RunJobResult>,
    id: string,
    spec: RunSpec,
    hooks: ExecutorHooks,
    counts: { rejected: number; doneBy: Record<string, number> },
  ): Promise<Collected> {
    const max = Math.max(1, this.options.maxRejections ?? 3);
    let job: RunJob | undefined;
    let verdict: ReturnType<typeof checkJobResult>;
    try {
      // Measured before it is read: a result far larger than the run can be is not parsed at all.
      const client = (await queue.backend.client) as unknown as Redis;
      const size = await client.hstrlen(queue.toKey(id), 'returnvalue');
      job = (await queue.getJob(id)) as RunJob | undefined;
      if (!job) return 'gone';
      const limit = maxResultChars(spec.config);
      verdict =
        size > limit
          ? { ok: false, reason: `the result takes ${size} characters, more than a run of this config can (${limit})` }
          : checkJobResult(job.returnvalue, spec);
    } catch (e) {
      verdict = { ok: false, reason: `the job cannot be read (${(e as Error).message})` };
    }
    if (verdict.ok) {
      if (hooks.claim && !(await hooks.claim(spec))) return 'claimed-elsewhere';
      await hooks.onDone({ spec, result: verdict.value.result, backend: verdict.value.backend, wallMs: verdict.value.wallMs });
      counts.doneBy[verdict.value.worker] = (counts.doneBy[verdict.value.worker] ?? 0) + 1;
      await job!.remove().catch(() => {});
      return 'stored';
    }
    counts.rejected++;
    const rv = job?.returnvalue as { worker?: unknown } | undefined;
    const from = printable(typeof rv === 'object' && rv !== null && 'worker' in rv ? rv.worker : (job?.processedBy ?? 'an unknown worker'));
    const before = typeof job?.data?.rejected === 'number' && Number.isInteger(job.data.rejected) && job.data.rejected >= 0 ? job.data.rejected : 0;
    const n = before + 1;
    const reason = printable(verdict.reason, 400);
    if (n < max && job) {
      this.options.onWarning?.(`rejected the result of run ${id} from worker ${from} (${n} of ${max}): ${reason}; the run goes back to the workers`);
      try {
        await job.updateData({ ...job.data, rejected: n });
        await job.retry('completed');
        return 'retried';
      } catch {
        // The job changed under us (removed, retried by another coordinator): look again next poll.
        return 'gone';
      }
    }
    this.options.onWarning?.(`rejected the result of run ${id} from worker ${from} (${n} of ${max}): ${reason}; the run has failed`);
    // Removed before it is reported: a coordinator that stops in between finds no job and enqueues the run afresh.
    await (job ? job.remove() : queue.remove(id)).catch(() => {});
    await hooks.onDone({ spec, wallMs: 0, error: new Error(`${max} result(s) returned through the queue were rejected; the last: ${reason}`) });
    return 'failed';
  }

  toString(): string {
    return `queue "${this.target.name}" at ${displayUrl(this.target.url)}`;
  }
}

/** One line for logs: "12/40 done, 3 running, 25 queued, 0 failed; host:1 2 running 5 done, ...". */
export function formatStatus(s: ClusterStatus): string {
  const per = Object.entries(s.workers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([w, v]) => `${w} ${v.running} running ${v.done} done`)
    .join(', ');
  return `${s.done}/${s.total} done, ${s.running} running, ${s.queued} queued, ${s.failed} failed${s.rejected ? `, ${s.rejected} result(s) rejected` : ''}; ${s.connectedWorkers} worker(s) connected${per ? '; ' + per : ''}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves or rejects with p, or rejects with AbortError as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new AbortError('sweep interrupted (its jobs stay in the queue; run the same command again to collect them)'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError('sweep interrupted (its jobs stay in the queue; run the same command again to collect them)'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
