// Plotting API: build panels with charts.ts, render them with render.ts.
export { panelsSpec, bandOverSeeds, type Panel, type Series, type Axis, type XY, type ChartOptions } from './charts.js';
export { renderFigure, vegaLiteToSvg, svgToPng, type Figure } from './render.js';
export { heatmapSpec, type HeatCell, type HeatCurve, type HeatmapOptions } from './heatmap.js';
