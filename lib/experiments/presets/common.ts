// Building blocks shared by the presets: run a set of sweeps at once, escape time against mu
// (simulation, ODE, theory), dynamics panels (median and IQR over seeds with the ODE overlaid).
import { tauCurve, type TheoryPair } from '../../theory.js';
import { escapeLaw } from '../../escape_law.js';
import type { ConfigInput, ActivationSpec } from '../../config.js';
import { bandOverSeeds, panelsSpec, type Panel, type Series, type XY } from '../../plots/charts.js';
import { renderFigure, type Figure } from '../../plots/render.js';
import type { Table } from '../../report/html.js';
import { summarizeEscapes, paperWindowMetric, type EscapeSummary } from '../escape_stats.js';
import { passages } from '../results.js';
import { escapedWithoutLoss, lossProgressPassages } from '../loss_progress.js';
import { runSweep } from '../runner.js';
import type { StoredRun } from '../store.js';
import { expandSweep, type ExpandedSweep, type SweepSpec } from '../sweep.js';
import type { PresetContext, Scale } from './types.js';

export const actLabel = (a: ActivationSpec) => (typeof a === 'string' ? a : `hermite${JSON.stringify(a.hermite)}`);

/** Expands every sweep, runs their union in one go (all cores busy), returns each sweep's runs per point. */
export async function runSweeps(
  ctx: PresetContext,
  label: string,
  sweeps: { name: string; spec: SweepSpec }[],
): Promise<{ name: string; ex: ExpandedSweep; points: StoredRun[][] }[]> {
  const expanded = sweeps.map((s) => ({ name: s.name, ex: expandSweep({ ...s.spec, name: s.name }) }));
  const all: ExpandedSweep = { name: label, points: expanded.flatMap((e) => e.ex.points), runs: expanded.flatMap((e) => e.ex.runs) };
  const rep = await runSweep(all, ctx.store, {
    executor: ctx.executor,
    signal: ctx.signal,
    onProgress: (p) => ctx.onProgress?.(label, p.fraction, p.etaMs, { done: p.runsDone, total: p.runsTotal }),
    onRun: ctx.onRun,
  });
  ctx.log(
    `${label}: ${rep.total} runs (${rep.cached} stored before, ${rep.computed} computed, ${rep.failed.length} failed) in ${(rep.wallMs / 1000).toFixed(1)} s`,
  );
  for (const f of rep.failed.slice(0, 5)) ctx.log(`  failed: ${JSON.stringify(f.coords)} seed ${f.seed}: ${f.error}`);
  return expanded.map(({ name, ex }) => ({
    name,
    ex,
    points: ex.points.map((p) =>
      ex.runs
        .filter((r) => r.point === p.index)
        .map((r) => ctx.store.get(r.hash))
        .filter((r): r is StoredRun => r !== null),
    ),
  }));
}

/** The effective eta of a stored run (t / step), which includes any Hermite rescale. */
export function etaOf(r: StoredRun): number {
  const n = r.run.step.length - 1;
  return r.run.step[n]! > 0 ? r.run.t[n]! / r.run.step[n]! : r.config.train.eta;
}

/** |m_11| (or the largest |m_ij|), loss and M_11 of a run at each recorded point. */
export function trace(r: StoredRun, what: 'absm' | 'loss' | 'M'): number[] {
  const run = r.run;
  const stride = run.rank * run.hidden;
  return run.step.map((_, i) => {
    if (what === 'loss') return run.popLoss[i] ?? NaN;
    if (what === 'M') return run.M[i * run.hidden * run.hidden] ?? NaN;
    let best = 0;
    for (let j = 0; j < stride; j++) best = Math.max(best, Math.abs(run.m[i * stride + j] ?? NaN));
    return best;
  });
}

/** Values of each run at the steps of the first run (runs share the log grid; events may add points). */
export function alignedTraces(runs: StoredRun[], what: 'absm' | 'loss' | 'M'): { step: number[]; curves: number[][] } {
  const step = runs[0]!.run.step.filter((s) => s > 0);
  const curves = runs.map((r) => {
    const v = trace(r, what);
    const map = new Map(r.run.step.map((s, i) => [s, v[i]!] as const));
    let last = NaN;
    return step.map((s) => {
      if (map.has(s)) last = map.get(s)!;
      return last;
    });
  });
  return { step, curves };
}

export const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

export interface EscapeCurveOptions {
  /** Figure name and title. */
  name: string;
  title: string;
  activations: ActivationSpec[];
  teacher?: 'same' | 'square' | ActivationSpec;
  kind?: 'aligned' | 'misaligned';
  mus: number[];
  d: number;
  batch: number;
  eta: number;
  hermiteRescale?: boolean;
  seeds: number;
  /** SGD steps = clamp(factor x ODE escape step, minSteps, maxSteps); maxSteps when the ODE never escapes. */
  factor?: number;
  minSteps?: number;
  maxSteps: number;
  engine?: 'reduced' | 'full';
  points?: number;
}

export interface EscapeCurveResult {
  figure: Figure;
  table: Table;
  configs: { name: string; value: unknown }[];
  rows: {
    activation: string;
    mu: number;
    sim: EscapeSummary;
    simPerLogD: number | null;
    odePerLogD: number | null;
    theoryHalfTau: number | null;
    windowMetric: number | null;
    law?: LawBand | null;
    lossSim: EscapeSummary;
    lossPerLogD: number | null;
    mOnly: number;
  }[];
  /** SGD runs per (activation, mu), for dynamics panels. */
  runs: Map<string, StoredRun[]>;
  ode: Map<string, StoredRun>;
}

const key = (a: ActivationSpec, mu: number) => `${actLabel(a)}|${mu}`;

/** The escape law's quantiles (lib/escape_law.ts) at one setting, in steps; null where it does not apply. */
export interface LawBand {
  q10: number | null;
  q25: number | null;
  q50: number | null;
  q75: number | null;
  q90: number | null;
  kappa: number;
}

/** The law at (activation, mu): aligned only; null where A(mu) = 0 or the flow never reaches 0.5. */
export async function lawBand(
  a: ActivationSpec,
  teacher: 'same' | 'square' | ActivationSpec,
  mu: number,
  d: number,
  batch: number,
  eta: number,
  hermiteRescale: boolean,
): Promise<LawBand | null> {
  try {
    const L = await escapeLaw({ activation: a, teacher, mu, d, batch, eta, hermiteRescale });
    if (!L.finite) return null;
    const [q10, q25, q50, q75, q90] = L.quantiles.map((q) => q.steps);
    return { q10: q10 ?? null, q25: q25 ?? null, q50: q50 ?? null, q75: q75 ?? null, q90: q90 ?? null, kappa: L.kappa };
  } catch {
    return null; // e.g. relu at mu = 0 (a Dirac delta of a zero-variance variable)
  }
}

/**
 * Escape time against mu: simulated KM median x eta / log d with its bootstrap CI, the ODE's
 * escape at the same d, and the linearised theory tau(mu) / 2 (t_exit = tau log sqrt(d)).
 */
export async function escapeCurves(ctx: PresetContext, o: EscapeCurveOptions): Promise<EscapeCurveResult> {
  const logd = Math.log(o.d);
  const modelBase = (a: ActivationSpec, mu: number): ConfigInput => ({
    model: { activation: a, teacher: o.teacher ?? 'same', d: o.d, pretrained: { kind: o.kind ?? 'aligned', mu } },
    train: { batch: o.batch, eta: o.eta, hermiteRescale: o.hermiteRescale ?? false, steps: o.maxSteps },
    record: { points: o.points ?? 120 },
    backend: 'cpu',
  });
  // Phase 1: the ODE at every point (milliseconds each) sizes the SGD runs.
  const odeSweeps = o.activations.map((a) => ({
    name: `ode ${actLabel(a)}`,
    spec: { base: { ...modelBase(a, 0.5), engine: 'ode' as const }, axes: { 'model.pretrained.mu': o.mus }, seeds: [0] },
  }));
  const odeRes = await runSweeps(ctx, `${o.name}: ODE`, odeSweeps);
  const ode = new Map<string, StoredRun>();
  odeRes.forEach((s, ai) => {
    s.points.forEach((runs, pi) => {
      if (runs[0]) ode.set(key(o.activations[ai]!, o.mus[pi]!), runs[0]);
    });
  });
  const sgdSweeps: { name: string; spec: SweepSpec }[] = [];
  for (const a of o.activations)
    for (const mu of o.mus) {
      const e = ode.get(key(a, mu))?.run.escape['0.5'] ?? null;
      const steps = e === null ? o.maxSteps : Math.min(o.maxSteps, Math.max(o.minSteps ?? 500, Math.ceil((o.factor ?? 4) * e)));
      const base = modelBase(a, mu);
      sgdSweeps.push({
        name: `sgd ${actLabel(a)} mu=${mu}`,
        spec: { base: { ...base, engine: o.engine ?? 'reduced', train: { ...base.train, steps } }, axes: {}, seeds: { count: o.seeds } },
      });
    }
  const sgdRes = await runSweeps(ctx, `${o.name}: SGD`, sgdSweeps);
  const runs = new Map<string, StoredRun[]>();
  let i = 0;
  for (const a of o.activations) for (const mu of o.mus) runs.set(key(a, mu), sgdRes[i++]!.points[0] ?? []);

  const fine = Array.from({ length: 97 }, (_, j) => 0.02 + (0.96 * j) / 96);
  const rows: EscapeCurveResult['rows'] = [];
  const series: Series[] = [];
  for (const a of o.activations) {
    // Time here is steps x eta_eff (eta already divided by k! k), so the matching theory is the
    // unrescaled tau: the rescaled tau (A, B / k! k) is in units of steps x eta instead.
    const pair: TheoryPair = { activation: a, teacher: o.teacher ?? 'same', hermiteRescale: false };
    const theory = o.kind === 'misaligned' ? null : await tauCurve(pair, fine);
    const atMu = o.kind === 'misaligned' ? null : await tauCurve(pair, o.mus);
    const label = actLabel(a);
    const sim: XY[] = [];
    const odeXY: XY[] = [];
    const outer: XY[] = [];
    const inner: XY[] = [];
    const lossXY: XY[] = [];
    const laws =
      o.kind === 'misaligned'
        ? o.mus.map(() => null)
        : await Promise.all(o.mus.map((mu) => lawBand(a, o.teacher ?? 'same', mu, o.d, o.batch, o.eta, o.hermiteRescale ?? false)));
    o.mus.forEach((mu, j) => {
      const rs = runs.get(key(a, mu)) ?? [];
      const s = summarizeEscapes(passages(rs), { seed: 1 + j, resamples: 1000 });
      const eta = rs[0] ? etaOf(rs[0]) : o.eta;
      const per = (x: number | null) => (x === null ? null : (x * eta) / logd);
      const od = ode.get(key(a, mu));
      const odeE = od?.run.escape['0.5'] ?? null;
      const odePer = od && odeE !== null ? (odeE * etaOf(od)) / logd : null;
      const avg = rs.length ? meanAbs(rs) : null;
      const wm = avg ? paperWindowMetric(avg.step, avg.value, mu) : null;
      const law = laws[j] ?? null;
      // Progress by loss beside |m|: runs that escape by |m| with the loss not halved are flagged.
      const ls = summarizeEscapes(lossProgressPassages(rs), { seed: 1 + j, resamples: 1000 });
      const mOnly = escapedWithoutLoss(rs);
      rows.push({
        activation: label,
        mu,
        sim: s,
        simPerLogD: per(s.median),
        odePerLogD: odePer,
        theoryHalfTau: atMu?.[j]?.tau != null ? atMu[j]!.tau! / 2 : null,
        windowMetric: wm ? wm.mean : null,
        law,
        lossSim: ls,
        lossPerLogD: per(ls.median),
        mOnly,
      });
      lossXY.push({ x: mu, y: per(ls.median) });
      if (law) {
        outer.push({ x: mu, y: null, lo: per(law.q10), hi: per(law.q90) });
        inner.push({ x: mu, y: null, lo: per(law.q25), hi: per(law.q75) });
      }
      sim.push({ x: mu, y: per(s.median), lo: per(s.medianCI.lo), hi: s.medianCI.hi === null ? null : per(s.medianCI.hi) });
      odeXY.push({ x: mu, y: odePer });
    });
    series.push({ name: label, kind: 'points', key: 'SGD: KM median, 95% CI', data: sim });
    series.push({ name: label, kind: 'points', hollow: true, key: 'SGD: loss halved (rings)', data: lossXY });
    // Settings where fewer than half the runs escaped have no median: drawn at the budget, never dropped.
    const censored = o.mus.flatMap((mu, j) => {
      if (sim[j]!.y !== null) return [];
      const rs = runs.get(key(a, mu)) ?? [];
      const budget = rs[0]?.config.train.steps;
      const eta = rs[0] ? etaOf(rs[0]) : o.eta;
      return budget ? [{ x: mu, y: (budget * eta) / logd, lo: null, hi: null }] : [];
    });
    if (censored.length)
      series.push({
        name: label,
        kind: 'points',
        shape: 'triangle-up',
        key: 'censored: drawn at the budget',
        data: censored.map((d) => ({ ...d, lo: d.y, hi: d.y })),
      });
    series.push({ name: label, kind: 'line', key: 'ODE', data: odeXY });
    if (theory)
      series.push({
        name: label,
        kind: 'line',
        dashed: true,
        key: 'theory: tau/2',
        data: theory.map((p) => ({ x: p.mu, y: p.tau === null ? null : p.tau / 2 })),
      });
    // The escape law's quantile bands, q10-q90 and q25-q75 (the two overlap, darker inside).
    if (outer.length) series.push({ name: label, kind: 'band', key: 'escape law: q10-q90, q25-q75', data: outer }, { name: label, kind: 'band', data: inner });
  }
  // The escape axis spans what was simulated (SGD with its intervals, censored markers, ODE); the
  // theory is drawn within it, so tau(mu) -> infinity near mu = 1 or mu_c cannot stretch it.
  const seen = series
    .filter((s) => !s.dashed)
    .flatMap((s) => s.data.flatMap((d) => [d.y, d.lo, d.hi]))
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  const domain: [number, number] | undefined = seen.length ? [Math.min(...seen) / 1.3, Math.max(...seen) * 1.3] : undefined;
  const panel: Panel = { title: o.title, x: { title: 'pre-training strength mu' }, y: { title: 'escape time x eta / log d', log: true, domain }, series };
  const setting = `d = ${o.d}, B = ${o.batch}, eta = ${o.eta}${o.hermiteRescale ? ' / (k! k)' : ''}, ${o.seeds} seeds; escape: first |m| >= 0.5`;
  const figure = await renderFigure(
    o.name,
    `${o.title}: escape time x eta / log d against mu, ${setting}`,
    panelsSpec([panel], { title: o.title, subtitle: setting, width: 520, height: 320, legendTitle: 'activation' }),
  );
  const table: Table = {
    title: `${o.title}: escape statistics (threshold |m| >= 0.5, d = ${o.d}; loss halved: first step with L - noise/2 <= (L(0) - noise/2) / 2, on the record grid; flagged runs count as escapes by |m| alone)`,
    columns: [
      'activation',
      'mu',
      'runs',
      'escaped',
      'KM median (steps)',
      '95% CI',
      'mean (steps)',
      'median x eta / log d',
      'ODE x eta / log d',
      'theory tau/2',
      'escape law median [q10, q90] (steps)',
      'paper window metric (steps)',
      'loss halved: escaped, KM median (steps)',
      'flag: |m| escaped, loss not halved',
    ],
    rows: rows.map((r) => [
      r.activation,
      r.mu,
      r.sim.runs,
      `${r.sim.escaped}`,
      r.sim.median,
      `[${r.sim.medianCI.lo ?? '-'}, ${r.sim.medianCI.hi ?? 'inf'}]`,
      fmt(r.sim.mean, 1) === null ? null : `${fmt(r.sim.mean, 1)}${r.sim.meanRestricted ? ' (restricted)' : ''}`,
      fmt(r.simPerLogD, 3),
      fmt(r.odePerLogD, 3),
      fmt(r.theoryHalfTau, 3),
      lawCell(r.law),
      fmt(r.windowMetric, 0),
      `${r.lossSim.escaped}, ${r.lossSim.median ?? '-'}`,
      r.mOnly ? `${r.mOnly} of ${r.sim.runs} runs` : '',
    ]),
  };
  return { figure, table, configs: [...odeSweeps, ...sgdSweeps].map((s) => ({ name: s.name, value: s.spec })), rows, runs, ode };
}

function lawCell(l: LawBand | null | undefined): string | null {
  if (!l) return null;
  const f = (x: number | null) => (x === null ? 'never' : x.toFixed(0));
  return `${f(l.q50)} [${f(l.q10)}, ${f(l.q90)}]${l.kappa > 1.5 ? ` (kappa ${l.kappa.toFixed(1)})` : ''}`;
}

function meanAbs(rs: StoredRun[]): { step: number[]; value: number[] } {
  const { step, curves } = alignedTraces(rs, 'absm');
  return { step, value: step.map((_, i) => curves.reduce((a, c) => a + c[i]!, 0) / curves.length) };
}

/**
 * Loss, |m| and M = mu + u m against steps (log axis): SGD median and IQR over seeds, ODE dashed.
 * A group with `ownLossScale` (curriculum stage 1, whose loss is against y^2: about 1.7e3) does
 * not set the loss axis' range (the other groups do, in whole decades); it is clipped to it, and
 * the loss panel's title gives its level.
 */
export async function dynamicsFigure(
  name: string,
  title: string,
  groups: { label: string; sgd: StoredRun[]; ode?: StoredRun; ownLossScale?: boolean }[],
  whats: ('loss' | 'absm' | 'M')[] = ['loss', 'absm', 'M'],
): Promise<Figure> {
  const yTitle = { loss: 'population loss', absm: '|m|', M: 'M = mu + u m' };
  const panels: Panel[] = whats.map((w) => {
    const series: Series[] = [];
    for (const g of groups) {
      if (g.sgd.length) {
        const { step, curves: raw } = alignedTraces(g.sgd, w);
        // Losses below 1e-10 are rounding noise around the global minimum; floor them for the log axis.
        const curves = w === 'loss' ? raw.map((c) => c.map((x) => Math.max(x, 1e-10))) : raw;
        series.push({ name: g.label, kind: 'band', key: 'SGD: median, IQR over seeds', data: bandOverSeeds(step, curves) });
      }
      if (g.ode) {
        const v = trace(g.ode, w).map((x) => (w === 'loss' ? Math.max(x, 1e-10) : x));
        series.push({ name: g.label, kind: 'line', dashed: true, key: 'ODE', data: g.ode.run.step.map((s, i) => ({ x: s, y: v[i]! })) });
      }
    }
    // Losses span many decades: plain numbers near 1, powers of ten far from it (1e-7, not 1e-7 beside 3e+0).
    const other = w === 'loss' ? groups.filter((g) => g.ownLossScale) : [];
    const range = other.length ? lossDecades(series.filter((s) => !other.some((g) => g.label === s.name))) : null;
    // Where each off-range group sits: the median of its runs' final losses.
    const offScale = range
      ? other.flatMap((g) => {
          const last = g.sgd.map((r) => r.run.popLoss.at(-1)!).filter((x) => Number.isFinite(x) && x > 0);
          if (!last.length) return [];
          const m = medianOf(last);
          return m > range[1] || m < range[0] ? [`${g.label} ~${Number(m.toPrecision(2))}, off scale`] : [];
        })
      : [];
    return {
      title: offScale.length ? `${yTitle[w]} (${offScale.join('; ')})` : yTitle[w],
      x: { title: 'steps', log: true },
      y: { title: yTitle[w], log: w === 'loss', ...(w === 'loss' ? { powers: true } : {}), ...(range ? { domain: range } : {}) },
      series,
    };
  });
  const byMu = groups.every((g) => /mu\s*=\s*[\d.]+/.test(g.label));
  return renderFigure(
    name,
    title,
    panelsSpec(panels, { title, width: 260, height: 200, columns: 3, ...(byMu ? { legendTitle: 'pre-training' } : {}), sequential: groups.length > 2 && byMu }),
  );
}

/** The whole decades [10^floor(log10 min), 10^ceil(log10 max)] holding every positive y, lo and hi of the series; null when there is none. */
function lossDecades(series: Series[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const d of s.data)
      for (const v of [d.y, d.lo, d.hi])
        if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
  if (!(lo <= hi)) return null;
  const a = 10 ** Math.floor(Math.log10(lo));
  const b = 10 ** Math.ceil(Math.log10(hi));
  return [a, b > a ? b : a * 10];
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const pick = <T>(scale: Scale, v: { tiny: T; quick: T; paper: T }): T => v[scale];

/** tau(mu) curves from the theory, with the critical points (A = 0) listed. */
export async function theoryFigure(
  name: string,
  title: string,
  pairs: { label: string; pair: TheoryPair }[],
  n = 197,
): Promise<{ figure: Figure; table: Table; numbers: Record<string, unknown> }> {
  const { criticalPoints } = await import('../../theory.js');
  const mu = Array.from({ length: n }, (_, j) => 0.01 + (0.98 * j) / (n - 1));
  const series: Series[] = [];
  const rows: (string | number | null)[][] = [];
  const numbers: Record<string, unknown> = {};
  for (const p of pairs) {
    const c = await tauCurve(p.pair, mu);
    series.push({ name: p.label, kind: 'line', data: c.map((q) => ({ x: q.mu, y: q.tau })) });
    const cp = await criticalPoints(p.pair);
    const zeros = cp.zeros.map((z) => z.toFixed(4)).join(', ') || 'none';
    const minima = cp.minima.map((m) => `${m.mu.toFixed(3)} (tau ${m.tau.toPrecision(3)})`).join(', ') || 'none';
    rows.push([p.label, zeros, minima]);
    numbers[p.label] = { zeros: cp.zeros, minima: cp.minima };
  }
  const figure = await renderFigure(
    name,
    title,
    panelsSpec([{ title, x: { title: 'mu' }, y: { title: 'tau(mu)', log: true }, series }], { width: 520, height: 320 }),
  );
  return { figure, table: { title: `${title}: critical points`, columns: ['link', 'mu_c (A = 0, tau infinite)', 'local minima of tau'], rows }, numbers };
}
