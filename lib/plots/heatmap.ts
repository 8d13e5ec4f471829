// Heat maps over vega-lite: cells [x0, x1] x [y0, y1] coloured by a value (e.g. log10 loss),
// with optional curves drawn on top (e.g. the optimal mu against the budget).
import type { TopLevelSpec } from 'vega-lite';
import type { Axis } from './charts.js';
import { FONT } from './render.js';

export interface HeatCell {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** The colour value; null cells are left blank. */
  value: number | null;
}

export interface HeatCurve {
  name: string;
  points: { x: number; y: number | null }[];
  dashed?: boolean;
}

export interface HeatmapOptions {
  title: string;
  x: Axis;
  y: Axis;
  colorTitle: string;
  /** A vega colour scheme (default "viridis"). */
  scheme?: string;
  width?: number;
  height?: number;
  curves?: HeatCurve[];
}

/** A vega-lite spec for one heat map with curves over it. */
export function heatmapSpec(cells: HeatCell[], o: HeatmapOptions): TopLevelSpec {
  const scale = (a: Axis) => ({ type: a.log ? 'log' : 'linear', ...(a.domain ? { domain: a.domain } : {}), ...(a.log ? {} : { zero: false }), nice: false });
  const values = cells.filter((c) => c.value !== null && Number.isFinite(c.value) && (!o.x.log || c.x0 > 0));
  const layers: object[] = [
    {
      data: { values },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x0', type: 'quantitative', title: o.x.title, scale: scale(o.x), axis: { format: o.x.log ? '~g' : '~r' } },
        x2: { field: 'x1' },
        y: { field: 'y0', type: 'quantitative', title: o.y.title, scale: scale(o.y) },
        y2: { field: 'y1' },
        color: { field: 'value', type: 'quantitative', title: o.colorTitle, scale: { scheme: o.scheme ?? 'viridis' } },
      },
    },
  ];
  for (const c of o.curves ?? []) {
    const pts = c.points.filter((p) => p.y !== null && Number.isFinite(p.y) && (!o.x.log || p.x > 0)).map((p) => ({ ...p, curve: c.name }));
    layers.push({
      data: { values: pts },
      mark: { type: 'line', strokeWidth: 2.2, color: 'white', ...(c.dashed ? { strokeDash: [5, 3] } : {}) },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: scale(o.x) },
        y: { field: 'y', type: 'quantitative', scale: scale(o.y) },
        strokeDash: { field: 'curve', type: 'nominal', title: '' },
      },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, fontSize: 13 },
    background: 'white',
    width: o.width ?? 420,
    height: o.height ?? 260,
    config: { font: FONT, view: { stroke: '#ccc' }, legend: { orient: 'right', titleLimit: 300, labelLimit: 300 } },
    layer: layers,
  } as unknown as TopLevelSpec;
}
