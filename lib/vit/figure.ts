// The experiment's figure: steps of LoRA fine-tuning needed to reach each target accuracy,
// against the pre-training budget, mean over seeds with a 95 % band; one panel per pairing.
// Written as a Vega-Lite spec, compiled to Vega and rendered to SVG headlessly.
import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../plots/render.js';

/** One point of the steps-to-accuracy figure: mean steps (lo..hi: 95 % interval) at a pairing, budget and threshold, and how many seeds reached it. */
export interface StepsPoint {
  pairing: string;
  budgetEpochs: number;
  threshold: number;
  mean: number;
  lo: number;
  hi: number;
  reached: number;
  seeds: number;
}

// The budget axis both figures share (symlog: budgets start at 0 epochs).
const budgetAxis = {
  field: 'budgetEpochs',
  type: 'quantitative' as const,
  title: 'pre-training budget (epochs on the source task)',
  scale: { type: 'symlog' as const, constant: 1 },
};

/** One panel per pairing: the band lo..hi and the mean as a line, against the budget. */
function bandAndMeanByPairing(opts: {
  title: string;
  values: object[];
  color: object;
  y: { title: string; scale: object };
  lineEncoding?: object;
  resolve?: object;
}): TopLevelSpec {
  const { title, values, color, y } = opts;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { column: { field: 'pairing', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 240,
      layer: [
        {
          mark: { type: 'errorband', opacity: 0.2 },
          encoding: { x: budgetAxis, y: { field: 'lo', type: 'quantitative', ...y }, y2: { field: 'hi' }, color },
        },
        {
          mark: { type: 'line', point: true },
          encoding: { x: budgetAxis, y: { field: 'mean', type: 'quantitative', ...y }, color, ...opts.lineEncoding },
        },
      ],
    },
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
  } as TopLevelSpec;
}

/** Vega-Lite spec of the steps-to-accuracy figure: one panel per pairing, log step axis, a line per threshold, censored points marked. */
export function stepsFigureSpec(points: StepsPoint[], title: string): TopLevelSpec {
  const values = points
    .filter((p) => Number.isFinite(p.mean))
    .map((p) => ({
      ...p,
      target: `acc ≥ ${p.threshold}`,
      lo: Math.max(1, p.lo),
      censored: p.reached < p.seeds ? 'some seeds censored' : 'all seeds reached',
    }));
  return bandAndMeanByPairing({
    title,
    values,
    color: { field: 'target', type: 'nominal', title: 'target test accuracy' },
    y: { title: 'LoRA fine-tuning steps to reach it', scale: { type: 'log' } },
    lineEncoding: { shape: { field: 'censored', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
  });
}

/** One point of the alignment figure: an accuracy measure's mean and 95 % interval at a pairing and budget. */
export interface AlignmentPoint {
  pairing: string;
  budgetEpochs: number;
  measure: string;
  mean: number;
  lo: number;
  hi: number;
}

/** Source test accuracy and target linear-probe accuracy of each checkpoint against budget. */
export function alignmentFigureSpec(points: AlignmentPoint[], title: string): TopLevelSpec {
  return bandAndMeanByPairing({
    title,
    // Accuracies live in [0, 1]; a t-interval from few seeds can overshoot, so the band is clipped.
    values: points.filter((p) => Number.isFinite(p.mean)).map((p) => ({ ...p, lo: Math.max(0, p.lo), hi: Math.min(1, p.hi) })),
    color: { field: 'measure', type: 'nominal', title: null },
    y: { title: 'accuracy', scale: { zero: false } },
  });
}

/** Renders a Vega-Lite spec to SVG text headlessly (no browser). */
export const renderSvg = vegaLiteToSvg;
