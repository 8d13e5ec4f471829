// What comes back from the queue is untrusted: any client of the Redis server can complete a job
// with any value. A job's return value is accepted only if it has the job-result shape and its run
// passes the checks of a stored run (run_schema.ts) against the config the coordinator asked for.
import * as v from 'valibot';
import { backendName, verifyStoredRun, type Verdict } from '../experiments/run_schema.js';
import { issuesReason, strictObject } from '../schema.js';
import type { RunSpec } from '../experiments/sweep.js';
import type { RunResult } from '../types.js';
import { runFromJson } from './protocol.js';

/** A job's return value (RunJobResult), strict: a field that is not listed is refused. */
export const jobResultSchema = strictObject({
  run: v.unknown(),
  backend: backendName,
  wallMs: v.pipe(v.number(), v.finite(), v.minValue(0)),
  worker: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  version: v.pipe(v.string(), v.maxLength(100)),
});

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
  const env = v.safeParse(jobResultSchema, rv);
  if (!env.success) return { ok: false, reason: `not a job result: ${issuesReason(env.issues, '')}` };
  const r = env.output;
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
  const stored = verifyStoredRun(JSON.parse(JSON.stringify(candidate)), spec.hash);
  if (!stored.ok) return stored;
  return { ok: true, value: { result: runFromJson(stored.value.run), backend: r.backend, wallMs: r.wallMs, worker: printable(r.worker), version: r.version } };
}
