// Fine-tuning as practitioners do it (SPEC 7.1, issue 16): escape against mu for linear, erf and
// He3 under plain SGD, heavy-ball momentum, Adam, LoRA+, the standard LoRA init and full
// fine-tuning, each at a learning rate chosen by one stated rule, with the ODE and the theory
// where they exist. Progress is measured by the loss (first step with L - noise/2 <= 0.5 of its
// value at step 0), which exists for every variant, and by |m| >= 0.5 where m exists (LoRA).
import type { ActivationSpec, ConfigInput } from '../../config.js';
import { parseConfig } from '../../config.js';
import { bandOverSeeds, panelsSpec, type Panel, type Series, type XY } from '../../plots/charts.js';
import { renderFigure, type Figure } from '../../plots/render.js';
import { stepRate, type PracticeFlowOptions } from '../../practice_theory.js';
import type { Table } from '../../report/html.js';
import { tauCurve } from '../../theory.js';
import { summarizeEscapes, type EscapeSummary } from '../escape_stats.js';
import { lossPassages, passages } from '../results.js';
import type { StoredRun } from '../store.js';
import type { SweepSpec } from '../sweep.js';
import { alignedTraces, fmt, pick, runSweeps } from './common.js';
import type { Preset, PresetContext, Section } from './types.js';

interface Variant {
  key: string;
  label: string;
  model?: ConfigInput['model'];
  train?: ConfigInput['train'];
  /** The linearised escape theory's options (null: no theory: Adam, full fine-tuning). */
  theory: PracticeFlowOptions | null;
  /** The ODE runs it (all but Adam). */
  ode: boolean;
  /** m = v . w* exists (LoRA). */
  hasM: boolean;
}

export const PRACTICE_VARIANTS: Variant[] = [
  { key: 'sgd', label: 'SGD (paper)', theory: {}, ode: true, hasM: true },
  { key: 'momentum', label: 'momentum 0.9', train: { optimizer: { kind: 'momentum', beta: 0.9 } }, theory: { beta: 0.9 }, ode: true, hasM: true },
  { key: 'adam', label: 'Adam', train: { optimizer: { kind: 'adam' } }, theory: null, ode: false, hasM: true },
  { key: 'lora+', label: 'LoRA+ (ratio 8)', train: { lrRatio: 8 }, theory: { lrRatio: 8 }, ode: true, hasM: true },
  { key: 'standard-init', label: 'standard init (u0 = 0)', model: { u0: 0 }, theory: {}, ode: true, hasM: true },
  { key: 'full', label: 'full fine-tuning', model: { adapter: 'full' }, theory: null, ode: true, hasM: false },
];

// The learning-rate grid (factors 2 to 2.5) and the loss level a trial must reach.
const ETA_GRID = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
const TRIAL_LEVEL = 0.1;

/** mu at which a link's learning rate is chosen: 0.1, or above mu_c where LoRA cannot lower the loss at 0.1 (He3: mu_c = 0.32). */
export function referenceMu(link: string): number {
  return link === 'he3' ? 0.5 : 0.1;
}

export function learningRateRule(grid: number[], seeds: number, steps: number): string {
  return (
    `learning rate: for each link and variant, the largest eta in {${grid.join(', ')}} with which all ${seeds} trial seeds at the reference mu ` +
    `(0.1; 0.5 for He3, whose loss cannot fall at mu = 0.1 < mu_c = 0.32) run ${steps} steps without diverging, reach L - noise/2 <= ${TRIAL_LEVEL} (L(0) - noise/2) and end there. ` +
    'eta is the rate of V (and of delta for full fine-tuning); LoRA+ gives U 8 eta. The grid is searched from the top.'
  );
}

interface Scaled {
  links: string[];
  variants: Variant[];
  mus: number[];
  d: number;
  batch: number;
  seeds: number;
  trialSeeds: number;
  trialSteps: number;
  maxSteps: number;
  /** Adam runs full-d SGD (no reduction exists): its own, smaller cap. */
  adamSteps: number;
  grid: number[];
}

function scaled(ctx: PresetContext): Scaled {
  const s = ctx.scale;
  return {
    links: pick(s, { tiny: ['linear'], quick: ['linear', 'erf', 'he3'], paper: ['linear', 'erf', 'he3'] }),
    variants: PRACTICE_VARIANTS,
    mus: pick(s, { tiny: [0.2, 0.7], quick: [0.1, 0.3, 0.5, 0.7, 0.9], paper: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] }),
    d: pick(s, { tiny: 200, quick: 500, paper: 1000 }),
    batch: pick(s, { tiny: 100, quick: 250, paper: 500 }),
    seeds: pick(s, { tiny: 3, quick: 8, paper: 16 }),
    trialSeeds: pick(s, { tiny: 2, quick: 3, paper: 4 }),
    trialSteps: pick(s, { tiny: 400, quick: 2000, paper: 4000 }),
    maxSteps: pick(s, { tiny: 2000, quick: 20000, paper: 100000 }),
    adamSteps: pick(s, { tiny: 400, quick: 2000, paper: 5000 }),
    grid: pick(s, { tiny: [0.05, 0.2, 1, 5], quick: ETA_GRID, paper: ETA_GRID }),
  };
}

/** The engine of a variant: the exact reduced chain where it runs the options, else full-d SGD. */
function engineFor(v: Variant, cfg: ConfigInput): 'reduced' | 'full' {
  if (v.key === 'adam') return 'full';
  try {
    parseConfig({ ...cfg, engine: 'reduced' }, 1);
    return 'reduced';
  } catch {
    return 'full';
  }
}

function configFor(o: Scaled, link: string, v: Variant, mu: number, eta: number, steps: number): ConfigInput {
  const base: ConfigInput = {
    model: { activation: link, d: o.d, pretrained: { kind: 'aligned', mu }, ...(v.model ?? {}) },
    train: { batch: o.batch, eta, steps, ...(v.train ?? {}) },
    record: { points: 80, lossThresholds: [0.5, TRIAL_LEVEL] },
    backend: 'cpu',
  };
  return { ...base, engine: engineFor(v, base) };
}

const pairKey = (link: string, v: Variant) => `${link}|${v.key}`;

/** The rule of learningRateRule(): trials in rounds, every unresolved pair one grid step down per round. */
async function chooseLearningRates(ctx: PresetContext, o: Scaled): Promise<Map<string, number | null>> {
  const chosen = new Map<string, number | null>();
  const next = new Map<string, number>(); // grid index still to try, from the top
  for (const link of o.links) for (const v of o.variants) next.set(pairKey(link, v), o.grid.length - 1);
  for (let round = 0; next.size > 0; round++) {
    const pending = [...next.entries()];
    const sweeps = pending.map(([k, gi]) => {
      const [link, vkey] = k.split('|') as [string, string];
      const v = o.variants.find((x) => x.key === vkey)!;
      const steps = v.key === 'adam' ? Math.min(o.trialSteps, o.adamSteps) : o.trialSteps;
      return {
        name: `lr ${k} eta=${o.grid[gi]}`,
        spec: { base: configFor(o, link, v, referenceMu(link), o.grid[gi]!, steps), axes: {}, seeds: { count: o.trialSeeds, base: 1000 } } as SweepSpec,
      };
    });
    const res = await runSweeps(ctx, `practice: learning-rate trials, round ${round + 1}`, sweeps);
    pending.forEach(([k, gi], i) => {
      const runs = res[i]!.points[0] ?? [];
      const ok = runs.length === o.trialSeeds && runs.every(stableTrial);
      if (ok) {
        chosen.set(k, o.grid[gi]!);
        next.delete(k);
      } else if (gi === 0) {
        chosen.set(k, null);
        next.delete(k);
      } else next.set(k, gi - 1);
    });
  }
  return chosen;
}

function stableTrial(r: StoredRun): boolean {
  const run = r.run;
  if (run.divergedStep !== null || run.lossEscape?.[String(TRIAL_LEVEL)] == null) return false;
  const noise = r.config.model.noise;
  const first = run.popLoss[0],
    last = run.popLoss[run.popLoss.length - 1];
  return first != null && last != null && last - noise / 2 <= TRIAL_LEVEL * (first - noise / 2);
}

interface Cell {
  link: string;
  variant: Variant;
  mu: number;
  eta: number;
  engine: string;
  loss: EscapeSummary;
  m: EscapeSummary | null;
  odeLoss: number | null;
  odeM: number | null;
  theoryM: number | null;
  runs: StoredRun[];
  diverged: number;
}

// Vega-Lite cannot lay out a panel without data: series with no finite point are dropped, and a
// panel left with none (e.g. He3 at mu = 0.1, where no run halves its loss) is left out.
function drawable(panels: Panel[]): Panel[] {
  return panels
    .map((p) => ({ ...p, series: p.series.filter((s) => s.data.some((d) => d.y !== null && Number.isFinite(d.y))) }))
    .filter((p) => p.series.length > 0);
}

// The standard init gives the paper's SGD medians to the step (u0 = 0 against 1/d^2): SGD, drawn
// first, is drawn wide so that it shows around the standard init's marks instead of under them.
const look = (v: Variant): Partial<Series> => (v.key === 'sgd' ? { wide: true } : {});

const summary = (p: ReturnType<typeof passages>, seed: number) => summarizeEscapes(p, { seed, resamples: 1000 });

export const practice: Preset = {
  name: 'practice',
  item: '7.1',
  title: 'Fine-tuning as practitioners do it: momentum, Adam, LoRA+, the standard init and full fine-tuning against pre-training strength',
  async run(ctx) {
    const o = scaled(ctx);
    const rule = learningRateRule(o.grid, o.trialSeeds, o.trialSteps);
    ctx.log(`practice: ${rule}`);
    const etas = await chooseLearningRates(ctx, o);
    const etaTable: Record<string, Record<string, number | null>> = {};
    for (const link of o.links) {
      etaTable[link] = {};
      for (const v of o.variants) etaTable[link]![v.label] = etas.get(pairKey(link, v)) ?? null;
      ctx.log(`practice: chosen eta for ${link}: ${o.variants.map((v) => `${v.label} ${etas.get(pairKey(link, v)) ?? 'none stable'}`).join('; ')}`);
    }
    const active = o.links.flatMap((link) =>
      o.variants.filter((v) => etas.get(pairKey(link, v)) != null).map((v) => ({ link, v, eta: etas.get(pairKey(link, v))! })),
    );

    // The ODE at every (link, variant, mu) it runs: lines, and the size of the SGD runs.
    const odeSweeps = active
      .filter((a) => a.v.ode)
      .map((a) => ({
        name: `ode ${pairKey(a.link, a.v)}`,
        spec: {
          base: { ...configFor(o, a.link, a.v, 0.5, a.eta, o.maxSteps), engine: 'ode' as const },
          axes: { 'model.pretrained.mu': o.mus },
          seeds: [0],
        } as SweepSpec,
      }));
    const odeRes = await runSweeps(ctx, 'practice: ODE', odeSweeps);
    const ode = new Map<string, StoredRun>();
    odeSweeps.forEach((s, i) => {
      odeRes[i]!.points.forEach((runs, j) => {
        if (runs[0]) ode.set(`${s.name.slice(4)}|${o.mus[j]}`, runs[0]);
      });
    });

    const sgdSweeps: { name: string; spec: SweepSpec }[] = [];
    const cellsIn: { link: string; v: Variant; mu: number; eta: number }[] = [];
    for (const a of active)
      for (const mu of o.mus) {
        const od = ode.get(`${pairKey(a.link, a.v)}|${mu}`);
        const e = od ? Math.max(od.run.lossEscape?.['0.5'] ?? -1, a.v.hasM ? (od.run.escape['0.5'] ?? -1) : -1) : -1;
        const cap = a.v.key === 'adam' ? o.adamSteps : o.maxSteps;
        const steps = e > 0 ? Math.min(cap, Math.max(500, Math.ceil(4 * e))) : cap;
        sgdSweeps.push({
          name: `sgd ${pairKey(a.link, a.v)} mu=${mu}`,
          spec: { base: configFor(o, a.link, a.v, mu, a.eta, steps), axes: {}, seeds: { count: o.seeds } },
        });
        cellsIn.push({ link: a.link, v: a.v, mu, eta: a.eta });
      }
    const sgdRes = await runSweeps(ctx, 'practice: SGD', sgdSweeps);

    const logd = Math.log(o.d);
    const cells: Cell[] = [];
    for (const link of o.links) {
      const th = await tauCurve({ activation: link as ActivationSpec }, o.mus);
      cellsIn.forEach((c, i) => {
        if (c.link !== link) return;
        const runs = sgdRes[i]!.points[0] ?? [];
        const j = o.mus.indexOf(c.mu);
        const od = ode.get(`${pairKey(link, c.v)}|${c.mu}`);
        const p = th[j]!;
        const rate = c.v.theory ? stepRate(p.A, p.B, c.eta, c.v.theory) : null;
        cells.push({
          link,
          variant: c.v,
          mu: c.mu,
          eta: c.eta,
          engine: runs[0]?.engine ?? '?',
          loss: summary(lossPassages(runs, 0.5), 1 + i),
          m: c.v.hasM ? summary(passages(runs, 0.5), 1 + i) : null,
          odeLoss: od?.run.lossEscape?.['0.5'] ?? null,
          odeM: c.v.hasM ? (od?.run.escape['0.5'] ?? null) : null,
          // t_exit = tau log(R / eps) with eps = d^-1/2, R = 1, per step of the linearised discrete map.
          theoryM: rate ? (0.5 * logd) / rate : null,
          runs,
          diverged: runs.filter((r) => r.run.divergedStep !== null).length,
        });
      });
    }

    const sections: Section[] = [];
    const figures: Figure[] = [];
    const panelsFor = (what: 'loss' | 'm'): Panel[] =>
      o.links.map((link) => {
        const series: Series[] = [];
        for (const v of o.variants) {
          if (what === 'm' && !v.hasM) continue;
          const cs = cells.filter((c) => c.link === link && c.variant === v);
          if (!cs.length) continue;
          const s = (c: Cell) => (what === 'loss' ? c.loss : c.m!);
          series.push({
            ...look(v),
            name: v.label,
            kind: 'points',
            data: cs.map((c): XY => ({ x: c.mu, y: s(c).median, lo: s(c).medianCI.lo, hi: s(c).medianCI.hi })),
          });
          if (v.ode) series.push({ ...look(v), name: v.label, kind: 'line', data: cs.map((c) => ({ x: c.mu, y: what === 'loss' ? c.odeLoss : c.odeM })) });
          if (what === 'm' && v.theory)
            series.push({ ...look(v), name: v.label, kind: 'line', dashed: true, data: cs.map((c) => ({ x: c.mu, y: c.theoryM })) });
        }
        return {
          title: link,
          x: { title: 'pre-training strength mu' },
          y: { title: what === 'loss' ? 'steps until L - n/2 <= 0.5 (L0 - n/2)' : 'steps until |m| >= 0.5', log: true },
          series,
        };
      });
    const sub = `d = ${o.d}, B = ${o.batch}, ${o.seeds} seeds; each variant at its own eta (table)`;
    figures.push(
      await renderFigure(
        'practice-loss-escape',
        `Loss halved: steps against mu (${sub})`,
        panelsSpec(drawable(panelsFor('loss')), { width: 300, height: 240, columns: 3, legendTitle: 'dots: SGD median, 95% CI; solid: ODE' }),
      ),
    );
    figures.push(
      await renderFigure(
        'practice-m-escape',
        `|m| >= 0.5: steps against mu (${sub})`,
        panelsSpec(drawable(panelsFor('m')), { width: 300, height: 240, columns: 3, legendTitle: 'dots: SGD; solid: ODE; dashed: linearised theory' }),
      ),
    );
    // Slowdown: the loss-escape median at each mu over its value at the smallest mu.
    const slowPanels: Panel[] = o.links.map((link) => ({
      title: link,
      x: { title: 'pre-training strength mu' },
      y: { title: 'slowdown: escape / its first value', log: true },
      series: o.variants.flatMap((v) => {
        const cs = cells.filter((c) => c.link === link && c.variant === v);
        const b = cs.find((c) => c.loss.median !== null)?.loss.median ?? null;
        return cs.length && b
          ? [{ ...look(v), name: v.label, kind: 'line' as const, data: cs.map((c) => ({ x: c.mu, y: c.loss.median === null ? null : c.loss.median / b })) }]
          : [];
      }),
    }));
    figures.push(
      await renderFigure(
        'practice-slowdown',
        `How much strong pre-training lengthens the search (loss halved, ${sub})`,
        panelsSpec(drawable(slowPanels), { width: 300, height: 240, columns: 3 }),
      ),
    );

    const fmtS = (s: EscapeSummary | null) =>
      s === null ? '-' : s.median === null ? `censored (${s.escaped}/${s.runs})` : `${s.median}${s.escaped < s.runs ? ` (${s.escaped}/${s.runs})` : ''}`;
    const tables: Table[] = o.links.map((link) => ({
      title: `${link}: median steps until the loss is halved / until |m| >= 0.5 (ODE in brackets)`,
      columns: [
        'variant',
        'eta',
        'engine',
        ...o.mus.map((m) => `mu ${m}`),
        `slowdown (loss): mu ${o.mus[o.mus.length - 1]} / the smallest mu where the loss halves`,
      ],
      rows: o.variants.map((v) => {
        const cs = cells.filter((c) => c.link === link && c.variant === v);
        const eta = etas.get(pairKey(link, v));
        if (!cs.length) return [v.label, eta ?? 'none stable', '-', ...o.mus.map(() => '-'), '-'];
        const first = cs.find((c) => c.loss.median !== null)?.loss.median ?? null,
          last = cs[cs.length - 1]!.loss.median;
        return [
          v.label,
          eta ?? null,
          cs[0]!.engine,
          ...cs.map(
            (c) =>
              `${fmtS(c.loss)} / ${fmtS(c.m)}${c.odeLoss !== null || c.odeM !== null ? ` [${c.odeLoss ?? '-'} / ${c.variant.hasM ? (c.odeM ?? '-') : '-'}]` : ''}${c.diverged ? `, ${c.diverged} diverged` : ''}`,
          ),
          first && last ? fmt(last / first, 1) : last === null ? 'censored at the largest mu' : '-',
        ];
      }),
    }));
    const rateTable: Table = {
      title: 'Learning rates chosen by the rule',
      columns: ['link', 'reference mu', ...o.variants.map((v) => v.label)],
      rows: o.links.map((l) => [l, referenceMu(l), ...o.variants.map((v) => etas.get(pairKey(l, v)) ?? 'none stable')]),
    };

    // Dynamics of one link at the largest and smallest mu: the loss of every variant.
    const dynPanels: Panel[] = [o.mus[0]!, o.mus[o.mus.length - 1]!].flatMap((mu) =>
      o.links.map((link) => ({
        title: `${link}, mu = ${mu}`,
        x: { title: 'steps', log: true },
        y: { title: 'population loss', log: true },
        series: cells
          .filter((c) => c.link === link && c.mu === mu && c.runs.length)
          .map((c) => {
            const { step, curves } = alignedTraces(c.runs, 'loss');
            return {
              ...look(c.variant),
              name: c.variant.label,
              kind: 'band' as const,
              data: bandOverSeeds(
                step,
                curves.map((cv) => cv.map((x) => Math.max(x, 1e-10))),
              ),
            };
          }),
      })),
    );
    figures.push(
      await renderFigure(
        'practice-dynamics',
        'Population loss against steps: median and IQR over seeds',
        panelsSpec(drawable(dynPanels), { width: 260, height: 200, columns: o.links.length, legendTitle: 'band: median, IQR' }),
      ),
    );

    sections.push({
      heading: 'Does strong pre-training still lengthen the search? (SPEC 7.1)',
      text: [
        rule,
        'Escape is measured two ways, per run: the first step at which the population loss minus the noise floor is at most half its value at step 0 (record.lossThresholds: exists for every variant, and does not count as a success a He3 run that aligns v while the loss barely moves), and the first step with |m| >= 0.5 where m exists (LoRA). Kaplan-Meier medians over seeds, censored at the step budget (runs are sized to 4x the ODE escape where the ODE exists, capped).',
        'Engines: the exact reduced chain (the law of full-d SGD at the same d) where it runs the option, full-d SGD for Adam (coordinate-wise: no d-free reduction). ODE: the flow limit (momentum as the flow with eta/(1 - beta)). Theory (|m| figure, dashed): t_exit = log(sqrt d) / log z, z the per-step growth of the linearised discrete map at the saddle (lib/practice_theory.ts); none for Adam, and none for full fine-tuning, which has no saddle.',
      ],
      figures: [figures[0]!, figures[2]!, figures[1]!, figures[3]!],
      tables: [rateTable, ...tables],
    });

    const numbers: Record<string, unknown> = { rule, d: o.d, batch: o.batch, seeds: o.seeds, etas: etaTable };
    for (const c of cells)
      numbers[`${c.link} ${c.variant.key} mu=${c.mu}`] = {
        eta: c.eta,
        engine: c.engine,
        lossMedian: c.loss.median,
        lossEscaped: `${c.loss.escaped}/${c.loss.runs}`,
        mMedian: c.m?.median ?? null,
        mEscaped: c.m ? `${c.m.escaped}/${c.m.runs}` : null,
        odeLoss: c.odeLoss,
        odeM: c.odeM,
        theoryM: fmt(c.theoryM, 1),
        diverged: c.diverged,
      };
    const configs = [...odeSweeps, ...sgdSweeps].map((s) => ({ name: s.name, value: s.spec }));
    return { sections, configs, numbers };
  },
};
