// `loradyn theory escape-law`: predicted quantiles of the escape step (lib/escape_law.ts).
import type { Command } from 'commander';
import type { EscapeLaw } from '../escape_law.js';
import { ConfigError } from '../errors.js';
import { UsageError } from './args.js';
import { action, examples } from './command.js';

interface LawOptions {
  activation: string;
  teacher: string;
  mu: string;
  d: string;
  batch: string;
  eta: string;
  threshold?: string;
  lossThreshold?: string;
  noise?: string;
  u0?: string;
  hermiteRescale?: boolean;
  noiseDrift?: boolean;
  json?: boolean;
}

const OPTION: Record<string, string> = { lossThreshold: 'loss-threshold', hermiteRescale: 'hermite-rescale', noiseDrift: 'no-noise-drift' };

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name} must be a number (got "${v}")`);
  return x;
}

function activationArg(v: string): string | { hermite: number[] } {
  if (!v.trim().startsWith('[')) return v;
  try {
    const c: unknown = JSON.parse(v);
    if (Array.isArray(c) && c.every((x) => typeof x === 'number')) return { hermite: c as number[] };
  } catch {
    // fall through
  }
  throw new UsageError(`--activation: cannot parse Hermite coefficient list ${v}`);
}

const qKey = (p: number) => `q${Math.round(p * 100)}`;

/** The JSON the command prints: quantiles keyed q10 ... q90 (null where the flow never gets there). */
export function escapeLawJson(law: EscapeLaw): Record<string, unknown> {
  const q = Object.fromEntries(law.quantiles.map((x) => [qKey(x.p), x.steps]));
  const lq = law.spec.lossThreshold === null ? null : Object.fromEntries(law.quantiles.map((x) => [qKey(x.p), x.lossSteps ?? null]));
  const { quantiles, ...rest } = law;
  return { quantiles: q, lossQuantiles: lq, ...rest, zetaQuantiles: Object.fromEntries(quantiles.map((x) => [qKey(x.p), x.zeta])) };
}

async function runEscapeLaw(o: LawOptions): Promise<number> {
  const { escapeLaw } = await import('../escape_law.js');
  const t = o.teacher;
  const spec = {
    activation: activationArg(o.activation),
    teacher: t === 'same' || t === 'square' ? t : activationArg(t),
    mu: num(o.mu, 'mu')!,
    d: num(o.d, 'd')!,
    batch: num(o.batch, 'batch')!,
    eta: num(o.eta, 'eta')!,
    threshold: num(o.threshold, 'threshold'),
    lossThreshold: num(o.lossThreshold, 'loss-threshold') ?? null,
    noise: num(o.noise, 'noise'),
    u0: num(o.u0, 'u0') ?? null,
    hermiteRescale: Boolean(o.hermiteRescale),
    noiseDrift: o.noiseDrift !== false,
  };
  let law: EscapeLaw;
  try {
    law = await escapeLaw(spec);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new UsageError(
        e.issues
          .map((i) => {
            const f = i.path.split('.')[0]!;
            return `${f && f !== 'escapeLaw' ? `--${OPTION[f] ?? f}: ` : ''}${i.message}`;
          })
          .join('; '),
      );
    throw e;
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(escapeLawJson(law)) + '\n');
    return 0;
  }
  const f = (x: number | null | undefined) => (x === null || x === undefined ? 'never' : x.toFixed(1));
  const out = process.stdout;
  out.write(
    `${law.spec.teacher === 'same' ? '' : 'teacher ' + JSON.stringify(law.spec.teacher) + ', '}mu = ${law.spec.mu}, d = ${law.spec.d}, B = ${law.spec.batch}, eta = ${law.spec.eta}${law.spec.hermiteRescale ? ` / (k! k) = ${law.etaEff.toPrecision(4)}` : ''}\n`,
  );
  if (!law.finite) {
    out.write(`no escape along the linearisation: ${law.reason}\n`);
    return 0;
  }
  out.write(
    `A = ${law.A.toPrecision(6)}, B = ${law.B.toPrecision(6)}, tau = ${law.tau!.toPrecision(6)}, E[e^2] = ${law.sigma2.toPrecision(4)}, kappa = ${law.kappa.toPrecision(3)}\n`,
  );
  out.write(
    `start along the unstable direction: sd ${Math.hypot(law.zeta.sdInit, law.zeta.sdNoise).toPrecision(4)} (random row ${law.zeta.sdInit.toPrecision(4)}, SGD noise ${law.zeta.sdNoise.toPrecision(4)})\n`,
  );
  out.write(`first step with |m| >= ${law.spec.threshold}:` + law.quantiles.map((q) => `  ${qKey(q.p)} ${f(q.steps)}`).join('') + '\n');
  if (law.spec.lossThreshold !== null)
    out.write(
      `first step with L - noise/2 <= ${law.spec.lossThreshold} (L0 - noise/2):` + law.quantiles.map((q) => `  ${qKey(q.p)} ${f(q.lossSteps)}`).join('') + '\n',
    );
  if (law.reason) out.write(`note: ${law.reason}\n`);
  for (const w of law.warnings) out.write(`warning: ${w}\n`);
  return 0;
}

/** Declares `theory escape-law` under the theory command. */
export function configureEscapeLaw(theory: Command): void {
  const cmd = theory
    .command('escape-law')
    .description(
      'the law of the escape time: predicted quantiles q10 ... q90 of the first step with |m| >= threshold (rank 1, aligned w0 = mu w*; derivation in native/core/theory/escape_law.md)',
    )
    .requiredOption('--activation <name>', "student link: linear, relu, erf, sigmoid, tanh, he<k>, sums, or Hermite coefficients '[c0,c1,...]'")
    .option('--teacher <link>', 'same, square or any activation', 'same')
    .requiredOption('--mu <x>', 'pre-training strength in [0, 1]')
    .requiredOption('--d <n>', 'input dimension (>= 3)')
    .requiredOption('--batch <n>', 'batch size B (>= 1)')
    .requiredOption('--eta <x>', 'learning rate (before the Hermite rescale)')
    .option('--threshold <x>', 'escape threshold on |m|, in (0, 1)', '0.5')
    .option('--loss-threshold <f>', 'also predict the first step with L - noise/2 <= f (L0 - noise/2), f in (0, 1)')
    .option('--noise <x>', 'label-noise variance', '0')
    .option('--u0 <x>', 'initial u (default 1/d^2)')
    .option('--hermite-rescale', "the paper's eta / (k! k) for Hermite links")
    .option('--no-noise-drift', "leave SGD's O(eta d / B) drift out of the nonlinear part (the pure flow)")
    .option('--json', "print JSON: quantiles {q10 ... q90}, lossQuantiles, and the law's parts");
  examples(cmd, [
    ['loradyn theory escape-law --activation erf --mu 0.4 --d 1000 --batch 500 --eta 0.2', "quantiles of the escape step at the paper's settings"],
    [
      'loradyn theory escape-law --activation he3 --mu 0.2 --d 1000 --batch 500 --eta 0.2 --hermite-rescale --loss-threshold 0.5 --json',
      '|m| escapes, the loss does not (below mu_c)',
    ],
  ]);
  cmd.action(action((o: LawOptions) => runEscapeLaw(o)));
}
