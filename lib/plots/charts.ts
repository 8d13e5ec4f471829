// A small chart API over vega-lite: panels of x-y series drawn as lines, points with error bars,
// or shaded bands (e.g. median and interquartile range over seeds), with optional log axes.
import type { TopLevelSpec } from 'vega-lite';
import { FONT } from './render.js';

/** One data point; lo and hi bound a band or an error bar; y null is not drawn. */
export interface XY {
  x: number;
  y: number | null;
  lo?: number | null;
  hi?: number | null;
}

/** One series of a panel: a line, a shaded band or points with error bars. */
export interface Series {
  /** Legend label; series sharing a label share a colour. */
  name: string;
  /** line: y vs x; band: [lo, hi] shaded with y as a line; points: y with [lo, hi] error bars. */
  kind: 'line' | 'band' | 'points';
  data: XY[];
  dashed?: boolean;
  /** Point marker shape (points only), e.g. 'triangle-up' for censored settings drawn at the budget. */
  shape?: 'circle' | 'triangle-up' | 'triangle-down' | 'square' | 'diamond';
  /**
   * What this series' line style or marker means (e.g. "ODE", "theory tau/2", "SGD: median, 95% CI").
   * Each distinct key is an entry of a style legend beside the colour legend: one for line styles
   * (solid, dashed), one for markers. Series without a key add nothing to it.
   */
  key?: string;
  /** points: drawn as rings instead of filled dots (a second measure beside the first). */
  hollow?: boolean;
  /**
   * Drawn wider (a line) or larger (points) than the others, so that a later series with the same
   * values, drawn on top of it, leaves it showing as a border (the practice preset's standard init
   * gives the paper's SGD medians to the step).
   */
  wide?: boolean;
}

/** An axis: title, log or linear, optional fixed domain and tick format. */
export interface Axis {
  title: string;
  log?: boolean;
  domain?: [number, number];
  /** d3 number format of the tick labels (default: ~g on log axes, ~r on linear ones). */
  format?: string;
  /**
   * Tick labels for values spanning many decades (losses): plain numbers from 0.001 to 9999 (0.005,
   * 3, 300) and powers of ten beyond them (1e-7, 3e-10, 1e5), never d3's "3e+0". Overrides format.
   */
  powers?: boolean;
}

/**
 * The Vega expression behind Axis.powers: d3's ~g inside [0.001, 1e4), its one-digit exponent
 * form outside with the "+" dropped. A tick the log scale leaves unlabelled (datum.label empty,
 * so that 1 and 10 are not crowded out by 0.8 and 8) stays unlabelled.
 */
const POWERS_LABEL_EXPR =
  "datum.label === '' ? '' : datum.value >= 0.001 && datum.value < 1e4 ? format(datum.value, '~g') : replace(format(datum.value, '.0e'), 'e+', 'e')";

/** One panel of a figure: its title, axes and series. */
export interface Panel {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
}

/** Options of panelsSpec: title, subtitle, sizes, columns and the colour legend. */
export interface ChartOptions {
  /** The figure's title, above every panel (a single panel then shows no title of its own). */
  title?: string;
  /** A second title line in smaller type, for the setting (d, batch, eta, seeds). */
  subtitle?: string;
  width?: number;
  height?: number;
  /** Panels per row. */
  columns?: number;
  /** Title of the colour legend (what the colours tell apart: "activation", "mu"). */
  legendTitle?: string;
  /** The series are ordered (e.g. mu = 0.1 ... 0.9): a sequential colour scheme instead of categories. */
  sequential?: boolean;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Tooltip fields: the series and the exact values under the pointer (12 significant digits). */
function tooltip(p: Panel, band: boolean): object[] {
  const num = (field: string, title: string) => ({ field, type: 'quantitative', title, format: '.12~g' });
  return [
    { field: 'series', type: 'nominal', title: 'series' },
    num('x', p.x.title),
    num('y', p.y.title),
    ...(band ? [num('lo', 'lower'), num('hi', 'upper')] : []),
  ];
}

/**
 * The layers of one panel. In the report each panel responds: drag or wheel to pan and zoom (the
 * scales, log axes included: params `zoom<k>`), click a legend entry to pick a series (`pick<k>`),
 * hover a mark for its exact values. Static renderings (SVG, PNG) ignore the params.
 */
function layerFor(p: Panel, color: Record<string, unknown>, k: number, style: StyleScales): object[] {
  const rows = (s: Series, f: (d: XY) => boolean) =>
    s.data
      .filter((d) => finite(d.x) && (!p.x.log || d.x > 0) && f(d))
      .map((d) => ({ ...d, series: s.name, ...(s.key ? { [s.kind === 'points' ? 'markKey' : 'lineKey']: s.key } : {}) }));
  // Line style and marker come from the style legends' scales when the series has a key.
  const dash = (s: Series) => (s.key && style.line ? { strokeDash: style.line } : {});
  const shape = (s: Series) => (s.key && style.marker ? { shape: style.marker } : {});
  const okY = (v: number | null | undefined) => finite(v) && (!p.y.log || v > 0);
  const scale = (a: Axis) => ({ type: a.log ? 'log' : 'linear', ...(a.domain ? { domain: a.domain } : {}), ...(a.log ? {} : { zero: false }), nice: !a.log });
  // Plain decimals on linear axes (mu = 0.2, not the SI "200m"); ~g on log axes (1e-10, 0.001, 100).
  const x = { field: 'x', type: 'quantitative', title: p.x.title, scale: scale(p.x), axis: { format: '~g' } };
  const axis = (a: Axis, fallback: string) => (a.powers ? { format: '.0e', labelExpr: POWERS_LABEL_EXPR } : { format: a.format ?? fallback });
  const y = { field: 'y', type: 'quantitative', title: p.y.title, scale: scale(p.y), axis: axis(p.y, p.y.log ? '~g' : '~r') };
  const pick = `pick${k}`;
  const opacity = (on: number, off: number) => ({ condition: { param: pick, value: on }, value: off });
  const layers: Record<string, unknown>[] = [];
  for (const s of p.series) {
    if (s.kind === 'band') {
      layers.push({
        data: { values: rows(s, (d) => okY(d.lo) && okY(d.hi)) },
        mark: { type: 'area' },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, opacity: opacity(0.2, 0.04), tooltip: tooltip(p, true) },
      });
      layers.push({
        data: { values: rows(s, (d) => okY(d.y)) },
        mark: { type: 'line', strokeWidth: stroke(s), clip: true },
        encoding: { x, y, color, opacity: opacity(1, 0.15), ...dash(s) },
      });
    } else if (s.kind === 'line') {
      // clip: a curve (a theory line, say) never stretches or leaves the range the data set.
      layers.push({
        data: { values: rows(s, (d) => okY(d.y)) },
        mark: { type: 'line', strokeWidth: stroke(s), clip: true, ...(s.dashed ? { strokeDash: DASHED } : {}) },
        encoding: { x, y, color, opacity: opacity(1, 0.15), tooltip: tooltip(p, false), ...dash(s) },
      });
    } else {
      layers.push({
        data: { values: rows(s, (d) => okY(d.lo) && okY(d.hi)) },
        mark: { type: 'rule' },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, opacity: opacity(1, 0.15) },
      });
      layers.push({
        data: { values: rows(s, (d) => okY(d.y)) },
        mark: { type: 'point', filled: !s.hollow, size: pointSize(s), ...(s.shape ? { shape: s.shape } : {}) },
        encoding: { x, y, color, opacity: opacity(1, 0.15), tooltip: tooltip(p, true), ...shape(s) },
      });
    }
  }
  if (layers.length)
    layers[0]!.params = [
      { name: `zoom${k}`, select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
      { name: pick, select: { type: 'point', fields: ['series'] }, bind: 'legend' },
    ];
  return layers;
}

const DASHED = [5, 3];
const stroke = (s: Series) => (s.wide ? 4 : 1.6);
// Areas in px^2: a wide dot shows a ring of about 2.5 px around a plain one.
const pointSize = (s: Series) => (s.wide ? 110 : s.hollow ? 64 : s.shape && s.shape !== 'circle' ? 70 : 36);

/** The strokeDash and shape encodings of the style legends (absent when no series has a key). */
interface StyleScales {
  line?: Record<string, unknown>;
  marker?: Record<string, unknown>;
}

// One entry per distinct key, in order of appearance; the first series with a key sets its look.
function styleScales(panels: Panel[]): StyleScales {
  const line = new Map<string, number[]>();
  const marker = new Map<string, string>();
  for (const p of panels)
    for (const s of p.series) {
      if (!s.key || !s.data.some((d) => finite(d.y))) continue;
      if (s.kind === 'points') {
        if (!marker.has(s.key)) marker.set(s.key, s.shape ?? 'circle');
      } else if (!line.has(s.key)) line.set(s.key, s.dashed ? DASHED : [1, 0]);
    }
  const legend = { title: null, symbolStrokeColor: '#444', symbolFillColor: '#444', symbolStrokeWidth: 1.6 };
  return {
    ...(line.size
      ? {
          line: {
            field: 'lineKey',
            type: 'nominal',
            scale: { domain: [...line.keys()], range: [...line.values()] },
            legend: { ...legend, symbolType: 'stroke' },
          },
        }
      : {}),
    ...(marker.size ? { marker: { field: 'markKey', type: 'nominal', scale: { domain: [...marker.keys()], range: [...marker.values()] }, legend } } : {}),
  };
}

/** A vega-lite spec for one or more panels that share a colour legend (and style legends, see Series.key). */
export function panelsSpec(panels: Panel[], o: ChartOptions = {}): TopLevelSpec {
  // A legend entry only for a series that draws something.
  const drawn = (p: Panel, s: Series) => s.data.some((d) => finite(d.x) && (!p.x.log || d.x > 0) && finite(d.y) && (!p.y.log || d.y > 0));
  const names = [...new Set(panels.flatMap((p) => p.series.filter((s) => drawn(p, s)).map((s) => s.name)))];
  const scheme = o.sequential ? 'viridis' : names.length <= 10 ? 'tableau10' : 'category20';
  const color = { field: 'series', type: 'nominal', title: o.legendTitle || null, scale: { domain: names, scheme } };
  const style = styleScales(panels);
  const w = o.width ?? 300;
  const h = o.height ?? 220;
  // A single panel under a figure title needs no title of its own (two titles would stack).
  const one = (p: Panel, k: number) => ({
    ...(panels.length === 1 && o.title ? {} : { title: { text: p.title, fontSize: 12 } }),
    width: w,
    height: h,
    layer: layerFor(p, color, k, style),
  });
  const body = panels.length === 1 ? one(panels[0]!, 0) : { concat: panels.map(one), columns: o.columns ?? Math.min(panels.length, 3), spacing: 24 };
  // The figure title is centred above the panels with room beneath it, so it never touches a
  // panel's own title; the subtitle names the setting.
  const title = o.title
    ? {
        title: {
          text: o.title,
          ...(o.subtitle ? { subtitle: o.subtitle, subtitleFontSize: 11, subtitleColor: '#444' } : {}),
          fontSize: 14,
          anchor: 'middle',
          offset: 14,
        },
      }
    : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...title,
    background: 'white',
    config: {
      font: FONT,
      view: { stroke: '#ccc' },
      axis: { grid: true, gridOpacity: 0.4 },
      legend: { orient: 'right', symbolOpacity: 1, titleLimit: 420, labelLimit: 300 },
    },
    ...body,
  } as unknown as TopLevelSpec;
}

/** Median and quartiles across seeds of per-seed curves sampled on the same x grid. */
export function bandOverSeeds(x: ArrayLike<number>, curves: ArrayLike<number>[]): XY[] {
  const out: XY[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = curves
      .map((c) => c[i]!)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
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
