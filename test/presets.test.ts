// Presets at the tiny scale: every SPEC item runs end to end, writes its figures and summary,
// its numbers make physical sense, and a rerun recomputes nothing.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presets } from '../lib/experiments/presets/index.js';
import { reproduce } from '../lib/experiments/reproduce.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'loradyn-presets-'));

t.test('reproduce --list names a preset for each SPEC 6 item 1-9', async (t) => {
  const r = runCli(['reproduce', '--list']);
  t.equal(r.code, 0);
  for (const name of [
    'headline',
    'dynamics',
    'escape-vs-mu',
    'hermite',
    'squared-teacher',
    'mixtures',
    'curriculum',
    'misaligned',
    'two-layer',
    'scaling',
    'vit',
  ])
    t.match(r.stdout, new RegExp(`^${name} `, 'm'));
  const items = new Set(presets.flatMap((p) => p.item.split(/\s*\+\s*/)));
  for (const i of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']) t.ok(items.has(i), `item ${i} has a preset`);
  t.equal(runCli(['reproduce', 'nosuch', '--out', dir]).code, 2);
  const bad = runCli(['reproduce', 'headline', '--out', dir, '--scale', 'huge']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--scale must be one of tiny, quick, paper/);
});

t.test('headline (tiny): figures, report, and escape ordering in mu', async (t) => {
  const out = join(dir, 'headline');
  const r = runCli(['reproduce', 'headline', '--out', out, '--scale', 'tiny', '--jobs', '2']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /report: .*report\.html/);
  const sum = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const lo = sum.numbers['linear mu=0.3'];
  const hi = sum.numbers['linear mu=0.7'];
  t.ok(lo.medianSteps < hi.medianSteps, `linear escapes sooner at mu = 0.3 (${lo.medianSteps}) than at 0.7 (${hi.medianSteps})`);
  // d = 200 is far from the ODE limit; the SGD median and the ODE escape agree within a factor 2.
  for (const k of ['linear mu=0.3', 'linear mu=0.7']) {
    const n = sum.numbers[k];
    t.ok(n.simPerLogD / n.odePerLogD > 0.5 && n.simPerLogD / n.odePerLogD < 2, `${k}: SGD ${n.simPerLogD} vs ODE ${n.odePerLogD}`);
  }
  t.ok(existsSync(join(out, 'figures', 'headline-escape.png')));
  const again = runCli(['reproduce', 'headline', '--out', out, '--scale', 'tiny']);
  t.equal(again.code, 0);
  t.match(again.stderr, /SGD: \d+ runs \(\d+ stored before, 0 computed/, 'the rerun reuses the store');
});

t.test('every other preset runs at the tiny scale', async (t) => {
  for (const p of presets.filter((p) => !['headline', 'dynamics', 'escape-vs-mu'].includes(p.name))) {
    const out = join(dir, p.name);
    const r = await reproduce(p.name, { out, scale: 'tiny', executor: new LocalExecutor(2) });
    t.ok(r.figures.length >= 1, `${p.name}: ${r.figures.length} figure(s)`);
    t.same(readdirSync(join(out, 'figures')).filter((f) => f.endsWith('.svg')).length, r.figures.length);
    if (p.name === 'hermite') {
      const muc = r.summary.numbers as { he3_mu_c: number | null };
      t.ok(muc.he3_mu_c !== null && muc.he3_mu_c > 0 && muc.he3_mu_c < 1, `He3 has a critical mu_c = ${muc.he3_mu_c}`);
    }
    if (p.name === 'curriculum') {
      const n = r.summary.numbers as { mu: number; muc: number };
      t.ok(Math.abs(n.mu - n.muc) < 1e-3, `curriculum runs next to mu_c (${n.mu} vs ${n.muc})`);
    }
    if (p.name === 'vit') {
      t.ok(existsSync(join(out, 'vit.json')) && existsSync(join(out, 'vit-search-slopes.csv')), 'vit writes vit.json and its CSVs');
      const rows = Object.values(r.summary.numbers as Record<string, { verdict: string }>);
      t.ok(rows.length >= 6 && rows.every((x) => typeof x.verdict === 'string'), `vit: ${rows.length} slopes with verdicts`);
    }
    if (p.name === 'scaling') {
      const n = r.summary.numbers as Record<string, { median: number | null }>;
      t.ok(n['linear mu=0.5 d=250']!.median !== null && n['linear mu=0.5 d=1000']!.median !== null, 'pre-trained linear escapes at d = 250 and 1000');
    }
  }
});
