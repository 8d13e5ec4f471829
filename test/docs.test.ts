// The API reference: `npm run docs` (typedoc over the public entry points lib/index.ts,
// lib/queue/index.ts and lib/vit/index.ts) builds with no warning: every type the API names is
// exported, every link resolves (typedoc.json treats warnings as errors).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

t.test('typedoc builds the API reference without warnings', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'loradyn-api-'));
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`.slice(-2000));
  t.notMatch(r.stdout + r.stderr, /warning/i, 'no warnings');
  for (const page of ['index.html', 'functions/index.simulate.html', 'functions/index.exportStore.html']) t.ok(existsSync(join(out, page)), `${page} written`);
});
