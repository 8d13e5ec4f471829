// SPEC 7.3, beyond the paper: when does pre-training hurt? For each link, the ODE's population
// loss after a fine-tuning budget of T steps against the pre-training strength mu (heat maps with
// the best mu drawn), the steps to reach a target loss against mu, the best mu for each budget and
// each target, and the budget beyond which weaker pre-training wins; the ODE checked against the
// exact reduced chain (SGD at the same d, B, eta) at a few points.
import { populationLoss } from '../../primitives.js';
import type { ActivationSpec } from '../../config.js';
import { panelsSpec, type Series } from '../../plots/charts.js';
import { heatmapSpec, type HeatCell } from '../../plots/heatmap.js';
import { renderFigure, type Figure } from '../../plots/render.js';
import type { Table } from '../../report/html.js';
import type { StoredRun } from '../store.js';
import { pick, runSweeps } from './common.js';
import type { Preset, Section } from './types.js';

/** A loss curve L(step) from a run's record, for interpolation at any budget. */
export interface LossCurve {
  step: number[];
  loss: number[];
}

export function lossCurve(r: StoredRun): LossCurve {
  let last = NaN;
  return {
    step: Array.from(r.run.step),
    loss: r.run.popLoss.map((x) => {
      if (x !== null) last = x;
      return last;
    }),
  };
}

const LOG_FLOOR = 1e-300;

/** L at step T: linear in log step and log loss between recorded points; the last value past the end. */
export function lossAt(c: LossCurve, T: number): number {
  const s = c.step,
    l = c.loss;
  if (T <= s[0]!) return l[0]!;
  for (let i = 1; i < s.length; i++)
    if (T <= s[i]!) {
      const a = s[i - 1]!,
        b = s[i]!;
      if (T === b) return l[i]!;
      if (a <= 0) return l[i - 1]! + ((T - a) / (b - a)) * (l[i]! - l[i - 1]!);
      const w = Math.log(T / a) / Math.log(b / a);
      return Math.exp((1 - w) * Math.log(Math.max(l[i - 1]!, LOG_FLOOR)) + w * Math.log(Math.max(l[i]!, LOG_FLOOR)));
    }
  return l[l.length - 1]!;
}

/** First step at which L <= eps (log-log interpolation between recorded points); null if never. */
export function stepsToLoss(c: LossCurve, eps: number): number | null {
  const s = c.step,
    l = c.loss;
  if (l[0]! <= eps) return 0;
  for (let i = 1; i < s.length; i++)
    if (l[i]! <= eps) {
      const a = s[i - 1]!,
        b = s[i]!;
      if (a <= 0 || l[i] === eps) return b;
      const la = Math.log(Math.max(l[i - 1]!, LOG_FLOOR)),
        lb = Math.log(Math.max(l[i]!, LOG_FLOOR));
      const w = la === lb ? 1 : (la - Math.log(eps)) / (la - lb);
      return Math.exp(Math.log(a) + w * Math.log(b / a));
    }
  return null;
}

export interface OptimalMu {
  activation: string;
  budgetSteps: number;
  /** The best mu: least loss after the budget (losses below the floor tie; ties go to the mu that got below the floor first). */
  mu: number;
  /** Its loss after the budget, floored at the ODE's resolution (1e-8 L(w = 0)). */
  loss: number;
  /** Every mu within 1% of the best loss (or below the floor with it). */
  muRange: [number, number];
}

export interface OptimalMuForTarget {
  activation: string;
  /** The target population loss, eps = fraction x L(w = 0). */
  eps: number;
  fraction: number;
  /** The mu that reaches L <= eps in the fewest steps; null if none does within the horizon. */
  mu: number | null;
  steps: number | null;
  /** True when the pre-trained model (mu) is already at the target (0 steps): the least such mu is given. */
  atStart: boolean;
}

/** The best mu at budget T over curves[i] (at mus[i]); `floor` is the loss resolution. */
export function optimalAt(activation: string, mus: number[], curves: LossCurve[], T: number, floor: number): OptimalMu {
  const L = curves.map((c) => Math.max(lossAt(c, T), floor));
  const tFloor = curves.map((c) => stepsToLoss(c, floor) ?? Infinity);
  let best = 0;
  for (let i = 1; i < mus.length; i++) {
    const better = L[i]! < L[best]! * (1 - 1e-12) || (L[i]! <= L[best]! * (1 + 1e-12) && tFloor[i]! < tFloor[best]!);
    if (better) best = i;
  }
  const near = mus.filter((_, i) => L[i]! <= L[best]! * 1.01);
  return { activation, budgetSteps: T, mu: mus[best]!, loss: L[best]!, muRange: [Math.min(...near), Math.max(...near)] };
}

export function optimalForTarget(activation: string, mus: number[], curves: LossCurve[], eps: number, fraction: number): OptimalMuForTarget {
  const steps = curves.map((c) => stepsToLoss(c, eps));
  let best = -1;
  for (let i = 0; i < mus.length; i++) if (steps[i] !== null && (best < 0 || steps[i]! < steps[best]!)) best = i;
  return { activation, eps, fraction, mu: best < 0 ? null : mus[best]!, steps: best < 0 ? null : steps[best]!, atStart: best >= 0 && steps[best] === 0 };
}

/** Log-spaced budgets from lo to hi, `perDecade` per decade (rounded to whole steps, distinct). */
export function budgetGrid(lo: number, hi: number, perDecade: number): number[] {
  const n = Math.round(Math.log10(hi / lo) * perDecade);
  return [...new Set(Array.from({ length: n + 1 }, (_, i) => Math.round(lo * 10 ** (i / perDecade))))];
}

interface LinkSpec {
  label: string;
  activation: ActivationSpec;
  hermiteRescale: boolean;
  check: number[];
}

export const whenItHurts: Preset = {
  name: 'when-it-hurts',
  item: '7.3 (beyond the paper)',
  title: 'When pre-training hurts: the loss after a fine-tuning budget against mu, and the best mu for each budget and target',
  async run(ctx) {
    const s = ctx.scale;
    const links: LinkSpec[] = [
      { label: 'linear', activation: 'linear', hermiteRescale: false, check: [0.3, 0.7] },
      { label: 'erf', activation: 'erf', hermiteRescale: false, check: [0.3, 0.7] },
      { label: 'relu', activation: 'relu', hermiteRescale: false, check: [0.3, 0.7] },
      { label: 'sigmoid', activation: 'sigmoid', hermiteRescale: false, check: [0.3, 0.7] },
      { label: 'he3', activation: 'he3', hermiteRescale: true, check: [0.2, 0.6] },
    ].filter((l) => s !== 'tiny' || l.label === 'linear' || l.label === 'he3');
    const mus = pick(s, {
      tiny: [0.1, 0.3, 0.5, 0.7, 0.9],
      quick: Array.from({ length: 19 }, (_, i) => Number((0.05 * (i + 1)).toFixed(2))),
      paper: Array.from({ length: 49 }, (_, i) => Number((0.02 * (i + 1)).toFixed(2))),
    });
    const d = pick(s, { tiny: 200, quick: 1000, paper: 1000 });
    const batch = pick(s, { tiny: 100, quick: 500, paper: 500 });
    const eta = 0.2;
    const maxBudget = pick(s, { tiny: 2000, quick: 100000, paper: 100000 });
    const points = pick(s, { tiny: 160, quick: 500, paper: 1000 });
    const budgets = pick(s, { tiny: budgetGrid(10, 1000, 2), quick: budgetGrid(10, 100000, 2), paper: budgetGrid(10, 100000, 4) });
    const fractions = [1e-2, 1e-3, 1e-4, 1e-6];

    // 1. The ODE at every (link, mu), recorded on a fine log grid up to the largest budget.
    const base = (l: LinkSpec) => ({
      model: { activation: l.activation, d, pretrained: { mu: 0.5 } },
      train: { batch, eta, hermiteRescale: l.hermiteRescale, steps: maxBudget },
      record: { points },
      backend: 'cpu' as const,
    });
    const odeSweeps = links.map((l) => ({
      name: `ode ${l.label}`,
      spec: { base: { ...base(l), engine: 'ode' as const }, axes: { 'model.pretrained.mu': mus }, seeds: [0] },
    }));
    const odeSw = await runSweeps(ctx, 'when-it-hurts: ODE', odeSweeps);

    const sections: Section[] = [];
    const optimalMu: OptimalMu[] = [];
    const optimalMuForTarget: OptimalMuForTarget[] = [];
    const crossover: { activation: string; budgetSteps: number | null; muBefore: number; muAfter: number | null }[] = [];
    const heatmaps: Figure[] = [];
    const optSeries: Series[] = [];
    const targetPanels = [];
    const fineT = budgetGrid(10, maxBudget, 40);
    const floorOf: number[] = [];
    for (let li = 0; li < links.length; li++) {
      const l = links[li]!;
      const runs = odeSw[li]!.points.map((p) => p[0]);
      const okIdx = runs.map((r, i) => (r && r.run.divergedStep === null ? i : -1)).filter((i) => i >= 0);
      const m = okIdx.map((i) => mus[i]!);
      const curves = okIdx.map((i) => lossCurve(runs[i]!));
      if (okIdx.length < mus.length) ctx.log(`when-it-hurts: ${l.label}: ${mus.length - okIdx.length} ODE run(s) missing or diverged, left out`);
      // L(w = 0): the loss with no pre-training at all and u = 0; targets are fractions of it.
      const L0 = populationLoss({ model: { activation: l.activation } }, [0], [0]);
      // The ODE's loss is resolved to about 1e-9 (the integrator keeps the rows within ~1e-10 of
      // the sphere), so losses below 1e-8 L(w = 0) count as solved and tie.
      const floor = 1e-8 * L0;
      floorOf[li] = floor;
      for (const T of budgets) optimalMu.push(optimalAt(l.label, m, curves, T, floor));
      for (const f of fractions) optimalMuForTarget.push(optimalForTarget(l.label, m, curves, f * L0, f));
      // The budget beyond which the strongest pre-training on the grid stops being best.
      const opt = fineT.map((T) => optimalAt(l.label, m, curves, T, floor));
      const top = m[m.length - 1]!;
      const firstLower = opt.find((o) => o.mu < top);
      crossover.push({ activation: l.label, budgetSteps: firstLower?.budgetSteps ?? null, muBefore: top, muAfter: firstLower?.mu ?? null });
      // Heat map: mu (rows) against budget (columns), colour log10 L, the best-mu curve on top.
      const cols = budgetGrid(10, maxBudget, 12);
      const cells: HeatCell[] = [];
      const dmu = m.length > 1 ? m[1]! - m[0]! : 0.1;
      for (let j = 0; j < cols.length; j++) {
        const x0 = j === 0 ? cols[0]! / 10 ** (1 / 24) : Math.sqrt(cols[j - 1]! * cols[j]!);
        const x1 = j === cols.length - 1 ? cols[j]! * 10 ** (1 / 24) : Math.sqrt(cols[j]! * cols[j + 1]!);
        for (let i = 0; i < m.length; i++) {
          const L = Math.max(lossAt(curves[i]!, cols[j]!), floor);
          cells.push({ x0, x1, y0: m[i]! - dmu / 2, y1: m[i]! + dmu / 2, value: Math.log10(L) });
        }
      }
      const curve = opt.map((o) => ({ x: o.budgetSteps, y: o.mu }));
      heatmaps.push(
        await renderFigure(
          `when-it-hurts-${l.label}`,
          `${l.label}: population loss after T steps against mu (ODE, d = ${d}, eta = ${eta}${l.hermiteRescale ? ' / (k! k)' : ''}); white: the best mu`,
          heatmapSpec(cells, {
            title: `${l.label}: log10 L(T; mu), best mu in white`,
            x: { title: 'fine-tuning budget T (steps)', log: true },
            y: { title: 'pre-training strength mu' },
            colorTitle: 'log10 loss',
            curves: [{ name: 'best mu', points: curve }],
          }),
        ),
      );
      optSeries.push({ name: l.label, kind: 'line', data: curve });
      const tSeries: Series[] = fractions.map((f) => ({
        name: `eps = ${f} L(0)`,
        kind: 'line',
        data: m.map((mu, i) => ({ x: mu, y: stepsToLoss(curves[i]!, f * L0) })),
      }));
      targetPanels.push({
        title: l.label,
        x: { title: 'mu', domain: [0, 1] as [number, number] },
        y: { title: 'steps to L <= eps', log: true },
        series: tSeries,
      });
    }
    const optFig = await renderFigure(
      'when-it-hurts-optimal-mu',
      'The best pre-training strength against the fine-tuning budget (ODE)',
      panelsSpec(
        [{ title: 'best mu against budget', x: { title: 'budget T (steps)', log: true }, y: { title: 'best mu', domain: [0, 1] }, series: optSeries }],
        { width: 520, height: 300 },
      ),
    );
    const targetFig = await renderFigure(
      'when-it-hurts-targets',
      'Steps to reach a target loss eps against mu (ODE); eps as a fraction of the loss with no pre-training',
      panelsSpec(targetPanels, { columns: 3, width: 240, height: 190, legendTitle: 'target' }),
    );

    // 2. The ODE against SGD (the exact reduced chain at the same d, B, eta) at a few points.
    const checkBudgets = pick(s, { tiny: [100, 1000], quick: [100, 1000, 10000], paper: [100, 1000, 10000, 30000] });
    const seeds = pick(s, { tiny: 4, quick: 16, paper: 24 });
    const sgdSweeps = links.map((l) => ({
      name: `sgd ${l.label}`,
      spec: {
        base: { ...base(l), engine: 'reduced' as const, train: { ...base(l).train, steps: checkBudgets[checkBudgets.length - 1]! }, record: { points: 200 } },
        axes: { 'model.pretrained.mu': l.check },
        seeds: { count: seeds },
      },
    }));
    const sgdSw = await runSweeps(ctx, 'when-it-hurts: SGD check', sgdSweeps);
    const checkRows: (string | number | null)[][] = [];
    const check: { activation: string; mu: number; budgetSteps: number; ode: number; sgdMedian: number; sgdQ25: number; sgdQ75: number }[] = [];
    for (let li = 0; li < links.length; li++) {
      const l = links[li]!;
      for (let k = 0; k < l.check.length; k++) {
        const mu = l.check[k]!;
        const odeRun = odeSw[li]!.points[mus.indexOf(mu)]?.[0];
        const sgd = sgdSw[li]!.points[k] ?? [];
        if (!odeRun || !sgd.length) continue;
        for (const T of checkBudgets) {
          const v = sgd.map((r) => Math.max(lossAt(lossCurve(r), T), floorOf[li]!)).sort((a, b) => a - b);
          const q = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))]!;
          const ode = Math.max(lossAt(lossCurve(odeRun), T), floorOf[li]!);
          check.push({ activation: l.label, mu, budgetSteps: T, ode, sgdMedian: q(0.5), sgdQ25: q(0.25), sgdQ75: q(0.75) });
          checkRows.push([
            l.label,
            mu,
            T,
            ode.toPrecision(3),
            q(0.5).toPrecision(3),
            `[${q(0.25).toPrecision(3)}, ${q(0.75).toPrecision(3)}]`,
            (q(0.5) / ode).toPrecision(3),
          ]);
        }
      }
    }

    const f3 = (x: number | null) => (x === null ? null : Number(x.toPrecision(3)));
    const tables: Table[] = [
      {
        title: 'Best mu for each budget (ODE; losses below 1e-8 L(w = 0), the resolution of the ODE, tie; ties go to the mu that got there first)',
        columns: ['link', 'budget T (steps)', 'best mu', 'loss there', 'mu within 1% of it'],
        rows: optimalMu.map((o) => [o.activation, o.budgetSteps, o.mu, f3(o.loss), `${o.muRange[0]} - ${o.muRange[1]}`]),
      },
      {
        title: 'Best mu for each target loss eps = fraction x L(w = 0) (ODE)',
        columns: ['link', 'fraction', 'eps', 'best mu', 'steps', 'note'],
        rows: optimalMuForTarget.map((o) => [
          o.activation,
          o.fraction,
          f3(o.eps),
          o.mu,
          o.steps === null ? null : Math.round(o.steps),
          o.mu === null ? 'no mu reaches it within the horizon' : o.atStart ? 'the pre-trained model is already there' : '',
        ]),
      },
      {
        title: 'The budget beyond which weaker pre-training wins (first budget at which the best mu is below the strongest on the grid)',
        columns: ['link', 'budget (steps)', 'best mu before', 'best mu after'],
        rows: crossover.map((c) => [c.activation, c.budgetSteps, c.muBefore, c.muAfter]),
      },
      {
        title: `The ODE against SGD (exact reduced chain, d = ${d}, B = ${batch}, eta = ${eta}, ${seeds} seeds): population loss after T steps`,
        columns: ['link', 'mu', 'T', 'ODE', 'SGD median', 'SGD IQR', 'SGD / ODE'],
        rows: checkRows,
      },
    ];
    sections.push({
      heading: 'When pre-training hurts (SPEC 7.3)',
      text: [
        `For each link, the ODE (started at m = d^-1/2 with d = ${d}, u0 = 1/d^2, eta = ${eta}, He3 with the paper's eta / (k! k)) gives the population loss L(T; mu) after T fine-tuning steps for every pre-training strength mu on the grid. Strong pre-training starts the loss low but lengthens the search; the best mu for a budget is the one with the least L(T; mu).`,
        'Heat maps: log10 L against the budget (log axis) and mu; the white curve is the best mu at each budget. Losses below 1e-8 L(w = 0) (the resolution of the ODE) count as solved and tie; ties go to the mu that got there first. Targets are fractions of L(w = 0), the loss of the student with no pre-training at all.',
        'The ODE is checked against SGD (the exact reduced chain at the same d, B and eta) at a few points: near the escape the two differ by the spread of SGD escape times (the escape law), before and after it they agree.',
      ],
      figures: [...heatmaps, optFig, targetFig],
      tables,
    });
    const numbers = { optimalMu, optimalMuForTarget, crossoverBudget: crossover, odeVsSgd: check, grid: { mus, d, batch, eta, maxBudget } };
    const configs = [...odeSweeps, ...sgdSweeps].map((x) => ({ name: x.name, value: x.spec }));
    return { sections, configs, numbers };
  },
};
