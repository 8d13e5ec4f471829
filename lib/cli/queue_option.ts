// The queue of `sweep --queue [URL]` and `worker [--queue URL]`: the URL given, or LORADYN_REDIS_URL
// (which keeps a password out of the command line).
import { UsageError } from './args.js';
import { hideUrlInArgv, QueueError, queueTarget, queueUrl, REDIS_URL_ENV, type QueueTarget } from '../queue/target.js';

/**
 * The queue to use, from `url` (--queue) or LORADYN_REDIS_URL. A password given on the command line
 * is masked in the process's argv and title, with a warning that says how to avoid it.
 */
export function resolveQueue(url: string | undefined, name: string | undefined, command: string): QueueTarget {
  try {
    const u = queueUrl(url);
    if (url !== undefined && hideUrlInArgv(url))
      process.stderr.write(
        `loradyn ${command}: warning: a password on the command line can be seen by other users of this machine until loradyn starts and hides it; give the URL in ${REDIS_URL_ENV} instead\n`,
      );
    return queueTarget(u, name);
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
}
