// `loradyn/queue`: sweeps on a BullMQ queue over Redis (the coordinator's executor and the worker).
// It needs the optional packages bullmq and ioredis (npm install bullmq ioredis); `loradyn` itself
// does not load them.
export { QueueExecutor, formatStatus, type ClusterStatus, type QueueExecutorOptions } from './executor.js';
export { startWorker, type WorkerOptions, type QueueWorker } from './worker.js';
export { checkQueue } from './connection.js';
export { queueTarget, displayUrl, QueueError, type QueueTarget } from './target.js';
export { QUEUE_SCHEMA_VERSION, QUEUE_PREFIX, DEFAULT_QUEUE_NAME } from './protocol.js';
export type { WorkerLimits } from './bounds.js';
