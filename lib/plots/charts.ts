// A small chart API over vega-lite: panels of x-y series drawn as lines, points with error bars,
// or shaded bands (e.g. median and interquartile range over seeds), with optional log axes.
import type { TopLevelSpec } from 'vega-lite';
import { FONT } from './render.js';

export interface XY {
  x: number;
  y: number | null;
  lo?: number | null;
  hi?: number | null;
}

export interface Series {
  /** Legend label; series sharing a label share a colour. */
  name: string;
  /** line: y vs x; band: [lo, hi] shaded with y as a line; points: y with [lo, hi] error bars. */
  kind: 'line' | 'band' | 'points';
  data: XY[];
  dashed?: boolean;
  /** points: drawn as rings instead of filled dots (a second measure beside the first). */
  hollow?: boolean;
}

export interface Axis {
  title: string;
  log?: boolean;
  domain?: [number, number];
}

export interface Panel {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
}

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Panels per row. */
  columns?: number;
  legendTitle?: string;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function layerFor(p: Panel, color: Record<string, unknown>): object[] {
  const rows = (s: Series, f: (d: XY) => boolean) =>
    s.data.filter((d) => finite(d.x) && (!p.x.log || d.x > 0) && f(d)).map((d) => ({ ...d, series: s.name }));
  const okY = (v: number | null | undefined) => finite(v) && (!p.y.log || v > 0);
  const scale = (a: Axis) => ({ type: a.log ? 'log' : 'linear', ...(a.domain ? { domain: a.domain } : {}), ...(a.log ? {} : { zero: false }), nice: !a.log });
  const x = { field: 'x', type: 'quantitative', title: p.x.title, scale: scale(p.x), axis: { format: p.x.log ? '~g' : '~s' } };
  const y = { field: 'y', type: 'quantitative', title: p.y.title, scale: scale(p.y), axis: { format: p.y.log ? '~g' : '~r' } };
  const layers: object[] = [];
  for (const s of p.series) {
    if (s.kind === 'band') {
      layers.push({ data: { values: rows(s, (d) => okY(d.lo) && okY(d.hi)) }, mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } });
      layers.push({ data: { values: rows(s, (d) => okY(d.y)) }, mark: { type: 'line', strokeWidth: 1.6 }, encoding: { x, y, color } });
    } else if (s.kind === 'line') {
      layers.push({ data: { values: rows(s, (d) => okY(d.y)) }, mark: { type: 'line', strokeWidth: 1.6, ...(s.dashed ? { strokeDash: [5, 3] } : {}) }, encoding: { x, y, color } });
    } else {
      layers.push({ data: { values: rows(s, (d) => okY(d.lo) && okY(d.hi)) }, mark: { type: 'rule' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } });
      layers.push({ data: { values: rows(s, (d) => okY(d.y)) }, mark: { type: 'point', filled: !s.hollow, size: s.hollow ? 64 : 36 }, encoding: { x, y, color } });
    }
  }
  return layers;
}

/** A vega-lite spec for one or more panels that share a colour legend. */
export function panelsSpec(panels: Panel[], o: ChartOptions = {}): TopLevelSpec {
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const color = { field: 'series', type: 'nominal', title: o.legendTitle ?? '', scale: { domain: names, scheme: names.length <= 10 ? 'tableau10' : 'category20' } };
  const w = o.width ?? 300;
  const h = o.height ?? 220;
  const one = (p: Panel) => ({ title: p.title, width: w, height: h, layer: layerFor(p, color) });
  const body = panels.length === 1 ? one(panels[0]!) : { concat: panels.map(one), columns: o.columns ?? Math.min(panels.length, 3) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: { text: o.title, fontSize: 14 } } : {}),
    background: 'white',
    config: { font: FONT, view: { stroke: '#ccc' }, axis: { grid: true, gridOpacity: 0.4 }, legend: { orient: 'right', symbolOpacity: 1, titleLimit: 420, labelLimit: 300 } },
    ...body,
  } as unknown as TopLevelSpec;
}

/** Median and quartiles across seeds of per-seed curves sampled on the same x grid. */
export function bandOverSeeds(x: ArrayLike<number>, curves: ArrayLike<number>[]): XY[] {
  const out: XY[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = curves.map((c) => c[i]!).filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) continue;
    const q = (p: number) => {
      const pos = (v.length - 1) * p;
      const lo = Math.floor(pos);
      return v[lo]! + (v[Math.ceil(pos)]! - v[lo]!) * (pos - lo);
    };
    out.push({ x: x[i]!, y: q(0.5), lo: q(0.25), hi: q(0.75) });
  }
  return out;
}
