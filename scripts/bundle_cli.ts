// Builds dist/lib/cli.bundle.cjs, the one-file CLI that dist/lib/bin.cjs runs (see lib/bin.cts for why),
// from tsc's output. commander and valibot go into the bundle, since every call needs them; the other
// packages stay outside it and load when a command uses them (plotting, the queue, the ViT data sets,
// the Parquet writer), as the ES modules do. Run after tsc: `node dist/scripts/bundle_cli.js`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const libDir = join(root, 'dist', 'lib');
const out = join(libDir, 'cli.bundle.cjs');
const INSIDE = new Set(['commander', 'valibot']);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies }).filter((n) => !INSIDE.has(n));

const result = await build({
  entryPoints: [join(libDir, 'cli.js')],
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external,
  // The modules' import.meta.url becomes the bundle's own URL: it sits in dist/lib as they do.
  define: { 'import.meta.url': '__loradynBundleUrl' },
  // "use strict" must come first to count, so the banner goes before esbuild's own. The loader hands
  // the bundle its import(): code that V8 restores from a cache cannot call its own.
  banner: {
    js: [
      "'use strict';",
      "const __loradynBundleUrl = require('node:url').pathToFileURL(__filename).href;",
      "const __loradynImport = typeof __loradynLoaderImport === 'function' ? __loradynLoaderImport : (specifier) => import(specifier);",
    ].join('\n'),
  },
  // A third smaller to read and hash on every call (4-5 ms of 140 measured); names are kept, so stack
  // traces still name functions (dist/lib/cli.js runs the same code unbundled, for debugging).
  minifyWhitespace: true,
  minifySyntax: true,
  write: false,
  metafile: true,
  logLevel: 'warning',
});
// The entry's #! line is dropped (the bundle runs inside a function wrapper). The first line names the
// content's hash, which keys the code cache; the second the modules of dist/lib it was built from, so
// that the executable can tell a bundle older than one of them (tsc run alone) and run them instead.
// The packages left outside and imported on demand (vega, the Parquet writer) load through the loader's
// import(); any other import() of a package would fail under the cache, so it stops the build.
const code = result.outputFiles[0]!.text.replace(/^#!.*\n/, '').replace(/\bimport\(("[^"]*")\)/g, (_, spec: string) => {
  if (!external.includes(JSON.parse(spec) as string)) throw new Error(`import(${spec}) in the bundle is not of a package left outside it`);
  return `__loradynImport(${spec})`;
});
const inputs = Object.keys(result.metafile.inputs)
  .map((f) => relative(libDir, join(root, f)))
  .filter((f) => !f.startsWith('..'))
  .sort();
if (!inputs.includes('cli.js') || inputs.some((f) => /\s/.test(f))) throw new Error(`unexpected bundle inputs: ${inputs.join(', ')}`);
const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
writeFileSync(out, `// loradyn-bundle ${hash} (built from dist/lib/cli.js by scripts/bundle_cli.ts; do not edit)\n// inputs: ${inputs.join(' ')}\n${code}`);
// Caches of earlier bundles can never be used again.
for (const f of readdirSync(libDir)) if (f.startsWith('cli.bundle.cjs.') && f.endsWith('.cache') && !f.includes(hash)) unlinkSync(join(libDir, f));
console.log(`dist/lib/cli.bundle.cjs: ${(code.length / 1024).toFixed(0)} KiB from ${inputs.length} modules of dist/lib, ${hash}`);
