// The one path from config to kernel: the addon's exports shaped like lib, every engine and
// backend rule checked before a run (simulate, simulateMany, parseConfig, sweep grids, the
// CLI's exit 2), and errors that cross as { path, message } values, not parsed messages.
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, simulateMany, parseConfig, expandSweep, ConfigError, type ConfigInput } from '../lib/index.js';
import { loadNative } from '../lib/native.js';
import { runCli } from './support/cli.js';

const small = { model: { d: 40 }, train: { batch: 4, steps: 5 }, backend: 'cpu' as const, seeds: [1] };

// Each case: a config a particular engine or backend cannot run, and the field it must name.
const engineRules: { what: string; config: ConfigInput; path: string; message: RegExp }[] = [
  {
    what: 'reduced, d too small for its frame',
    config: { ...small, engine: 'reduced', model: { d: 2 } },
    path: 'model.d',
    message: /must be >= 3 for engine 'reduced'/,
  },
  {
    what: 'reduced, record.final',
    config: { ...small, engine: 'reduced', record: { final: true } },
    path: 'record.final',
    message: /not available with engine 'reduced'/,
  },
  {
    what: 'reduced, a batch past the frame counter',
    config: { ...small, engine: 'reduced', train: { batch: 2 ** 31, steps: 1 } },
    path: 'train.batch',
    message: /must be < \d+ for engine 'reduced'/,
  },
  {
    what: 'ode, init.v',
    config: { ...small, engine: 'ode', model: { d: 4, init: { v: [1, 0, 0, 0] } } },
    path: 'model.init.v',
    message: /not supported by engine 'ode'/,
  },
  {
    what: 'ode, a given w0',
    config: { ...small, engine: 'ode', model: { d: 3, pretrained: { kind: 'given', w0: [1, 0, 0] } } },
    path: 'model.pretrained.kind',
    message: /engine 'ode' does not support kind "given"/,
  },
  {
    what: 'cuda asked for by name, engine ode',
    config: { ...small, engine: 'ode', backend: 'cuda' },
    path: 'backend',
    message: /does not implement engine 'ode'/,
  },
  {
    what: 'cuda asked for by name, d past the kernel',
    config: { ...small, backend: 'cuda', model: { d: 40000 } },
    path: 'model.d',
    message: /backend 'cuda' runs engine 'full' with model\.d in \[1, 32768\]/,
  },
  {
    what: 'cuda asked for by name, reduced at rank 5',
    config: { ...small, engine: 'reduced', backend: 'cuda', model: { d: 40, rank: 5 } },
    path: 'model.rank',
    message: /backend 'cuda' runs model\.rank in \[1, 4\]/,
  },
];

function hasIssue(t: Test, e: unknown, path: string, message: RegExp, what: string) {
  t.ok(e instanceof ConfigError, `${what}: a ConfigError (${(e as Error)?.message})`);
  const issue = (e as ConfigError).issues?.find((i) => i.path === path);
  t.ok(issue, `${what}: names ${path} (issues: ${JSON.stringify((e as ConfigError).issues)})`);
  if (issue) t.match(issue.message, message, `${what}: says why`);
}

t.test('the addon is one module shaped like lib, test hooks under testing', async (t) => {
  const addon = loadNative() as unknown as Record<string, unknown>;
  t.same(Object.keys(addon).sort(), ['config', 'info', 'primitives', 'simulate', 'testing', 'theory', 'vit'], 'one namespace per lib module');
  for (const [ns, fns] of Object.entries({
    simulate: ['run', 'runMany'],
    config: ['check'],
    testing: ['reducedRun', 'chiSquare', 'launchGroups', 'injectThreadFailure'],
  }))
    for (const f of fns) t.type((addon[ns] as Record<string, unknown>)[f], 'function', `${ns}.${f}`);
});

t.test('engine and backend rules are refused before a run, by simulate, simulateMany and parseConfig', async (t) => {
  for (const c of engineRules) {
    let e: unknown = null;
    await simulate(c.config).catch((x: unknown) => (e = x));
    hasIssue(t, e, c.path, c.message, `simulate: ${c.what}`);
    e = null;
    await simulateMany([small, c.config]).catch((x: unknown) => (e = x));
    hasIssue(t, e, `[1].${c.path}`, c.message, `simulateMany: ${c.what}`);
    e = null;
    try {
      parseConfig(c.config);
    } catch (x) {
      e = x;
    }
    hasIssue(t, e, c.path, c.message, `parseConfig: ${c.what}`);
  }
});

t.test('a sweep grid with a point that an engine cannot run is refused when it is expanded', async (t) => {
  let e: unknown = null;
  try {
    expandSweep({ base: { ...small, model: { d: 2 } }, axes: { engine: ['full', 'reduced'] } });
  } catch (x) {
    e = x;
  }
  t.ok(e instanceof ConfigError, 'a ConfigError');
  const issue = (e as ConfigError).issues.find((i) => i.path === 'model.d');
  t.ok(issue, 'names model.d');
  t.match(issue?.message ?? '', /engine 'reduced'.*grid point 1/, 'and the grid point');
});

t.test('errors cross as { path, message }: a message with a colon in it keeps its field', async (t) => {
  let e: unknown = null;
  await simulate({ ...small, model: { activation: 'he2: x.y: z' } }).catch((x: unknown) => (e = x));
  t.ok(e instanceof ConfigError);
  t.equal((e as ConfigError).issues[0]?.path, 'model.activation');
  t.match((e as ConfigError).issues[0]?.message, /he2: x\.y: z/);
  // The native error itself: a RangeError with a code and the issues, nothing to parse.
  let raw: { code?: string; issues?: unknown } = {};
  try {
    loadNative().simulate.run({ ...parseConfig(small), model: { ...parseConfig(small).model, rank: 41 } }, 1);
  } catch (x) {
    raw = x as typeof raw;
  }
  t.equal(raw.code, 'LORADYN_INVALID');
  t.same(raw.issues, [{ path: 'model.rank', message: 'must be in [1, model.d = 40] (got 41)' }]);
  t.same(loadNative().config.check(parseConfig(small)), [], 'a good config has no issues');
});

t.test('the CLI exits 2 naming the field, without a stack', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-validation-'));
  const file = join(dir, 'reduced.json');
  writeFileSync(file, JSON.stringify({ ...small, engine: 'reduced', model: { d: 2 } }));
  const r = runCli(['simulate', file]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /model\.d: must be >= 3 for engine 'reduced'/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
