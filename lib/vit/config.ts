// Validated settings of the vision transformer, its LoRA adapters and its optimiser (valibot,
// with defaults). The native side checks again; these give errors that name the field.
import os from 'node:os';
import * as v from 'valibot';
import { ConfigError } from '../errors.js';
import { finiteNumber, intIn, strictObject, toConfigIssues, type AnySchema } from '../schema.js';

const int = (min: number, max: number) => intIn(min, max, `must be an integer in [${min}, ${max}]`);

/** Validated shape of the vision transformer (valibot, with defaults): 28 x 28 one-channel images cut into 7 x 7 patches, width 64, 4 blocks of 4 heads, MLP width 128, 10 classes; patch must divide image and heads must divide width. */
export const vitConfigSchema = v.pipe(
  strictObject({
    image: v.optional(int(1, 512), 28),
    channels: v.optional(int(1, 4), 1),
    patch: v.optional(int(1, 512), 7),
    width: v.optional(int(1, 4096), 64),
    depth: v.optional(int(0, 64), 4),
    heads: v.optional(int(1, 4096), 4),
    mlp: v.optional(int(1, 16384), 128),
    classes: v.optional(int(2, 1000), 10),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const c = dataset.value;
    const at = (key: 'patch' | 'heads'): [v.ObjectPathItem] => [{ type: 'object', origin: 'value', input: c, key, value: c[key] }];
    if (c.image % c.patch !== 0) addIssue({ message: `must divide image (${c.image})`, path: at('patch') });
    if (c.width % c.heads !== 0) addIssue({ message: `must divide width (${c.width})`, path: at('heads') });
  }),
);
/** A vision-transformer shape after validation: every field set (sizes in pixels, channels, tokens' width, blocks, heads, MLP units, classes). */
export type VitConfig = v.InferOutput<typeof vitConfigSchema>;
/** What a caller may pass for a VitConfig: any field left out takes its default. */
export type VitConfigInput = v.InferInput<typeof vitConfigSchema>;

/** The weight matrices of each block that can carry a LoRA adapter: attention q, k, v, output o, and the MLP's fc1, fc2. */
export const loraTargets = ['q', 'k', 'v', 'o', 'fc1', 'fc2'] as const;
/** One of loraTargets. */
export type LoraTarget = (typeof loraTargets)[number];

/** Validated LoRA adapters (valibot, with defaults): rank 4 (0 = none), scale alpha / rank (alpha null: scale 1), on q and v. */
export const loraSchema = strictObject({
  rank: v.optional(int(0, 256), 4),
  // Scale of the adapter is alpha / rank; null means alpha = rank (scale 1).
  alpha: v.optional(v.nullable(finiteNumber(undefined, 'must be finite')), null),
  targets: v.optional(v.pipe(v.array(v.picklist(loraTargets, `must be one of ${loraTargets.join(', ')}`)), v.minLength(1, 'must name at least one layer')), [
    'q',
    'v',
  ]),
});
/** LoRA adapters after validation: rank, alpha (null: alpha = rank) and the target matrices. */
export type LoraConfig = v.InferOutput<typeof loraSchema>;
/** What a caller may pass for a LoraConfig: any field left out takes its default. */
export type LoraInput = v.InferInput<typeof loraSchema>;

const unitInterval = (message: string) => v.pipe(finiteNumber(), v.minValue(0, message), v.ltValue(1, message));

/** Validated optimiser (valibot, with defaults): AdamW (beta1 0.9, beta2 0.999, eps 1e-8) or SGD with optional momentum; learning rate in (0, 10] (default 1e-3), decoupled weight decay (default 0). */
export const optimizerSchema = strictObject({
  kind: v.optional(v.picklist(['sgd', 'adamw'], "must be 'sgd' or 'adamw'"), 'adamw'),
  lr: v.optional(v.pipe(finiteNumber(), v.gtValue(0, 'must be > 0'), v.maxValue(10, 'must be <= 10')), 1e-3),
  momentum: v.optional(unitInterval('must be in [0, 1)'), 0),
  beta1: v.optional(unitInterval('must be in [0, 1)'), 0.9),
  beta2: v.optional(unitInterval('must be in [0, 1)'), 0.999),
  eps: v.optional(v.pipe(finiteNumber(), v.gtValue(0, 'must be in (0, 1)'), v.ltValue(1, 'must be in (0, 1)')), 1e-8),
  weightDecay: v.optional(unitInterval('must be in [0, 1)'), 0),
});
/** An optimiser after validation: every field set. */
export type OptimizerConfig = v.InferOutput<typeof optimizerSchema>;
/** What a caller may pass for an OptimizerConfig: any field left out takes its default. */
export type OptimizerInput = v.InferInput<typeof optimizerSchema>;

/** Parses with a schema, turning its issues into one ConfigError that names every field. */
export function parseWith<S extends AnySchema>(schema: S, input: unknown, context: string): v.InferOutput<S> {
  const r = v.safeParse(schema, input ?? {});
  if (r.success) return r.output;
  throw new ConfigError(toConfigIssues(r.issues, context), context);
}

/** The adapters as the native side takes them: alpha made explicit (null becomes the rank). */
export function toNativeLora(l: LoraConfig): { rank: number; alpha: number; targets: string[] } {
  return { rank: l.rank, alpha: l.alpha ?? l.rank, targets: [...l.targets] };
}

/** Native threads to use: the given count (an integer >= 1, else a ConfigError), or every available core. */
export function defaultThreads(threads?: number): number {
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new ConfigError([{ path: 'threads', message: 'must be an integer >= 1' }]);
    return threads;
  }
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}
