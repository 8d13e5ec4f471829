// The progress renderer: drawn in place on a terminal, a plain line every 10 s without one, nothing
// with --quiet, one JSON event per finished run with --events; the smoothed ETA; the CLI's use of it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtaEstimator, formatDuration, ProgressRenderer } from '../lib/cli/renderer.js';
import { cliPath } from './support/cli.js';
import { nodeCommand } from './support/node_command.js';

const dir = mkdtempSync(join(tmpdir(), 'loradyn-progress-'));

function fake(tty: boolean) {
  let now = 0;
  const out: string[] = [];
  const stream = { isTTY: tty, columns: 120, write: (s: string) => out.push(s) };
  return { out, stream, clock: () => now, advance: (ms: number) => (now += ms) };
}

t.test('without a terminal: a plain line every 10 s and at the end, no control characters', async (t) => {
  const f = fake(false);
  const r = new ProgressRenderer({ stream: f.stream, now: f.clock });
  r.start('sweep', 100);
  for (let i = 0; i < 50; i++) {
    f.advance(1000); // one run per second, 50 s
    r.run({ ok: true });
  }
  t.equal(f.out.length, 5, 'one line per 10 s over 50 s');
  t.match(f.out[0], /^sweep {2}10\/100 runs {2}10% {2}elapsed 10s {2}eta 1m30s\n$/, 'runs done / total, elapsed, eta');
  t.match(f.out[4], /50\/100 runs {2}50% {2}elapsed 50s {2}eta 50s/);
  r.finish();
  t.equal(f.out.length, 6, 'a last line at the end');
  t.notOk(f.out.join('').includes('\r') || f.out.join('').includes('\x1b'), 'plain text for logs');
});

t.test('on a terminal: drawn in place, throttled, messages above the bar', async (t) => {
  const f = fake(true);
  const r = new ProgressRenderer({ stream: f.stream, now: f.clock });
  r.start('reproduce', 4);
  f.advance(50);
  r.run({ ok: true });
  t.equal(f.out.length, 1);
  t.match(f.out[0], /^\r\x1b\[2K\[#####-+\] reproduce {2}1\/4 runs {2}25%/, 'carriage return, clear line, bar');
  f.advance(10);
  r.update({ done: 1 });
  t.equal(f.out.length, 1, 'redraws at most every 100 ms');
  f.advance(200);
  r.log('a message');
  t.same(f.out.slice(1, 3), ['\r\x1b[2K', 'a message\n'], 'the bar is cleared, the message printed on its own line');
  t.match(f.out[3], /^\r\x1b\[2K\[/, 'then the bar is drawn again');
  r.run({ ok: false, error: 'x' });
  f.advance(200);
  r.run({ ok: true });
  r.run({ ok: true });
  r.finish();
  t.match(f.out.at(-2), /4\/4 runs {2}1 failed {2}100%/);
  t.equal(f.out.at(-1), '\n', 'the finished line is left on screen');
});

t.test('--quiet shows nothing; --events writes one JSON line per run', async (t) => {
  const f = fake(false);
  const events = join(dir, 'ev.jsonl');
  const r = new ProgressRenderer({ stream: f.stream, now: f.clock, quiet: true, events });
  r.start('sweep', 2);
  f.advance(30_000);
  r.run({ id: 'a', seed: 0, coords: { 'model.pretrained.mu': 0.2 }, ok: true, wallMs: 12 });
  r.log('hidden');
  r.run({ id: 'b', seed: 1, ok: false, error: 'boom' });
  r.finish({ computed: 1 });
  t.same(f.out, [], 'nothing on the stream');
  const ev = readFileSync(events, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(
    ev.map((e) => e.event),
    ['start', 'run', 'run', 'end'],
  );
  t.match(ev[1], { label: 'sweep', done: 1, total: 2, id: 'a', seed: 0, coords: { 'model.pretrained.mu': 0.2 }, ok: true, wallMs: 12, elapsedMs: 30000 });
  t.match(ev[2], { done: 2, ok: false, error: 'boom' });
  t.match(ev[3], { done: 2, failed: 1, computed: 1 });
  t.ok(
    ev.every((e) => !Number.isNaN(Date.parse(e.time))),
    'every event has a time',
  );
});

t.test('smoothed ETA: exact at a steady rate, follows a change of speed without jumping', async (t) => {
  const e = new EtaEstimator(0);
  let eta: number | null = null;
  for (let s = 1; s <= 10; s++) eta = e.update(s / 100, s * 1000); // 1% per second
  t.ok(Math.abs(eta! - 90_000) < 1, `steady: ${eta} ms left`);
  eta = e.update(0.2, 11_000); // one sudden burst of 10%
  t.ok(eta! > 20_000 && eta! < 80_000, `a burst moves the ETA part of the way only (${Math.round(eta! / 1000)} s)`);
  for (let s = 12; s <= 100; s++) eta = e.update(0.2 + (s - 11) * 0.002, s * 1000); // then 0.2% per second
  const left = 1 - (0.2 + 89 * 0.002);
  t.ok(Math.abs(eta! - (left / 0.002) * 1000) / ((left / 0.002) * 1000) < 0.05, `settles on the new speed (${Math.round(eta! / 1000)} s)`);
  t.equal(e.update(1, 101_000), 0);
  t.equal(new EtaEstimator(0).update(0, 5000), null, 'unknown before any progress');
  t.equal(formatDuration(3_725_000), '1h02m');
  t.equal(formatDuration(null), '--');
});

const sweep = join(dir, 'sweep.json');
writeFileSync(
  sweep,
  JSON.stringify({
    base: { engine: 'reduced', model: { d: 200 }, train: { batch: 20, steps: 300 }, record: { points: 10 } },
    axes: { 'model.pretrained.mu': [0.2, 0.5] },
    seeds: { count: 3 },
  }),
);

t.test('sweep without a terminal: plain lines on stderr, events per run', async (t) => {
  const events = join(dir, 'sweep.jsonl');
  const r = spawnSync(...nodeCommand([cliPath, 'sweep', sweep, '--out', join(dir, 'a'), '--events', events]), { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /^sweep {2}6\/6 runs {2}100% {2}elapsed \d+s {2}eta 0s$/m, 'the final plain line');
  t.notMatch(r.stderr, /\r|\x1b/, 'no terminal control characters in a pipe');
  const ev = readFileSync(events, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const runs = ev.filter((e) => e.event === 'run');
  t.equal(runs.length, 6);
  t.same(new Set(runs.map((e) => e.coords['model.pretrained.mu'])), new Set([0.2, 0.5]));
  t.ok(runs.every((e) => /^[0-9a-f]{64}$/.test(e.id) && e.ok === true));
  const q = spawnSync(...nodeCommand([cliPath, 'sweep', sweep, '--out', join(dir, 'b'), '--quiet']), { encoding: 'utf8' });
  t.equal(q.status, 0);
  t.equal(q.stderr, '', '--quiet: nothing on stderr');
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
t.test('sweep on a terminal (a pseudo-terminal from script(1)): drawn in place', { skip: hasScript ? false : 'script(1) is not installed' }, async (t) => {
  const cmd = `"${process.execPath}" "${cliPath}" sweep "${sweep}" --out "${join(dir, 'c')}" --jobs 1`;
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /\r\x1b\[2K\[#+-*\] sweep {2}\d\/6 runs/, 'the bar is redrawn in place');
  t.match(r.stdout, /6\/6 runs {2}100%/);
});
