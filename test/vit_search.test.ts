// The ViT search protocol: its head fit, one-pass sampling, gradient norm, metrics and
// statistics on known answers, bad options, and the whole protocol at the tiny scale.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, initParams, lossGradient, loadTask, train, vitLayout, PIXELS, search, type ImageSet } from '../lib/vit/index.js';
import { ConfigError } from '../lib/errors.js';
import { runCli } from './support/cli.js';
import { runVitCommand, type VitOptions } from '../lib/cli/vit.js';

const small = { width: 16, depth: 2, heads: 2, mlp: 32, classes: 5 };
const lora1 = { rank: 1, alpha: 1, targets: ['q', 'v'] as ('q' | 'v')[] };

t.test('head fit: Newton reaches its criterion and the optimum of the penalised loss', async (t) => {
  // Three overlapping Gaussian classes in 4 dimensions (not separable, so the optimum is finite anyway).
  const n = 300;
  const dim = 4;
  const C = 3;
  const rand = search.seededUniform(5);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const F = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % C;
    for (let k = 0; k < dim; k++) F[i * dim + k] = gauss() + (k === y[i] ? 1.5 : 0);
  }
  const lambda = 1e-3;
  const fit = search.fitSoftmaxHead(F, y, dim, C, { lambda, tolerance: 1e-9 });
  t.ok(fit.converged && fit.gradMax <= 1e-9, `converged in ${fit.iterations} Newton steps, max |gradient| ${fit.gradMax.toExponential(2)}`);
  t.ok(fit.iterations < 20, 'Newton converges fast');
  // Independent check: the penalised loss, computed here, is stationary at the fit (central differences).
  const f = (W: Float64Array, b: Float64Array) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: C }, (_, c) => b[c]! + Array.from({ length: dim }, (_, k) => F[i * dim + k]! * W[k * C + c]!).reduce((a, v) => a + v, 0));
      const mx = Math.max(...z);
      loss += mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0)) - z[y[i]!]!;
    }
    let pen = 0;
    for (const v of W) pen += v * v;
    for (const v of b) pen += v * v;
    return loss / n + 0.5 * lambda * pen;
  };
  const h = 1e-5;
  let worst = 0;
  for (let j = 0; j < dim * C; j++) {
    const Wp = Float64Array.from(fit.W);
    const Wm = Float64Array.from(fit.W);
    Wp[j] += h;
    Wm[j] -= h;
    worst = Math.max(worst, Math.abs((f(Wp, fit.b) - f(Wm, fit.b)) / (2 * h)));
  }
  t.ok(worst < 1e-6, `finite-difference gradient at the fit ${worst.toExponential(2)}`);
  t.ok(fit.accuracy > 0.6, `training accuracy ${fit.accuracy.toFixed(3)}`);
  // An iteration cap that is too small is reported, not hidden.
  const capped = search.fitSoftmaxHead(F, y, dim, C, { lambda, tolerance: 1e-9, maxIterations: 1 });
  t.notOk(capped.converged, 'one iteration does not meet the criterion');
});

function images(n: number, seed: number): Float32Array {
  const rand = search.seededUniform(seed);
  return Float32Array.from({ length: n * PIXELS }, () => rand() - 0.5);
}

t.test('one-pass sampling never repeats a sample and refuses a second pass', async (t) => {
  const n = 10;
  const set: ImageSet = { x: images(n, 1), y: Int32Array.from({ length: n }, (_, i) => i % 5), n };
  const params = initParams(small, lora1, 3);
  const run = (steps: number, batch: number, maxShift: number, sampling: 'one-pass' | 'epochs' = 'one-pass') =>
    train({
      config: small,
      lora: lora1,
      trainable: { base: false, head: false, lora: true },
      optimizer: { kind: 'sgd', lr: 0.01 },
      batch,
      steps,
      seed: 4,
      sampling,
      maxShift,
      recordDraws: true,
      params,
      train: set,
      test: set,
    });
  // 10 images x 9 shifts = 90 samples: 30 steps of 3 draw every one of them exactly once.
  const full = await run(30, 3, 1);
  t.equal(full.draws.length, 90);
  t.equal(new Set(full.draws).size, 90, 'all 90 (image, shift) samples, none twice');
  t.ok(full.draws.every((k) => Number.isInteger(k) && k >= 0 && k < 90));
  t.not(full.draws.join(), [...full.draws].sort((a, b) => a - b).join(), 'in a random order');
  const noShift = await run(5, 2, 0);
  t.equal(new Set(noShift.draws).size, 10, 'without shifts: each image once');
  await t.rejects(run(31, 3, 1), /steps x batch = 93 exceeds the one-pass stream of 90 samples \(10 images x 9 shifts\)/);
  // The check can fail: epochs reuse images.
  const epochs = await run(10, 3, 0, 'epochs');
  t.ok(new Set(epochs.draws).size < epochs.draws.length, 'epoch sampling repeats images (what one-pass forbids)');
  await t.rejects(run(2, 2, 1, 'epochs'), /maxShift needs one-pass sampling/);
});

t.test('a shifted draw is the image moved by (dx, dy) with the fill value', async (t) => {
  const n = 3;
  const set: ImageSet = { x: images(n, 2), y: Int32Array.from([0, 1, 2]), n };
  const params = initParams(small, lora1, 5);
  const fill = -0.42;
  const common = {
    config: small,
    lora: lora1,
    trainable: { base: false, head: false, lora: true },
    optimizer: { kind: 'sgd' as const, lr: 0.5 },
    batch: 1,
    steps: 1,
    params,
    test: set,
  };
  const a = await train({ ...common, seed: 9, sampling: 'one-pass', maxShift: 2, shiftFill: fill, recordDraws: true, train: set });
  const k = a.draws[0]!;
  const img = Math.floor(k / 25);
  const s = k % 25;
  const dx = (s % 5) - 2;
  const dy = Math.floor(s / 5) - 2;
  t.ok(dx !== 0 || dy !== 0, `the draw is shifted (${dx}, ${dy})`);
  const moved = new Float32Array(PIXELS);
  for (let yy = 0; yy < 28; yy++)
    for (let xx = 0; xx < 28; xx++) {
      const sy = yy - dy;
      const sx = xx - dx;
      moved[yy * 28 + xx] = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? set.x[img * PIXELS + sy * 28 + sx]! : fill;
    }
  const b = await train({ ...common, seed: 1, train: { x: moved, y: Int32Array.from([set.y[img]!]), n: 1 } });
  t.same(Array.from(a.params), Array.from(b.params), 'one step on the stream = one step on the image shifted here');
});

t.test('gradNorm0 agrees with a finite-difference directional derivative of the held-out loss', async (t) => {
  const task = loadTask('mnist', [5, 6, 7, 8, 9], { maxPerClass: 20 });
  for (const bSize of [0, 1 / 16 ** 2]) {
    const params = initParams(small, lora1, 7, bSize);
    const L = vitLayout(small, lora1);
    const g = await lossGradient(small, lora1, params, task.test);
    t.ok(
      g.grad.subarray(0, L.baseSize).every((v) => v === 0),
      'no gradient outside the adapters',
    );
    const norm = Math.sqrt(g.grad.reduce((a, v) => a + v * v, 0));
    t.ok(norm > 1e-3, `gradNorm0 = ${norm.toExponential(3)} (B size ${bSize})`);
    const e0 = await evaluate(small, lora1, params, task.test);
    t.ok(Math.abs(e0.loss - g.loss) < 1e-5, 'the gradient call reports the same mean loss');
    // The derivative along g / |g| is |g|: central differences in float32 parameters.
    const h = 2e-2;
    const shifted = (sign: number) => Float32Array.from(params, (v, i) => v + (sign * h * g.grad[i]!) / norm);
    const [up, down] = await Promise.all([evaluate(small, lora1, shifted(1), task.test), evaluate(small, lora1, shifted(-1), task.test)]);
    const fd = (up.loss - down.loss) / (2 * h);
    t.ok(Math.abs(fd - norm) / norm < 1e-2, `finite difference ${fd.toExponential(4)} vs |g| ${norm.toExponential(4)}`);
    if (bSize === 0) {
      const A = L.tensors.find((x) => x.name.endsWith('q.lora_A'))!;
      t.ok(
        Array.from(g.grad.subarray(A.offset, A.offset + A.size)).every((v) => v === 0),
        'with B = 0 only B has a gradient',
      );
    }
  }
});

t.test('metrics recover the plateau exit and half-life of synthetic curves', async (t) => {
  const steps = search.searchEvalSchedule(300);
  t.same(steps.slice(0, 4), [0, 5, 10, 15]);
  t.ok(steps.includes(100) && steps.includes(110) && !steps.includes(105) && steps[steps.length - 1] === 300);
  // A plateau until tp, then exponential decay with time constant tau towards L*.
  const L0 = 1.2;
  const Ls = 0.4;
  for (const [tp, tau] of [
    [60, 40],
    [0, 30],
    [150, 25],
  ] as const) {
    const loss = steps.map((s) => Ls + (L0 - Ls) * (s <= tp ? 1 : Math.exp(-(s - tp) / tau)));
    const m = search.curveMetrics(steps, loss, Ls);
    const exit = tp + tau * Math.log(1 / 0.9);
    const half = tp + tau * Math.log(2);
    t.ok(Math.abs(m.plateauExit! - exit) < 0.6, `exit ${m.plateauExit!.toFixed(2)} vs ${exit.toFixed(2)} (plateau ${tp})`);
    t.ok(Math.abs(m.halfLife! - half) < 0.6, `half-life ${m.halfLife!.toFixed(2)} vs ${half.toFixed(2)}`);
    t.equal(m.normalised[0], 1);
    t.equal(search.hasPlateau(m.plateauExit), tp > 10);
  }
  // A curve that never gets there is censored; one with no progress has nothing to normalise.
  const slow = steps.map((s) => L0 - 0.00001 * s);
  t.equal(search.curveMetrics(steps, slow, Ls).plateauExit, null);
  t.same(
    search.curveMetrics(
      steps,
      steps.map(() => L0),
      L0,
    ),
    { plateauExit: null, halfLife: null, normalised: [] },
  );
  t.equal(search.crossingStep([0, 10, 20], [1, 0.8, 0.4], 0.6), 15, 'linear interpolation between evaluations');
  t.equal(search.firstStepAtAccuracy([0, 5, 10], [0.8, 0.86, 0.9], 0.85), 5);
});

t.test('statistics: paired slope, bootstrap interval, sign test and verdicts', async (t) => {
  t.equal(search.signTestP(8, 8), 2 / 256);
  t.equal(search.signTestP(4, 8), 1);
  t.ok(Math.abs(search.signTestP(7, 8) - (2 * 9) / 256) < 1e-15);
  t.equal(search.olsSlope([0, 1, 2], [1, 3, 5]), 2);
  // Eight seeds whose exit grows like (1 + b)^0.25 (slope of ln exit per log2(1 + b): 0.25 ln 2), with noise.
  const rand = search.seededUniform(11);
  const budgets = [0, 1, 2, 4, 8, 16];
  const truth = 0.25 * Math.log(2);
  const make = (slope: number) =>
    Array.from({ length: 8 }, (_, i) => ({
      seed: i + 1,
      points: budgets.map((b) => ({ budget: b, y: Math.log(40) + slope * Math.log2(1 + b) + 0.1 * (rand() - 0.5) + 0.05 * i })),
    }));
  const up = search.pairedSlope(make(truth), { predictedSign: 1, resamples: 4000 });
  t.ok(up.ci[0] < truth && truth < up.ci[1], `interval [${up.ci.map((x) => x.toFixed(4)).join(', ')}] holds the true slope ${truth.toFixed(4)}`);
  t.equal(up.verdict, 'reproduces');
  t.equal(up.signTest.positive, 8);
  t.ok(up.mde > 0 && up.mde < truth, `MDE ${up.mde.toFixed(4)}`);
  t.equal(search.pairedSlope(make(-truth), { predictedSign: 1 }).verdict, 'refutes');
  t.equal(search.pairedSlope(make(-truth), { predictedSign: -1 }).verdict, 'reproduces', 'gradNorm0 is predicted to fall');
  const flat = search.pairedSlope(
    Array.from({ length: 8 }, (_, i) => ({ seed: i, points: budgets.map((b) => ({ budget: b, y: (i % 2 ? 0.2 : -0.2) * Math.log2(1 + b) })) })),
    { predictedSign: 1 },
  );
  t.equal(flat.verdict, 'inconclusive');
  t.ok(flat.ci[0] < 0 && flat.ci[1] > 0 && flat.signTest.positive === 4);
  t.same(search.verdictOf([0.1, 0.3], 1), 'reproduces');
});

t.test('bad options are rejected with the option named', async (t) => {
  const expectIssue = (f: () => unknown, path: RegExp) => {
    try {
      f();
      t.fail('expected a ConfigError');
    } catch (e) {
      t.ok(e instanceof ConfigError && (e as ConfigError).issues.some((i) => path.test(i.path)), `${(e as Error).message}`);
    }
  };
  expectIssue(() => search.resolveSearchSettings('huge' as 'tiny'), /^scale$/);
  expectIssue(() => search.resolveSearchSettings('tiny', { budgets: [3] }), /^budgets$/);
  expectIssue(() => search.resolveSearchSettings('tiny', { preSeeds: 1 }), /^seeds$/);
  expectIssue(() => search.resolveSearchSettings('tiny', { steps: 3 }), /^steps$/);
  expectIssue(() => search.resolveSearchSettings('tiny', { arms: [{ name: 'x', optimizer: 'sgd', lr: 0.1, rank: 1, bInit: 'zero' }] }), /^arms$/);
  expectIssue(
    () => search.resolveSearchSettings('tiny', { arms: [{ name: 'x', optimizer: 'sgd', lr: 0.1, rank: 1, bInit: 'large' as 'zero' }] }),
    /^arms\[0\]\.bInit$/,
  );
  await t.rejects(search.runSearchExperiment({ scale: 'tiny', steps: 2000 }), /steps: .*one-pass stream has/);
  const set: ImageSet = { x: images(2, 3), y: Int32Array.from([0, 1]), n: 2 };
  await t.rejects(
    train({
      config: small,
      trainable: { base: true, head: true, lora: false },
      batch: 1,
      steps: 1,
      seed: 1,
      sampling: 'twice' as 'epochs',
      params: initParams(small, null, 1),
      train: set,
      test: set,
    }),
    /train\.sampling/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-vit-search-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // In process (no child per case): each bad combination is refused with the option named.
  const base = { out: dir, protocol: 'search' as const, quiet: true };
  for (const [o, re] of [
    [{ ...base, scale: 'paper' }, /--scale must be one of tiny, quick, default/],
    [{ ...base, seeds: 1 }, /--seeds must be an integer >= 2/],
    [{ ...base, maxSteps: 10 }, /--max-steps does not apply to --protocol search/],
    [{ ...base, scale: 'tiny', batch: 500 }, /steps: .*lower --steps or --batch/],
    [{ ...base, scale: 'tiny', budgets: [2] }, /budgets: must list at least two/],
    [{ ...base, scale: 'tiny', pairing: 'cifar' }, /pairing: no pairing starts with 'cifar'/],
    [{ ...base, protocol: 'accuracy' as const, steps: 10 }, /--steps does not apply to --protocol accuracy/],
  ] as [VitOptions, RegExp][])
    await t.rejects(runVitCommand(o), re, JSON.stringify(o));
  // And through the CLI: exit code 2, the message on stderr.
  const r = runCli(['vit', '--out', dir, '--protocol', 'search', '--scale', 'huge']);
  t.equal(r.code, 2);
  t.match(r.stderr, /--scale must be one of tiny, quick, default/);
  const p = runCli(['vit', '--out', dir, '--protocol', 'nope']);
  t.equal(p.code, 2);
  t.match(p.stderr, /--protocol must be one of accuracy, search/);
});

t.test('the search protocol at the tiny scale, end to end through the CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-vit-search-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const events = join(dir, 'events.jsonl');
  const r = runCli(['vit', '--protocol', 'search', '--scale', 'tiny', '--out', dir, '--events', events], { timeoutMs: 300_000 });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /ViT search protocol \(tiny\)/);
  const res = JSON.parse(readFileSync(join(dir, 'vit.json'), 'utf8')) as search.SearchResult;
  // --events: one line per finished run, in the shape docs/sweeps.md gives, its metrics as data.
  const lines = readFileSync(events, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const runEvents = lines.filter((e) => e.event === 'run');
  t.equal(runEvents.length, res.runs.length, 'one run event per fine-tuning run');
  t.same(
    runEvents.map((e) => e.done),
    res.runs.map((_, i) => i + 1),
    'runs counted in order',
  );
  t.ok(runEvents.every((e) => e.total === res.runs.length && e.ok === true && typeof e.wallMs === 'number' && typeof e.time === 'string'));
  const first = runEvents[0] as { seed: number; coords: Record<string, unknown>; data: Record<string, unknown> };
  const run0 = res.runs[0]!;
  t.same(first.coords, { pairing: run0.pairing, arm: run0.arm, budgetEpochs: run0.budgetEpochs, ftSeed: run0.ftSeed });
  t.equal(first.seed, run0.seed);
  t.match(first.data, { L0: run0.L0, gradNorm0: run0.gradNorm0, plateauExit: run0.plateauExit, halfLife: run0.halfLife });
  t.same([lines[0]!.event, lines[lines.length - 1]!.event], ['start', 'end']);
  const s = res.settings;
  t.equal(res.protocol, 'search');
  const perCheckpoint = s.arms.reduce((n, a) => n + (a.primary ? s.ftSeeds.length : 1), 0);
  t.equal(res.runs.length, s.pairings.length * s.preSeeds.length * s.budgets.length * perCheckpoint);
  for (const c of res.checkpoints) {
    t.ok(c.headFit.converged && c.headFit.gradMax <= s.headFit.tolerance, `head fit converged (${c.headFit.gradMax.toExponential(1)})`);
    t.ok(c.attentionEntropy.length === s.config.depth && c.attentionEntropy.every((e) => e > 0 && e <= Math.log(17) + 1e-9));
    t.ok(c.lStar <= c.L0 + 1e-6 && c.lStar <= c.longRun.bestLoss, 'L* is never above the start or the long run');
  }
  for (const run of res.runs) {
    for (const k of ['L0', 'probeAccuracy', 'gradNorm0', 'plateauExit', 'halfLife', 'weightNorms'] as const) t.ok(k in run, `run has ${k}`);
    t.ok(run.gradNorm0 > 0 && run.weightNorms.q > 0);
    t.ok(
      run.loss.every((l) => l >= run.lStar - 1e-9),
      'no evaluated loss below L*',
    );
    if (run.plateauExit !== null && run.halfLife !== null) t.ok(run.plateauExit <= run.halfLife, 'the exit comes before the half-life');
  }
  // The reference arm's first seed is the prefix of its long run; a second seed differs.
  const ref = res.runs.find((x) => x.arm === 'sgd lr 0.1 r1' && x.ftSeed === 1)!;
  const cp = res.checkpoints.find((c) => c.pairing === ref.pairing && c.seed === ref.seed && c.budgetEpochs === ref.budgetEpochs)!;
  t.equal(cp.longRun.arm, 'sgd lr 0.1 r1');
  t.equal(cp.longRun.steps, 4 * s.finetune.steps);
  // The start is the same for every arm with B = 0 at a checkpoint (same head, adapters silent).
  const same = res.runs.filter(
    (x) => x.pairing === ref.pairing && x.seed === ref.seed && x.budgetEpochs === ref.budgetEpochs && x.arm !== 'sgd lr 0.1 r1 B small',
  );
  t.ok(
    same.every((x) => x.L0 === ref.L0 && x.probeAccuracy === cp.probeAccuracy),
    'L0 and probe accuracy are the checkpoint start',
  );
  t.equal(res.slopes.length, s.pairings.length * s.arms.length * 3);
  for (const sl of res.slopes) {
    // Two pre-training seeds at the tiny scale: every verdict is withheld (or nothing was measured).
    t.ok(['too few seeds', 'not measured'].includes(sl.verdict), sl.verdict);
    t.ok(sl.verdict === 'not measured' ? sl.ci === null : sl.ci !== null && (sl.ci[0] <= sl.ci[1] || sl.ci[0] === null));
  }
  for (const f of ['vit-search-curves', 'vit-search-metrics', 'vit-search-absolute']) {
    t.match(readFileSync(join(dir, 'figures', `${f}.svg`), 'utf8'), /^<svg/);
    t.ok(
      readFileSync(join(dir, 'figures', `${f}.png`))
        .subarray(1, 4)
        .toString() === 'PNG',
    );
  }
  t.ok(existsSync(join(dir, 'vit-search-runs.csv')) && existsSync(join(dir, 'vit-search-slopes.csv')));
  // A rerun reuses every cached unit and gives the same runs.
  const again = runCli(['vit', '--protocol', 'search', '--scale', 'tiny', '--out', dir], { timeoutMs: 120_000 });
  t.equal(again.code, 0, again.stderr);
  t.match(again.stderr, /seed 2: cached/);
  const res2 = JSON.parse(readFileSync(join(dir, 'vit.json'), 'utf8')) as search.SearchResult;
  t.same(res2.runs, res.runs);
});
