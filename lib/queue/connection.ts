// Connecting to the queue's Redis: parse and check the URL, fail fast with a clear message when the
// server cannot be reached, and refuse a queue written with another schema version.
import { Redis } from 'ioredis';
import { QUEUE_PREFIX, QUEUE_SCHEMA_VERSION } from './protocol.js';
import { displayUrl, QueueError, type QueueTarget } from './target.js';

export { displayUrl, QueueError, queueTarget, type QueueTarget } from './target.js';

/** BullMQ connection options: reconnect forever, keep commands queued while Redis restarts. */
export function bullConnection(t: QueueTarget) {
  return { url: t.url, maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}

export const schemaKey = (t: QueueTarget) => `${QUEUE_PREFIX}:${t.name}:loradyn-schema`;

/**
 * Connects once (no retries, `timeoutMs` at most), checks that the server answers PING, then reads
 * the queue's schema version, writing ours if the queue is new. Throws QueueError otherwise.
 */
export async function checkQueue(t: QueueTarget, timeoutMs = 5000): Promise<void> {
  const where = displayUrl(t.url);
  const client = new Redis(t.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let lastError: NodeJS.ErrnoException | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => (lastError = e)); // its code says why (ECONNREFUSED, ENOTFOUND, ...)
  try {
    try {
      await withTimeout(client.connect(), timeoutMs);
      const pong = await withTimeout(client.ping(), timeoutMs);
      if (pong !== 'PONG') throw new Error(`unexpected reply to PING: ${String(pong)}`);
    } catch (e) {
      const err = lastError ?? (e as NodeJS.ErrnoException);
      throw new QueueError(`cannot reach the queue at ${where}: ${err.code ?? err.message} (is redis-server running there and reachable from this machine?)`);
    }
    const key = schemaKey(t);
    await client.set(key, String(QUEUE_SCHEMA_VERSION), 'NX');
    const v = await client.get(key);
    if (v !== String(QUEUE_SCHEMA_VERSION))
      throw new QueueError(
        `the queue "${t.name}" at ${where} speaks loradyn queue schema version ${JSON.stringify(v)}, this loradyn speaks version ${QUEUE_SCHEMA_VERSION}; use the same loradyn version on every machine, or another --queue-name`,
      );
  } finally {
    client.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
