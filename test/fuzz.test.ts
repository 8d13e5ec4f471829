// Property-based fuzzing of the config-to-kernel path (fast-check, fixed seed): 500 generated
// configs, good, bad and absurd, each run in its own child process with a memory limit
// (LORADYN_MAX_BYTES 512 MiB, a 1 GiB V8 heap) and a time limit (60 s; runs still going after
// 3 s are aborted by the child). Every case must either run (divergence reported, never a NaN
// loss without divergedStep), be refused with a ConfigError whose issues name config fields,
// or stop cleanly on its abort: no crash, no uncaught native error, no hang.
import t from 'tap';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { nodeCommand } from './support/node_command.js';

const child = fileURLToPath(new URL('./support/fuzz_child.js', import.meta.url));
const SEED = Number(process.env.LORADYN_FUZZ_SEED ?? 20260);
const RUNS = Number(process.env.LORADYN_FUZZ_RUNS ?? 500);
const FIELDS = ['model', 'train', 'record', 'engine', 'backend', 'seeds'];
// Children at once: a child is mostly start-up (node and the config schema: ~0.4 CPU-s) and spends about as long
// again waiting on its module reads and its spawn, so two per core keep the cores busy; at most 8,
// as each may take up to its limits (512 MiB native, 1 GiB heap).
const JOBS = Number(process.env.LORADYN_FUZZ_JOBS ?? Math.min(8, 2 * availableParallelism()));

// A config that should run quickly: small sizes, every engine, link and pre-training kind.
const activation = fc.constantFrom('linear', 'erf', 'relu', 'sigmoid', 'tanh', 'square', 'he1', 'he3', 'he2+0.5*he5', 'he4');
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const good = fc.record({
  model: fc.record({
    activation,
    teacher: fc.oneof(fc.constantFrom('same', 'square'), activation),
    d: fc.integer({ min: 8, max: 300 }),
    rank: fc.integer({ min: 1, max: 2 }),
    hidden: fc.integer({ min: 1, max: 2 }),
    pretrained: fc.record({ kind: fc.constantFrom('aligned', 'misaligned', 'scratch'), mu: unit }),
    u0: fc.constantFrom(null, 0, 1e-4, 0.5),
    spherical: fc.boolean(),
    noise: fc.constantFrom(0, 0.1),
  }),
  train: fc.record({
    batch: fc.integer({ min: 1, max: 64 }),
    eta: fc.constantFrom(0.2, 0.01, 1),
    steps: fc.integer({ min: 0, max: 60 }),
    hermiteRescale: fc.boolean(),
  }),
  record: fc.record({ points: fc.integer({ min: 2, max: 30 }), thresholds: fc.constantFrom([0.5], [0.3, 0.9], [1]), stopAt: fc.constantFrom(null, 0.3) }),
  engine: fc.constantFrom('full', 'reduced', 'ode'),
  backend: fc.constantFrom('cpu', 'auto'),
  seeds: fc.oneof(fc.constant([1]), fc.record({ count: fc.integer({ min: 1, max: 3 }) })),
});
// Bad, edge and absurd values, one or two of them put into a good config.
const mutations: [string, unknown[]][] = [
  ['model.d', [0, -1, 2.5, 2 ** 31, 10_000_000, 100_000, '10', null]],
  ['model.rank', [0, 64, 5000, 1.5]],
  ['model.hidden', [0, 64, 5000]],
  ['model.activation', ['nope', '', 'he0', 'he3:x', 42, { hermite: [] }, { hermite: [0, 1, 1e308] }]],
  ['model.teacher', ['bogus', { hermite: [1] }]],
  [
    'model.pretrained',
    [
      { kind: 'given', w0: new Array(300).fill(1e300) },
      { kind: 'given' },
      { kind: 'nope' },
      { mu: [0.5, 0.5, 0.5] },
      { mu: 1.5 },
      { kind: 'aligned', w0: [1] },
    ],
  ],
  ['model.u0', [1e300, -1, 'x']],
  ['model.noise', [-1, 1e308]],
  ['model.init', [{ u: [1e300] }, { u: [1e300, 1e300, 1e300, 1e300] }, { v: [0, 0, 0] }, { v: new Array(300).fill(0) }, { u: [] }]],
  ['model.spherical', ['yes']],
  ['train.batch', [0, -3, 2 ** 31, 1e9, 100_000, 1.5]],
  ['train.eta', [0, -1, 1e300, 50, 'fast']],
  ['train.steps', [-1, 1e15, 1_000_000, 0.5]],
  ['record.points', [1, 0, 1e6, 1e7]],
  ['record.thresholds', [[], [1.5], [0], [-1]]],
  ['record.final', [true, 'no']],
  ['record.stopAt', [2, 0]],
  ['engine', ['warp']],
  ['backend', ['cuda', 'gpu']],
  ['seeds', [[], [-1], { count: 0 }, { count: 1e6 }, { count: 1e7 }]],
  ['typo', [1]],
];
function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  const keys = path.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === undefined) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys.at(-1)!] = v;
}
const config = fc.tuple(good, fc.array(fc.tuple(fc.nat(mutations.length - 1), fc.nat(100)), { maxLength: 2 })).map(([c, muts]) => {
  const out = structuredClone(c) as Record<string, unknown>;
  for (const [m, v] of muts) setPath(out, mutations[m]![0], mutations[m]![1][v % mutations[m]![1].length]);
  return out;
});

// An issue names a field: its path starts with one (model.d, seeds[2]), or it is the config's
// own unknown field (path "", "unknown field(s) ...").
function namesAField(i: { path: string; message: string }): boolean {
  if (i.path === '') return /unknown field/.test(i.message);
  return FIELDS.includes(i.path.split('.')[0]!.replace(/\[\d+\]$/, ''));
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runChild(input: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const [cmd, args] = nodeCommand(['--max-old-space-size=1024', child]);
    const p = spawn(cmd, args, {
      env: { ...process.env, LORADYN_MAX_BYTES: String(512 * 2 ** 20) },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '',
      stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
    p.stdin.end(JSON.stringify(input));
  });
}

t.setTimeout(3_600_000); // 500 child processes: about a minute on an idle machine, more under load

t.test(`${RUNS} generated configs (seed ${SEED}): each runs, is a ConfigError naming a field, or stops on its abort`, async (t) => {
  const cases = fc.sample(config, { seed: SEED, numRuns: RUNS });
  const tally: Record<string, number> = {};
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i]!;
      const o = await runChild(c);
      let line: { outcome?: string; issues?: { path: string; message: string }[] } = {};
      try {
        line = JSON.parse(o.stdout.trim().split('\n').pop() ?? '');
      } catch {
        // no result line: judged below
      }
      const bad =
        o.signal !== null
          ? `killed by ${o.signal} after ${o.ms} ms (crash or hang)`
          : o.code !== 0
            ? `exit ${o.code}: ${o.stderr.trim().slice(0, 300)}`
            : !line.outcome
              ? 'no result line'
              : line.outcome === 'config-error' && !(line.issues ?? []).every(namesAField)
                ? `a ConfigError not naming a field: ${JSON.stringify(line.issues)}`
                : null;
      tally[bad ? 'failed' : line.outcome!] = (tally[bad ? 'failed' : line.outcome!] ?? 0) + 1;
      if (bad) failures.push(`case ${i}: ${bad}\n  config: ${JSON.stringify(c).slice(0, 600)}`);
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
  t.comment(`outcomes: ${JSON.stringify(tally)}`);
  t.same(failures, [], 'no crash, hang, uncaught error or unnamed issue');
  t.ok((tally.ran ?? 0) >= RUNS / 5 && (tally['config-error'] ?? 0) >= RUNS / 5, 'both good and bad configs were generated');
});
