// Escape statistics on synthetic data with known answers.
import t from 'tap';
import {
  kaplanMeier,
  kmMedian,
  kmRestrictedMean,
  meanAbsM,
  paperWindowMetric,
  perLogD,
  seededRandom,
  summarizeEscapes,
  type Passage,
  logLogSlope,
} from '../lib/experiments/escape_stats.js';

const expSample = (n: number, scale: number, seed: number, horizon = Infinity): Passage[] => {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const x = -scale * Math.log(1 - r());
    return x <= horizon ? { step: x, horizon } : { step: null, horizon };
  });
};

t.test('Kaplan-Meier by hand', async (t) => {
  const p: Passage[] = [1, 2, 3, 4, 5, 6].map((s) => ({ step: s === 2 || s === 5 ? null : s, horizon: s === 2 || s === 5 ? s : 10 }));
  const km = kaplanMeier(p);
  t.same(km.time, [1, 3, 4, 6]);
  // S(1) = 5/6; S(3) = 5/6 * 3/4; S(4) = S(3) * 2/3; S(6) = 0.
  const want = [5 / 6, (5 / 6) * (3 / 4), (5 / 6) * (3 / 4) * (2 / 3), 0];
  for (const [i, s] of km.survival.entries()) t.ok(Math.abs(s - want[i]!) < 1e-12, `S(${km.time[i]}) = ${want[i]}`);
  t.equal(kmMedian(p), 4);
  t.equal(kmMedian([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => ({ step: s, horizon: 20 }))), 5, 'no censoring: the lower sample median');
  t.equal(
    kmMedian([
      { step: 3, horizon: 10 },
      { step: null, horizon: 10 },
      { step: null, horizon: 10 },
    ]),
    null,
    'survival never reaches 1/2',
  );
});

t.test('restricted mean', async (t) => {
  t.equal(
    kmRestrictedMean([
      { step: null, horizon: 100 },
      { step: null, horizon: 100 },
    ]),
    100,
    'all censored: the horizon',
  );
  t.equal(kmRestrictedMean([2, 4, 6].map((s) => ({ step: s, horizon: 10 }))), 4, 'no censoring: the sample mean');
  // Exponential(scale 100) censored at 150: restricted mean = 100 (1 - e^-1.5) = 77.69.
  const p = expSample(20000, 100, 7, 150);
  const rm = kmRestrictedMean(p);
  t.ok(Math.abs(rm - 100 * (1 - Math.exp(-1.5))) < 1.5, `restricted mean ${rm.toFixed(2)} vs 77.69 (tol 1.5, SE ~0.4)`);
  const s = summarizeEscapes(p, { resamples: 50 });
  t.equal(s.meanRestricted, true);
});

t.test('KM median of censored exponential samples', async (t) => {
  const truth = 100 * Math.LN2;
  const full = summarizeEscapes(expSample(2000, 100, 11), { resamples: 200 });
  t.equal(full.fraction, 1);
  t.ok(Math.abs(full.median! - truth) < 8, `uncensored median ${full.median!.toFixed(1)} vs ${truth.toFixed(1)} (tol 8, SE ~2.2)`);
  t.ok(Math.abs(full.mean! - 100) < 8, `mean ${full.mean!.toFixed(1)} vs 100 (tol 8, SE ~2.2)`);
  const cens = summarizeEscapes(expSample(2000, 100, 12, 90), { resamples: 200 });
  t.ok(cens.fraction > 0.55 && cens.fraction < 0.65, `fraction escaped ${cens.fraction} vs 1 - e^-0.9 = 0.593`);
  t.ok(Math.abs(cens.median! - truth) < 8, `censored (horizon 90) KM median ${cens.median!.toFixed(1)} vs ${truth.toFixed(1)}`);
});

t.test('bootstrap intervals: reproducible and with about the stated coverage', async (t) => {
  const p = expSample(40, 100, 3);
  const a = summarizeEscapes(p, { seed: 5, resamples: 500 });
  const b = summarizeEscapes(p, { seed: 5, resamples: 500 });
  const c = summarizeEscapes(p, { seed: 6, resamples: 500 });
  t.same(a, b, 'same seed, same intervals');
  t.not(a.medianCI.lo === c.medianCI.lo && a.medianCI.hi === c.medianCI.hi && a.meanCI.lo === c.meanCI.lo, true, 'another seed, other resamples');
  let covMed = 0;
  let covMean = 0;
  const N = 150;
  for (let k = 0; k < N; k++) {
    const s = summarizeEscapes(expSample(60, 100, 1000 + k), { seed: k, resamples: 400 });
    if (s.medianCI.lo! <= 100 * Math.LN2 && 100 * Math.LN2 <= s.medianCI.hi!) covMed++;
    if (s.meanCI.lo! <= 100 && 100 <= s.meanCI.hi!) covMean++;
  }
  // Nominal 95%; percentile bootstrap at n = 60 under-covers a little. Binomial sd at N = 150 is ~1.8%.
  t.ok(covMed / N > 0.85 && covMed / N <= 1, `median CI coverage ${covMed}/${N}`);
  t.ok(covMean / N > 0.85 && covMean / N <= 1, `mean CI coverage ${covMean}/${N}`);
  const heavy = summarizeEscapes([{ step: 5, horizon: 10 }, ...Array.from({ length: 5 }, () => ({ step: null, horizon: 10 }))], { resamples: 300 });
  t.equal(heavy.median, null);
  t.equal(heavy.medianCI.hi, null, 'an unbounded interval when most resamples have no median');
});

t.test('paper window metric and per-log-d scaling', async (t) => {
  const step = Array.from({ length: 1001 }, (_, i) => i);
  const m = step.map((s) => s / 1000);
  const w = paperWindowMetric(step, m, 0.5)!;
  // |m| in [0.45, 0.55] at steps 450..550: mean 500, std sqrt((101^2 - 1) / 12).
  t.equal(w.count, 101);
  t.ok(Math.abs(w.mean - 500) < 1e-9);
  t.ok(Math.abs(w.std - Math.sqrt((101 * 101 - 1) / 12)) < 1e-9);
  t.equal(
    paperWindowMetric(
      step,
      m.map(() => 0.1),
      0.5,
    ),
    null,
    'never in the window',
  );
  t.ok(Math.abs(perLogD(1000, 0.2, 1000)! - 200 / Math.log(1000)) < 1e-12);
  t.equal(perLogD(null, 0.2, 1000), null);
  const avg = meanAbsM([
    { step: [0, 1], m: [0.1, -0.4], rank: 1, hidden: 1 },
    { step: [0, 1], m: [-0.3, 0.6], rank: 1, hidden: 1 },
  ]);
  t.same(
    avg.value.map((x) => +x.toFixed(12)),
    [0.2, 0.5],
    'seed average of |m|',
  );
});

t.test('logLogSlope: the exponent of a power law', async (t) => {
  const xs = [500, 1000, 2000, 4000, 8000];
  t.ok(
    Math.abs(
      logLogSlope(
        xs,
        xs.map((x) => 3 * x ** 2),
      ) - 2,
    ) < 1e-12,
    'y = 3 x^2 gives 2',
  );
  t.ok(
    Math.abs(
      logLogSlope(
        xs,
        xs.map((x) => 0.5 * x ** 1.5),
      ) - 1.5,
    ) < 1e-12,
    'y = x^1.5 / 2 gives 1.5',
  );
  t.ok(Number.isNaN(logLogSlope([10], [100])), 'one point: NaN');
  t.ok(Number.isNaN(logLogSlope([1, 2], [1])), 'mismatched lengths: NaN');
});
