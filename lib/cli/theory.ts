// `loradyn theory tau|critical`: the escape-time theory from the command line.
import { criticalPoints, muGrid, tauCurve, type TheoryPair } from '../theory.js';
import type { ActivationSpec } from '../config.js';
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { escapeLawUsage, runEscapeLaw } from './escape_law.js';

const usage =
  'loradyn theory tau --activation NAME [--teacher same|square|NAME] [--mu 0.1,0.5,0.9 | --grid LO:HI:N] [--hermite-rescale] [--json]\n' +
  '       loradyn theory critical --activation NAME [--teacher ...] [--hermite-rescale] [--grid LO:HI:N] [--tol X] [--json]\n' +
  '       ' + escapeLawUsage;

function activationArg(v: string): ActivationSpec {
  // A JSON list of Hermite coefficients is accepted too: --activation '[0,1,0,0.5]'.
  if (v.trim().startsWith('[')) {
    let c: unknown;
    try {
      c = JSON.parse(v);
    } catch {
      throw new UsageError(`--activation: cannot parse Hermite coefficient list ${v}`);
    }
    if (!Array.isArray(c) || !c.every((x) => typeof x === 'number')) throw new UsageError('--activation: Hermite coefficients must be numbers');
    return { hermite: c as number[] };
  }
  return v;
}

function pairFrom(a: ParsedArgs): TheoryPair {
  const act = a.values.activation;
  if (!act) throw new UsageError('--activation is required');
  const t = a.values.teacher ?? 'same';
  return {
    activation: activationArg(act),
    teacher: t === 'same' || t === 'square' ? t : activationArg(t),
    hermiteRescale: a.flags.has('hermite-rescale'),
  };
}

function parseGrid(v: string): { lo: number; hi: number; n: number } {
  const parts = v.split(':');
  if (parts.length !== 3) throw new UsageError(`--grid must be LO:HI:N (got "${v}")`);
  const [lo, hi, n] = parts.map(Number) as [number, number, number];
  if (![lo, hi, n].every(Number.isFinite)) throw new UsageError(`--grid must be LO:HI:N with numbers (got "${v}")`);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--grid point count must be an integer >= 1 (got ${parts[2]})`);
  if (!(lo >= 0 && hi <= 1)) throw new UsageError(`--grid bounds must lie in [0, 1] (got ${lo}:${hi})`);
  if (n > 1 && !(hi > lo)) throw new UsageError(`--grid is empty or reversed: need LO < HI (got ${lo}:${hi})`);
  return { lo, hi, n };
}

function fmt(x: number | null): string {
  return x === null ? 'inf' : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(4) : x.toFixed(6);
}

async function runTau(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { values: ['activation', 'teacher', 'mu', 'grid'], booleans: ['hermite-rescale', 'json'] });
  if (a.positional.length) throw new UsageError(`unexpected argument ${a.positional[0]}`);
  if (a.values.mu !== undefined && a.values.grid !== undefined) throw new UsageError('give --mu or --grid, not both');
  let mu: number[];
  if (a.values.mu !== undefined) {
    const parts = a.values.mu.split(',').filter((s) => s.trim() !== '');
    if (!parts.length) throw new UsageError('--mu is empty');
    mu = parts.map((s) => {
      const x = Number(s);
      if (!Number.isFinite(x)) throw new UsageError(`--mu: "${s}" is not a number`);
      if (!(x >= 0 && x <= 1)) throw new UsageError(`--mu values must be in [0, 1] (got ${s})`);
      return x;
    });
  } else {
    const g = parseGrid(a.values.grid ?? '0.01:0.99:99');
    mu = muGrid(g.lo, g.hi, g.n);
  }
  const pts = await tauCurve(pairFrom(a), mu);
  if (a.flags.has('json')) {
    process.stdout.write(JSON.stringify(pts) + '\n');
  } else {
    process.stdout.write('mu          A             B             tau\n');
    for (const p of pts) process.stdout.write(`${p.mu.toFixed(6)}  ${fmt(p.A).padEnd(12)}  ${fmt(p.B).padEnd(12)}  ${fmt(p.tau)}${p.reason ? '  (' + p.reason + ')' : ''}\n`);
  }
  return 0;
}

async function runCritical(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { values: ['activation', 'teacher', 'grid', 'tol'], booleans: ['hermite-rescale', 'json'] });
  if (a.positional.length) throw new UsageError(`unexpected argument ${a.positional[0]}`);
  const g = a.values.grid !== undefined ? parseGrid(a.values.grid) : undefined;
  if (g && g.n < 3) throw new UsageError('--grid needs at least 3 points for a critical-point search');
  const tol = a.values.tol !== undefined ? Number(a.values.tol) : undefined;
  if (tol !== undefined && !(tol > 0)) throw new UsageError(`--tol must be a number > 0 (got ${a.values.tol})`);
  const c = await criticalPoints(pairFrom(a), g ? { lo: g.lo, hi: g.hi, points: g.n, tol } : { tol });
  if (a.flags.has('json')) {
    process.stdout.write(JSON.stringify(c) + '\n');
  } else {
    process.stdout.write(`zeros of A (tau infinite): ${c.zeros.length ? c.zeros.map((z) => z.toFixed(9)).join(', ') : 'none'}\n`);
    process.stdout.write(`local minima of tau: ${c.minima.length ? c.minima.map((m) => `mu=${m.mu.toFixed(9)} tau=${fmt(m.tau)}`).join(', ') : 'none'}\n`);
  }
  return 0;
}

export const theoryCommand: Command = {
  name: 'theory',
  summary: 'escape-time theory: tau(mu) curves, critical points, the law of the escape time',
  usage,
  run: async (argv) => {
    const [sub, ...rest] = argv;
    if (sub === 'tau') return runTau(rest);
    if (sub === 'critical') return runCritical(rest);
    if (sub === 'escape-law') return runEscapeLaw(rest);
    throw new UsageError(sub ? `unknown theory subcommand '${sub}' (known: tau, critical, escape-law)` : 'missing subcommand (tau, critical or escape-law)');
  },
};
