// Headless rendering: vega-lite spec -> vega -> SVG (vega's View.toSVG) -> PNG (resvg). vega,
// vega-lite and resvg load on first use: importing loradyn to simulate does not load plotting.
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';

// resvg is a native CommonJS module: required (synchronously) on the first PNG, once.
let resvgModule: typeof import('@resvg/resvg-js') | undefined;
const resvg = () => (resvgModule ??= createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js'));

export const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** Renders a vega-lite spec to SVG text, offline. */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vg = compile(spec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG from SVG at `scale` x the SVG's size; uses the system fonts (DejaVu on Debian). */
export function svgToPng(svg: string, scale = 1.5): Uint8Array {
  const { Resvg } = resvg();
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}

/** A rendered figure: SVG, PNG and the vega-lite spec (for the interactive report). */
export interface Figure {
  name: string;
  title: string;
  svg: string;
  /** PNG bytes (a Buffer in Node; typed as Uint8Array so consumers need no Node types). */
  png: Uint8Array;
  /** The vega-lite spec it was drawn from: the report embeds it as an interactive view. */
  spec?: TopLevelSpec;
}

/** Renders a vega-lite spec to SVG and PNG (scale `pngScale`), offline. */
export async function renderFigure(name: string, title: string, spec: TopLevelSpec, pngScale = 1.5): Promise<Figure> {
  const svg = await vegaLiteToSvg(spec);
  return { name, title, svg, png: svgToPng(svg, pngScale), spec };
}
