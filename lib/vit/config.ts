// Validated settings of the vision transformer, its LoRA adapters and its optimiser (zod, with
// defaults). The native side checks again; these give errors that name the field.
import os from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const int = (min: number, max: number) =>
  z
    .number({ error: `must be an integer in [${min}, ${max}]` })
    .int(`must be an integer in [${min}, ${max}]`)
    .min(min, `must be in [${min}, ${max}]`)
    .max(max, `must be in [${min}, ${max}]`);

/** Validated shape of the vision transformer (zod, with defaults): 28 x 28 one-channel images cut into 7 x 7 patches, width 64, 4 blocks of 4 heads, MLP width 128, 10 classes; patch must divide image and heads must divide width. */
export const vitConfigSchema = z
  .object({
    image: int(1, 512).default(28),
    channels: int(1, 4).default(1),
    patch: int(1, 512).default(7),
    width: int(1, 4096).default(64),
    depth: int(0, 64).default(4),
    heads: int(1, 4096).default(4),
    mlp: int(1, 16384).default(128),
    classes: int(2, 1000).default(10),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.image % c.patch !== 0) ctx.addIssue({ code: 'custom', path: ['patch'], message: `must divide image (${c.image})` });
    if (c.width % c.heads !== 0) ctx.addIssue({ code: 'custom', path: ['heads'], message: `must divide width (${c.width})` });
  });
/** A vision-transformer shape after validation: every field set (sizes in pixels, channels, tokens' width, blocks, heads, MLP units, classes). */
export type VitConfig = z.infer<typeof vitConfigSchema>;
/** What a caller may pass for a VitConfig: any field left out takes its default. */
export type VitConfigInput = z.input<typeof vitConfigSchema>;

/** The weight matrices of each block that can carry a LoRA adapter: attention q, k, v, output o, and the MLP's fc1, fc2. */
export const loraTargets = ['q', 'k', 'v', 'o', 'fc1', 'fc2'] as const;
/** One of loraTargets. */
export type LoraTarget = (typeof loraTargets)[number];

/** Validated LoRA adapters (zod, with defaults): rank 4 (0 = none), scale alpha / rank (alpha null: scale 1), on q and v. */
export const loraSchema = z
  .object({
    rank: int(0, 256).default(4),
    /** Scale of the adapter is alpha / rank; null means alpha = rank (scale 1). */
    alpha: z.number().refine(Number.isFinite, 'must be finite').nullable().default(null),
    targets: z
      .array(z.enum(loraTargets, { error: `must be one of ${loraTargets.join(', ')}` }))
      .min(1, 'must name at least one layer')
      .default(['q', 'v']),
  })
  .strict();
/** LoRA adapters after validation: rank, alpha (null: alpha = rank) and the target matrices. */
export type LoraConfig = z.infer<typeof loraSchema>;
/** What a caller may pass for a LoraConfig: any field left out takes its default. */
export type LoraInput = z.input<typeof loraSchema>;

/** Validated optimiser (zod, with defaults): AdamW (beta1 0.9, beta2 0.999, eps 1e-8) or SGD with optional momentum; learning rate in (0, 10] (default 1e-3), decoupled weight decay (default 0). */
export const optimizerSchema = z
  .object({
    kind: z.enum(['sgd', 'adamw'], { error: "must be 'sgd' or 'adamw'" }).default('adamw'),
    lr: z.number().gt(0, 'must be > 0').max(10, 'must be <= 10').default(1e-3),
    momentum: z.number().min(0).lt(1, 'must be in [0, 1)').default(0),
    beta1: z.number().min(0).lt(1, 'must be in [0, 1)').default(0.9),
    beta2: z.number().min(0).lt(1, 'must be in [0, 1)').default(0.999),
    eps: z.number().gt(0).lt(1).default(1e-8),
    weightDecay: z.number().min(0).lt(1, 'must be in [0, 1)').default(0),
  })
  .strict();
/** An optimiser after validation: every field set. */
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
/** What a caller may pass for an OptimizerConfig: any field left out takes its default. */
export type OptimizerInput = z.input<typeof optimizerSchema>;

/** Parses with a schema, turning zod issues into one ConfigError that names every field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, context: string): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new ConfigError(
    r.error.issues.map((i) => ({ path: [context, ...i.path.map(String)].join('.'), message: i.message })),
    context,
  );
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
