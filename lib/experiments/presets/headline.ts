// The README's one command: escape time against mu for linear, relu, erf and sigmoid (SGD against
// ODE and theory) and the dynamics panels of SPEC section 6 items 1 and 2, in about a minute.
import { dynamicsFigure, escapeCurves, fmt, pick } from './common.js';
import type { Preset } from './types.js';

export const ACTIVATIONS = ['linear', 'relu', 'erf', 'sigmoid'];

export function headlinePreset(name: string, item: string, title: string, keep: 'all' | 'escape' | 'dynamics'): Preset {
  return {
    name,
    item,
    title,
    async run(ctx) {
      const s = ctx.scale;
      const mus = pick(s, { tiny: [0.3, 0.7], quick: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], paper: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] });
      const e = await escapeCurves(ctx, {
        name: 'headline-escape',
        title: 'linear, relu, erf, sigmoid',
        activations: pick(s, { tiny: ['linear', 'erf'], quick: ACTIVATIONS, paper: ACTIVATIONS }),
        mus,
        d: pick(s, { tiny: 200, quick: 1000, paper: 1000 }),
        batch: pick(s, { tiny: 100, quick: 500, paper: 500 }),
        eta: 0.2,
        seeds: pick(s, { tiny: 3, quick: 8, paper: 16 }),
        factor: 2.5,
        maxSteps: pick(s, { tiny: 2000, quick: 10000, paper: 100000 }),
      });
      const dyn = [];
      for (const a of pick(s, { tiny: ['linear'], quick: ACTIVATIONS, paper: ACTIVATIONS })) {
        const groups = mus.map((mu) => ({ label: `mu=${mu}`, sgd: e.runs.get(`${a}|${mu}`) ?? [], ode: e.ode.get(`${a}|${mu}`) }));
        dyn.push(await dynamicsFigure(`dynamics-${a}`, `${a}: loss, |m| and M against steps`, groups));
      }
      const numbers: Record<string, unknown> = {};
      for (const r of e.rows)
        numbers[`${r.activation} mu=${r.mu}`] = {
          escaped: `${r.sim.escaped}/${r.sim.runs}`,
          medianSteps: r.sim.median,
          simPerLogD: fmt(r.simPerLogD, 3),
          odePerLogD: fmt(r.odePerLogD, 3),
          theoryHalfTau: fmt(r.theoryHalfTau, 3),
          lossHalved: `${r.lossSim.escaped}/${r.lossSim.runs}`,
          lossHalvedMedianSteps: r.lossSim.median,
          mOnly: r.mOnly,
        };
      const sections = [
        {
          heading: 'Escape time against mu (paper experiment 2)',
          text: [
            'Points: Kaplan-Meier median over seeds of the first step with |m| >= 0.5, times eta / log d, with a seeded 95% bootstrap interval (an open upper end means too many censored runs). Solid lines: the ODE started at m = d^-1/2 (same d). Dashed: the linearised theory tau(mu)/2, i.e. t_exit = tau log(sqrt d) with the exit radius set to 1; it leaves out the O(1) time from |m| ~ 1/2 to the exit radius and the d-independent part of the initial condition.',
            'SGD runs use the exact reduced engine (same law as full-d SGD at this d, independent of d in cost). Runs are sized to 2.5x the ODE escape step, capped; a run that has not escaped by then is censored.',
          ],
          figures: [e.figure],
          tables: [e.table],
        },
        {
          heading: 'Dynamics (paper experiment 1)',
          text: ['Bands: median and interquartile range over seeds of the SGD runs; dashed: the ODE. Log step axis, log loss axis (floored at 1e-10).'],
          figures: dyn,
        },
      ];
      return { sections: keep === 'all' ? sections : keep === 'escape' ? [sections[0]!] : [sections[1]!], configs: e.configs, numbers };
    },
  };
}

export const headline = headlinePreset(
  'headline',
  '1 + 2',
  'Escape time against pre-training strength (linear, relu, erf, sigmoid), and the dynamics behind it',
  'all',
);
export const dynamics = headlinePreset('dynamics', '1', 'Dynamics panels: loss, m and mu + u m against steps, ODE overlaid', 'dynamics');
export const escapeVsMu = headlinePreset('escape-vs-mu', '2', 'tau(mu) from theory against simulated escape steps x eta / log d', 'escape');
