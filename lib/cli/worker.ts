// loradyn worker: computes sweep runs from a queue until stopped (Ctrl-C / SIGTERM put the runs it
// is computing back in the queue). Every job is checked against this worker's limits first.
import { intOption, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { displayUrl, QueueError } from '../queue/target.js';
import { DEFAULT_MAX_SECONDS, DEFAULT_MAX_WORK } from '../queue/bounds.js';
import { resolveQueue, takeQueueOption } from './queue_option.js';

const BACKENDS = ['cpu', 'cuda', 'auto'] as const;

/** A positive number option; 1e13 and 1_000 style are fine. */
function numberOption(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min} (got "${v}")`);
  return n;
}

/** A size in bytes: 4G, 512M, 1.5GiB, 100000 (binary units). */
export function sizeOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(v.trim());
  if (!m || Number(m[1]) <= 0) throw new UsageError(`--${name} must be a size such as 4G, 512M or a number of bytes (got "${v}")`);
  return Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
}

const sci = (x: number) => (x >= 1e6 ? x.toExponential(1).replace('e+', 'e') : String(x));

export const workerCommand: Command = {
  name: 'worker',
  summary: 'compute runs of sweeps queued with `loradyn sweep --queue` (BullMQ on Redis), until stopped',
  usage:
    `loradyn worker [--queue redis[s]://[:PASSWORD@]HOST:PORT] [--queue-name NAME] [--threads N] [--backend cpu|cuda|auto] [--lock-ms MS] ` +
    `[--max-work N (default ${sci(DEFAULT_MAX_WORK)})] [--max-seconds S (default ${DEFAULT_MAX_SECONDS}, 0: none)] [--max-memory SIZE] [--quiet]\n` +
    `The queue's URL comes from --queue or from LORADYN_REDIS_URL (preferred when it holds a password).`,
  async run(argv) {
    const { rest, queue } = takeQueueOption(argv);
    const a = parseArgs(rest, { values: ['queue-name', 'threads', 'backend', 'lock-ms', 'max-work', 'max-seconds', 'max-memory'], booleans: ['quiet'] });
    if (a.positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(a.positional[0])}`);
    const backend = a.values.backend;
    if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend must be one of cpu, cuda, auto (got "${backend}")`);
    const threads = intOption(a.values.threads, 'threads');
    const lockMs = intOption(a.values['lock-ms'], 'lock-ms', 200);
    const maxWork = numberOption(a.values['max-work'], 'max-work', 1);
    const seconds = numberOption(a.values['max-seconds'], 'max-seconds', 0);
    const maxSeconds = seconds === 0 ? Infinity : seconds;
    const maxBytes = sizeOption(a.values['max-memory'], 'max-memory');
    const quiet = a.flags.has('quiet');
    const target = resolveQueue(queue, a.values['queue-name'], 'worker');
    const log = (line: string) => {
      if (!quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    };
    // BullMQ and ioredis are loaded only by the commands that use them.
    const { startWorker } = await import('../queue/worker.js');
    let worker;
    try {
      worker = await startWorker(target, { threads, backend: backend as (typeof BACKENDS)[number] | undefined, lockMs, log, maxWork, maxSeconds, maxBytes });
    } catch (e) {
      if (e instanceof QueueError) {
        process.stderr.write(`loradyn worker: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    const l = worker.limits;
    log(
      `worker ${worker.name} ready on queue "${target.name}" at ${displayUrl(target.url)}; refuses jobs over ${sci(l.maxWork)} work or ${(l.maxBytes / 2 ** 30).toFixed(1)} GiB, stops them after ${Number.isFinite(l.maxSeconds) ? `${l.maxSeconds} s` : 'no time limit'}`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        log(`stopping: unfinished runs go back to the queue`);
        worker.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    log('stopped');
    return 0;
  },
};
