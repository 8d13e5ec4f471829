// `loradyn theory tau|critical|escape-law`: the escape-time theory from the command line.
import type { Command } from 'commander';
import type { TheoryPair } from '../theory.js';
import type { ActivationSpec } from '../config.js';
import { UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';
import { configureEscapeLaw } from './escape_law.js';

interface PairOptions {
  activation: string;
  teacher: string;
  hermiteRescale?: boolean;
  json?: boolean;
}

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

function pairFrom(o: PairOptions): TheoryPair {
  const t = o.teacher;
  return {
    activation: activationArg(o.activation),
    teacher: t === 'same' || t === 'square' ? t : activationArg(t),
    hermiteRescale: Boolean(o.hermiteRescale),
  };
}

/** Options every theory subcommand takes. */
function pairOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--activation <name>',
      "student link: linear, relu, erf, sigmoid, tanh, square, he<k>, sums such as 'he3+0.5*he5', or Hermite coefficients '[c0,c1,...]'",
    )
    .option('--teacher <link>', 'teacher link: same (matched), square (s*(z) = s(z)^2) or any activation', 'same')
    .option('--hermite-rescale', "the paper's eta / (k! k) for Hermite links: divides A and B by k! k")
    .option('--json', 'print JSON instead of a table');
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

async function runTau(o: PairOptions & { mu?: string; grid?: string }): Promise<number> {
  const { muGrid, tauCurve } = await import('../theory.js');
  if (o.mu !== undefined && o.grid !== undefined) throw new UsageError('give --mu or --grid, not both');
  let mu: number[];
  if (o.mu !== undefined) {
    const parts = o.mu.split(',').filter((s) => s.trim() !== '');
    if (!parts.length) throw new UsageError('--mu is empty');
    mu = parts.map((s) => {
      const x = Number(s);
      if (!Number.isFinite(x)) throw new UsageError(`--mu: "${s}" is not a number`);
      if (!(x >= 0 && x <= 1)) throw new UsageError(`--mu values must be in [0, 1] (got ${s})`);
      return x;
    });
  } else {
    const g = parseGrid(o.grid ?? '0.01:0.99:99');
    mu = muGrid(g.lo, g.hi, g.n);
  }
  const pts = await tauCurve(pairFrom(o), mu);
  if (o.json) {
    process.stdout.write(JSON.stringify(pts) + '\n');
  } else {
    process.stdout.write('mu          A             B             tau\n');
    for (const p of pts)
      process.stdout.write(`${p.mu.toFixed(6)}  ${fmt(p.A).padEnd(12)}  ${fmt(p.B).padEnd(12)}  ${fmt(p.tau)}${p.reason ? '  (' + p.reason + ')' : ''}\n`);
  }
  return 0;
}

async function runCritical(o: PairOptions & { grid?: string; tol?: string }): Promise<number> {
  const { criticalPoints } = await import('../theory.js');
  const g = o.grid !== undefined ? parseGrid(o.grid) : undefined;
  if (g && g.n < 3) throw new UsageError('--grid needs at least 3 points for a critical-point search');
  const tol = o.tol !== undefined ? Number(o.tol) : undefined;
  if (tol !== undefined && !(tol > 0)) throw new UsageError(`--tol must be a number > 0 (got ${o.tol})`);
  const c = await criticalPoints(pairFrom(o), g ? { lo: g.lo, hi: g.hi, points: g.n, tol } : { tol });
  if (o.json) {
    process.stdout.write(JSON.stringify(c) + '\n');
  } else {
    process.stdout.write(`zeros of A (tau infinite): ${c.zeros.length ? c.zeros.map((z) => z.toFixed(9)).join(', ') : 'none'}\n`);
    process.stdout.write(`local minima of tau: ${c.minima.length ? c.minima.map((m) => `mu=${m.mu.toFixed(9)} tau=${fmt(m.tau)}`).join(', ') : 'none'}\n`);
  }
  return 0;
}

export const theoryCommand: CliCommand = {
  name: 'theory',
  summary: 'escape-time theory: tau(mu) curves, critical points, the law of the escape time',
  configure(cmd) {
    examples(cmd, [
      ['loradyn theory tau --activation erf --mu 0.1,0.5,0.9', 'A(mu), B(mu) and tau(mu) at three strengths'],
      ['loradyn theory critical --activation he3 --hermite-rescale --json', 'mu_c (A = 0) and the minima of tau'],
    ]);
    const tau = pairOptions(cmd.command('tau').description('tau(mu) = 1 / lambda+ of the linearised saddle, with A(mu) and B(mu)'))
      .option('--mu <list>', 'comma-separated strengths in [0, 1], e.g. 0.1,0.5,0.9')
      .option('--grid <lo:hi:n>', 'n evenly spaced strengths from lo to hi (default 0.01:0.99:99)');
    examples(tau, [
      ['loradyn theory tau --activation erf --mu 0.1,0.5,0.9', 'three points as a table'],
      ['loradyn theory tau --activation he3 --hermite-rescale --grid 0:1:101 --json', 'a curve as JSON'],
    ]);
    tau.action(action((o: PairOptions & { mu?: string; grid?: string }) => runTau(o)));
    const crit = pairOptions(cmd.command('critical').description('zeros of A(mu) (tau infinite: the ODE never escapes) and local minima of tau(mu)'))
      .option('--grid <lo:hi:n>', 'search grid (default 0.001:0.999:2000, at least 3 points)')
      .option('--tol <x>', 'refinement tolerance in mu (default 1e-9)');
    examples(crit, [['loradyn theory critical --activation he3 --hermite-rescale', 'He3: mu_c = 0.3207 and two minima']]);
    crit.action(action((o: PairOptions & { grid?: string; tol?: string }) => runCritical(o)));
    configureEscapeLaw(cmd);
  },
};
