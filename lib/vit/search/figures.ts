// Figures of the search protocol (Vega-Lite, rendered to SVG and PNG by lib/plots/render):
// the normalised curves per budget, the metrics against the budget with their intervals, and
// the absolute losses beside them; every arm side by side.
import type { TopLevelSpec } from 'vega-lite';
import { renderFigure, type Figure } from '../../plots/render.js';
import type { SearchResult } from './records.js';

/** The budget axis: symlog (budget 0 is drawn), a tick at every budget that was run and no others. */
const budgetAxis = (r: SearchResult) => ({
  field: 'budget',
  type: 'quantitative' as const,
  title: 'pre-training budget (epochs)',
  scale: { type: 'symlog' as const, constant: 1 },
  axis: { values: r.settings.budgets, format: 'd' },
});

// Full arm names in the legends (the default limit cut them to "sgd lr 0.1 r1 B sm..."), solid swatches.
const legend = { labelLimit: 400, symbolOpacity: 1 };

/** Median normalised excess loss (L - L*) / (L0 - L*) against the step, one line per budget. */
export function curvesSpec(r: SearchResult): TopLevelSpec {
  const values = r.budgets.flatMap((b) =>
    b.normalisedCurve
      .filter((c) => c.step > 0)
      .map((c) => ({ pairing: b.pairing, arm: b.arm, budget: b.budgetEpochs, step: c.step, value: Math.min(1.5, Math.max(-0.2, c.median)) })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Normalised excess loss (L - L*) / (L0 - L*), median over runs (${r.settings.preSeeds.length} x ${r.settings.ftSeeds.length} seeds); the plateau exit is where it falls to 0.9, the half-life where it falls to 0.5`,
    data: { values },
    facet: {
      row: { field: 'pairing', type: 'nominal', title: null },
      column: { field: 'arm', type: 'nominal', title: null, sort: r.settings.arms.map((a) => a.name) },
    },
    spec: {
      width: 170,
      height: 140,
      mark: { type: 'line' },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'fine-tuning step', scale: { type: 'log' } },
        y: { field: 'value', type: 'quantitative', title: 'normalised excess loss (clamped to [-0.2, 1.5])', scale: { domain: [-0.2, 1.5] } },
        color: { field: 'budget', type: 'ordinal', title: 'budget (epochs)', scale: { scheme: 'viridis' } },
      },
    },
  } as TopLevelSpec;
}

/** gradNorm0, plateau exit and half-life against the budget: geometric means and 95 % intervals. */
export function metricsSpec(r: SearchResult): TopLevelSpec {
  const T = r.settings.finetune.steps;
  const values = r.budgets.flatMap((b) =>
    [
      { metric: '1. gradNorm0 (growth coefficient)', ...b.gradNorm0, censored: 0 },
      { metric: `2. plateau exit (steps; censored at ${T})`, ...b.plateauExit },
      { metric: `3. half-life of L - L* (steps; censored at ${T})`, ...b.halfLife },
    ]
      .filter((v) => Number.isFinite(v.mean))
      .map((v) => ({ pairing: b.pairing, arm: b.arm, budget: b.budgetEpochs, ...v })),
  );
  const color = { field: 'arm', type: 'nominal', title: null, sort: r.settings.arms.map((a) => a.name), legend };
  const x = budgetAxis(r);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Search-phase measures against pre-training (geometric mean over ${r.settings.preSeeds.length} pre-training seeds, 95% bootstrap interval)`,
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null }, column: { field: 'pairing', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 180,
      layer: [
        {
          mark: { type: 'errorband', opacity: 0.15 },
          encoding: { x, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' }, title: null }, y2: { field: 'hi' }, color },
        },
        {
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { type: 'log' }, title: null }, color },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** Absolute held-out losses: L0 at the start, L(T) of each arm, and L* per rank. */
export function absoluteSpec(r: SearchResult): TopLevelSpec {
  const T = r.settings.finetune.steps;
  const values = [
    ...r.checkpointSummary.map((c) => ({ pairing: c.pairing, budget: c.budgetEpochs, series: 'L0 (fitted head, start)', value: c.L0 })),
    ...r.budgets.map((b) => ({ pairing: b.pairing, budget: b.budgetEpochs, series: `L(${T}) ${b.arm}`, value: b.finalLoss })),
  ].filter((v) => Number.isFinite(v.value));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Absolute held-out loss: at the start and after ${T} steps (mean over runs)`,
    data: { values },
    facet: { column: { field: 'pairing', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: budgetAxis(r),
        y: { field: 'value', type: 'quantitative', title: 'held-out cross-entropy', scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null, legend },
      },
    },
  } as TopLevelSpec;
}

/** The search protocol's three figures (normalised curves, metrics against budget, absolute losses), rendered to SVG and PNG. */
export async function searchFigures(r: SearchResult): Promise<Figure[]> {
  return [
    await renderFigure('vit-search-curves', 'ViT search protocol: normalised fine-tuning curves per pre-training budget', curvesSpec(r)),
    await renderFigure('vit-search-metrics', 'ViT search protocol: gradNorm0, plateau exit and half-life against the budget', metricsSpec(r)),
    await renderFigure('vit-search-absolute', 'ViT search protocol: absolute held-out losses against the budget', absoluteSpec(r)),
  ];
}
