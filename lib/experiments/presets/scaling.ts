// SPEC 6.9: escape steps against d with the exact reduced chain, up to d = 1e6: log d with
// pre-training, a power of d from scratch (He3).
import { panelsSpec, type Series } from '../../plots/charts.js';
import { renderFigure } from '../../plots/render.js';
import { summarizeEscapes } from '../escape_stats.js';
import { passages } from '../results.js';
import { fmt, pick, runSweeps } from './common.js';
import type { Preset } from './types.js';

export const scaling: Preset = {
  name: 'scaling',
  item: '9',
  title: 'Escape steps against d: log d with pre-training, a power of d from scratch',
  async run(ctx) {
    const s = ctx.scale;
    const dsPre = pick(s, { tiny: [250, 1000], quick: [250, 1000, 10000, 100000, 1000000], paper: [250, 1000, 10000, 100000, 1000000] });
    const dsScratch = pick(s, { tiny: [50], quick: [50, 100, 200], paper: [50, 100, 200, 400, 800] });
    // Only first passages are used: every run stops at its escape (record.stopAt), which leaves
    // the passages unchanged and spares the steps after them.
    const seeds = (d: number) => pick(s, { tiny: 2, quick: d >= 1e6 ? 2 : d >= 1e5 ? 4 : 8, paper: 16 });
    // Step budgets ~2.5x the expected escape (linear mu = 0.5: about 12 log d steps, erf: 95 log d).
    const budget = (a: string, d: number) => Math.ceil((a === 'linear' ? 30 : 240) * Math.log(d));
    const pre = pick(s, { tiny: ['linear'], quick: ['linear'], paper: ['linear', 'erf'] }).flatMap((a) =>
      dsPre.map((d) => ({
        name: `${a} mu=0.5 d=${d}`,
        spec: { base: { engine: 'reduced' as const, backend: 'cpu' as const, model: { activation: a, d, pretrained: { mu: 0.5 } }, train: { batch: Math.max(1, Math.round(d / 2)), eta: 0.2, steps: budget(a, d) }, record: { points: 40, stopAt: 0.5 } }, axes: {}, seeds: { count: seeds(d) } },
      })),
    );
    const scratch = dsScratch.map((d) => ({
      name: `he3 scratch d=${d}`,
      spec: { base: { engine: 'reduced' as const, backend: 'cpu' as const, model: { activation: 'he3', d, pretrained: { kind: 'scratch' as const } }, train: { batch: d, eta: 0.2, hermiteRescale: true, steps: pick(s, { tiny: 2000, quick: 20000, paper: 400000 }) }, record: { points: 40, stopAt: 0.5 } }, axes: {}, seeds: { count: pick(s, { tiny: 2, quick: 6, paper: 16 }) } },
    }));
    const res = await runSweeps(ctx, 'scaling', [...pre, ...scratch]);
    const rows: (string | number | null)[][] = [];
    const numbers: Record<string, unknown> = {};
    const bySeries = new Map<string, { x: number; y: number | null; lo: number | null; hi: number | null }[]>();
    for (const r of res) {
      const rs = r.points[0] ?? [];
      const sm = summarizeEscapes(passages(rs), { resamples: 500 });
      const d = rs[0]?.config.model.d ?? 0;
      const label = r.name.replace(/ d=\d+$/, '');
      if (!bySeries.has(label)) bySeries.set(label, []);
      bySeries.get(label)!.push({ x: d, y: sm.median, lo: sm.medianCI.lo, hi: sm.medianCI.hi });
      rows.push([label, d, rs[0]?.config.train.batch ?? null, `${sm.escaped}/${sm.runs}`, sm.median, sm.median === null ? null : fmt(sm.median / Math.log(d), 2), rs[0]?.config.train.steps ?? null]);
      numbers[r.name] = { escaped: `${sm.escaped}/${sm.runs}`, median: sm.median };
    }
    const series: Series[] = [...bySeries].map(([name, data]) => ({ name, kind: 'points', data }));
    const figure = await renderFigure('scaling', 'escape step (KM median, 95% CI) against d', panelsSpec([{ title: 'escape step against d (B = d/2 with pre-training, B = d from scratch)', x: { title: 'd', log: true }, y: { title: 'escape step', log: true }, series }], { width: 520, height: 320 }));
    return {
      sections: [{ heading: 'Escape steps against d', text: ['Pre-trained (mu = 0.5): B = d/2, eta = 0.2, so one step is d/2 samples and the ODE time of a step is eta; the escape step should grow like log d. From scratch (He3, eta / 18): B = d; the number of samples needed should grow like d^2, i.e. steps like d. Runs that do not escape within the step budget are censored.'], figures: [figure], tables: [{ title: 'escape statistics against d', columns: ['setting', 'd', 'B', 'escaped', 'KM median step', 'median / log d', 'step budget'], rows }] }],
      configs: [...pre, ...scratch].map((x) => ({ name: x.name, value: x.spec })),
      numbers,
    };
  },
};
