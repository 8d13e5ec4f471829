// The run config: one zod schema with defaults. Every run is described by a filled-in
// config; its canonical JSON names the run's results.
import os from 'node:os';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { loadNative } from './native.js';
import { dropUnsetPractice } from './practice_config.js';

const finite = (what: string) => z.number({ error: `${what} must be a finite number` }).refine(Number.isFinite, `${what} must be finite`);

const int = (_what: string, min: number, max: number) =>
  z
    .number({ error: `must be a number (an integer in [${min}, ${max}])` })
    .int(`must be an integer in [${min}, ${max}]`)
    .min(min, `must be in [${min}, ${max}]`)
    .max(max, `must be in [${min}, ${max}]`);

/** An activation: a name such as "erf", "he3", "he3+0.5*he5", or Hermite coefficients. */
export const activationSchema = z.union(
  [
    z.string().min(1, 'activation must not be empty'),
    z.object({ hermite: z.array(finite('Hermite coefficient')).min(1, 'Hermite coefficient list must not be empty') }).strict(),
  ],
  { error: 'activation must be a name (e.g. "erf", "he3+he5") or { hermite: [c0, c1, ...] }' },
);
/** An activation as a config accepts it: a name ("erf", "he3", "he3+he5") or { hermite: [c0, c1, ...] }. */
export type ActivationSpec = z.infer<typeof activationSchema>;

const mu01 = z.number({ error: 'must be a number in [0, 1]' }).min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');

export const pretrainedSchema = z
  .object({
    kind: z
      .enum(['aligned', 'misaligned', 'scratch', 'given'], {
        error: 'kind must be one of aligned, misaligned, scratch, given',
      })
      .default('aligned'),
    /** Strength mu in [0, 1], one value for all hidden units or one per unit. */
    mu: z.union([mu01, z.array(mu01).min(1)]).default(0.5),
    /** kind "given": w0 as hidden x d numbers, row-major. */
    w0: z.array(finite('w0 entry')).optional(),
  })
  .strict();

// The practitioners' options (SPEC 7.1; docs/practice.md). Each is absent from the filled-in
// config when it is unset or set to its default ("sgd", 0, 1, "lora"), so a config that does
// not use them keeps its hash and its results, and two spellings of one run share one hash.
const beta01 = z.number({ error: 'must be a number in [0, 1)' }).min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');

/** train.optimizer: "sgd" (default), heavy-ball momentum, or bias-corrected Adam. */
export const optimizerSchema = z
  .preprocess(
    (v) => (v === 'sgd' ? { kind: 'sgd' } : v),
    z.discriminatedUnion(
      'kind',
      [
        z.object({ kind: z.literal('sgd') }).strict(),
        z.object({ kind: z.literal('momentum'), beta: beta01.default(0.9) }).strict(),
        z
          .object({
            kind: z.literal('adam'),
            beta1: beta01.default(0.9),
            beta2: beta01.default(0.999),
            eps: z
              .number({ error: 'must be a finite number > 0' })
              .gt(0, 'must be a finite number > 0')
              .refine(Number.isFinite, 'must be a finite number > 0')
              .default(1e-8),
          })
          .strict(),
      ],
      { error: 'must be "sgd", { kind: "momentum", beta } or { kind: "adam", beta1, beta2, eps }' },
    ),
  )
  .optional()
  .transform((v) => (v === undefined || v.kind === 'sgd' ? undefined : v));
/** train.optimizer in a filled-in config: absent for "sgd", else the optimizer with its defaults. */
export type OptimizerSpec = { kind: 'momentum'; beta: number } | { kind: 'adam'; beta1: number; beta2: number; eps: number };

export const modelSchema = z
  .object({
    activation: activationSchema.default('linear'),
    /** "same" (matched), "square" (s*(z) = s(z)^2), or any activation. */
    teacher: z.union([z.literal('same'), z.literal('square'), activationSchema]).default('same'),
    d: int('d', 1, 2 ** 31).default(1000),
    rank: int('rank', 1, 4096).default(1),
    hidden: int('hidden', 1, 4096).default(1),
    pretrained: pretrainedSchema.prefault({}),
    /** Initial value of every u_i; null means 1/d^2. */
    u0: z.number().min(0, 'must be a finite number >= 0 (or null for 1/d^2)').refine(Number.isFinite, 'must be finite').nullable().default(null),
    spherical: z.boolean().default(true),
    noise: z.number().min(0, 'must be a finite number >= 0').refine(Number.isFinite, 'must be finite').default(0),
    /** Optional start: U (hidden x rank) and V (rank x d), row-major. */
    init: z
      .object({ u: z.array(finite('init.u entry')).optional(), v: z.array(finite('init.v entry')).optional() })
      .strict()
      .optional(),
    /** "lora" (default): w = w0 + U V; "full": w = w0 + delta, every weight trained from delta = 0. */
    adapter: z
      .enum(['lora', 'full'], { error: 'adapter must be "lora" or "full"' })
      .optional()
      .transform((v) => (v === 'lora' ? undefined : v)),
  })
  .strict();

export const trainSchema = z
  .object({
    batch: int('batch', 1, 2 ** 31).default(500),
    eta: z
      .number({ error: 'must be a finite number > 0' })
      .refine(Number.isFinite, 'must be a finite number > 0')
      .refine((x) => x > 0, 'must be a finite number > 0')
      .default(0.2),
    steps: int('steps', 0, 2 ** 52).default(10000),
    hermiteRescale: z.boolean().default(false),
    optimizer: optimizerSchema,
    /** L2 added to the gradient (sgd, momentum) or decoupled (adam, as AdamW); default 0. */
    weightDecay: z
      .number({ error: 'must be a finite number >= 0' })
      .min(0, 'must be a finite number >= 0')
      .refine(Number.isFinite, 'must be a finite number >= 0')
      .optional()
      .transform((v) => (v === 0 ? undefined : v)),
    /** eta_u / eta_v (LoRA+ uses 2 to 16); train.eta is eta_v. Default 1. */
    lrRatio: z
      .number({ error: 'must be a finite number > 0' })
      .gt(0, 'must be a finite number > 0')
      .refine(Number.isFinite, 'must be a finite number > 0')
      .optional()
      .transform((v) => (v === 1 ? undefined : v)),
  })
  .strict();

export const recordSchema = z
  .object({
    points: int('points', 2, 1_000_000).default(200),
    thresholds: z.array(z.number().gt(0, 'thresholds must be in (0, 1]').max(1, 'thresholds must be in (0, 1]')).default([0.5]),
    /** Also return the final U, V, teacher rows and w0 of each run. */
    final: z.boolean().default(false),
    /**
     * End each run at its first step with max |m_ij| >= stopAt (an escape study needs nothing
     * after it); that step is recorded and is the run's stepsDone. null: run every step.
     */
    // Absent (not null) when unset, so the hashes of existing result stores do not change.
    stopAt: z
      .number()
      .gt(0, 'stopAt must be in (0, 1] or null')
      .max(1, 'stopAt must be in (0, 1] or null')
      .nullable()
      .optional()
      .transform((v) => v ?? undefined),
    /**
     * Also record every step from 0 to min(dense, train.steps), then the log grid beyond (what
     * the paper's window metric needs: it reads the seed-averaged |m| at every step). Refused
     * when the recorded trajectories would pass the memory limit. Absent: the log grid alone.
     */
    dense: z
      .number()
      .int('dense must be an integer in [1, 1e8]')
      .min(1, 'dense must be an integer in [1, 1e8]')
      .max(1e8, 'dense must be an integer in [1, 1e8]')
      .optional(),
    /**
     * Fractions f in (0, 1): per run, the first step at which the population loss minus the
     * noise floor is at most f times its value at step 0 (RunResult.lossEscape["0.5"]).
     */
    lossThresholds: z
      .array(
        z.number({ error: 'lossThresholds must be numbers in (0, 1)' }).gt(0, 'lossThresholds must be in (0, 1)').lt(1, 'lossThresholds must be in (0, 1)'),
      )
      .optional()
      .transform((v) => (v === undefined || v.length === 0 ? undefined : v)),
  })
  .strict();

export const seedsSchema = z.union([
  z
    .array(int('seed', 0, Number.MAX_SAFE_INTEGER))
    .min(1, 'seeds must not be empty')
    .max(1_000_000),
  z.object({ count: int('seeds.count', 1, 1_000_000), base: int('seeds.base', 0, Number.MAX_SAFE_INTEGER).default(0) }).strict(),
]);

/** The zod schema of a simulation config: parses a partial config and fills in every default (see docs/config.md). */
export const configSchema = z
  .object({
    model: modelSchema.prefault({}),
    train: trainSchema.prefault({}),
    engine: z.enum(['full', 'reduced', 'ode'], { error: 'engine must be one of full, reduced, ode' }).default('full'),
    backend: z.enum(['cpu', 'cuda', 'auto'], { error: 'backend must be one of cpu, cuda, auto' }).default('auto'),
    seeds: seedsSchema.default({ count: 1, base: 0 }),
    record: recordSchema.prefault({}),
  })
  .strict();

/** A config as a user writes it: every field optional. */
export type ConfigInput = z.input<typeof configSchema>;
/** A config with every default filled in. */
export type Config = z.output<typeof configSchema>;

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

function zodIssues(err: z.ZodError): ConfigIssue[] {
  return err.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return { path: i.path.map(String).join('.'), message };
  });
}

/**
 * Checks a config's shape (types, ranges, unknown fields) and fills in its defaults, without
 * the core's rules: simulate() and simulateMany() hand the result to the core, which checks
 * those once, at its entry. Throws ConfigError naming each bad field.
 */
export function parseConfigShape(input: unknown): Config {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ConfigError([{ path: '', message: 'config must be a JSON object' }]);
  const r = configSchema.safeParse(input);
  if (!r.success) throw new ConfigError(zodIssues(r.error));
  return dropUnsetPractice(r.data);
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
