// A self-contained HTML report: figures inlined as SVG, tables, configs, versions, wall times.
// No external resources, so it opens offline. A small inline script stamps each figure with its
// rendered size (data-rendered-*), which the headless-browser test reads back.
import type { Figure } from '../plots/render.js';

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface ReportInput {
  title: string;
  subtitle?: string;
  command?: string;
  sections: { heading: string; text?: string[]; figures?: Figure[]; tables?: Table[] }[];
  configs: { name: string; value: unknown }[];
  versions: Record<string, string>;
  wallMs: number;
  generatedAt?: string;
}

export const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function table(t: Table): string {
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c === null ? '-' : c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${esc(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(f: Figure): string {
  // The SVG is produced by vega from our own data; strip any XML prolog before inlining.
  const svg = f.svg.replace(/^<\?xml[^>]*>\s*/, '');
  return `<figure class="fig" data-name="${esc(f.name)}">${svg}<figcaption>${esc(f.title)} (<a href="figures/${esc(f.name)}.svg">svg</a>, <a href="figures/${esc(f.name)}.png">png</a>)</figcaption></figure>`;
}

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
pre{background:#f6f6f6;padding:6px;font-size:12px;overflow:auto}code{background:#f6f6f6}
</style></head><body>
<h1>${esc(r.title)}</h1>
${r.subtitle ? `<p>${esc(r.subtitle)}</p>` : ''}
${r.command ? `<p>Command: <code>${esc(r.command)}</code></p>` : ''}
<p>Wall time: ${(r.wallMs / 1000).toFixed(1)} s. Generated ${esc(r.generatedAt ?? new Date().toISOString())}.</p>
${sections}
<section><h2>Versions</h2><table><tbody>${versions}</tbody></table></section>
<section><h2>Configs</h2>${configs}</section>
<script>
for (const f of document.querySelectorAll('figure.fig')) {
  const s = f.querySelector('svg');
  const b = s ? s.getBoundingClientRect() : { width: 0, height: 0 };
  f.setAttribute('data-rendered-width', String(Math.round(b.width)));
  f.setAttribute('data-rendered-height', String(Math.round(b.height)));
  f.setAttribute('data-marks', String(s ? s.querySelectorAll('path').length : 0));
}
document.body.setAttribute('data-report-ready', '1');
</script>
</body></html>
`;
}
