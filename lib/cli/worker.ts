// loradyn worker: computes sweep runs from a queue until stopped (Ctrl-C / SIGTERM put the runs it
// is computing back in the queue).
import { intOption, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { queueTarget, QueueError, displayUrl } from '../queue/target.js';

const BACKENDS = ['cpu', 'cuda', 'auto'] as const;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'compute runs of sweeps queued with `loradyn sweep --queue` (BullMQ on Redis), until stopped',
  usage: 'loradyn worker --queue redis://HOST:PORT [--queue-name NAME] [--threads N] [--backend cpu|cuda|auto] [--lock-ms MS] [--quiet]',
  async run(argv) {
    const a = parseArgs(argv, { values: ['queue', 'queue-name', 'threads', 'backend', 'lock-ms'], booleans: ['quiet'] });
    if (a.positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(a.positional[0])}`);
    if (!a.values.queue) throw new UsageError('--queue redis://HOST:PORT is required');
    const backend = a.values.backend;
    if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend must be one of cpu, cuda, auto (got "${backend}")`);
    const threads = intOption(a.values.threads, 'threads');
    const lockMs = intOption(a.values['lock-ms'], 'lock-ms', 200);
    const quiet = a.flags.has('quiet');
    let target;
    try {
      target = queueTarget(a.values.queue, a.values['queue-name']);
    } catch (e) {
      if (e instanceof QueueError) throw new UsageError(e.message);
      throw e;
    }
    const log = (line: string) => {
      if (!quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    };
    // BullMQ and ioredis are loaded only by the commands that use them.
    const { startWorker } = await import('../queue/worker.js');
    let worker;
    try {
      worker = await startWorker(target, { threads, backend: backend as (typeof BACKENDS)[number] | undefined, lockMs, log });
    } catch (e) {
      if (e instanceof QueueError) {
        process.stderr.write(`loradyn worker: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    log(`worker ${worker.name} ready on queue "${target.name}" at ${displayUrl(target.url)}`);
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
