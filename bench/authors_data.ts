// loradyn against the numbers the paper's authors stored in their repository
// (GibbsNwemadji/When-pre-training-hurts-LoRA-fine-tuning-a-dynamical-analysis-via-single-index-models):
// their simulated escape times (data_numerics_paper/*_time_to_overlap*.npz: the window metric on
// the mean of 3 seeds' |m|, d = 1000, B = 500, eta = 0.2) against loradyn's exact window metric
// on dense reduced-chain records at the same settings, and their theory curves (the notebooks'
// t_exit files: tau(mu) from truncated Hermite series) against loradyn's tau(mu), with ratios.
// The npz files are read with numpy by bench/peers/authors_data.py, which also re-evaluates the
// notebook's series for relu with and without the k = 0 term of B.
//
// Run: git clone https://github.com/GibbsNwemadji/When-pre-training-hurts-LoRA-fine-tuning-a-dynamical-analysis-via-single-index-models authors
//      npm run build:ts && node dist/bench/authors_data.js authors [--seeds 18] [--quick] [--skip-sim]
import { paperWindowMetricDense, simulate, tauCurve, type RunResult } from '../lib/index.js';
import { printTable, runPeer, writeResults } from './harness.js';

interface NumericsRow {
  file: string;
  teacher?: 'matched' | 'square';
  activation?: string;
  status: string;
  mu?: number[];
  steps?: number[];
  std?: number[] | null;
}
interface TheoryRow {
  file: string;
  teacher: 'matched' | 'square';
  status: string;
  mu?: number[];
  curves?: Record<string, (number | null)[]>;
  meta?: Record<string, unknown>;
}
interface SquareK0 {
  activation: string;
  file: string;
  mu: number[];
  stored: (number | null)[];
  exact: (number | null)[];
  withoutK0: (number | null)[];
}
interface Peer {
  numerics: NumericsRow[];
  theory: TheoryRow[];
  reluSeries: { mu: number[]; curves: Record<string, (number | null)[]> };
  series: { activation: string; mu: number; kmax: number; k0: boolean; A: number; B: number }[];
  squareK0: SquareK0[] | null;
  numpy: string;
}

/** Their names -> a loradyn activation and whether the paper's eta / (k! k) rescale applies. */
function link(name: string): { activation: string; hermite: boolean } | null {
  const n = name.toLowerCase();
  if (n === 'x' || n === 'linear') return { activation: 'linear', hermite: false };
  if (['erf', 'relu', 'sigmoid'].includes(n)) return { activation: n, hermite: false };
  const m = /^he(\d+)$/.exec(n);
  return m ? { activation: `he${m[1]}`, hermite: true } : null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

async function theoryTables(peer: Peer) {
  const rows: (string | number)[][] = [];
  const out = [];
  for (const th of peer.theory) {
    if (th.status !== 'ok' || !th.curves || !th.mu) continue;
    for (const [name, curve] of Object.entries(th.curves)) {
      const l = link(name);
      if (!l) continue;
      const ours = await tauCurve({ activation: l.activation, teacher: th.teacher === 'square' ? 'square' : 'same', hermiteRescale: l.hermite }, th.mu);
      const ratios: number[] = [];
      let worst = 0,
        worstMu = 0;
      th.mu.forEach((mu, i) => {
        const a = curve[i],
          b = ours[i]!.tau;
        if (a === null || a === undefined || b === null || !(a > 0) || !(b > 0)) return;
        const r = a / b;
        ratios.push(r);
        if (Math.abs(Math.log(r)) > Math.abs(Math.log(worst || 1))) {
          worst = r;
          worstMu = mu;
        }
      });
      const within1 = ratios.filter((r) => Math.abs(r - 1) <= 0.01).length;
      rows.push([
        th.file.split('/').pop()!,
        th.teacher,
        name,
        ratios.length,
        median(ratios).toFixed(4),
        `${worst.toFixed(3)} at mu=${worstMu.toFixed(3)}`,
        `${within1}/${ratios.length}`,
      ]);
      out.push({
        file: th.file,
        teacher: th.teacher,
        name,
        points: ratios.length,
        medianRatio: median(ratios),
        worstRatio: worst,
        worstMu,
        within1pct: within1,
      });
    }
  }
  printTable(
    "Theory: the authors' stored tau(mu) / loradyn's tau(mu) (same mu grid; Hermite links with A, B / (k! k) as theirs)",
    ['file', 'teacher', 'link', 'points', 'median ratio', 'worst ratio', 'within 1%'],
    rows,
  );
  return out;
}

async function reluSeriesTable(peer: Peer) {
  const th =
    peer.theory.find((t) => t.status === 'ok' && t.teacher === 'matched' && t.curves?.relu && t.mu === peer.reluSeries.mu) ??
    peer.theory.find((t) => t.status === 'ok' && t.teacher === 'matched' && t.curves?.relu);
  if (!th) return null;
  const mu = peer.reluSeries.mu;
  const exact = await tauCurve({ activation: 'relu' }, mu);
  const stored = th.curves!.relu!;
  const pick = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9].map((x) => mu.reduce((b, m, i) => (Math.abs(m - x) < Math.abs(mu[b]! - x) ? i : b), 0));
  const names = Object.keys(peer.reluSeries.curves);
  const rows = pick.map((i) => [
    mu[i]!.toFixed(3),
    (stored[i] ?? NaN).toFixed(4),
    ...names.map((n) => (peer.reluSeries.curves[n]![i] ?? NaN).toFixed(4)),
    exact[i]!.tau!.toFixed(4),
  ]);
  printTable(
    `relu: the stored curve (${th.file}) against the notebook's series re-evaluated (k_max 10, 16; without and with the k = 0 term of B) and loradyn's exact tau`,
    ['mu', 'stored', ...names.map((n) => `series ${n}`), 'loradyn (exact)'],
    rows,
  );
  const maxDev = (n: string) =>
    Math.max(...mu.map((_, i) => (stored[i] && peer.reluSeries.curves[n]![i] ? Math.abs(stored[i]! / peer.reluSeries.curves[n]![i]! - 1) : 0)));
  const conv = peer.series.filter((s) => s.activation === 'relu' && s.k0).map((s) => [s.mu, s.kmax, s.B.toFixed(5), (s.B + 0.5).toExponential(2)]);
  printTable(
    'relu: B(mu) from the series with the k = 0 term restored against the exact B = -1/2 (the error falls like k_max^-1/2)',
    ['mu', 'k_max', 'B (series)', 'B + 1/2'],
    conv,
  );
  return { file: th.file, maxRelDevFromSeries: Object.fromEntries(names.map((n) => [n, maxDev(n)])), rows };
}

/**
 * The squared teacher with He_k links: their stored tau against the exact one and against the
 * exact A, B with the k = 0 term of B's second sum (-sigma_0 sbar_0 / mu^2) left out, as their
 * notebook's sum starts at k = 1. Polynomial links make the series finite, so this isolates
 * the dropped term. Below mu = 0.1 their series loses digits to cancellation (1 / mu^(2k+2)).
 */
function squareK0Table(peer: Peer) {
  if (!peer.squareK0) return null;
  const rows: (string | number)[][] = [];
  const out = [];
  for (const r of peer.squareK0) {
    const idx = r.mu.map((_m, i) => i).filter((i) => r.mu[i]! >= 0.1 && r.stored[i] && r.exact[i] && r.withoutK0[i]);
    const dev = (a: (number | null)[]) => Math.max(...idx.map((i) => Math.abs(r.stored[i]! / a[i]! - 1)));
    const ratios = idx.map((i) => r.stored[i]! / r.exact[i]!);
    const o = {
      activation: r.activation,
      points: idx.length,
      medianStoredOverExact: median(ratios),
      maxDevFromExact: dev(r.exact),
      maxDevWithoutK0: dev(r.withoutK0),
    };
    out.push(o);
    rows.push([r.activation, idx.length, o.medianStoredOverExact.toFixed(4), o.maxDevFromExact.toExponential(2), o.maxDevWithoutK0.toExponential(2)]);
  }
  printTable(
    'Squared teacher, He_k links, mu >= 0.1: their stored tau against the exact tau and against the exact A, B without the k = 0 term of B',
    ['link', 'points', 'stored / exact (median)', 'max |stored / exact - 1|', 'max |stored / (without k = 0) - 1|'],
    rows,
  );
  return out;
}

/** The exact window metric for loradyn at the authors' settings, on dense reduced-chain records. */
async function numericsTable(peer: Peer, seeds: number, quick: boolean) {
  const rows: (string | number)[][] = [];
  const out = [];
  for (const n of peer.numerics) {
    if (n.status !== 'ok' || !n.mu || !n.activation || (n.activation === 'x' && n.teacher === 'matched')) continue; // matched x and linear: the same runs
    const l = link(n.activation)!;
    for (let i = 0; i < n.mu.length; i++) {
      const mu = n.mu[i]!,
        theirs = n.steps![i]!,
        theirStd = n.std?.[i] ?? null;
      if (quick && mu > 0.7) continue;
      const steps = Math.ceil(1.6 * theirs + 300);
      const t0 = performance.now();
      const r = await simulate({
        model: { activation: l.activation, teacher: n.teacher === 'square' ? 'square' : 'same', d: 1000, pretrained: { mu } },
        train: { batch: 500, eta: 0.2, hermiteRescale: l.hermite, steps },
        engine: 'reduced',
        backend: 'cpu',
        seeds: { count: seeds, base: 900 },
        record: { points: 20, dense: steps },
      });
      const runs = r.runs.filter((x) => x.divergedStep === null);
      const all = paperWindowMetricDense(runs, mu);
      // The authors averaged 3 seeds: the metric on disjoint triples of ours shows that spread.
      const triples: number[] = [];
      for (let k = 0; k + 3 <= runs.length; k += 3) {
        const w = paperWindowMetricDense(runs.slice(k, k + 3) as RunResult[], mu);
        if (w) triples.push(w.paperIndex);
      }
      triples.sort((a, b) => a - b);
      const ours = all ? all.paperIndex : null;
      const ratio = ours ? theirs / ours : null;
      const inRange = triples.length ? theirs >= triples[0]! && theirs <= triples[triples.length - 1]! : false;
      rows.push([
        `${n.teacher === 'square' ? 's* = s^2, ' : ''}${n.activation}`,
        mu,
        theirs,
        theirStd === null ? '-' : theirStd.toFixed(1),
        ours === null ? 'never' : ours.toFixed(1),
        all ? (all.complete ? 'yes' : 'no') : '-',
        triples.length ? `${triples[0]!.toFixed(0)}-${triples[triples.length - 1]!.toFixed(0)}` : '-',
        ratio === null ? '-' : ratio.toFixed(3),
        inRange ? 'yes' : 'no',
        `${runs.length}/${r.runs.length}`,
        ((performance.now() - t0) / 1000).toFixed(1),
      ]);
      out.push({
        file: n.file,
        teacher: n.teacher,
        activation: n.activation,
        mu,
        theirs,
        theirStd,
        ours,
        complete: all?.complete ?? null,
        tripleRange: triples.length ? [triples[0], triples[triples.length - 1]] : null,
        ratio,
        inTripleRange: inRange,
        runs: runs.length,
        steps,
      });
    }
  }
  printTable(
    `Simulation: the window metric (mean 0-based index at which the seed-mean |m| is within mu +- 0.05), the authors' 3 seeds against loradyn's ${seeds} (exact reduced chain, d = 1000, B = 500, eta = 0.2 (/(k! k) for He_k), every step recorded)`,
    ['link', 'mu', 'authors', 'their std', 'loradyn', 'complete', 'loradyn 3-seed range', 'authors / loradyn', 'authors in range', 'runs kept', 'wall s'],
    rows,
  );
  return out;
}

export async function benchAuthorsData(repo: string, seeds = 18, quick = false, skipSim = false) {
  const peer = runPeer('authors_data.py', [repo]) as unknown as Peer;
  printTable(
    "Files read from the authors' repository",
    ['file', 'status'],
    [...peer.numerics, ...peer.theory].map((f) => [f.file, f.status]),
  );
  const theory = await theoryTables(peer);
  const relu = await reluSeriesTable(peer);
  const squareK0 = squareK0Table(peer);
  const numerics = skipSim ? null : await numericsTable(peer, seeds, quick);
  return { files: [...peer.numerics, ...peer.theory].map((f) => ({ file: f.file, status: f.status })), theory, relu, squareK0, numerics, numpy: peer.numpy };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repo = process.argv[2];
  if (!repo || repo.startsWith('--')) {
    process.stderr.write('usage: node dist/bench/authors_data.js AUTHORS_REPO_DIR [--seeds N] [--quick] [--skip-sim]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--seeds');
  const data = await benchAuthorsData(repo, i > 0 ? Number(process.argv[i + 1]) : 18, process.argv.includes('--quick'), process.argv.includes('--skip-sim'));
  process.stdout.write(`wrote ${writeResults('authors_data', data)}\n`);
}
