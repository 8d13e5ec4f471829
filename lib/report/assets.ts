// The browser builds of vega, vega-lite and vega-embed, read from node_modules and inlined into each
// report, so it renders its interactive views offline; and their versions, for the versions table.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const req = createRequire(import.meta.url);

/** The package's root folder (its package.json may not be exported, so resolve the entry point). */
function packageRoot(name: string): string {
  let dir = path.dirname(req.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return dir;
    } catch {
      // no package.json here: go up
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the package folder of ${name}`);
    dir = up;
  }
}

/** Installed version of a package, or "?" when it cannot be found. */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(name), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

let cached: string | null = null;

/** One <script> block with vega, vega-lite and vega-embed (minified UMD builds, about 0.85 MB). */
export function vegaScripts(): string {
  if (cached) return cached;
  const files = [
    ['vega', 'build/vega.min.js'],
    ['vega-lite', 'build/vega-lite.min.js'],
    ['vega-embed', 'build/vega-embed.min.js'],
  ] as const;
  // "</script" inside a script would end it early; the builds have none, but escape it anyway.
  cached = files
    .map(
      ([pkg, file]) =>
        `<script>/* ${pkg} ${packageVersion(pkg)} */\n${readFileSync(path.join(packageRoot(pkg), file), 'utf8').replace(/<\/script/gi, '<\\/script')}\n</script>`,
    )
    .join('\n');
  return cached;
}
