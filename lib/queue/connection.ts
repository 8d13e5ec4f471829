// Connecting to the queue's Redis: parse and check the URL, fail fast with a clear message when the
// server cannot be reached, and refuse a queue written with another schema version.
import { Redis } from 'ioredis';
import { QUEUE_PREFIX, QUEUE_SCHEMA_VERSION } from './protocol.js';
import { displayUrl, maskSecrets, QueueError, REDIS_URL_ENV, type QueueTarget } from './target.js';

export { displayUrl, QueueError, queueTarget, queueUrl, REDIS_URL_ENV, type QueueTarget } from './target.js';

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
  const client = new Redis(t.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: NodeJS.ErrnoException | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => (lastError = e)); // its code says why (ECONNREFUSED, ENOTFOUND, ...)
  try {
    try {
      await withTimeout(client.connect(), timeoutMs);
      const pong = await withTimeout(client.ping(), timeoutMs);
      if (pong !== 'PONG') throw new Error(`unexpected reply to PING: ${String(pong)}`);
    } catch (e) {
      throw new QueueError(connectionProblem(where, lastError, e as NodeJS.ErrnoException));
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

/** Why connecting failed, in words that say what to do. The password is never part of it. */
function connectionProblem(where: string, event: NodeJS.ErrnoException | undefined, thrown: NodeJS.ErrnoException): string {
  const all = [event, thrown].filter((x): x is NodeJS.ErrnoException => x !== undefined);
  const text = all.map((x) => `${x.code ?? ''} ${x.message}`).join(' ');
  const first = event ?? thrown;
  const what = maskSecrets(first.code ?? first.message);
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(text))
    return `the queue at ${where} refused the connection: ${maskSecrets(all.map((x) => x.message).find((m) => /NOAUTH|WRONGPASS|password/i.test(m)) ?? what)} (give the password in the URL, redis://:PASSWORD@HOST:PORT, best through ${REDIS_URL_ENV})`;
  if (/SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|CERT_|ERR_TLS|DEPTH_ZERO|certificate/i.test(text))
    return `cannot verify the TLS certificate of the queue at ${where}: ${what} (for a certificate of a private CA, start loradyn with NODE_EXTRA_CA_CERTS=/path/to/ca.crt)`;
  return `cannot reach the queue at ${where}: ${what} (is redis-server running there and reachable from this machine?${where.startsWith('redis:') ? ' A TLS-only server needs rediss://.' : ''})`;
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
