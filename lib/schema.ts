// The building blocks every validated input shares (valibot): finite numbers, bounded integers,
// objects that refuse unknown fields, and the translation of valibot's issues into the
// { path, message } pairs that ConfigError and the store's verdicts print. valibot replaced zod
// because loading zod and building its schemas took about 0.1 s of every CLI call.
import * as v from 'valibot';
import type { ConfigIssue } from './errors.js';

/** Any valibot schema (the shared type of what the helpers below take and return). */
export type AnySchema = v.GenericSchema;

/** A finite number: `message` for a non-number, `finiteMessage` for +-Infinity. */
export const finiteNumber = (message?: string, finiteMessage = message) => v.pipe(v.number(message), v.finite(finiteMessage));

/** An integer in [min, max] (both safe integers), every refusal saying the range. */
export const intIn = (min: number, max: number, typeMessage = `must be a number (an integer in [${min}, ${max}])`) =>
  v.pipe(
    v.number(typeMessage),
    v.finite(typeMessage),
    v.integer(`must be an integer in [${min}, ${max}]`),
    v.minValue(min, `must be in [${min}, ${max}]`),
    v.maxValue(max, `must be in [${min}, ${max}]`),
  );

/** A safe integer >= min (a step index, a count, a rank). */
export const safeIntFrom = (min: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(min));

/** A number in [0, 1] (a pre-training strength mu). */
export const zeroToOne = () => v.pipe(finiteNumber('must be a number in [0, 1]'), v.minValue(0, 'must be in [0, 1]'), v.maxValue(1, 'must be in [0, 1]'));

/** A fraction in (0, 1), or in (0, 1] with `closedAtOne`; every refusal says `message`. */
export const fraction = (message: string, closedAtOne = false) =>
  v.pipe(finiteNumber(message), v.gtValue(0, message), closedAtOne ? v.maxValue(1, message) : v.ltValue(1, message));

/** A finite number > 0; every refusal says `message`. */
export const positive = (message: string) => v.pipe(finiteNumber(message), v.gtValue(0, message));

/** A finite number >= 0 (`message` when negative). */
export const nonNegative = (message: string) => v.pipe(finiteNumber(undefined, 'must be finite'), v.minValue(0, message));

// Marks the object schemas built by strictObject, so configPathSchema can walk into them.
const ENTRIES = Symbol('loradyn.entries');

/**
 * An object with exactly these fields: every unknown field is refused in one issue at the object's
 * path ("unknown field(s) "a", "b""), like the stores and configs have always said it (valibot's
 * own strictObject names only the first). A parse that succeeds has no other fields, so the output
 * needs no stripping; and the check keeps the object "typed", so a union still reports this
 * branch's own issues rather than only its general message.
 */
export function strictObject<const E extends v.ObjectEntries>(entries: E): StrictObjectSchema<E> {
  const schema = v.pipe(
    // valibot's objects take arrays as objects with keys "0", "1", ...
    v.custom((x) => !Array.isArray(x), 'must be an object { ... }, not a list'),
    v.looseObject(entries),
    v.rawCheck(({ dataset, addIssue }) => {
      const o = dataset.value as unknown;
      if (o === null || typeof o !== 'object') return;
      const extra = Object.keys(o).filter((k) => !Object.hasOwn(entries, k));
      if (extra.length) addIssue({ message: `unknown field(s) ${extra.map((k) => `"${k}"`).join(', ')}` });
    }),
  );
  return Object.assign(schema, { [ENTRIES]: entries }) as unknown as StrictObjectSchema<E>;
}

/** What strictObject builds: its input and output are exactly the declared fields. */
export type StrictObjectSchema<E extends v.ObjectEntries> = v.GenericSchema<
  v.InferInput<v.ObjectSchema<E, undefined>>,
  v.InferOutput<v.ObjectSchema<E, undefined>>
>;

/** The fields of a schema built by strictObject (through optional, nullable and default wrappers), or undefined. */
export function objectEntries(schema: AnySchema): v.ObjectEntries | undefined {
  let cur = schema as AnySchema & { wrapped?: AnySchema; [ENTRIES]?: v.ObjectEntries };
  for (let i = 0; i < 10 && cur; i++) {
    if (cur[ENTRIES]) return cur[ENTRIES];
    if (!cur.wrapped) return undefined;
    cur = cur.wrapped as typeof cur;
  }
  return undefined;
}

/** A dotted path of a valibot issue: its keys joined by "." (array indices included). */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((p) => String(p.key)).join('.');
}

/** valibot's issues as ConfigIssues: dotted paths under `prefix`, one entry per issue. */
export function toConfigIssues(issues: readonly v.BaseIssue<unknown>[], prefix = ''): ConfigIssue[] {
  return issues.map((i) => ({ path: [prefix, issuePath(i)].filter(Boolean).join('.'), message: i.message }));
}

/** The first issues as one line, "path: message; ...", the paths under `prefix` (a store's or a queue's verdict). */
export function issuesReason(issues: readonly v.BaseIssue<unknown>[], prefix: string, max = 3): string {
  return toConfigIssues(issues.slice(0, max), prefix)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join('; ');
}
