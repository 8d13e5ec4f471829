// SPEC 6.7: misaligned pre-training w0 = mu w* + (1 - mu) xi: the same ordering in mu, and the
// overlap m settles near 0.71 instead of 1.
import { dynamicsFigure, escapeCurves, fmt, pick, trace } from './common.js';
import type { Preset } from './types.js';

export const misaligned: Preset = {
  name: 'misaligned',
  item: '7',
  title: 'Misaligned pre-training: escape ordering and final overlap',
  async run(ctx) {
    const s = ctx.scale;
    const mus = pick(s, { tiny: [0.3, 0.7], quick: [0.2, 0.4, 0.6, 0.8], paper: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] });
    const acts = pick(s, { tiny: ['linear'], quick: ['linear', 'erf'], paper: ['linear', 'relu', 'erf', 'sigmoid'] });
    const e = await escapeCurves(ctx, {
      name: 'misaligned-escape',
      title: 'misaligned w0',
      kind: 'misaligned',
      activations: acts,
      mus,
      d: pick(s, { tiny: 200, quick: 1000, paper: 1000 }),
      batch: pick(s, { tiny: 100, quick: 500, paper: 500 }),
      eta: 0.2,
      seeds: pick(s, { tiny: 2, quick: 6, paper: 16 }),
      factor: 4,
      maxSteps: pick(s, { tiny: 2000, quick: 10000, paper: 100000 }),
    });
    const rows: (string | number | null)[][] = [];
    const numbers: Record<string, unknown> = {};
    for (const a of acts)
      for (const mu of mus) {
        const rs = e.runs.get(`${a}|${mu}`) ?? [];
        const finals = rs
          .map((r) => {
            const v = trace(r, 'absm');
            return v[v.length - 1]!;
          })
          .sort((x, y) => x - y);
        const med = finals.length ? finals[Math.floor(finals.length / 2)]! : null;
        const od = e.ode.get(`${a}|${mu}`);
        const odeFinal = od ? trace(od, 'absm').at(-1)! : null;
        rows.push([a, mu, rs.length, fmt(med, 3), fmt(odeFinal, 3), rs[0]?.run.stepsDone ?? null]);
        numbers[`${a} mu=${mu}`] = { finalAbsMMedian: fmt(med, 3), odeFinalAbsM: fmt(odeFinal, 3) };
      }
    const dyn = await dynamicsFigure(
      'misaligned-dynamics-linear',
      'misaligned, linear: loss, |m|, M',
      mus.map((mu) => ({ label: `mu=${mu}`, sgd: e.runs.get(`${acts[0]}|${mu}`) ?? [], ode: e.ode.get(`${acts[0]}|${mu}`) })),
    );
    return {
      sections: [
        {
          heading: 'Escape time against mu',
          text: ['No theory line: the linearised tau(mu) of the escape-time theory is for aligned w0.'],
          figures: [e.figure],
          tables: [e.table],
        },
        {
          heading: 'Final overlap',
          figures: [dyn],
          tables: [
            { title: 'final |m| (median over seeds) and the ODE', columns: ['activation', 'mu', 'runs', 'final |m| SGD', 'final |m| ODE', 'steps'], rows },
          ],
        },
      ],
      configs: e.configs,
      numbers,
    };
  },
};
