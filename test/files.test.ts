// The CLI's files: --out writes a regular file or refuses (exit 2, naming the path), writes
// through symlinks, never replaces a device, leaves no temporary file on any failure, and
// refuses ""; a config file may start with a UTF-8 BOM, and a directory, binary or
// over-large config file is a clear error.
import t from 'tap';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCli } from './support/cli.js';
import { readJsonConfig, writeOutputFile } from '../lib/cli/files.js';
import { FileError } from '../lib/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'loradyn-files-'));
const cfgText = JSON.stringify({ model: { d: 30 }, train: { batch: 2, steps: 5 }, backend: 'cpu' });
const cfg = join(dir, 'ok.json');
writeFileSync(cfg, cfgText);
const leftovers = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp') || f.includes('.tmp-'));

t.test('--out writes a regular file; a symlink is written through and stays a symlink', async (t) => {
  const out = join(dir, 'out.json');
  let r = runCli(['simulate', cfg, '--out', out, '--quiet']);
  t.equal(r.code, 0, r.stderr);
  t.equal(JSON.parse(readFileSync(out, 'utf8')).runs.length, 1);
  const real = join(dir, 'real.json');
  writeFileSync(real, 'old');
  chmodSync(real, 0o640);
  const link = join(dir, 'link.json');
  symlinkSync(real, link);
  r = runCli(['simulate', cfg, '--out', link, '--quiet']);
  t.equal(r.code, 0, r.stderr);
  t.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  t.equal(readlinkSync(link), real);
  t.equal(JSON.parse(readFileSync(real, 'utf8')).runs.length, 1, 'its target holds the result');
  t.equal(statSync(real).mode & 0o777, 0o640, 'and keeps its permissions');
  const dangling = join(dir, 'dangling.json');
  symlinkSync(join(dir, 'made-by-link.json'), dangling);
  r = runCli(['simulate', cfg, '--out', dangling, '--quiet']);
  t.equal(r.code, 0, r.stderr);
  t.ok(existsSync(join(dir, 'made-by-link.json')), 'a dangling link: its target is created');
  t.same(leftovers(dir), [], 'no temporary files');
});

t.test('--out refuses what is not a regular file, exit 2 naming it, nothing left behind', async (t) => {
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const linkToDir = join(dir, 'link-to-dir');
  symlinkSync(sub, linkToDir);
  for (const [target, what] of [
    [sub, /is a directory/],
    [linkToDir, /a symlink to .*is a directory/],
    [fifo, /is a FIFO/],
    ['/dev/null', /is a character device/],
    ['/dev/full', /is a character device/],
  ] as const) {
    const before = existsSync(target) ? lstatSync(target) : null;
    const r = runCli(['simulate', cfg, '--out', target, '--quiet']);
    t.equal(r.code, 2, `${target}: exit 2 (${r.stderr.trim().slice(0, 160)})`);
    t.match(r.stderr, what);
    t.ok(r.stderr.includes(target), 'names the path');
    const after = lstatSync(target);
    t.equal(after.ino, before!.ino, `${target} is left as it was (same inode)`);
    t.equal(after.mode, before!.mode);
  }
  t.same(leftovers(dir), [], 'no temporary files beside the targets');
  t.same(readdirSync(sub), [], 'nothing written inside the directory');
  const r = runCli(['simulate', cfg, '--out', join(dir, 'no-such-dir', 'x.json'), '--quiet']);
  t.equal(r.code, 2);
  t.match(r.stderr, /no-such-dir.*no such file or directory/);
});

t.test('--out "" is an error, not a silent success', async (t) => {
  const r = runCli(['simulate', cfg, '--out', '', '--quiet']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /output path is empty/);
  t.throws(() => writeOutputFile('', 'x'), FileError);
});

t.test('a failed write leaves no temporary file', async (t) => {
  const ro = join(dir, 'read-only');
  mkdirSync(ro);
  writeFileSync(join(ro, 'x.json'), 'old');
  chmodSync(ro, 0o500);
  if (process.getuid?.() === 0) {
    // root writes anyway; a write that fails half-way instead: a target the kernel refuses to rename over
    chmodSync(ro, 0o700);
    t.pass('as root, permissions do not stop writes (the directory and device cases above cover the refusals)');
  } else {
    t.throws(() => writeOutputFile(join(ro, 'x.json'), 'new'), /permission denied/);
    t.same(leftovers(ro), []);
    t.equal(readFileSync(join(ro, 'x.json'), 'utf8'), 'old');
    chmodSync(ro, 0o700);
  }
});

t.test('config files: a BOM is accepted; a directory, binary, invalid UTF-8 or over-large file is a clear error', async (t) => {
  const bom = join(dir, 'bom.json');
  writeFileSync(bom, '\uFEFF' + cfgText);
  t.same(readJsonConfig(bom), JSON.parse(cfgText), 'BOM dropped');
  let r = runCli(['simulate', bom, '--quiet']);
  t.equal(r.code, 0, `the CLI runs a config with a BOM: ${r.stderr}`);
  const bin = join(dir, 'bin.json');
  writeFileSync(bin, Buffer.from([0x7b, 0x00, 0x7d]));
  const latin1 = join(dir, 'latin1.json');
  writeFileSync(latin1, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
  const big = join(dir, 'big.json');
  writeFileSync(big, '{"a": "' + 'x'.repeat(2048) + '"}');
  for (const [path, what, env] of [
    [dir, /is a directory, not a config file/, {}],
    [bin, /not a text file/, {}],
    [latin1, /not valid UTF-8/, {}],
    [join(dir, 'missing.json'), /cannot read .*no such file or directory/, {}],
    [big, /limited to .*LORADYN_MAX_CONFIG_BYTES/, { LORADYN_MAX_CONFIG_BYTES: '1024' }],
    ['/dev/zero', /not a text file|limited to/, { LORADYN_MAX_CONFIG_BYTES: '4096' }],
  ] as const) {
    r = runCli(['simulate', path, '--quiet'], { env });
    t.equal(r.code, 2, `${path}: exit 2`);
    t.match(r.stderr, what, `${path}: ${r.stderr.trim().slice(0, 160)}`);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
