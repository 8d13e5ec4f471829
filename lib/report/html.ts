// A self-contained HTML report: figures as interactive vega views (vega, vega-lite and vega-embed
// inlined: tooltips with exact values, pan and zoom, legend entries that pick a series), with the
// static SVG as the fallback, tables, configs, versions and wall times. No external resources, so it
// opens offline. Each figure is stamped with its rendered size and marks (data-*), and `#selftest`
// in the address makes the page exercise its views and stamp the outcome, for the browser test.
import type { Figure } from '../plots/render.js';
import { vegaScripts } from './assets.js';

/** A table of a report. */
export interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** The content of an HTML report. */
export interface ReportInput {
  title: string;
  subtitle?: string;
  command?: string;
  sections: { heading: string; text?: string[]; figures?: Figure[]; tables?: Table[] }[];
  configs: { name: string; value: unknown }[];
  versions: Record<string, string>;
  /** Wall time of this invocation (ms). */
  wallMs: number;
  /** The compute behind the results, over every invocation that computed runs (null: not known). */
  compute?: { wallMs: number; runs: number; invocations: number } | null;
  /** Runs this invocation computed (the rest came from the store). */
  computedNow?: number;
  generatedAt?: string;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// The compute's wall time, not that of a rerun that read every run from the store.
function wallLine(r: ReportInput): string {
  if (r.compute === undefined) return `Wall time: ${sec(r.wallMs)}.`;
  const c = r.compute;
  const total = c
    ? `Compute: ${sec(c.wallMs)} wall time${c.runs ? ` for ${c.runs} run(s)` : ''}${c.invocations > 1 ? ` over ${c.invocations} invocations (resumed)` : ''}.`
    : 'Compute: not known (the runs were computed by an older version).';
  if (c && !c.runs) return total; // nothing kept in the store: this invocation is the compute
  const now = r.computedNow
    ? `This invocation computed ${r.computedNow} of them in ${sec(r.wallMs)}.`
    : `This invocation took every run from the store (${sec(r.wallMs)}).`;
  return `${total} ${now}`;
}

export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function table(t: Table): string {
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c === null ? '-' : c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${esc(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(f: Figure): string {
  // The SVG is produced by vega from our own data; strip any XML prolog before inlining.
  const svg = f.svg.replace(/^<\?xml[^>]*>\s*/, '');
  const spec = f.spec ? `<script type="application/json" class="spec">${JSON.stringify(f.spec).replace(/</g, '\\u003c')}</script>` : '';
  return `<figure class="fig" data-name="${esc(f.name)}"><div class="static">${svg}</div><div class="view"></div>${spec}<figcaption>${esc(f.title)} (<a href="figures/${esc(f.name)}.svg">svg</a>, <a href="figures/${esc(f.name)}.png">png</a>)</figcaption></figure>`;
}

// Embeds each figure's spec; on success the static SVG is hidden. #selftest then exercises each view:
// a wheel event must zoom (a zoom param gets a value), a legend click must pick a series, and
// hovering a mark must show the tooltip.
const EMBED = `
const views = [];
async function embedAll() {
  for (const f of document.querySelectorAll('figure.fig')) {
    const s = f.querySelector('script.spec');
    if (!s || typeof vegaEmbed !== 'function') continue;
    try {
      const r = await vegaEmbed(f.querySelector('.view'), JSON.parse(s.textContent), { actions: false, renderer: 'svg', tooltip: { theme: 'light' } });
      f.querySelector('.static').style.display = 'none';
      f.setAttribute('data-interactive', '1');
      views.push({ f, view: r.view });
    } catch (e) {
      f.setAttribute('data-embed-error', String(e));
    }
  }
  for (const f of document.querySelectorAll('figure.fig')) {
    const s = f.querySelector('[data-interactive] .view svg') || f.querySelector('.static svg');
    const b = s ? s.getBoundingClientRect() : { width: 0, height: 0 };
    f.setAttribute('data-rendered-width', String(Math.round(b.width)));
    f.setAttribute('data-rendered-height', String(Math.round(b.height)));
    f.setAttribute('data-marks', String(s ? s.querySelectorAll('path').length : 0));
  }
  if (location.hash === '#selftest') await selfTest();
  document.body.setAttribute('data-report-ready', '1');
}
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const paramValues = (view, prefix) => Object.entries(view.getState({ data: () => false, signals: (n) => n.startsWith(prefix) }).signals || {}).filter(([, v]) => v && Object.keys(v).length).length;
async function selfTest() {
  for (const { f, view } of views) {
    const svg = f.querySelector('.view svg');
    // Zoom: a wheel over the plot.
    const zoomState = () => JSON.stringify(view.getState({ data: () => false, signals: (n) => /^zoom\\d/.test(n) }).signals);
    const before = zoomState();
    const inner = svg.querySelector('.mark-symbol path, .mark-line path, .mark-area path') || svg;
    const ib = inner.getBoundingClientRect();
    inner.dispatchEvent(new WheelEvent('wheel', { clientX: ib.left + ib.width / 2, clientY: ib.top + ib.height / 2, deltaY: -240, bubbles: true, cancelable: true }));
    await view.runAsync(); await wait(50);
    const after = zoomState();
    f.setAttribute('data-zoom-state', after.slice(0, 300));
    f.setAttribute('data-zoom', before !== after ? '1' : '0');
    // Legend: a click on the first entry's symbol picks that series.
    const sym = svg.querySelector('.role-legend-symbol path');
    if (sym) {
      const b = sym.getBoundingClientRect();
      sym.dispatchEvent(new MouseEvent('click', { clientX: b.left + b.width / 2, clientY: b.top + b.height / 2, bubbles: true }));
      await view.runAsync(); await wait(50);
      f.setAttribute('data-pick', paramValues(view, 'pick') > 0 ? '1' : '0');
    } else f.setAttribute('data-pick', 'no legend');
    // Tooltip: hover a point or area mark.
    const mark = svg.querySelector('.mark-symbol path, .mark-area path');
    if (mark) {
      const b = mark.getBoundingClientRect();
      for (const type of ['pointerover', 'pointermove']) mark.dispatchEvent(new PointerEvent(type, { clientX: b.left + b.width / 2, clientY: b.top + b.height / 2, bubbles: true }));
      await wait(100);
      const tip = document.getElementById('vg-tooltip-element');
      f.setAttribute('data-tooltip', tip && tip.classList.contains('visible') && tip.textContent.length ? tip.textContent.replace(/\\s+/g, ' ').slice(0, 200) : '');
      mark.dispatchEvent(new PointerEvent('pointerout', { bubbles: true }));
    }
  }
}
embedAll();
`;

export function renderReport(r: ReportInput): string {
  const sections = r.sections
    .map(
      (s) =>
        `<section><h2>${esc(s.heading)}</h2>${(s.text ?? []).map((p) => `<p>${esc(p)}</p>`).join('')}${(s.figures ?? []).map(figure).join('\n')}${(s.tables ?? []).map(table).join('\n')}</section>`,
    )
    .join('\n');
  const versions = Object.entries(r.versions)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`)
    .join('');
  const configs = r.configs.map((c) => `<details><summary>${esc(c.name)}</summary><pre>${esc(JSON.stringify(c.value, null, 2))}</pre></details>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
caption{text-align:left;font-weight:bold;padding:4px 0}figure{margin:1em 0}figure svg{max-width:100%;height:auto}
pre{background:#f6f6f6;padding:6px;font-size:12px;overflow:auto}code{background:#f6f6f6}\n.view{display:block}.vega-embed{display:block}
</style></head><body>
<h1>${esc(r.title)}</h1>
${r.subtitle ? `<p>${esc(r.subtitle)}</p>` : ''}
${r.command ? `<p>Command: <code>${esc(r.command)}</code></p>` : ''}
<p>${esc(wallLine(r))} Generated ${esc(r.generatedAt ?? new Date().toISOString())}.</p>
${sections}
<section><h2>Versions</h2><table><tbody>${versions}</tbody></table></section>
<section><h2>Configs</h2>${configs}</section>
${r.sections.some((s) => (s.figures ?? []).some((f) => f.spec)) ? vegaScripts() : ''}
<script>${EMBED}</script>
</body></html>
`;
}
