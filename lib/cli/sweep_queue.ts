// `loradyn sweep --queue URL`: builds the queue executor for the sweep command, prints cluster
// progress on stderr, and turns queue errors (unreachable, other schema) into clear CLI errors.
import type { Executor } from '../experiments/executor.js';
import { QueueError, type QueueTarget } from '../queue/target.js';
import { UsageError } from './args.js';
import { importOptional, MissingPackageError } from '../optional.js';

/** Loads a queue module; a missing bullmq or ioredis is a usage error that says how to install it. */
export async function importQueue<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await importOptional('queue', load);
  } catch (e) {
    if (e instanceof MissingPackageError) throw new UsageError(e.message);
    throw e;
  }
}

/** Least time between two status lines. */
const STATUS_MS = 5000;

export function queueExecutor(target: QueueTarget, quiet: boolean): Executor {
  return {
    name: 'queue',
    async run(specs, hooks, signal) {
      // BullMQ and ioredis are loaded only when a sweep really uses the queue.
      const { formatStatus, QueueExecutor } = await importQueue(() => import('../queue/executor.js'));
      let last = 0;
      const inner = new QueueExecutor(target, {
        onStatus: (s) => {
          const now = Date.now();
          if (quiet || (now - last < STATUS_MS && s.done + s.failed < s.total)) return;
          last = now;
          process.stderr.write(`queue: ${formatStatus(s)}\n`);
        },
        // Rejected results are always said, --quiet or not: they are about the truth of the results.
        onWarning: (m) => process.stderr.write(`queue: ${m}\n`),
      });
      try {
        await inner.run(specs, hooks, signal);
      } catch (e) {
        if (e instanceof QueueError) throw new UsageError(e.message);
        throw e;
      }
    },
  };
}
