// The package version, read once from package.json.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
/** loradyn's version (from its package.json). */
export const version: string = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
