// Naming a queue: check the --queue URL and the queue name, and errors about them. No Redis client
// is loaded here, so commands can validate their arguments without loading ioredis or BullMQ.
import { DEFAULT_QUEUE_NAME } from './protocol.js';

/** The queue is unreachable, not Redis, or speaks another schema version. */
export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

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
    throw new QueueError(`--queue must be a URL like redis://HOST:PORT (got ${JSON.stringify(url)})`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new QueueError(`--queue must use redis:// or rediss:// (got ${JSON.stringify(u.protocol)})`);
  if (!u.hostname) throw new QueueError(`--queue has no host (got ${JSON.stringify(url)})`);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new QueueError(`--queue-name must be 1-100 letters, digits, "_", "." or "-" (got ${JSON.stringify(name)})`);
  return { url, name };
}

/** Where the shown URL hides a password. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
