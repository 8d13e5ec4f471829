// The --queue option of `sweep` and `worker`: `--queue URL`, `--queue=URL`, or a bare `--queue`
// that takes the URL from LORADYN_REDIS_URL (so that a password stays out of the command line).
// A URL always holds "://", so a bare --queue followed by a file name is not ambiguous.
import { UsageError } from './args.js';
import { hideUrlInArgv, QueueError, queueTarget, queueUrl, REDIS_URL_ENV, type QueueTarget } from '../queue/target.js';

export interface QueueOption {
  /** Whether --queue was given at all. */
  given: boolean;
  /** The URL given with it, if any. */
  url?: string;
}

/** Removes --queue [URL] from argv; returns the remaining arguments and what --queue said. */
export function takeQueueOption(argv: string[]): { rest: string[]; queue: QueueOption } {
  const rest: string[] = [];
  const queue: QueueOption = { given: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--queue') {
      queue.given = true;
      const next = argv[i + 1];
      if (next !== undefined && next.includes('://')) (queue.url = next), i++;
    } else if (a.startsWith('--queue=')) {
      queue.given = true;
      queue.url = a.slice('--queue='.length);
    } else rest.push(a);
  }
  return { rest, queue };
}

/**
 * The queue to use, from --queue or LORADYN_REDIS_URL. A password given on the command line is
 * masked in the process's argv and title, with a warning that says how to avoid it.
 */
export function resolveQueue(q: QueueOption, name: string | undefined, command: string): QueueTarget {
  try {
    const url = queueUrl(q.url);
    if (q.url !== undefined && hideUrlInArgv(q.url))
      process.stderr.write(`loradyn ${command}: warning: a password on the command line can be seen by other users of this machine until loradyn starts and hides it; give the URL in ${REDIS_URL_ENV} instead\n`);
    return queueTarget(url, name);
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
}
