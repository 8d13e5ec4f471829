// The run config: one valibot schema with defaults. Every run is described by a filled-in
// config; its canonical JSON names the run's results. Each field is described in docs/config.md;
// the notes on the fields here are line comments because valibot's inferred types would copy a
// doc comment into several declarations of the field, which the API reference refuses.
import os from 'node:os';
import * as v from 'valibot';
import { ConfigError } from './errors.js';
import { loadNative } from './native.js';
import { dropUnsetPractice } from './practice_config.js';
import { finiteNumber, fraction, intIn, nonNegative, positive, strictObject, toConfigIssues, zeroToOne } from './schema.js';

const finite = (what: string) => finiteNumber(`${what} must be a finite number`, `${what} must be finite`);

/** An activation: a name such as "erf", "he3", "he3+0.5*he5", or Hermite coefficients. */
export const activationSchema = v.union(
  [
    v.pipe(v.string(), v.minLength(1, 'activation must not be empty')),
    strictObject({ hermite: v.pipe(v.array(finite('Hermite coefficient')), v.minLength(1, 'Hermite coefficient list must not be empty')) }),
  ],
  'activation must be a name (e.g. "erf", "he3+he5") or { hermite: [c0, c1, ...] }',
);
/** An activation as a config accepts it: a name ("erf", "he3", "he3+he5") or { hermite: [c0, c1, ...] }. */
export type ActivationSpec = v.InferOutput<typeof activationSchema>;

const mu01 = zeroToOne();

export const pretrainedSchema = strictObject({
  kind: v.optional(v.picklist(['aligned', 'misaligned', 'scratch', 'given'], 'kind must be one of aligned, misaligned, scratch, given'), 'aligned'),
  // Strength mu in [0, 1], one value for all hidden units or one per unit.
  mu: v.optional(v.union([mu01, v.pipe(v.array(mu01), v.minLength(1, 'mu must not be empty'))]), 0.5),
  // kind "given": w0 as hidden x d numbers, row-major.
  w0: v.optional(v.array(finite('w0 entry'))),
});

// The practitioners' options (SPEC 7.1; docs/practice.md). Each is absent from the filled-in
// config when it is unset or set to its default ("sgd", 0, 1, "lora"), so a config that does
// not use them keeps its hash and its results, and two spellings of one run share one hash.
const beta01 = v.pipe(finiteNumber('must be a number in [0, 1)'), v.minValue(0, 'must be in [0, 1)'), v.ltValue(1, 'must be in [0, 1)'));

/** train.optimizer in a filled-in config: absent for "sgd", else the optimizer with its defaults. */
export type OptimizerSpec = { kind: 'momentum'; beta: number } | { kind: 'adam'; beta1: number; beta2: number; eps: number };

const OPTIMIZER_KINDS: readonly unknown[] = ['sgd', 'momentum', 'adam'];
const OPTIMIZER_MESSAGE = 'must be "sgd", { kind: "momentum", beta } or { kind: "adam", beta1, beta2, eps }';

// A union (not a variant) so a known kind with a bad field reports that field: only that branch
// gets past its type check.
const optimizerKinds = v.union(
  [
    strictObject({ kind: v.literal('sgd') }),
    strictObject({ kind: v.literal('momentum'), beta: v.optional(beta01, 0.9) }),
    strictObject({
      kind: v.literal('adam'),
      beta1: v.optional(beta01, 0.9),
      beta2: v.optional(beta01, 0.999),
      eps: v.optional(positive('must be a finite number > 0'), 1e-8),
    }),
  ],
  OPTIMIZER_MESSAGE,
);

/** train.optimizer: "sgd" (default), heavy-ball momentum, or bias-corrected Adam. */
export const optimizerSchema = v.pipe(
  v.optional(
    v.pipe(
      v.unknown(),
      v.transform((o) => (o === 'sgd' ? { kind: 'sgd' } : o)),
      // An object with an unknown kind: the issue names train.optimizer.kind.
      v.rawCheck(({ dataset, addIssue }) => {
        const o = dataset.value;
        if (o === null || typeof o !== 'object' || Array.isArray(o)) return;
        const kind = (o as { kind?: unknown }).kind;
        if (!OPTIMIZER_KINDS.includes(kind))
          addIssue({ message: OPTIMIZER_MESSAGE, path: [{ type: 'object', origin: 'value', input: o as Record<string, unknown>, key: 'kind', value: kind }] });
      }),
      optimizerKinds,
    ),
  ),
  v.transform((o): OptimizerSpec | undefined => (o === undefined || o.kind === 'sgd' ? undefined : o)),
);

/** A number >= 0 (or > 0 with `positive`) that is left out of the filled-in config when it equals `unset`. */
const unlessDefault = (message: string, positive: boolean, unset: number) =>
  v.pipe(
    v.optional(v.pipe(finiteNumber(message), positive ? v.gtValue(0, message) : v.minValue(0, message))),
    v.transform((x) => (x === unset ? undefined : x)),
  );

export const modelSchema = strictObject({
  activation: v.optional(activationSchema, 'linear'),
  // "same" (matched), "square" (s*(z) = s(z)^2), or any activation.
  teacher: v.optional(v.union([v.literal('same'), v.literal('square'), activationSchema]), 'same'),
  d: v.optional(intIn(1, 2 ** 31), 1000),
  rank: v.optional(intIn(1, 4096), 1),
  hidden: v.optional(intIn(1, 4096), 1),
  pretrained: v.optional(pretrainedSchema, {}),
  // Initial value of every u_i; null means 1/d^2.
  u0: v.optional(v.nullable(nonNegative('must be a finite number >= 0 (or null for 1/d^2)')), null),
  spherical: v.optional(v.boolean(), true),
  noise: v.optional(nonNegative('must be a finite number >= 0'), 0),
  // Optional start: U (hidden x rank) and V (rank x d), row-major.
  init: v.optional(strictObject({ u: v.optional(v.array(finite('init.u entry'))), v: v.optional(v.array(finite('init.v entry'))) })),
  // "lora" (default): w = w0 + U V; "full": w = w0 + delta, every weight trained from delta = 0.
  adapter: v.pipe(
    v.optional(v.picklist(['lora', 'full'], 'adapter must be "lora" or "full"')),
    v.transform((a) => (a === 'lora' ? undefined : a)),
  ),
});

export const trainSchema = strictObject({
  batch: v.optional(intIn(1, 2 ** 31), 500),
  eta: v.optional(positive('must be a finite number > 0'), 0.2),
  steps: v.optional(intIn(0, 2 ** 52), 10000),
  hermiteRescale: v.optional(v.boolean(), false),
  optimizer: optimizerSchema,
  // L2 added to the gradient (sgd, momentum) or decoupled (adam, as AdamW); default 0.
  weightDecay: unlessDefault('must be a finite number >= 0', false, 0),
  // eta_u / eta_v (LoRA+ uses 2 to 16); train.eta is eta_v. Default 1.
  lrRatio: unlessDefault('must be a finite number > 0', true, 1),
});

const DENSE = 'dense must be an integer in [1, 1e8]';

export const recordSchema = strictObject({
  points: v.optional(intIn(2, 1_000_000), 200),
  thresholds: v.optional(v.array(fraction('thresholds must be in (0, 1]', true)), [0.5]),
  // Also return the final U, V, teacher rows and w0 of each run.
  final: v.optional(v.boolean(), false),
  // End each run at its first step with max |m_ij| >= stopAt (an escape study needs nothing after
  // it); that step is recorded and is the run's stepsDone. null: run every step.
  // Absent (not null) when unset, so the hashes of existing result stores do not change.
  stopAt: v.pipe(
    v.optional(v.nullable(fraction('stopAt must be in (0, 1] or null', true))),
    v.transform((x) => x ?? undefined),
  ),
  // Also record every step from 0 to min(dense, train.steps), then the log grid beyond (what the
  // paper's window metric needs: it reads the seed-averaged |m| at every step). Refused when the
  // recorded trajectories would pass the memory limit. Absent: the log grid alone.
  dense: v.optional(v.pipe(finiteNumber(), v.integer(DENSE), v.minValue(1, DENSE), v.maxValue(1e8, DENSE))),
  // Fractions f in (0, 1): per run, the first step at which the population loss minus the noise
  // floor is at most f times its value at step 0 (RunResult.lossEscape["0.5"]).
  lossThresholds: v.pipe(
    v.optional(v.array(fraction('lossThresholds must be numbers in (0, 1)'))),
    v.transform((x) => (x === undefined || x.length === 0 ? undefined : x)),
  ),
});

export const seedsSchema = v.union(
  [
    v.pipe(v.array(intIn(0, Number.MAX_SAFE_INTEGER)), v.minLength(1, 'seeds must not be empty'), v.maxLength(1_000_000, 'at most 1,000,000 seeds')),
    strictObject({ count: intIn(1, 1_000_000), base: v.optional(intIn(0, Number.MAX_SAFE_INTEGER), 0) }),
  ],
  'seeds must be a list of integer seeds or { count, base }',
);

/** The valibot schema of a simulation config: parses a partial config and fills in every default (see docs/config.md). */
export const configSchema = strictObject({
  model: v.optional(modelSchema, {}),
  train: v.optional(trainSchema, {}),
  engine: v.optional(v.picklist(['full', 'reduced', 'ode'], 'engine must be one of full, reduced, ode'), 'full'),
  backend: v.optional(v.picklist(['cpu', 'cuda', 'auto'], 'backend must be one of cpu, cuda, auto'), 'auto'),
  seeds: v.optional(seedsSchema, { count: 1, base: 0 }),
  record: v.optional(recordSchema, {}),
});

/** A config as a user writes it: every field optional. */
export type ConfigInput = v.InferInput<typeof configSchema>;
/** A config with every default filled in. */
export type Config = v.InferOutput<typeof configSchema>;

/** The seeds of a config as a list. */
export function seedList(c: Config): number[] {
  const s = c.seeds;
  if (Array.isArray(s)) return s;
  return Array.from({ length: s.count }, (_, i) => s.base + i);
}

/** mu per hidden unit. */
export function muList(c: Config): number[] {
  const mu = c.model.pretrained.mu;
  return Array.isArray(mu) ? mu : Array.from({ length: c.model.hidden }, () => mu);
}

/** The native memory limit of a call: `maxBytes` if given, else LORADYN_MAX_BYTES, else 0 (the core's default, 3/4 of what this process may use). */
export function maxBytesOption(maxBytes?: number): number {
  if (maxBytes !== undefined) {
    if (!(maxBytes >= 0) || !Number.isFinite(maxBytes))
      throw new ConfigError([{ path: 'maxBytes', message: `must be a finite number of bytes >= 0 (got ${maxBytes})` }]);
    return maxBytes;
  }
  const env = Number(process.env.LORADYN_MAX_BYTES);
  return Number.isFinite(env) && env > 0 ? env : 0;
}

/**
 * Checks a config's shape (types, ranges, unknown fields) and fills in its defaults, without
 * the core's rules: simulate() and simulateMany() hand the result to the core, which checks
 * those once, at its entry. Throws ConfigError naming each bad field.
 */
export function parseConfigShape(input: unknown): Config {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ConfigError([{ path: '', message: 'config must be a JSON object' }]);
  const r = v.safeParse(configSchema, input);
  if (!r.success) throw new ConfigError(toConfigIssues(r.issues));
  return dropUnsetPractice(r.output);
}

/**
 * Validates a config completely and fills in its defaults: its shape, then every rule of the
 * core for its engine and backend, and its memory over `threads` against the limit (what
 * simulate() would refuse). Throws ConfigError naming each bad field and its allowed range.
 */
export function parseConfig(input: unknown, threads = os.availableParallelism(), maxBytes?: number): Config {
  const c = parseConfigShape(input);
  const issues = loadNative().config.check(c, threads, maxBytesOption(maxBytes));
  if (issues.length) throw new ConfigError(issues);
  return c;
}

/** Canonical JSON: keys sorted at every level, so equal configs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}
