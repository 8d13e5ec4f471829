// SPEC 6.4: the squared teacher s* = s^2 (a label change): larger mu can shorten the search.
import { escapeCurves, fmt, pick, theoryFigure } from './common.js';
import type { Preset } from './types.js';

export const squaredTeacher: Preset = {
  name: 'squared-teacher',
  item: '4',
  title: 'Squared teacher s* = s^2: tau(mu) and simulated escapes',
  async run(ctx) {
    const s = ctx.scale;
    const acts = pick(s, { tiny: ['erf'], quick: ['relu', 'erf', 'sigmoid'], paper: ['linear', 'relu', 'erf', 'sigmoid'] });
    const th = await theoryFigure(
      'squared-tau',
      'tau(mu), teacher s^2',
      ['linear', 'relu', 'erf', 'sigmoid', 'he3'].map((a) => ({ label: a, pair: { activation: a, teacher: 'square' as const, hermiteRescale: a === 'he3' } })),
    );
    const e = await escapeCurves(ctx, {
      name: 'squared-escape',
      title: 'teacher s^2',
      activations: acts,
      teacher: 'square',
      mus: pick(s, { tiny: [0.5], quick: [0.2, 0.4, 0.6, 0.8], paper: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] }),
      d: pick(s, { tiny: 200, quick: 1000, paper: 1000 }),
      batch: pick(s, { tiny: 100, quick: 500, paper: 500 }),
      eta: 0.2,
      seeds: pick(s, { tiny: 2, quick: 6, paper: 16 }),
      factor: 2.5,
      maxSteps: pick(s, { tiny: 1500, quick: 8000, paper: 100000 }),
    });
    const numbers: Record<string, unknown> = { theory: th.numbers };
    for (const r of e.rows)
      numbers[`${r.activation} mu=${r.mu}`] = {
        escaped: `${r.sim.escaped}/${r.sim.runs}`,
        simPerLogD: fmt(r.simPerLogD, 3),
        odePerLogD: fmt(r.odePerLogD, 3),
        theoryHalfTau: fmt(r.theoryHalfTau, 3),
        lossHalved: `${r.lossSim.escaped}/${r.lossSim.runs}`,
        lossHalvedMedianSteps: r.lossSim.median,
        mOnly: r.mOnly,
      };
    return {
      sections: [
        { heading: 'Theory', figures: [th.figure], tables: [th.table] },
        { heading: 'Simulation against theory', figures: [e.figure], tables: [e.table] },
      ],
      configs: e.configs,
      numbers,
    };
  },
};
