// The CLI: JSON contracts, --help everywhere, exit code 2 with the message on bad input.
import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { commands } from '../lib/cli/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'loradyn-cli-'));
const file = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

t.test('info --json', async (t) => {
  const r = runCli(['info', '--json']);
  t.equal(r.code, 0, r.stderr);
  const i = JSON.parse(r.stdout);
  t.match(i.version, /\d+\.\d+\.\d+/);
  t.equal(i.backends.cpu.available, true);
  t.type(i.backends.cuda.available, 'boolean');
});

t.test('simulate --json prints runs[i].escape["0.5"]', async (t) => {
  const cfg = file('ok.json', JSON.stringify({ model: { d: 200, activation: 'linear', pretrained: { mu: 0.3 } }, train: { batch: 100, steps: 400 }, seeds: { count: 2 }, backend: 'cpu' }));
  const out = join(dir, 'out.json');
  const r = runCli(['simulate', cfg, '--json', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  t.equal(res.runs.length, 2);
  for (const run of res.runs) {
    t.type(run.escape['0.5'], 'number', 'the linear model escapes within 400 steps');
    t.ok(run.escape['0.5'] > 0 && run.escape['0.5'] < 400);
  }
  t.same(JSON.parse(readFileSync(out, 'utf8')).runs[0].escape, res.runs[0].escape, '--out holds the same result');
  const censored = file('short.json', JSON.stringify({ model: { d: 200 }, train: { batch: 100, steps: 2 }, backend: 'cpu' }));
  const c = runCli(['simulate', censored, '--json']);
  t.equal(JSON.parse(c.stdout).runs[0].escape['0.5'], null, 'a run that never escapes is null (censored)');
});

t.test('--help on every command', async (t) => {
  for (const c of commands) {
    const r = runCli([c.name, '--help']);
    t.equal(r.code, 0, `${c.name} --help exits 0`);
    t.match(r.stdout, /loradyn/, `${c.name} --help prints usage`);
  }
  const top = runCli(['--help']);
  t.equal(top.code, 0);
  for (const c of commands) t.match(top.stdout, c.name);
});

t.test('bad input exits 2 with the reason', async (t) => {
  const cases: [string[], RegExp][] = [
    [[ 'simulate', file('malformed.json', '{ "model": { "d": 10, } ') ], /not valid JSON/],
    [[ 'simulate', file('act.json', '{"model":{"activation":"gelu"}}') ], /model\.activation: unknown activation 'gelu'/],
    [[ 'simulate', file('d.json', '{"model":{"d":0}}') ], /model\.d: must be/],
    [[ 'simulate', file('b.json', '{"train":{"batch":0}}') ], /train\.batch: must be/],
    [[ 'simulate', file('eta.json', '{"train":{"eta":-0.1}}') ], /train\.eta: must be a finite number > 0/],
    [[ 'simulate', file('mu.json', '{"model":{"pretrained":{"mu":2}}}') ], /model\.pretrained\.mu: must be in \[0, 1\]/],
    [[ 'simulate', file('rank.json', '{"model":{"d":3,"rank":4}}') ], /model\.rank: must be in \[1, model\.d = 3\]/],
    [[ 'simulate', file('big.json', '{"model":{"d":2000000000,"rank":8}}') ], /model\.d: .*GiB/],
    [[ 'simulate', join(dir, 'missing.json') ], /cannot read/],
    [[ 'simulate' ], /expected exactly one CONFIG\.json/],
    [[ 'simulate', 'a.json', '--frobnicate' ], /unknown option --frobnicate/],
    [[ 'nonsense' ], /unknown command/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(args);
    t.equal(r.code, 2, `${args.join(' ')} exits 2`);
    t.match(r.stderr, msg, `${args.join(' ')}: ${r.stderr.trim().split('\n')[0]}`);
  }
});
