// SPEC 6.5: mixtures He_k + He_{k+j} (k = 1..5, j = 0, 1, 2; j = 0 means 2 He_k): tau(mu),
// with simulated escapes for a few of them.
import { escapeCurves, pick, theoryFigure } from './common.js';
import type { Preset } from './types.js';

const mix = (k: number, j: number) => (j === 0 ? `2*he${k}` : `he${k}+he${k + j}`);

export const mixtures: Preset = {
  name: 'mixtures',
  item: '5',
  title: 'Hermite mixtures He_k + He_{k+j}: tau(mu)',
  async run(ctx) {
    const s = ctx.scale;
    const figs = [];
    const tables = [];
    const numbers: Record<string, unknown> = {};
    for (const j of [0, 1, 2]) {
      const th = await theoryFigure(
        `mixtures-tau-j${j}`,
        `tau(mu), ${j === 0 ? '2 He_k' : `He_k + He_k+${j}`} (rescaled)`,
        [1, 2, 3, 4, 5].map((k) => ({ label: mix(k, j), pair: { activation: mix(k, j), hermiteRescale: true } })),
      );
      figs.push(th.figure);
      tables.push(th.table);
      numbers[`j=${j}`] = th.numbers;
    }
    const e = await escapeCurves(ctx, {
      name: 'mixtures-escape',
      title: 'mixtures, simulated',
      activations: pick(s, { tiny: ['he1+he2'], quick: ['he1+he2', 'he2+he3'], paper: ['he1+he2', 'he2+he3', 'he1+he3', '2*he2', 'he3+he4'] }),
      mus: pick(s, { tiny: [0.5], quick: [0.2, 0.5, 0.8], paper: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] }),
      d: pick(s, { tiny: 200, quick: 1000, paper: 1000 }),
      batch: pick(s, { tiny: 100, quick: 500, paper: 500 }),
      eta: 0.2,
      hermiteRescale: true,
      seeds: pick(s, { tiny: 2, quick: 6, paper: 16 }),
      factor: 2.5,
      maxSteps: pick(s, { tiny: 1500, quick: 8000, paper: 100000 }),
    });
    return {
      sections: [
        { heading: 'Theory', figures: figs, tables },
        { heading: 'Simulation against theory', figures: [e.figure], tables: [e.table] },
      ],
      configs: e.configs,
      numbers,
    };
  },
};
