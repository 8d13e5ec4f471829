// A queue worker: takes run jobs from the queue, computes them with simulate() (one native thread
// per run, like the local executor) and returns the run's JSON. A config this loradyn refuses
// fails the job at once (UnrecoverableError: reported once, never retried); a worker that is
// stopped puts its unfinished jobs back in the queue; a worker that dies loses its locks and BullMQ's
// stalled-job check hands its jobs to another worker.
import os from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { parseConfig, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { runToJson } from '../result_json.js';
import { simulate } from '../simulate.js';
import { version } from '../version.js';
import { runHash } from '../experiments/sweep.js';
import { bullConnection, checkQueue, type QueueTarget } from './connection.js';
import { QUEUE_PREFIX, type RunJobData, type RunJobProgress, type RunJobResult } from './protocol.js';

export interface WorkerOptions {
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

export interface QueueWorker {
  readonly name: string;
  /** Stops taking jobs, cancels the running ones and puts them back in the queue, disconnects. */
  close(): Promise<void>;
}

/** How often a running job publishes its step count. */
const PROGRESS_MS = 1000;

export async function startWorker(target: QueueTarget, o: WorkerOptions = {}): Promise<QueueWorker> {
  await checkQueue(target);
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  const log = o.log ?? (() => {});
  const threads = o.threads ?? os.availableParallelism();
  const lockMs = o.lockMs ?? 30_000;
  let closing = false;
  const stop = new AbortController();

  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string, signal?: AbortSignal): Promise<RunJobResult> => {
    const { hash } = job.data;
    let config: Config;
    try {
      config = parseConfig(job.data.config, 1);
    } catch (e) {
      throw new UnrecoverableError(`config refused by worker ${name}: ${(e as Error).message}`);
    }
    // A different hash means the coordinator and this worker fill configs in differently (other
    // versions): its result could not be the one the coordinator asked for.
    if (runHash(config) !== hash)
      throw new UnrecoverableError(`worker ${name} (loradyn ${version}) computes another hash for run ${hash}; run the same loradyn version on every machine`);
    if (o.backend) config = { ...config, backend: o.backend };
    log(`start ${hash}`);
    const ac = new AbortController();
    const abort = () => ac.abort();
    signal?.addEventListener('abort', abort, { once: true });
    stop.signal.addEventListener('abort', abort, { once: true });
    let lastProgress = 0;
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
      if (stop.signal.aborted && token) {
        // Stopped on purpose: hand the job back without spending one of its attempts.
        await job.moveToWait(token);
        log(`requeued ${hash}`);
        throw new WaitingError();
      }
      if (e instanceof ConfigError) throw new UnrecoverableError(e.message);
      throw e;
    } finally {
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
    if (job && !(err instanceof WaitingError)) {
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
    async close() {
      if (closing) return;
      closing = true;
      stop.abort();
      await worker.close();
    },
  };
}
