// A queue worker: takes run jobs from the queue, computes them with simulate() (one native thread
// per run, like the local executor) and returns the run's JSON. A job is checked before it runs: one
// run (one seed) whose config this loradyn accepts and hashes to the job's name, with the work bound
// it carries, within this worker's limits (--max-work, memory); a job that fails a check fails at
// once (UnrecoverableError: reported once, never retried), and one still running after
// --max-seconds is stopped and failed the same way. A worker that is stopped puts its unfinished
// jobs back in the queue; a worker that dies loses its locks and BullMQ's stalled-job check hands its
// jobs to another worker.
import os from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { parseConfig, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { runToJson } from '../result_json.js';
import { simulate } from '../simulate.js';
import { version } from '../version.js';
import { runHash } from '../experiments/sweep.js';
import { jobBound, overLimits, workerLimits, type WorkerLimits } from './bounds.js';
import { bullConnection, checkQueue, type QueueTarget } from './connection.js';
import { QUEUE_PREFIX, type RunJobData, type RunJobProgress, type RunJobResult } from './protocol.js';

/** Options of startWorker(). */
export interface WorkerOptions extends Partial<WorkerLimits> {
  /** Runs computed at once, one native thread each (default: all cores). */
  threads?: number;
  /** Overrides the backend of every job's config ("cpu", "cuda", "auto"). */
  backend?: Config['backend'];
  /** How long a job's lock lives without renewal (ms); a dead worker's job is retried after about this long. */
  lockMs?: number;
  /** Name shown in progress (default host:pid). */
  name?: string;
  /** One line per event (start, completed, failed, requeued). */
  log?: (line: string) => void;
  /** Called when a job completes or fails for good (progress renderers, event logs). */
  onJob?: (e: { id: string; ok: boolean; error?: string }) => void;
}

/** A running worker: its name, its limits, and close() to stop it (unfinished runs go back to the queue). */
export interface QueueWorker {
  readonly name: string;
  /** The limits this worker checks every job against. */
  readonly limits: WorkerLimits;
  /** Stops taking jobs, cancels the running ones and puts them back in the queue, disconnects. */
  close(): Promise<void>;
}

/** How often a running job publishes its step count. */
const PROGRESS_MS = 1000;

/** Starts a worker that computes runs from the queue at `target` until closed; checks each job against its limits first. */
export async function startWorker(target: QueueTarget, o: WorkerOptions = {}): Promise<QueueWorker> {
  await checkQueue(target);
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  const log = o.log ?? (() => {});
  const threads = o.threads ?? os.availableParallelism();
  const lockMs = o.lockMs ?? 30_000;
  const limits = workerLimits({ ...o, threads });
  let closing = false;
  const stop = new AbortController();

  /** The job's config, checked: refuses (UnrecoverableError) what this worker must not run. */
  const admit = (job: Job<RunJobData, RunJobResult>): { hash: string; config: Config } => {
    const data = job.data as Partial<RunJobData> | null;
    const refuse = (why: string) => {
      log(`refused ${job.id}: ${why}`);
      return new UnrecoverableError(`refused by worker ${name}: ${why}`);
    };
    if (typeof data !== 'object' || data === null || typeof data.hash !== 'string' || typeof data.config !== 'object')
      throw refuse('the job is not a loradyn run job ({ hash, config, bound })');
    let config: Config;
    try {
      config = parseConfig(data.config, 1);
    } catch (e) {
      throw refuse(`config refused: ${(e as Error).message}`);
    }
    // A job is one run: a config with several seeds would hold a worker for all of them.
    if (!Array.isArray(config.seeds) || config.seeds.length !== 1)
      throw refuse(`a job is one run (one seed), this one has seeds ${JSON.stringify(config.seeds).slice(0, 80)}`);
    // A different hash means the coordinator and this worker fill configs in differently (other
    // versions): its result could not be the one the coordinator asked for.
    if (runHash(config) !== data.hash)
      throw refuse(`loradyn ${version} computes another hash for run ${data.hash}; run the same loradyn version on every machine`);
    const bound = jobBound(config);
    if (!data.bound || data.bound.work !== bound.work || data.bound.bytes !== bound.bytes)
      throw refuse(`the job's work bound ${JSON.stringify(data.bound ?? null)} is not that of its config ${JSON.stringify(bound)}`);
    const over = overLimits(config, limits);
    if (over) throw refuse(over);
    return { hash: data.hash, config };
  };

  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string, signal?: AbortSignal): Promise<RunJobResult> => {
    const admitted = admit(job);
    const hash = admitted.hash;
    const config = o.backend ? { ...admitted.config, backend: o.backend } : admitted.config;
    log(`start ${hash}`);
    const ac = new AbortController();
    const abort = () => ac.abort();
    signal?.addEventListener('abort', abort, { once: true });
    stop.signal.addEventListener('abort', abort, { once: true });
    let lastProgress = 0;
    let timedOut = false;
    // (setTimeout fires at once beyond 2^31 - 1 ms, about 24.8 days: no timer there.)
    const timer =
      limits.maxSeconds * 1000 < 2 ** 31 - 1
        ? setTimeout(() => {
            timedOut = true;
            ac.abort();
          }, limits.maxSeconds * 1000)
        : undefined;
    try {
      const t0 = performance.now();
      const r = await simulate(config, {
        threads: 1,
        signal: ac.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_MS) return;
          lastProgress = now;
          job.updateProgress({ worker: name, stepsDone: p.stepsDone } satisfies RunJobProgress).catch(() => {});
        },
      });
      return { run: runToJson(r.runs[0]!), backend: r.backend, wallMs: performance.now() - t0, worker: name, version };
    } catch (e) {
      if (timedOut) {
        log(`stopped ${hash}: still running after ${limits.maxSeconds} s (--max-seconds)`);
        throw new UnrecoverableError(`stopped by worker ${name}: still running after ${limits.maxSeconds} s (--max-seconds ${limits.maxSeconds})`);
      }
      if (stop.signal.aborted && token) {
        // Stopped on purpose: hand the job back without spending one of its attempts.
        await job.moveToWait(token);
        log(`requeued ${hash}`);
        throw new WaitingError();
      }
      if (e instanceof ConfigError) throw new UnrecoverableError(e.message);
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      stop.signal.removeEventListener('abort', abort);
    }
  };

  const worker = new Worker<RunJobData, RunJobResult>(target.name, processor, {
    connection: bullConnection(target),
    prefix: QUEUE_PREFIX,
    name,
    concurrency: threads,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose workers keep dying is failed after this many stalls rather than retried forever.
    maxStalledCount: 3,
    autorun: false,
  });
  worker.on('completed', (job) => {
    log(`completed ${job.id}`);
    o.onJob?.({ id: String(job.id), ok: true });
  });
  worker.on('failed', (job, err) => {
    if (job && !(err instanceof WaitingError) && !err.message.startsWith('refused by worker')) {
      log(`failed ${job.id} (attempt ${job.attemptsMade}): ${err.message}`);
      o.onJob?.({ id: String(job.id), ok: false, error: err.message });
    }
  });
  let warned = 0;
  worker.on('error', (err: NodeJS.ErrnoException) => {
    if (closing || Date.now() - warned < 10_000) return; // ioredis keeps reconnecting; one line per 10 s
    warned = Date.now();
    log(`queue error: ${err.code ?? err.message}; retrying`);
  });
  void worker.run();
  await worker.waitUntilReady();
  return {
    name,
    limits,
    async close() {
      if (closing) return;
      closing = true;
      stop.abort();
      await worker.close();
    },
  };
}
