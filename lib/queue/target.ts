// Naming a queue: the URL (from --queue or LORADYN_REDIS_URL) and the queue name, errors about them,
// and keeping a password out of sight. No Redis client is loaded here, so commands can validate
// their arguments without loading ioredis or BullMQ.
import { DEFAULT_QUEUE_NAME } from './protocol.js';

/** The environment variable that gives the queue's URL when --queue does not. */
export const REDIS_URL_ENV = 'LORADYN_REDIS_URL';

/** The queue is unreachable, not Redis, or speaks another schema version. */
export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

/** Where a queue is: the Redis URL and the queue name. */
export interface QueueTarget {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** BullMQ queue name under the loradyn prefix (default "runs"). */
  name: string;
}

/** Checks a --queue URL and a queue name; throws QueueError naming what is wrong. */
export function queueTarget(url: string, name = DEFAULT_QUEUE_NAME): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`--queue must be a URL like redis://HOST:PORT (got ${JSON.stringify(maskSecrets(url))})`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError(`--queue must use redis:// or rediss:// (got ${JSON.stringify(u.protocol)})`);
  if (!u.hostname) throw new QueueError(`--queue has no host (got ${JSON.stringify(displayUrl(url))})`);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new QueueError(`--queue-name must be 1-100 letters, digits, "_", "." or "-" (got ${JSON.stringify(name)})`);
  return { url, name };
}

/** The URL as loradyn shows it: the password, if any, replaced by ***. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return maskSecrets(url);
  }
}

/** Masks what looks like the password part of a URL ("scheme://user:SECRET@host") in any text. */
export function maskSecrets(text: string): string {
  return text.replace(/(\/\/[^\s/:@]*:)[^\s/@]*@/g, '$1***@');
}

/** The queue URL: `flag` when given, else $LORADYN_REDIS_URL; QueueError when neither is set. */
export function queueUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const v = env[REDIS_URL_ENV];
  if (v) return v;
  throw new QueueError(`no queue given: pass --queue redis://HOST:PORT, or set ${REDIS_URL_ENV} (which keeps a password out of the command line)`);
}

/**
 * A password typed on the command line is visible to every user of the machine (ps, /proc). Masks
 * it in process.argv and in the process title (on Linux the title overwrites the memory that ps
 * reads the command line from). Returns whether there was a password to hide.
 */
export function hideUrlInArgv(url: string): boolean {
  let hasPassword = false;
  try {
    hasPassword = new URL(url).password !== '';
  } catch {
    hasPassword = maskSecrets(url) !== url;
  }
  if (!hasPassword) return false;
  const shown = displayUrl(url);
  process.argv = process.argv.map((a) => (a.includes(url) ? a.split(url).join(shown) : a));
  try {
    process.title = ['loradyn', ...process.argv.slice(2)].join(' ');
  } catch {
    // Some platforms cannot set the title; process.argv is masked all the same.
  }
  return true;
}
