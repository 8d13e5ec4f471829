// The package version, read once from package.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package_root.js';

const pkgPath = join(packageRoot, 'package.json');
/** loradyn's version (from its package.json). */
export const version: string = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
