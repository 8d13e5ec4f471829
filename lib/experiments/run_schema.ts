// The one definition of a stored run: what the result store keeps in runs/<hh>/<hash>.json and what
// a queue worker returns. Every read of the store and every result that comes back from the queue
// goes through verifyStoredRun(), so a truncated, forged, misnamed or inconsistent record is never
// counted as a run.
//
// To add a result field: add it to runJsonSchema (or to storedRunSchema for data about the run rather
// than its result) and, where it can contradict something else, add a check to runChecks. Both
// schemas are strict: a field that is not listed here is refused, so a writer that adds one without
// declaring it here fails its own tests instead of writing records that cannot be read back.
import * as v from 'valibot';
import { configSchema, type Config } from '../config.js';
import type { RunJson } from '../result_json.js';
import { issuesReason, safeIntFrom, strictObject } from '../schema.js';
import { getPath, isConfigPath } from './paths.js';
import { runHash } from './sweep.js';

const stepIndex = safeIntFrom(0);
/** A recorded value: a finite number, or null where the run produced NaN or Inf. */
const value = v.nullable(v.pipe(v.number(), v.finite()));
const values = v.array(value);

/** One run's result in plain JSON (runToJson of a RunResult). */
export const runJsonSchema = strictObject({
  seed: safeIntFrom(0),
  rank: safeIntFrom(1),
  hidden: safeIntFrom(1),
  step: v.array(stepIndex),
  t: v.array(v.pipe(v.number(), v.finite())),
  m: values,
  u: values,
  M: values,
  Q: values,
  popLoss: values,
  batchLoss: values,
  escape: v.record(v.string(), v.nullable(stepIndex)),
  // record.lossThresholds (docs/practice.md): the first step with L - noise/2 <= f (L(0) - noise/2).
  lossEscape: v.optional(v.record(v.string(), v.nullable(stepIndex))),
  stepsDone: stepIndex,
  divergedStep: v.nullable(stepIndex),
  // A cancelled run is never a result: simulate() throws instead of returning it.
  cancelled: v.literal(false),
  final: v.optional(strictObject({ u: values, v: values, teacher: values, w0: values })),
});

/** A backend's name as a stored run or a worker gives it. */
export const backendName = v.pipe(v.string(), v.regex(/^[a-z0-9_-]{1,32}$/, 'must be a backend name such as "cpu" or "cuda"'));

/** A stored file: the run, the filled-in single-seed config that names it, and how it was made. */
export const storedRunSchema = strictObject({
  hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits')),
  // Checked by configSchema and against the hash in verifyStoredRun, with paths in its messages.
  config: v.record(v.string(), v.unknown()),
  run: v.unknown(),
  engine: v.picklist(['full', 'reduced', 'ode']),
  backend: backendName,
  wallMs: v.pipe(v.number(), v.finite(), v.minValue(0)),
  version: v.pipe(v.string(), v.maxLength(100)),
  finishedAt: v.pipe(v.string(), v.isoTimestamp('must be an ISO date-time such as 2026-12-05T12:00:00.000Z')),
  // The sweep that computed the run: its name and this run's value on each axis (dotted config
  // paths). Absent in stores written before it was recorded, and in runs stored outside a sweep.
  sweep: v.optional(
    strictObject({
      name: v.pipe(v.string(), v.maxLength(200)),
      axes: v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(200)), v.unknown()),
    }),
  ),
});

/** What one stored file holds. */
export type StoredRun = Omit<v.InferOutput<typeof storedRunSchema>, 'config' | 'run'> & { config: Config; run: RunJson };

/** One consistency rule between a run's fields and its config: returns what is wrong, or null. */
export type RunCheck = (run: RunJson, config: Config) => string | null;

const sameLength = (run: RunJson, name: 'm' | 'u' | 'M' | 'Q' | 'popLoss' | 'batchLoss' | 't', per: number, what: string) =>
  run[name].length === run.step.length * per
    ? null
    : `${name} has ${run[name].length} values, expected ${run.step.length * per} (${run.step.length} record points x ${what})`;

/** Largest |m_ij| at record point i, or null when any of them is NaN/Inf there. */
function maxAbsM(run: RunJson, i: number): number | null {
  const stride = run.rank * run.hidden;
  let best = 0;
  for (let k = 0; k < stride; k++) {
    const v = run.m[i * stride + k];
    if (v === null || v === undefined) return null;
    best = Math.max(best, Math.abs(v));
  }
  return best;
}

// Rounding room when comparing a recorded |m| with a threshold (the engines test the same numbers).
const M_TOL = 1e-9;

/**
 * The consistency rules every run must meet. Each was checked against runs of every engine (random
 * configs, divergent ones and record.stopAt included) before it was made a rule.
 */
export const runChecks: RunCheck[] = [
  (r, c) => (r.seed === (c.seeds as number[])[0] ? null : `seed is ${r.seed}, the config's seed is ${JSON.stringify(c.seeds)}`),
  (r, c) =>
    r.rank === c.model.rank && r.hidden === c.model.hidden
      ? null
      : `rank x hidden is ${r.rank} x ${r.hidden}, the config's is ${c.model.rank} x ${c.model.hidden}`,
  (r) => (r.step.length >= 1 ? null : 'no record points'),
  (r) => (r.step[0] === 0 ? null : `the first record point is step ${r.step[0]}, not 0`),
  (r) => {
    for (let i = 1; i < r.step.length; i++)
      if (!(r.step[i]! > r.step[i - 1]!)) return `record steps are not increasing at point ${i} (${r.step[i - 1]} then ${r.step[i]})`;
    return null;
  },
  (r, c) => (r.stepsDone <= c.train.steps ? null : `stepsDone ${r.stepsDone} is beyond train.steps ${c.train.steps}`),
  (r) => (r.step[r.step.length - 1] === r.stepsDone ? null : `the last record point is step ${r.step[r.step.length - 1]}, stepsDone is ${r.stepsDone}`),
  (r, c) =>
    r.stepsDone === c.train.steps || r.divergedStep !== null || c.record.stopAt !== undefined
      ? null
      : `stopped at step ${r.stepsDone} of ${c.train.steps} without diverging or a record.stopAt`,
  (r) => (r.divergedStep === null || r.divergedStep <= r.stepsDone ? null : `divergedStep ${r.divergedStep} is beyond stepsDone ${r.stepsDone}`),
  (r) => sameLength(r, 't', 1, '1'),
  (r) => sameLength(r, 'm', r.rank * r.hidden, 'rank x hidden'),
  (r) => sameLength(r, 'u', r.rank * r.hidden, 'hidden x rank'),
  (r) => sameLength(r, 'M', r.hidden * r.hidden, 'hidden^2'),
  (r) => sameLength(r, 'Q', r.hidden * r.hidden, 'hidden^2'),
  (r) => sameLength(r, 'popLoss', 1, '1'),
  (r) => sameLength(r, 'batchLoss', 1, '1'),
  // t = step x eta_eff with one eta_eff in (0, train.eta] (eta_eff < eta under the Hermite rescale).
  (r, c) => {
    if (r.t[0] !== 0) return `t at step 0 is ${r.t[0]}, not 0`;
    if (r.step.length < 2) return null;
    const eta = r.t[1]! / r.step[1]!;
    if (!(eta > 0 && eta <= c.train.eta * (1 + 1e-12))) return `t / step is ${eta}, outside (0, train.eta = ${c.train.eta}]`;
    for (let i = 2; i < r.step.length; i++)
      if (Math.abs(r.t[i]! - r.step[i]! * eta) > 1e-12 * Math.abs(r.t[i]!)) return `t at point ${i} is ${r.t[i]}, not step x ${eta}`;
    return null;
  },
  (r, c) => {
    const want = c.record.thresholds.map(String).sort();
    const got = Object.keys(r.escape).sort();
    return JSON.stringify(want) === JSON.stringify(got) ? null : `escape thresholds are ${JSON.stringify(got)}, the config records ${JSON.stringify(want)}`;
  },
  (r, c) => {
    const want = (c.record.lossThresholds ?? []).map(String).sort();
    const got = Object.keys(r.lossEscape ?? {}).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) return `lossEscape fractions are ${JSON.stringify(got)}, the config records ${JSON.stringify(want)}`;
    for (const [key, e] of Object.entries(r.lossEscape ?? {}))
      if (e !== null && e > r.stepsDone) return `lossEscape[${key}] = ${e} is beyond stepsDone ${r.stepsDone}`;
    return null;
  },
  // An escape step lies in [0, stepsDone], and the recorded trajectory agrees with it: no record
  // point before it (or anywhere, when censored) reaches the threshold, and a record point at it does.
  (r, c) => {
    for (const [key, e] of Object.entries(r.escape)) {
      const th = Number(key);
      if (e !== null && e > r.stepsDone) return `escape[${key}] = ${e} is beyond stepsDone ${r.stepsDone}`;
      for (let i = 0; i < r.step.length; i++) {
        const s = r.step[i]!;
        // With record.stopAt the engines stop at the stop threshold's crossing without testing
        // the others there (the ODE records such a crossing as censored): the last point is exempt.
        if (c.record.stopAt !== undefined && i === r.step.length - 1 && th !== c.record.stopAt) continue;
        const m = maxAbsM(r, i);
        if (m === null) continue;
        if ((e === null || s < e) && m >= th + M_TOL)
          return `escape[${key}] = ${e === null ? 'null (never)' : e} but max |m| = ${m} >= ${th} at the recorded step ${s}`;
        if (e !== null && s === e && m < th - M_TOL) return `escape[${key}] = ${e} but max |m| = ${m} < ${th} at that recorded step`;
      }
    }
    return null;
  },
  (r, c) => {
    if (!c.record.final) return r.final === undefined ? null : 'has final weights the config did not ask for (record.final is false)';
    const f = r.final;
    if (!f) return 'has no final weights although record.final is true';
    const { d, rank, hidden } = c.model;
    const want = { u: hidden * rank, v: rank * d, teacher: hidden * d, w0: hidden * d };
    for (const k of ['u', 'v', 'teacher', 'w0'] as const) if (f[k].length !== want[k]) return `final.${k} has ${f[k].length} values, expected ${want[k]}`;
    // Non-finite final weights (null) belong to a diverged run only: a curriculum counts those.
    if (r.divergedStep === null)
      for (const k of ['u', 'v', 'teacher', 'w0'] as const) {
        const i = f[k].indexOf(null);
        if (i >= 0) return `final.${k}[${i}] is not finite (null) but the run did not diverge`;
      }
    return null;
  },
];

/**
 * True when the config's value `have` holds everything the axis value `want` says: numbers, strings
 * and booleans equal, null the same as absent (stopAt: null is stored absent), objects key by key
 * (the config may hold defaults the axis value left out), arrays element by element.
 */
function holds(want: unknown, have: unknown): boolean {
  if (want === null || want === undefined) return have === null || have === undefined;
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => holds(w, have[i]));
  if (typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => holds(w, (have as Record<string, unknown>)[k]));
  }
  return Object.is(want, have) || (typeof want === 'number' && want === have);
}

/**
 * A stored run's sweep axes agree with its config: every axis names a config field and the config
 * holds the axis value there, so a table that shows the axes never contradicts the configs.
 */
export function sweepCheck(sweep: { name: string; axes: Record<string, unknown> }, config: Config): string | null {
  for (const [axis, want] of Object.entries(sweep.axes)) {
    if (!isConfigPath(axis)) return `sweep.axes: "${axis}" is not a config field`;
    const have = getPath(config, axis);
    if (!holds(want, have)) return `sweep.axes: ${axis} is ${JSON.stringify(want)}, the config's is ${JSON.stringify(have) ?? 'absent'}`;
  }
  return null;
}

/** The outcome of a check: the checked value, or why it was refused. */
export type Verdict<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Checks a run's JSON against its (trusted, filled-in, single-seed) config. */
export function verifyRunJson(raw: unknown, config: Config): Verdict<RunJson> {
  const r = v.safeParse(runJsonSchema, raw);
  if (!r.success) return { ok: false, reason: issuesReason(r.issues, 'run') };
  const run = r.output as RunJson;
  for (const check of runChecks) {
    const problem = check(run, config);
    if (problem) return { ok: false, reason: `run: ${problem}` };
  }
  return { ok: true, value: run };
}

/**
 * Checks a whole stored record: its shape, its config (valid, single-seed, hashing to
 * `expectedHash`, the hash its file is named by) and its run (runChecks against that config).
 */
export function verifyStoredRun(raw: unknown, expectedHash: string): Verdict<StoredRun> {
  const env = v.safeParse(storedRunSchema, raw);
  if (!env.success) return { ok: false, reason: issuesReason(env.issues, '') };
  const rec = env.output;
  if (rec.hash !== expectedHash) return { ok: false, reason: `it says it is run ${rec.hash}, but it is stored as run ${expectedHash}` };
  const cfg = v.safeParse(configSchema, rec.config);
  if (!cfg.success) return { ok: false, reason: issuesReason(cfg.issues, 'config') };
  const config = cfg.output;
  if (!Array.isArray(config.seeds) || config.seeds.length !== 1)
    return { ok: false, reason: `config.seeds must be one seed, got ${JSON.stringify(config.seeds)}` };
  const h = runHash(config);
  if (h !== expectedHash) return { ok: false, reason: `its config hashes to ${h}, not to ${expectedHash} (the run it is stored as)` };
  if (rec.engine !== config.engine) return { ok: false, reason: `engine is "${rec.engine}", the config's is "${config.engine}"` };
  if (rec.sweep) {
    const problem = sweepCheck(rec.sweep, config);
    if (problem) return { ok: false, reason: problem };
  }
  const run = verifyRunJson(rec.run, config);
  if (!run.ok) return run;
  return { ok: true, value: { ...rec, config, run: run.value } };
}
