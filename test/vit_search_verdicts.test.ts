// The search protocol's verdicts on synthetic runs (no training): a metric whose every value is
// censored reads "not measured" (not a slope of 0 [0, 0] judged "inconclusive") in vit.json, the
// tables, the terminal summary and the slopes CSV; with fewer than three pre-training seeds no
// verdict is given ("too few seeds"), the numbers still shown.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseSearch } from '../lib/vit/search/analysis.js';
import { absoluteSpec, metricsSpec } from '../lib/vit/search/figures.js';
import { writeSearchResults } from '../lib/vit/search/io.js';
import type { SearchResult, SearchRun } from '../lib/vit/search/records.js';
import { designText, searchSummaryText, verdictTable } from '../lib/vit/search/report.js';
import { resolveSearchSettings, type SearchSettings } from '../lib/vit/search/settings.js';
import { MIN_VERDICT_SEEDS, pairedSlope, seededUniform } from '../lib/vit/search/statistics.js';

const arm = { name: 'sgd lr 0.1 r1', optimizer: 'sgd' as const, lr: 0.1, rank: 1, bInit: 'zero' as const, primary: true };

function settings(seeds: number): SearchSettings {
  return resolveSearchSettings('tiny', { preSeeds: seeds, budgets: [0, 1, 4, 16], pairing: 'mnist', arms: [arm], ftSeeds: 1, steps: 100 });
}

/**
 * One run per seed and budget: the plateau exit grows as 30 (1 + b)^0.3 with a little noise
 * (measured, well inside the 100 steps), the half-life never comes (censored at every budget),
 * gradNorm0 falls as (1 + b)^-0.5.
 */
function runs(s: SearchSettings): SearchRun[] {
  const rand = seededUniform(5);
  const out: SearchRun[] = [];
  for (const seed of s.preSeeds)
    for (const b of s.budgets)
      out.push({
        arm: arm.name,
        pairing: s.pairings[0]!.name,
        seed,
        ftSeed: 1,
        budgetEpochs: b,
        rank: 1,
        L0: 1.6,
        probeAccuracy: 0.5,
        gradNorm0: 0.2 * (1 + b) ** -0.5 * (1 + 0.05 * (rand() - 0.5)),
        plateauExit: 30 * (1 + b) ** 0.3 * (1 + 0.05 * (rand() - 0.5)),
        halfLife: null,
        lStar: 0.4,
        finalLoss: 1.3,
        stepsToAccuracy: {},
        weightNorms: { q: 1, k: 1, v: 1, mlp: 1 },
        steps: s.finetune.steps,
        divergedAt: null,
        evalStep: [0, 50, 100],
        loss: [1.6, 1.5, 1.3],
        accuracy: [0.5, 0.55, 0.6],
        normalised: [1, 0.92, 0.75],
      });
  return out;
}

function result(s: SearchSettings): SearchResult {
  const rs = runs(s);
  return {
    version: 'test',
    protocol: 'search',
    settings: s,
    data: [],
    checkpoints: [],
    runs: rs,
    ...analyseSearch(s, [], rs),
    timing: { wallMs: 1, cpuMs: 1, units: [], loadAverage: { start: [0, 0, 0], end: [0, 0, 0] } },
  };
}

const byMetric = (r: SearchResult, m: string) => r.slopes.find((x) => x.metric === m)!;

t.test('a metric censored in every run reads "not measured", with no slope', async (t) => {
  const r = result(settings(6));
  const half = byMetric(r, 'halfLife');
  t.equal(half.verdict, 'not measured');
  t.equal(half.censored, half.values);
  t.same([half.slope, half.ci, half.se, half.mde], [null, null, null, null], 'no slope, interval, SE or MDE');
  // The measured metrics keep their verdicts beside it.
  t.equal(byMetric(r, 'plateauExit').verdict, 'reproduces');
  t.equal(byMetric(r, 'gradNorm0').verdict, 'reproduces');
  t.ok(Math.abs(byMetric(r, 'plateauExit').slope! - 0.3 * Math.log(2)) < 0.02, `exit slope ${byMetric(r, 'plateauExit').slope}`);

  // vit.json: the verdict is its own, the numbers null.
  const json = JSON.parse(JSON.stringify(r)) as SearchResult;
  t.match(byMetric(json, 'halfLife'), { verdict: 'not measured', slope: null, ci: null });

  // The report's table and the terminal summary say so, and never print 0 [0, 0] for it.
  const row = verdictTable(r).rows.find((x) => x[2] === 'halfLife')!;
  t.equal(row[row.length - 1], 'not measured');
  t.same(row.slice(4, 8), ['-', '-', '-', '-'], 'slope, interval, factor and MDE blank');
  const line = searchSummaryText(r)
    .split('\n')
    .find((l) => l.includes('| halfLife:'))!;
  t.match(line, /halfLife: no slope \(every value censored\) -> not measured \(24\/24 censored\)/);
  t.notMatch(line, /0\.000 \[/);

  // The slopes CSV: empty numbers, the verdict named.
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-vit-verdicts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = await writeSearchResults(dir, r, []);
  const lines = readFileSync(files.slopesCsv, 'utf8').trim().split('\n');
  const head = lines[0]!.split(',');
  const cells = lines.find((l) => l.includes(',halfLife,'))!.split(',');
  const cell = (name: string) => cells[head.indexOf(name)];
  t.same([cell('slope'), cell('ci_lo'), cell('ci_hi'), cell('mde'), cell('verdict')], ['', '', '', '', 'not measured']);
});

t.test(`fewer than ${MIN_VERDICT_SEEDS} pre-training seeds: "too few seeds", the numbers shown`, async (t) => {
  const r = result(settings(2));
  const exit = byMetric(r, 'plateauExit');
  t.equal(exit.verdict, 'too few seeds');
  t.ok(exit.slope !== null && exit.slope > 0 && exit.ci !== null, 'slope and interval still reported');
  t.equal(byMetric(r, 'gradNorm0').verdict, 'too few seeds');
  t.equal(byMetric(r, 'halfLife').verdict, 'not measured', 'not measured comes first');
  const row = verdictTable(r).rows.find((x) => x[2] === 'plateauExit')!;
  t.equal(row[row.length - 1], 'too few seeds');
  t.match(searchSummaryText(r), /plateauExit: \d\.\d{3} \[[-\d.]+, [-\d.]+\] \(MDE [\d.]+\) 2\/0 -> too few seeds/);
  // Three seeds are enough for a verdict.
  t.equal(byMetric(result(settings(3)), 'plateauExit').verdict, 'reproduces');
  // pairedSlope itself withholds it: two seeds with a clear common slope.
  const two = [1, 2].map((seed) => ({ seed, points: [0, 1, 4].map((b) => ({ budget: b, y: 0.5 * Math.log2(1 + b) + 0.01 * seed })) }));
  const st = pairedSlope(two, { predictedSign: 1 });
  t.equal(st.verdict, 'too few seeds');
  t.ok(Math.abs(st.slope - 0.5) < 1e-9);
});

t.test("the cost shown is the units' compute, not the seconds of a call that found them cached", async (t) => {
  const r = result(settings(MIN_VERDICT_SEEDS));
  r.timing = {
    wallMs: 3700,
    cpuMs: 4200,
    units: [
      { pairing: 'mnist', seed: 1, wallMs: 9 * 60000, cpuMs: 8 * 60000, cached: true },
      { pairing: 'mnist', seed: 2, wallMs: 13 * 60000, cpuMs: 10 * 60000, cached: false },
    ],
    loadAverage: { start: [0, 0, 0], end: [0, 0, 0] },
  };
  const first = searchSummaryText(r).split('\n')[0]!;
  t.match(first, /compute 0\.30 CPU-h over 2 units \(per unit 8\.0-10\.0 CPU-min, 9\.0-13\.0 min wall\)/);
  t.match(first, /this call 3\.7 s wall, 4\.2 s CPU, 1 of 2 units from the cache/);
  t.match(designText(r).join('\n'), /Cost: compute 0\.30 CPU-h over 2 units/);
});

t.test('figures: a tick at every budget run, arm names not cut in the legends', async (t) => {
  const r = result(settings(MIN_VERDICT_SEEDS));
  const specs = { metrics: metricsSpec(r), absolute: absoluteSpec(r) };
  const text = JSON.stringify(specs);
  t.equal((text.match(/"axis":\{"values":\[0,1,4,16\],"format":"d"\}/g) ?? []).length, 3, 'both layers of the metrics and the absolute figure');
  t.equal((text.match(/"legend":\{"labelLimit":400,"symbolOpacity":1\}/g) ?? []).length, 3);
});
