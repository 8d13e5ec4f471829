// The search protocol (SPEC 7.4, docs/vit.md): for each pairing and pre-training seed, one
// pre-training run gives a checkpoint per budget; at each checkpoint the target head is fitted
// to convergence and frozen, and rank-r LoRA adapters on q and v are fine-tuned by each arm on a
// one-pass stream, the loss scored on the same held-out images throughout. A unit (pairing,
// pre-training seed) is the piece of work that is cached: rerunning skips finished units.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { writeOutputFile } from '../../cli/files.js';
import { AbortError, ConfigError } from '../../errors.js';
import { version } from '../../version.js';
import { loadTask, normalisation, shiftImages, splitOff, subsample, type ImageSet } from '../data.js';
import { attentionEntropy, evaluate, features, initParams, lossGradient, train, vitLayout, type VitLayout } from '../model.js';
import { analyseSearch } from './analysis.js';
import { fitSoftmaxHead } from './head_fit.js';
import { curveMetrics, firstStepAtAccuracy, searchEvalSchedule } from './metrics.js';
import type { SearchCheckpoint, SearchResult, SearchRun, UnitTiming, WeightNorms } from './records.js';
import { resolveSearchSettings, settingsHash, type Arm, type SearchOverrides, type SearchPairing, type SearchScale, type SearchSettings } from './settings.js';

/** Options of runSearchExperiment: a scale, overrides of its settings, and how to run (threads, abort, cache, progress). */
export interface SearchOptions extends SearchOverrides {
  scale?: SearchScale;
  threads?: number;
  signal?: AbortSignal;
  /** Finished units are written here and reused by a later call with the same settings. */
  cacheDir?: string;
  /** Progress lines: data sizes, each checkpoint's numbers, runs done and minutes left. */
  log?: (line: string) => void;
  /**
   * Called once per fine-tuning run when its record is complete (its metrics need the
   * checkpoint's L*, so a checkpoint's runs arrive together), with the runs done so far (those
   * of cached units included, which are not reported again) and the total; `wallMs` is the run's
   * own training time (the L* run's, 4 x longer, for the primary arm's first seed).
   */
  onRun?: (run: SearchRun, wallMs: number, done: number, total: number) => void;
}

interface Unit {
  hash: string;
  pairing: string;
  seed: number;
  checkpoints: SearchCheckpoint[];
  runs: SearchRun[];
  wallMs: number;
  cpuMs: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Norms of the q, k, v and MLP weight matrices over all blocks of a base parameter vector. */
export function weightNorms(layout: VitLayout, params: Float32Array): WeightNorms {
  const sq = { q: 0, k: 0, v: 0, mlp: 0 };
  for (const t of layout.tensors) {
    const m = /^block\d+\.(q|k|v|fc1|fc2)\.W$/.exec(t.name);
    if (!m) continue;
    const key = m[1] === 'fc1' || m[1] === 'fc2' ? 'mlp' : (m[1] as 'q' | 'k' | 'v');
    for (let i = t.offset; i < t.offset + t.size; i++) sq[key] += params[i]! ** 2;
  }
  return { q: Math.sqrt(sq.q), k: Math.sqrt(sq.k), v: Math.sqrt(sq.v), mlp: Math.sqrt(sq.mlp) };
}

function unitHash(s: SearchSettings, p: SearchPairing): string {
  // Everything but the other pairings, the list of seeds and the bootstrap changes a unit's numbers.
  return settingsHash({ ...s, pairings: [p], preSeeds: [], bootstrap: { resamples: 0, seed: 0 } }, version);
}

function unitPath(dir: string, p: SearchPairing, seed: number): string {
  return join(dir, `${p.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-seed${seed}.json`);
}

interface Data {
  source: { train: ImageSet; test: ImageSet };
  stream: ImageSet;
  headFit: ImageSet;
  heldOut: ImageSet;
  fill: number;
}

function loadData(s: SearchSettings, p: SearchPairing): Data {
  const source = loadTask(p.source.dataset, p.source.classes, { maxPerClass: p.source.maxPerClass });
  const target = loadTask(p.target.dataset, p.target.classes, { maxPerClass: p.target.maxPerClass });
  const { picked, rest } = splitOff(target.train, s.headFit.images);
  const { mean, std } = normalisation[p.target.dataset];
  const fill = -mean / std;
  // With shifts, the head-fit and held-out images get one fixed random shift each, so that the
  // head is fitted, and the loss scored, on the distribution the stream draws from.
  const heldOut = subsample(target.test, s.heldOut);
  return {
    source,
    stream: rest,
    headFit: p.maxShift > 0 ? shiftImages(picked, p.maxShift, 7001, fill) : picked,
    heldOut: p.maxShift > 0 ? shiftImages(heldOut, p.maxShift, 7002, fill) : heldOut,
    fill,
  };
}

/** Checks up front that every run fits in one pass of its pairing's stream. */
function checkStreams(s: SearchSettings, data: Map<string, Data>): void {
  const need = s.finetune.steps * s.finetune.lStarFactor * s.finetune.batch;
  for (const p of s.pairings) {
    const d = data.get(p.name)!;
    const have = d.stream.n * (2 * p.maxShift + 1) ** 2;
    if (need > have)
      throw new ConfigError([
        {
          path: 'steps',
          message: `${p.name}: the L* runs need ${s.finetune.lStarFactor} x ${s.finetune.steps} steps x batch ${s.finetune.batch} = ${need} fresh samples, the one-pass stream has ${have} (${d.stream.n} images x ${(2 * p.maxShift + 1) ** 2} shifts); lower --steps or --batch`,
        },
      ]);
  }
}

async function runUnit(
  s: SearchSettings,
  p: SearchPairing,
  seed: number,
  d: Data,
  o: SearchOptions,
  progress: () => void,
  finished: (run: SearchRun, wallMs: number) => void,
): Promise<Unit> {
  const t0 = performance.now();
  const c0 = cpuMs();
  const log = o.log ?? (() => {});
  const { config, finetune: ft } = s;
  const threads = o.threads;
  const abort = () => {
    if (o.signal?.aborted) throw new AbortError();
  };
  const baseLayout = vitLayout(config, null);
  const stepsPerEpoch = Math.floor(d.source.train.n / s.pretrain.batch);
  const snapSteps = s.budgets.map((b) => b * stepsPerEpoch);
  abort();
  const pre = await train({
    config,
    trainable: { base: true, head: true, lora: false },
    optimizer: { kind: 'adamw', lr: s.pretrain.lr, weightDecay: s.pretrain.weightDecay },
    batch: s.pretrain.batch,
    steps: snapSteps[snapSteps.length - 1]!,
    evalSteps: snapSteps,
    snapshotSteps: snapSteps,
    seed,
    params: initParams(config, null, seed),
    train: d.source.train,
    test: d.source.test,
    threads,
    signal: o.signal,
  });
  const head = baseLayout.tensors.filter((t) => t.group === 'head');
  const headW = head.find((t) => t.name === 'head.W')!;
  const headB = head.find((t) => t.name === 'head.b')!;
  const schedule = searchEvalSchedule(ft.steps);
  const longSchedule = [...schedule];
  for (let st = ft.steps + ft.lStarEvalEvery; st < ft.steps * ft.lStarFactor; st += ft.lStarEvalEvery) longSchedule.push(st);
  longSchedule.push(ft.steps * ft.lStarFactor);
  const checkpoints: SearchCheckpoint[] = [];
  const runs: SearchRun[] = [];

  for (const budget of s.budgets) {
    abort();
    const step = budget * stepsPerEpoch;
    const snap = pre.snapshots.find((x) => x.step === step);
    if (!snap) throw new Error(`internal: no pre-training snapshot at step ${step}`);
    // The start state: the checkpoint with its target head fitted on frozen features, then frozen.
    const fFit = await features(config, snap.params, d.headFit.x, threads);
    const fit = fitSoftmaxHead(fFit, d.headFit.y, config.width, config.classes, s.headFit);
    if (!fit.converged)
      throw new Error(
        `${p.name} seed ${seed} budget ${budget}: the head fit stopped at max |gradient| ${fit.gradMax.toExponential(2)} > ${fit.tolerance} after ${fit.iterations} iterations`,
      );
    const baseParams = snap.params.slice();
    baseParams.set(fit.W, headW.offset);
    baseParams.set(fit.b, headB.offset);
    const [entropy, start] = await Promise.all([
      attentionEntropy(config, baseParams, d.heldOut.x, threads),
      evaluate(config, null, baseParams, d.heldOut, threads),
    ]);
    const norms = weightNorms(baseLayout, baseParams);

    // Fine-tuning. The adapters' init and the stream order depend on (pre-training seed,
    // fine-tuning seed) only: every budget and arm sees the same draws (paired design).
    const gradCache = new Map<string, number>();
    const finetune = async (arm: Arm, ftSeed: number, steps: number, evalSteps: number[]) => {
      abort();
      const lora = { rank: arm.rank, alpha: arm.rank, targets: ['q', 'v'] as ('q' | 'v')[] };
      const ftSeedValue = 1000 * seed + ftSeed;
      const params = initParams(config, lora, ftSeedValue, arm.bInit === 'small' ? 1 / config.width ** 2 : 0);
      params.set(baseParams, 0);
      const gKey = `${arm.rank}/${arm.bInit}/${ftSeed}`;
      if (!gradCache.has(gKey)) {
        const g = await lossGradient(config, lora, params, d.heldOut, { base: false, head: false, lora: true }, threads);
        let sq = 0;
        for (let i = baseLayout.total; i < g.grad.length; i++) sq += g.grad[i]! ** 2;
        gradCache.set(gKey, Math.sqrt(sq));
      }
      const r = await train({
        config,
        lora,
        trainable: { base: false, head: false, lora: true },
        optimizer:
          arm.optimizer === 'sgd' ? { kind: 'sgd', lr: arm.lr, momentum: 0, weightDecay: 0 } : { kind: 'adamw', lr: arm.lr, ...ft.adamw, weightDecay: 0 },
        batch: ft.batch,
        steps,
        evalSteps,
        sampling: 'one-pass',
        maxShift: p.maxShift,
        shiftFill: d.fill,
        stopOnDivergence: true,
        seed: ftSeedValue,
        params,
        train: d.stream,
        test: d.heldOut,
        threads,
        signal: o.signal,
      });
      progress();
      return { ...r, gradNorm0: gradCache.get(gKey)! };
    };
    type Curve = Awaited<ReturnType<typeof finetune>>;
    // L*: the primary arm's first fine-tuning seed runs lStarFactor x longer; its first `steps`
    // steps are that arm's run, bit for bit (same init, same stream, same evaluations).
    const primary = s.arms.find((a) => a.primary)!;
    const long = await finetune(primary, 1, ft.steps * ft.lStarFactor, longSchedule);
    const curves: { arm: Arm; ftSeed: number; r: Curve }[] = [];
    for (const ftSeed of s.ftSeeds)
      for (const arm of s.arms) {
        if (!arm.primary && ftSeed !== s.ftSeeds[0]) continue;
        if (ftSeed === 1 && arm === primary) {
          const keep = long.evalStep.map((st, i) => (st <= ft.steps && schedule.includes(st) ? i : -1)).filter((i) => i >= 0);
          const pick = <T>(xs: T[]) => keep.map((i) => xs[i]!);
          const diverged = long.divergedAt !== null && long.divergedAt <= ft.steps ? long.divergedAt : null;
          curves.push({
            arm,
            ftSeed,
            r: {
              ...long,
              evalStep: pick(long.evalStep),
              testLoss: pick(long.testLoss),
              testAccuracy: pick(long.testAccuracy),
              divergedAt: diverged,
              stepsDone: Math.min(long.stepsDone, ft.steps),
            },
          });
        } else {
          curves.push({ arm, ftSeed, r: await finetune(arm, ftSeed, ft.steps, schedule) });
        }
      }
    // L* of the checkpoint: the long run's best held-out loss, or any lower loss evaluated here.
    let best = Infinity;
    let bestStep = 0;
    long.testLoss.forEach((l, i) => {
      if (Number.isFinite(l) && l < best) {
        best = l;
        bestStep = long.evalStep[i]!;
      }
    });
    let lStar = best;
    let lStarFrom = `long run (${primary.name}, ${ft.lStarFactor} x ${ft.steps} steps)`;
    for (const c of curves)
      for (const l of c.r.testLoss)
        if (Number.isFinite(l) && l < lStar) {
          lStar = l;
          lStarFrom = `${c.arm.name}, fine-tuning seed ${c.ftSeed}`;
        }
    checkpoints.push({
      pairing: p.name,
      seed,
      budgetEpochs: budget,
      pretrainSteps: step,
      sourceTestAccuracy: pre.testAccuracy[pre.evalStep.indexOf(step)] ?? NaN,
      weightNorms: norms,
      attentionEntropy: entropy,
      attentionEntropyMean: entropy.reduce((a, b) => a + b, 0) / Math.max(1, entropy.length),
      headFit: { iterations: fit.iterations, gradMax: fit.gradMax, converged: fit.converged, loss: fit.loss, accuracy: fit.accuracy },
      L0: start.loss,
      probeAccuracy: start.accuracy,
      lStar,
      lStarFrom,
      longRun: { arm: primary.name, steps: ft.steps * ft.lStarFactor, bestLoss: best, bestStep, divergedAt: long.divergedAt },
    });
    for (const { arm, ftSeed, r } of curves) {
      const ls = lStar;
      const m = curveMetrics(r.evalStep, r.testLoss, ls);
      const stepsToAccuracy: Record<string, number | null> = {};
      for (const th of s.accuracyThresholds) stepsToAccuracy[String(th)] = firstStepAtAccuracy(r.evalStep, r.testAccuracy, th);
      runs.push({
        arm: arm.name,
        pairing: p.name,
        seed,
        ftSeed,
        budgetEpochs: budget,
        rank: arm.rank,
        L0: r.testLoss[0]!,
        probeAccuracy: r.testAccuracy[0]!,
        gradNorm0: r.gradNorm0,
        plateauExit: m.plateauExit,
        halfLife: m.halfLife,
        lStar: ls,
        finalLoss: r.testLoss[r.testLoss.length - 1]!,
        stepsToAccuracy,
        weightNorms: norms,
        steps: ft.steps,
        divergedAt: r.divergedAt,
        evalStep: r.evalStep,
        loss: r.testLoss,
        accuracy: r.testAccuracy,
        normalised: m.normalised,
      });
      finished(runs[runs.length - 1]!, r.wallMs);
    }
    const ref = runs.filter((r) => r.budgetEpochs === budget && r.ftSeed === 1);
    log(
      `${p.name} seed ${seed} budget ${budget}: source acc ${checkpoints[checkpoints.length - 1]!.sourceTestAccuracy.toFixed(3)}, probe ${start.accuracy.toFixed(3)}, ` +
        `L0 ${start.loss.toFixed(3)}, L* ${lStar.toFixed(3)}; exits ${ref.map((r) => `${r.arm}: ${r.plateauExit === null ? `>${ft.steps}` : r.plateauExit.toFixed(0)}`).join(', ')}`,
    );
  }
  return { hash: '', pairing: p.name, seed, checkpoints, runs, wallMs: performance.now() - t0, cpuMs: cpuMs() - c0 };
}

/** Runs the search protocol (docs/vit.md) and analyses it. Hours at the default scale, seconds at tiny; with cacheDir every finished unit (pairing x pre-training seed) is kept and reused, so an interrupted call resumes. Honours `signal`. */
export async function runSearchExperiment(o: SearchOptions = {}): Promise<SearchResult> {
  const t0 = performance.now();
  const c0 = cpuMs();
  const loadStart = os.loadavg();
  const s = resolveSearchSettings(o.scale ?? 'default', o);
  const log = o.log ?? (() => {});
  const data = new Map<string, Data>();
  for (const p of s.pairings) data.set(p.name, loadData(s, p));
  checkStreams(s, data);
  for (const [name, d] of data)
    log(`${name}: source ${d.source.train.n} training images; target: head fit ${d.headFit.n}, one-pass stream ${d.stream.n} images, held out ${d.heldOut.n}`);
  const units: Unit[] = [];
  const timing: UnitTiming[] = [];
  // Per budget, every (fine-tuning seed, arm) is one call (the primary arm's seed 1 being the L* run).
  const runsPerUnit = s.budgets.length * s.arms.reduce((n, a) => n + (a.primary ? s.ftSeeds.length : 1), 0);
  const total = s.pairings.length * s.preSeeds.length * runsPerUnit;
  let done = 0;
  let doneFresh = 0;
  // Finished run records (cached ones counted, not reported), for onRun.
  let recorded = 0;
  const finished = (run: SearchRun, wallMs: number) => {
    recorded++;
    o.onRun?.(run, wallMs, recorded, total);
  };
  const tFresh = performance.now();
  const progress = () => {
    done++;
    doneFresh++;
    if (doneFresh % 10 === 0 || done === total) {
      const per = (performance.now() - tFresh) / doneFresh;
      log(`  ${done}/${total} fine-tuning runs, about ${Math.round((per * (total - done)) / 60000)} min left`);
    }
  };
  if (o.cacheDir) mkdirSync(o.cacheDir, { recursive: true });
  for (const p of s.pairings) {
    const hash = unitHash(s, p);
    for (const seed of s.preSeeds) {
      if (o.signal?.aborted) throw new AbortError();
      const path = o.cacheDir ? unitPath(o.cacheDir, p, seed) : null;
      if (path && existsSync(path)) {
        const cached = JSON.parse(readFileSync(path, 'utf8')) as Unit;
        if (cached.hash === hash) {
          units.push(cached);
          timing.push({ pairing: p.name, seed, wallMs: cached.wallMs, cpuMs: cached.cpuMs, cached: true });
          done += runsPerUnit;
          recorded += cached.runs.length;
          log(`${p.name} seed ${seed}: cached (${path})`);
          continue;
        }
      }
      const u = await runUnit(s, p, seed, data.get(p.name)!, o, progress, finished);
      u.hash = hash;
      units.push(u);
      timing.push({ pairing: p.name, seed, wallMs: u.wallMs, cpuMs: u.cpuMs, cached: false });
      // The same bytes as before (JSON.stringify of the unit), written whole under a unique temporary name.
      if (path) writeOutputFile(path, JSON.stringify(u));
    }
  }
  const dataSizes = s.pairings.map((p) => {
    const d = data.get(p.name)!;
    return {
      pairing: p.name,
      sourceTrain: d.source.train.n,
      sourceTest: d.source.test.n,
      headFit: d.headFit.n,
      streamImages: d.stream.n,
      streamSamples: d.stream.n * (2 * p.maxShift + 1) ** 2,
      heldOut: d.heldOut.n,
    };
  });
  const checkpoints = units.flatMap((u) => u.checkpoints);
  const runs = units.flatMap((u) => u.runs);
  return {
    version,
    protocol: 'search',
    settings: s,
    data: dataSizes,
    checkpoints,
    runs,
    ...analyseSearch(s, checkpoints, runs),
    timing: { wallMs: performance.now() - t0, cpuMs: cpuMs() - c0, units: timing, loadAverage: { start: loadStart, end: os.loadavg() } },
  };
}
