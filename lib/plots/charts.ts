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
  /** Point marker shape (points only), e.g. 'triangle-up' for censored settings drawn at the budget. */
  shape?: 'circle' | 'triangle-up' | 'triangle-down' | 'square' | 'diamond';
}

export interface Axis {
  title: string;
  log?: boolean;
  domain?: [number, number];
  /** d3 number format of the tick labels (default: ~g on log axes, ~r on linear ones). */
  format?: string;
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
  /** The series are ordered (e.g. mu = 0.1 ... 0.9): a sequential colour scheme instead of categories. */
  sequential?: boolean;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Tooltip fields: the series and the exact values under the pointer (12 significant digits). */
function tooltip(p: Panel, band: boolean): object[] {
  const num = (field: string, title: string) => ({ field, type: 'quantitative', title, format: '.12~g' });
  return [{ field: 'series', type: 'nominal', title: 'series' }, num('x', p.x.title), num('y', p.y.title), ...(band ? [num('lo', 'lower'), num('hi', 'upper')] : [])];
}

/**
 * The layers of one panel. In the report each panel responds: drag or wheel to pan and zoom (the
 * scales, log axes included: params `zoom<k>`), click a legend entry to pick a series (`pick<k>`),
 * hover a mark for its exact values. Static renderings (SVG, PNG) ignore the params.
 */
function layerFor(p: Panel, color: Record<string, unknown>, k: number): object[] {
  const rows = (s: Series, f: (d: XY) => boolean) =>
    s.data.filter((d) => finite(d.x) && (!p.x.log || d.x > 0) && f(d)).map((d) => ({ ...d, series: s.name }));
  const okY = (v: number | null | undefined) => finite(v) && (!p.y.log || v > 0);
  const scale = (a: Axis) => ({ type: a.log ? 'log' : 'linear', ...(a.domain ? { domain: a.domain } : {}), ...(a.log ? {} : { zero: false }), nice: !a.log });
  // Plain decimals on linear axes (mu = 0.2, not the SI "200m"); ~g on log axes (1e-10, 0.001, 100).
  const x = { field: 'x', type: 'quantitative', title: p.x.title, scale: scale(p.x), axis: { format: '~g' } };
  const y = { field: 'y', type: 'quantitative', title: p.y.title, scale: scale(p.y), axis: { format: p.y.format ?? (p.y.log ? '~g' : '~r') } };
  const pick = `pick${k}`;
  const opacity = (on: number, off: number) => ({ condition: { param: pick, value: on }, value: off });
  const layers: Record<string, unknown>[] = [];
  for (const s of p.series) {
    if (s.kind === 'band') {
      layers.push({ data: { values: rows(s, (d) => okY(d.lo) && okY(d.hi)) }, mark: { type: 'area' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, opacity: opacity(0.2, 0.04), tooltip: tooltip(p, true) } });
      layers.push({ data: { values: rows(s, (d) => okY(d.y)) }, mark: { type: 'line', strokeWidth: 1.6 }, encoding: { x, y, color, opacity: opacity(1, 0.15) } });
    } else if (s.kind === 'line') {
      // clip: a curve (a theory line, say) never stretches or leaves the range the data set.
      layers.push({ data: { values: rows(s, (d) => okY(d.y)) }, mark: { type: 'line', strokeWidth: 1.6, clip: true, ...(s.dashed ? { strokeDash: [5, 3] } : {}) }, encoding: { x, y, color, opacity: opacity(1, 0.15), tooltip: tooltip(p, false) } });
    } else {
      layers.push({ data: { values: rows(s, (d) => okY(d.lo) && okY(d.hi)) }, mark: { type: 'rule' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, opacity: opacity(1, 0.15) } });
      layers.push({ data: { values: rows(s, (d) => okY(d.y)) }, mark: { type: 'point', filled: true, size: s.shape && s.shape !== 'circle' ? 70 : 36, ...(s.shape ? { shape: s.shape } : {}) }, encoding: { x, y, color, opacity: opacity(1, 0.15), tooltip: tooltip(p, true) } });
    }
  }
  if (layers.length)
    layers[0]!.params = [
      { name: `zoom${k}`, select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
      { name: pick, select: { type: 'point', fields: ['series'] }, bind: 'legend' },
    ];
  return layers;
}

/** A vega-lite spec for one or more panels that share a colour legend. */
export function panelsSpec(panels: Panel[], o: ChartOptions = {}): TopLevelSpec {
  // A legend entry only for a series that draws something.
  const drawn = (p: Panel, s: Series) => s.data.some((d) => finite(d.x) && (!p.x.log || d.x > 0) && finite(d.y) && (!p.y.log || d.y > 0));
  const names = [...new Set(panels.flatMap((p) => p.series.filter((s) => drawn(p, s)).map((s) => s.name)))];
  const scheme = o.sequential ? 'viridis' : names.length <= 10 ? 'tableau10' : 'category20';
  const color = { field: 'series', type: 'nominal', title: o.legendTitle ?? '', scale: { domain: names, scheme } };
  const w = o.width ?? 300;
  const h = o.height ?? 220;
  const one = (p: Panel, k: number) => ({ title: p.title, width: w, height: h, layer: layerFor(p, color, k) });
  const body = panels.length === 1 ? one(panels[0]!, 0) : { concat: panels.map(one), columns: o.columns ?? Math.min(panels.length, 3) };
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
