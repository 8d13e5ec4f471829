// Argument helpers shared by the commands: the usage error (exit 2) and value parsers that
// commander calls for typed options, so a bad value is reported with the option that carried it.
import { InvalidArgumentError, Option } from 'commander';

/** Bad usage of the command line: the CLI exits 2 with the message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses a positive integer option (throws UsageError). */
export function intOption(v: string | undefined, name: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min} (got "${v}")`);
  return n;
}

/** A commander value parser for an integer option >= min. */
export function intArg(name: string, min = 1): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`--${name} must be an integer >= ${min} (got "${v}")`);
    return n;
  };
}

/** A commander value parser for a number in [lo, hi]. */
export function numberArg(name: string, lo: number, hi: number, loOpen = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) && (loOpen ? n > lo : n >= lo) && n <= hi;
    if (!ok) throw new InvalidArgumentError(`--${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}] (got "${v}")`);
    return n;
  };
}

/** A commander value parser for one of a fixed list of words. */
export function choiceArg<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`--${name} must be one of ${values.join(', ')} (got "${v}")`);
    return v as T;
  };
}

/** An option that takes one of a fixed list of words; help lists the choices. */
export function choiceOption<T extends string>(flags: string, description: string, values: readonly T[], defaultValue?: T): Option {
  const name = /--([\w-]+)/.exec(flags)?.[1] ?? flags;
  const o = new Option(flags, description).choices(values).argParser(choiceArg(name, values));
  return defaultValue === undefined ? o : o.default(defaultValue);
}
