// The HTML report: self-contained, and rendered by headless Chromium with every figure present
// and non-empty. Skips (saying why) where chromium is not installed; CI installs it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reproduce } from '../lib/experiments/reproduce.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { renderReport, esc } from '../lib/report/html.js';
import { panelsSpec } from '../lib/plots/charts.js';
import { renderFigure } from '../lib/plots/render.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'loradyn-report-'));

const pngSize = (u: Uint8Array, b = Buffer.from(u)) => ({ sig: b.subarray(0, 8).toString('hex'), w: b.readUInt32BE(16), h: b.readUInt32BE(20) });

t.test('figures: SVG with marks and a PNG of the stated size', async (t) => {
  const spec = panelsSpec(
    [
      {
        title: 'p',
        x: { title: 'steps', log: true },
        y: { title: 'loss', log: true },
        series: [{ name: 'a', kind: 'line', data: [1, 10, 100].map((x) => ({ x, y: 1 / x })) }],
      },
    ],
    { width: 200, height: 100 },
  );
  const f = await renderFigure('f', 'F', spec, 2);
  t.match(f.svg, /^<svg[^>]*width="(\d+)"/);
  t.ok((f.svg.match(/<path/g) ?? []).length > 3, 'the SVG draws paths');
  t.match(f.svg, />100</, 'log axis tick labels present');
  const w = Number(/width="(\d+)"/.exec(f.svg)![1]);
  const p = pngSize(f.png);
  t.equal(p.sig, '89504e470d0a1a0a', 'PNG signature');
  t.equal(p.w, 2 * w, 'PNG is the SVG at scale 2');
  t.equal(esc('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  const html = renderReport({
    title: 'T <x>',
    sections: [{ heading: 'S', figures: [f], tables: [{ title: 'tab', columns: ['a'], rows: [[1], [null]] }] }],
    configs: [{ name: 'c', value: { a: 1 } }],
    versions: { v: '1' },
    wallMs: 1,
  });
  t.match(html, /<title>T &lt;x&gt;<\/title>/);
  t.match(html, /<td>-<\/td>/, 'null cells print as -');
});

t.test('a preset report renders in headless Chromium with its figures', async (t) => {
  const out = join(dir, 'headline');
  const r = await reproduce('headline', { out, scale: 'tiny', executor: new LocalExecutor(2) });
  t.equal(r.figures.length, 2, 'escape figure and one dynamics figure at tiny scale');
  for (const png of r.figures) {
    t.ok(statSync(png).size > 5000, `${png} is a real image`);
    t.ok(statSync(png.replace(/\.png$/, '.svg')).size > 5000);
  }
  const html = readFileSync(r.report, 'utf8');
  t.notMatch(html, /<(script|img|link)[^>]+(src|href)="https?:/i, 'no external resources: opens offline');
  t.equal((html.match(/<figure class="fig"/g) ?? []).length, 2);
  t.match(html, /escape statistics/);
  // The wall time shown is that of the compute, not of a rerun that reads every run from the store.
  const first = /Compute: ([\d.]+) s wall time for (\d+) run\(s\)\. This invocation computed (\d+) of them in ([\d.]+) s\./.exec(html);
  t.ok(first, 'the first invocation computed the runs');
  t.equal(first?.[2], first?.[3], 'every run computed by it');
  t.equal(first?.[1], first?.[4], 'its wall time is the compute');
  const again = await reproduce('headline', { out, scale: 'tiny', executor: new LocalExecutor(2) });
  const rerun = readFileSync(again.report, 'utf8');
  t.match(
    rerun,
    new RegExp(`Compute: ${first?.[1]} s wall time for ${first?.[2]} run\\(s\\)\\. This invocation took every run from the store`),
    'a cached rerun reports the compute of the first',
  );
  t.equal((again.summary.compute as { runs: number }).runs, Number(first?.[2]), 'summary.json carries the compute too');
  t.match(
    html,
    /<h2>What was measured, and the caveats \(REPRODUCTION\.md\)<\/h2><p>Wall \d/,
    "the preset's notes and caveats from REPRODUCTION.md are in the report",
  );
  t.notMatch(html.replace(/<script[\s\S]*?<\/script>/g, ''), /SPEC/, 'no reference to a document that is not in the repository');
  t.match(html, /vega-lite/, 'versions listed');
  t.notMatch(html, /<td>(vega|vega-lite)<\/td><td>\?<\/td>/, 'the versions of vega and vega-lite are known');
  t.match(html, /<script>\/\* vega-embed \d/, 'vega-embed is inlined');
  if (!CHROMIUM) {
    t.comment('SKIP browser rendering: chromium is not installed here (CI installs it with .ci/install-chromium.sh)');
    t.skip('chromium rendering (chromium not installed)', () => {});
    return;
  }
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${mkdtempSync(join(tmpdir(), 'loradyn-chromium-'))}`,
  ];
  const dom = spawnSync(CHROMIUM, [...args, '--virtual-time-budget=10000', '--dump-dom', `file://${r.report}#selftest`], { encoding: 'utf8', timeout: 90_000 });
  t.equal(dom.status, 0, dom.stderr?.slice(-500));
  t.match(dom.stdout, /data-report-ready="1"/, 'the inline script ran');
  const figs = [...dom.stdout.matchAll(/<figure class="fig"[^>]*>/g)].map((m) => m[0]);
  t.equal(figs.length, 2, 'both figures are in the rendered DOM');
  for (const f of figs) {
    const w = Number(/data-rendered-width="(\d+)"/.exec(f)?.[1] ?? 0);
    const h = Number(/data-rendered-height="(\d+)"/.exec(f)?.[1] ?? 0);
    const marks = Number(/data-marks="(\d+)"/.exec(f)?.[1] ?? 0);
    t.ok(w > 200 && h > 100, `figure laid out at ${w} x ${h} px`);
    t.ok(marks > 10, `${marks} SVG paths drawn`);
    t.match(f, /data-interactive="1"/, 'the figure is an interactive vega view (vega-embed, inlined)');
    t.match(f, /data-zoom="1"/, 'a wheel over the plot zooms its scales');
    t.match(f, /data-pick="1"/, 'a click on a legend entry picks that series');
    t.match(f, /data-tooltip="series[^"]*\d\.\d{6,}/, 'hovering a mark shows a tooltip with its exact values');
  }
  const shot = join(dir, 'shot.png');
  const s = spawnSync(CHROMIUM, [...args, '--window-size=1200,2000', `--screenshot=${shot}`, `file://${r.report}`], { encoding: 'utf8', timeout: 90_000 });
  t.equal(s.status, 0, s.stderr?.slice(-500));
  t.ok(existsSync(shot) && statSync(shot).size > 20_000, 'a screenshot with content');
});
