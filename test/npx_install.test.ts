// `npx loradyn` inside a checkout makes npm link the checkout into npx's cache and run its install and
// prepare scripts again (npm_command "exec"). scripts/skip_under_npx.cjs skips those build steps when
// their outputs exist: checked on its own, in package.json, and end to end with npm on a small package
// whose build step counts its runs (npm install builds once; npx runs the bin without building again).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const guard = join(repo, 'scripts', 'skip_under_npx.cjs');
const dir = mkdtempSync(join(tmpdir(), 'loradyn-npx-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function guardExit(command: string | undefined, files: string[]): number | null {
  const env = { ...process.env };
  delete env.npm_command;
  if (command !== undefined) env.npm_command = command;
  return spawnSync(process.execPath, [guard, ...files], { env, encoding: 'utf8' }).status;
}

t.test('the guard skips only under npx and only when every output exists', async (t) => {
  const built = join(dir, 'built.txt');
  writeFileSync(built, 'x');
  const missing = join(dir, 'missing.txt');
  t.equal(guardExit('exec', [built]), 0, 'npx, built: skip');
  t.equal(guardExit('exec', [built, missing]), 1, 'npx, one output missing: build');
  t.equal(guardExit('exec', []), 1, 'no outputs named: build');
  for (const c of ['install', 'ci', 'rebuild', 'run', undefined]) t.equal(guardExit(c, [built]), 1, `npm ${c ?? '(none)'}: build`);
});

t.test('package.json: install and prepare go through the guard, which ships', async (t) => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  t.match(pkg.scripts.install, /^node scripts\/skip_under_npx\.cjs build\/Release\/loradyn\.node \|\| node-gyp rebuild$/);
  t.match(pkg.scripts.prepare, /^node scripts\/skip_under_npx\.cjs dist\/lib\/bin\.cjs dist\/lib\/cli\.bundle\.cjs \|\| \(tsc /);
  t.ok(pkg.files.includes('scripts/skip_under_npx.cjs'), 'in the published files (the install script runs it)');
  t.ok(pkg.bin.loradyn && existsSync(join(repo, pkg.bin.loradyn)), `the bin exists: ${pkg.bin.loradyn}`);
});

t.test('end to end with npm: npx runs the bin of a built checkout without building again', async (t) => {
  const pkgDir = join(dir, 'pkg');
  mkdirSync(pkgDir);
  const step = (name: string) => `node -e "require('fs').appendFileSync('builds.log', '${name}\\n')"`;
  writeFileSync(
    join(pkgDir, 'package.json'),
    JSON.stringify({
      name: 'loradyn-npx-probe',
      version: '1.0.0',
      bin: { 'loradyn-npx-probe': 'bin.cjs' },
      scripts: {
        install: `node ${JSON.stringify(guard)} builds.log || ${step('install')}`,
        prepare: `node ${JSON.stringify(guard)} builds.log || ${step('prepare')}`,
      },
    }),
  );
  writeFileSync(join(pkgDir, 'bin.cjs'), "#!/usr/bin/env node\nconsole.log('probe ran');\n", { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
  delete env.npm_command;
  const npm = (args: string[]) => spawnSync('npm', args, { cwd: pkgDir, env, encoding: 'utf8', timeout: 120_000 });
  const install = npm(['install', '--offline', '--no-audit', '--no-fund']);
  t.equal(install.status, 0, install.stderr);
  const builds = () => readFileSync(join(pkgDir, 'builds.log'), 'utf8').trim().split('\n');
  t.same(builds(), ['install', 'prepare'], 'npm install builds');
  const exec = npm(['exec', '--offline', '--yes', '--', 'loradyn-npx-probe']);
  t.equal(exec.status, 0, exec.stderr);
  t.match(exec.stdout, /probe ran/);
  t.same(builds(), ['install', 'prepare'], 'npx linked the checkout without building again');
});
