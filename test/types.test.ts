// The public types compile in a consumer that has no @types/node (TypeScript's default libraries,
// strict, library checks on), and the README quickstart compiles there too.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCommand } from './support/node_command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

t.test('a consumer without @types/node compiles against loradyn', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'loradyn'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], noEmit: true, skipLibCheck: false },
    }),
  );
  const quick = readFileSync(join(root, 'examples', 'quickstart.ts'), 'utf8');
  writeFileSync(join(dir, 'quickstart.ts'), quick);
  writeFileSync(
    join(dir, 'api.ts'),
    `import { simulate, exportStore, tauCurve, renderFigure, panelsSpec, type Figure, type ExportSummary } from 'loradyn';
const r = await simulate({ model: { d: 100 }, train: { steps: 10 } }, { signal: AbortSignal.timeout(1000) });
const s: ExportSummary = await exportStore('runs', 'runs.parquet');
const f: Figure = await renderFigure('x', 'x', panelsSpec([]));
const png: Uint8Array = f.png;
export const out = [r.runs.length, s.rows, png.length, (await tauCurve({ activation: 'erf' }, [0.5]))[0]?.tau];
`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(...nodeCommand([tsc, '-p', dir]), { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, `tsc: ${r.stdout}${r.stderr}`);
  t.notOk(
    spawnSync(...nodeCommand(['-e', `require.resolve('@types/node/package.json', { paths: [${JSON.stringify(dir)}] })`])).status === 0,
    'the consumer has no @types/node',
  );
});
