#!/usr/bin/env node
// The `loradyn` executable. On Node 20 most of a short command's time went into finding, reading and
// compiling the CLI's ES modules one by one (about thirty, commander's included, for a small
// simulate), so the CLI is also built as one CommonJS file (dist/lib/cli.bundle.cjs, by
// scripts/bundle_cli.ts) and run here through V8's code cache: the compiled code of one call is kept
// beside the bundle and the next call starts from it (what Node 22's module.enableCompileCache does;
// Node 20 has no such switch). The ES modules (dist/lib/cli.js) run instead where no bundle was
// built or where tsc has rewritten a module since it was (currentBundle). LORADYN_CODE_CACHE=off runs
// the bundle without the cache.
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'cli.bundle.cjs');
const source = currentBundle(bundle);

if (source !== undefined) runBundle(bundle, source);
else void import('./cli.js');

/**
 * The bundle's source, or undefined where there is none or where one of the modules it was built from
 * (listed on its second line) is newer than it: tsc run without the bundling step. About a hundred
 * stat calls, 2-3 ms on the 2-core development machine.
 */
function currentBundle(file: string): string | undefined {
  const built = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return undefined;
  const source = readFileSync(file, 'utf8');
  const start = source.indexOf('\n// inputs: ');
  if (start < 0) return undefined;
  const inputs = source.slice(start + 12, source.indexOf('\n', start + 1)).split(' ');
  for (const f of inputs) {
    const m = statSync(join(__dirname, f), { throwIfNoEntry: false })?.mtimeMs;
    if (m === undefined || m > built) return undefined;
  }
  return source;
}

/**
 * Where the code cache of this bundle for this V8 lives, or undefined when caching is off. V8 checks
 * a cache against its own version, flags and the source's length only, so the name also carries the
 * bundle's content hash (its first line, written by the build): a rebuilt bundle never meets an old
 * cache.
 */
function cacheFile(file: string, source: string): string | undefined {
  if (process.env.LORADYN_CODE_CACHE === 'off') return undefined;
  const hash = /^\/\/ loradyn-bundle ([0-9a-f]{16})/.exec(source)?.[1];
  if (hash === undefined) return undefined;
  return `${file}.${hash}.${process.versions.v8}-${process.arch}.cache`;
}

/** Writes the cache through a temporary file and a rename, so a concurrent call never reads half of it. */
function writeCache(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch {
    // A read-only install or a full disk: the next call compiles again, nothing else changes.
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

function runBundle(file: string, source: string): void {
  const cache = cacheFile(file, source);
  let cachedData: Buffer | undefined;
  if (cache !== undefined) {
    try {
      cachedData = readFileSync(cache);
    } catch {
      // None yet, or unreadable: compile, and write one at exit.
    }
  }
  // The CommonJS wrapper on the bundle's first line keeps its line numbers in stack traces.
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __loradynLoaderImport) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  // Kept at exit, not now, so that the cache holds every function this call compiled, not just the top level.
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => writeCache(cache, script.createCachedData()));
  const main = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  // import() from a script that V8 restored from a cache has no loader to call (Node 20 keeps none for
  // it), so the bundle imports the packages it leaves outside (vega, the Parquet writer) through this
  // module's own import(), which resolves from dist/lib as the bundle would.
  const importPackage = (specifier: string): Promise<unknown> => import(specifier);
  main.call(module.exports, module.exports, createRequire(file), module, file, __dirname, importPackage);
}
