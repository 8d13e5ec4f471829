// `loradyn theory escape-law`: predicted quantiles of the escape step (lib/escape_law.ts).
import { escapeLaw, type EscapeLaw } from '../escape_law.js';
import { ConfigError } from '../errors.js';
import { parseArgs, UsageError } from './args.js';

export const escapeLawUsage =
  'loradyn theory escape-law --activation NAME [--teacher same|square|NAME] --mu M --d D --batch B --eta E\n' +
  '       [--threshold 0.5] [--loss-threshold F] [--noise X] [--u0 X] [--hermite-rescale] [--no-noise-drift] [--json]';

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

export async function runEscapeLaw(argv: string[]): Promise<number> {
  const a = parseArgs(argv, {
    values: ['activation', 'teacher', 'mu', 'd', 'batch', 'eta', 'threshold', 'loss-threshold', 'noise', 'u0'],
    booleans: ['hermite-rescale', 'no-noise-drift', 'json'],
  });
  if (a.positional.length) throw new UsageError(`unexpected argument ${a.positional[0]}`);
  for (const k of ['activation', 'mu', 'd', 'batch', 'eta']) if (a.values[k] === undefined) throw new UsageError(`--${k} is required`);
  const t = a.values.teacher ?? 'same';
  const spec = {
    activation: activationArg(a.values.activation!),
    teacher: t === 'same' || t === 'square' ? t : activationArg(t),
    mu: num(a.values.mu, 'mu')!,
    d: num(a.values.d, 'd')!,
    batch: num(a.values.batch, 'batch')!,
    eta: num(a.values.eta, 'eta')!,
    threshold: num(a.values.threshold, 'threshold'),
    lossThreshold: num(a.values['loss-threshold'], 'loss-threshold') ?? null,
    noise: num(a.values.noise, 'noise'),
    u0: num(a.values.u0, 'u0') ?? null,
    hermiteRescale: a.flags.has('hermite-rescale'),
    noiseDrift: !a.flags.has('no-noise-drift'),
  };
  let law: EscapeLaw;
  try {
    law = await escapeLaw(spec);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new UsageError(e.issues.map((i) => { const f = i.path.split('.')[0]!; return `${f && f !== 'escapeLaw' ? `--${OPTION[f] ?? f}: ` : ''}${i.message}`; }).join('; '));
    throw e;
  }
  if (a.flags.has('json')) {
    process.stdout.write(JSON.stringify(escapeLawJson(law)) + '\n');
    return 0;
  }
  const f = (x: number | null | undefined) => (x === null || x === undefined ? 'never' : x.toFixed(1));
  const out = process.stdout;
  out.write(`${law.spec.teacher === 'same' ? '' : 'teacher ' + JSON.stringify(law.spec.teacher) + ', '}mu = ${law.spec.mu}, d = ${law.spec.d}, B = ${law.spec.batch}, eta = ${law.spec.eta}${law.spec.hermiteRescale ? ` / (k! k) = ${law.etaEff.toPrecision(4)}` : ''}\n`);
  if (!law.finite) {
    out.write(`no escape along the linearisation: ${law.reason}\n`);
    return 0;
  }
  out.write(`A = ${law.A.toPrecision(6)}, B = ${law.B.toPrecision(6)}, tau = ${law.tau!.toPrecision(6)}, E[e^2] = ${law.sigma2.toPrecision(4)}, kappa = ${law.kappa.toPrecision(3)}\n`);
  out.write(`start along the unstable direction: sd ${Math.hypot(law.zeta.sdInit, law.zeta.sdNoise).toPrecision(4)} (random row ${law.zeta.sdInit.toPrecision(4)}, SGD noise ${law.zeta.sdNoise.toPrecision(4)})\n`);
  out.write(`first step with |m| >= ${law.spec.threshold}:` + law.quantiles.map((q) => `  ${qKey(q.p)} ${f(q.steps)}`).join('') + '\n');
  if (law.spec.lossThreshold !== null) out.write(`first step with L - noise/2 <= ${law.spec.lossThreshold} (L0 - noise/2):` + law.quantiles.map((q) => `  ${qKey(q.p)} ${f(q.lossSteps)}`).join('') + '\n');
  if (law.reason) out.write(`note: ${law.reason}\n`);
  for (const w of law.warnings) out.write(`warning: ${w}\n`);
  return 0;
}
