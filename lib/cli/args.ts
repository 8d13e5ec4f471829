// A small, strict argument parser: unknown flags are errors, not silently ignored.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Flags that take a value (e.g. "out" for --out FILE). */
  values?: string[];
  /** Boolean flags (e.g. "json"). */
  booleans?: string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Record<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  const takesValue = new Set(spec.values ?? []);
  const isBool = new Set([...(spec.booleans ?? []), 'help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') {
      flags.add('help');
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (takesValue.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      values[name] = v;
    } else if (isBool.has(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, values, flags };
}

/** Parses a positive integer option. */
export function intOption(v: string | undefined, name: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min} (got "${v}")`);
  return n;
}
