// SPEC 6.8: two-layer committee, K = 4, d = 100, B = 5000, two of four units pre-trained
// (mu = (mu, mu, 1, 1)), ranks r in {1, 2, 4}: population loss against steps.
import { dynamicsFigure, fmt, pick, runSweeps } from './common.js';
import { summarizeEscapes } from '../escape_stats.js';
import { passages } from '../results.js';
import { escapedWithoutLoss, lossProgressPassages } from '../loss_progress.js';
import type { Preset } from './types.js';

export const twoLayer: Preset = {
  name: 'two-layer',
  item: '8',
  title: 'Two-layer committee (K = 4): loss against steps for mu and LoRA rank',
  async run(ctx) {
    const s = ctx.scale;
    const mus = pick(s, { tiny: [0.5], quick: [0.1, 0.5, 0.9], paper: [0.1, 0.5, 0.9] });
    const ranks = pick(s, { tiny: [1, 2], quick: [1, 2, 4], paper: [1, 2, 4] });
    const acts = pick(s, { tiny: ['erf'], quick: ['erf'], paper: ['erf', 'relu', 'sigmoid'] });
    const base = {
      engine: 'reduced' as const,
      backend: 'cpu' as const,
      model: { d: 100, hidden: 4 },
      train: { batch: pick(s, { tiny: 500, quick: 2000, paper: 5000 }), eta: 0.5, steps: pick(s, { tiny: 300, quick: 600, paper: 20000 }) },
      record: { points: 80 },
    };
    const sweeps = acts.flatMap((a) =>
      mus.map((mu) => ({
        name: `${a} mu=${mu}`,
        spec: {
          base: { ...base, model: { ...base.model, activation: a, pretrained: { mu: [mu, mu, 1, 1] } } },
          axes: { 'model.rank': ranks },
          seeds: { count: pick(s, { tiny: 1, quick: 2, paper: 16 }) },
        },
      })),
    );
    const res = await runSweeps(ctx, 'two-layer', sweeps);
    const figs = [];
    const rows: (string | number | null)[][] = [];
    const numbers: Record<string, unknown> = {};
    for (const r of res) {
      figs.push(
        await dynamicsFigure(
          `two-layer-${r.name.replace(/[^a-z0-9.]+/gi, '-')}`,
          `K = 4, ${r.name} (units 3, 4 at mu = 1): loss`,
          ranks.map((rank, i) => ({ label: `rank ${rank}`, sgd: r.points[i]! })),
          ['loss'],
        ),
      );
      ranks.forEach((rank, i) => {
        const rs = r.points[i]!;
        const sm = summarizeEscapes(passages(rs), { resamples: 300 });
        const ls = summarizeEscapes(lossProgressPassages(rs), { resamples: 300 });
        const mOnly = escapedWithoutLoss(rs);
        const finals = rs.map((x) => x.run.popLoss.at(-1) ?? NaN);
        const fl = finals.reduce((a, b) => a + b, 0) / finals.length;
        rows.push([
          r.name,
          rank,
          rs.length,
          `${sm.escaped}/${sm.runs}`,
          sm.median,
          `${ls.escaped}/${ls.runs}`,
          ls.median,
          mOnly ? `${mOnly} of ${rs.length}` : '',
          fmt(fl, 6),
        ]);
        numbers[`${r.name} r=${rank}`] = { escapeMedian: sm.median, lossHalvedMedian: ls.median, lossHalved: `${ls.escaped}/${ls.runs}`, mOnly, finalLoss: fl };
      });
    }
    return {
      sections: [
        {
          heading: 'Population loss against steps',
          text: [
            `Committee readout with K = 4 and d = 100; batch ${base.train.batch}, eta = 0.5 (the paper: B = 5000, eta 0.2 to 0.7). Escape: max |m_ij| >= 0.5.`,
          ],
          figures: figs,
          tables: [
            {
              title: 'escape and final loss',
              columns: [
                'setting',
                'rank',
                'runs',
                'escaped',
                'KM median escape step',
                'loss halved',
                'KM median step, loss halved',
                'flag: |m| escaped, loss not halved',
                'final loss (mean)',
              ],
              rows,
            },
          ],
        },
      ],
      configs: sweeps.map((x) => ({ name: x.name, value: x.spec })),
      numbers,
    };
  },
};
