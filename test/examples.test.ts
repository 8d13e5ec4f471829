// The examples the README shows: the Node quickstart compiles under tsc --strict (it is part of this
// project's strict build) and runs; the example config and sweep files are valid.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandSweep } from '../lib/experiments/sweep.js';
import { parseConfig } from '../lib/config.js';
import { nodeCommand } from './support/node_command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

t.test('the README quickstart is examples/quickstart.ts, and it runs', async (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const src = readFileSync(join(root, 'examples', 'quickstart.ts'), 'utf8');
  const block = /## Using it from Node\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  t.ok(block, 'the README has a TypeScript quickstart');
  t.ok(src.includes(block!.trim()), 'the README block is the compiled example, verbatim');
  const r = spawnSync(...nodeCommand([join(root, 'dist', 'examples', 'quickstart.js')]), { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .filter((l) => /^\d+ /.test(l));
  t.equal(rows.length, 8, 'one line per seed');
  for (const l of rows) {
    const [, esc] = l.split(' ');
    t.ok(Number(esc) > 0 && Number(esc) < 3000, `erf at mu = 0.5 escapes within 3000 steps (${esc})`);
  }
});

t.test('example configs and sweeps are valid', async (t) => {
  const cfg = JSON.parse(readFileSync(join(root, 'examples', 'erf.json'), 'utf8'));
  t.equal(parseConfig(cfg).model.d, 1000);
  const sw = expandSweep(JSON.parse(readFileSync(join(root, 'examples', 'sweep-mu.json'), 'utf8')));
  t.equal(sw.points.length, 6);
});
