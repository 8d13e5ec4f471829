// What comes back from the queue is untrusted: any client of the Redis server can complete a job
// with any value. A job's return value is accepted only if it has the job-result shape and its run
// passes the checks of a stored run (run_schema.ts) against the config the coordinator asked for.
import { z } from 'zod';
import { verifyStoredRun, zodReason, type Verdict } from '../experiments/run_schema.js';
import type { RunSpec } from '../experiments/sweep.js';
import type { RunResult } from '../types.js';
import { runFromJson } from './protocol.js';

/** A job's return value (RunJobResult), strict: a field that is not listed is refused. */
export const jobResultSchema = z
  .object({
    run: z.unknown(),
    backend: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be a backend name such as "cpu" or "cuda"'),
    wallMs: z.number().min(0),
    worker: z.string().min(1).max(200),
    version: z.string().max(100),
  })
  .strict();

export interface AcceptedResult {
  result: RunResult;
  backend: string;
  wallMs: number;
  /** The worker's name, made fit to print. */
  worker: string;
  version: string;
}

/** Printable ASCII only (no terminal escapes from what a worker sent), at most `max` characters. */
export function printable(s: unknown, max = 100): string {
  const t = String(s).replace(/[^\x20-\x7e]/g, '?');
  return t.length > max ? `${t.slice(0, max - 3)}...` : t || '?';
}

/** Checks a job's return value against the run the coordinator asked for. */
export function checkJobResult(rv: unknown, spec: RunSpec): Verdict<AcceptedResult> {
  const env = jobResultSchema.safeParse(rv);
  if (!env.success) return { ok: false, reason: `not a job result: ${zodReason(env.error, '')}` };
  const r = env.data;
  const candidate = {
    hash: spec.hash,
    config: spec.config,
    run: r.run,
    engine: spec.config.engine,
    backend: r.backend,
    wallMs: r.wallMs,
    version: r.version,
    finishedAt: new Date().toISOString(),
  };
  const v = verifyStoredRun(JSON.parse(JSON.stringify(candidate)), spec.hash);
  if (!v.ok) return v;
  return { ok: true, value: { result: runFromJson(v.value.run), backend: r.backend, wallMs: r.wallMs, worker: printable(r.worker), version: r.version } };
}
