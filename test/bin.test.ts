// The `loradyn` executable (dist/lib/bin.cjs): it runs the one-file CLI bundle through V8's code cache.
// Checked on a copy of dist/lib, so the repository's own cache is not touched: the cache is written on
// the first call and used unchanged by the next, a corrupt, unreadable or unwritable cache costs
// nothing but the compile, LORADYN_CODE_CACHE=off writes none, a rebuilt bundle gets a cache of its
// own, and without a bundle, or with one older than a module it was built from, the ES modules run.
// Every variant must print the same bytes.
import t, { type Test } from 'tap';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = mkdtempSync(join(tmpdir(), 'loradyn-bin-'));
const lib = join(root, 'dist', 'lib');
mkdirSync(join(root, 'dist'));
// A copy of the built library without the repository's caches, beside the real packages and addon.
// Times kept: a module newer than the bundle would make the executable run the ES modules.
cpSync(join(repo, 'dist', 'lib'), lib, { recursive: true, preserveTimestamps: true, filter: (src) => !src.endsWith('.cache') });
cpSync(join(repo, 'package.json'), join(root, 'package.json'));
symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
symlinkSync(join(repo, 'build'), join(root, 'build'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const bin = join(lib, 'bin.cjs');
const bundle = join(lib, 'cli.bundle.cjs');
// A deterministic command that goes through commander, valibot's config checks and the addon.
const ARGS = ['theory', 'tau', '--activation', 'erf', '--mu', '0.3,0.7'];

const run = (env: Record<string, string> = {}, cli = bin, args = ARGS) => runCli(args, { env, cli, timeoutMs: 60_000 });
/** Draws the tiny headline figures through `file` (vega is imported on demand, outside the bundle). */
function checkDraws(t: Test, file: string, name: string): void {
  const out = join(root, name);
  const r = run({}, file, ['reproduce', 'headline', '--scale', 'tiny', '--out', out, '--quiet']);
  t.equal(r.code, 0, r.stderr);
  t.ok(
    readdirSync(join(out, 'figures')).some((f) => f.endsWith('.svg')),
    'figures drawn',
  );
}
const caches = () => readdirSync(lib).filter((f) => f.endsWith('.cache'));
const clearCaches = () => {
  for (const f of caches()) rmSync(join(lib, f), { recursive: true, force: true });
};
const hashOf = (source: string) => /^\/\/ loradyn-bundle ([0-9a-f]{16})/.exec(source)?.[1];

const reference = run({ LORADYN_CODE_CACHE: 'off' });
t.equal(reference.code, 0, reference.stderr);
t.match(reference.stdout, /0\.3/, 'the reference output has the table');

t.test('the build leaves import() of packages to the loader', async (t) => {
  const source = readFileSync(bundle, 'utf8');
  t.ok(hashOf(source), 'the first line names the content hash');
  t.notMatch(source, /\bimport\("/, 'no import("...") left in the bundle');
  t.match(source, /__loradynImport\("vega"\)/, 'vega is imported through the loader');
});

t.test('the first call writes the cache, the next uses it unchanged', async (t) => {
  clearCaches();
  const first = run();
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout, reference.stdout);
  const written = caches();
  t.equal(written.length, 1, `caches: ${written.join(', ')}`);
  const name = written[0]!;
  t.ok(name.includes(hashOf(readFileSync(bundle, 'utf8'))!) && name.includes(process.versions.v8), `${name} names the bundle and V8`);
  const file = join(lib, name);
  const before = { bytes: readFileSync(file), mtime: statSync(file).mtimeMs };
  t.ok(before.bytes.length > 10_000, `${before.bytes.length} bytes of compiled code`);
  const second = run();
  t.equal(second.code, 0, second.stderr);
  t.equal(second.stdout, reference.stdout);
  // V8 accepted it: a rejected cache is written again at exit.
  t.equal(statSync(file).mtimeMs, before.mtime, 'not rewritten');
  t.same(readFileSync(file), before.bytes);
  t.same(caches(), [name], 'no temporary file left');
  // A cached script cannot call its own import(): the drawing's vega comes through the loader.
  checkDraws(t, bin, 'cached');
});

t.test('a corrupt cache is rejected and replaced', async (t) => {
  clearCaches();
  t.equal(run().code, 0);
  const name = caches()[0]!;
  writeFileSync(join(lib, name), Buffer.alloc(4096, 7));
  const r = run();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, reference.stdout);
  const now = readFileSync(join(lib, name));
  t.ok(now.length > 10_000 && now[0] !== 7, 'rewritten with compiled code');
});

t.test('a cache that can be neither read nor written costs only the compile', async (t) => {
  clearCaches();
  t.equal(run().code, 0);
  const name = caches()[0]!;
  rmSync(join(lib, name));
  mkdirSync(join(lib, name));
  const r = run();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, reference.stdout);
  t.equal(r.stderr, '');
  t.ok(statSync(join(lib, name)).isDirectory(), 'left as it was');
  t.same(
    readdirSync(lib).filter((f) => f.endsWith('.tmp')),
    [],
    'the temporary file is removed',
  );
});

t.test('LORADYN_CODE_CACHE=off writes no cache', async (t) => {
  clearCaches();
  const r = run({ LORADYN_CODE_CACHE: 'off' });
  t.equal(r.code, 0, r.stderr);
  t.same(caches(), []);
});

t.test('a rebuilt bundle gets a cache of its own', async (t) => {
  clearCaches();
  t.equal(run().code, 0);
  const original = readFileSync(bundle, 'utf8');
  const hash = hashOf(original)!;
  const other = hash === '0123456789abcdef' ? 'fedcba9876543210' : '0123456789abcdef';
  writeFileSync(bundle, original.replace(hash, other));
  t.teardown(() => writeFileSync(bundle, original));
  const r = run();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, reference.stdout);
  const names = caches();
  t.equal(names.length, 2, names.join(', '));
  t.ok(names.some((n) => n.includes(other)) && names.some((n) => n.includes(hash)));
});

t.test('the bundle runs under node directly, and the ES modules run without it', async (t) => {
  const direct = run({}, bundle);
  t.equal(direct.code, 0, direct.stderr);
  t.equal(direct.stdout, reference.stdout);
  // Here vega comes through the bundle's own import().
  checkDraws(t, bundle, 'direct');
  const saved = readFileSync(bundle);
  rmSync(bundle);
  t.teardown(() => writeFileSync(bundle, saved));
  const esm = run();
  t.equal(esm.code, 0, esm.stderr);
  t.equal(esm.stdout, reference.stdout);
});

t.test('a module rewritten after the bundle was built: the ES modules run, not the old bundle', async (t) => {
  clearCaches();
  const source = readFileSync(bundle, 'utf8');
  const inputs = /\n\/\/ inputs: (.*)\n/.exec(source)![1]!.split(' ');
  t.ok(inputs.length > 50 && inputs.includes('cli.js') && inputs.includes('cli/simulate.js'), `${inputs.length} modules listed`);
  const module = join(lib, 'cli', 'simulate.js');
  const was = statSync(module);
  const later = new Date(statSync(bundle).mtimeMs + 60_000);
  utimesSync(module, later, later);
  t.teardown(() => utimesSync(module, was.atime, was.mtime));
  const r = run();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, reference.stdout);
  t.same(caches(), [], 'no cache: the bundle did not run');
  utimesSync(module, was.atime, was.mtime);
  t.equal(run().code, 0);
  t.equal(caches().length, 1, 'with the module as old as before, the bundle runs again');
});
