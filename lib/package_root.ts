// The installed package's root folder (where package.json, build/ and REPRODUCTION.md sit). Both this
// module's compiled file and the bundled CLI (dist/lib/cli.bundle.cjs) live in dist/lib, so the root is
// two folders up from either: code that needs a file of the package asks here instead of counting
// folders from its own place, which the bundle does not keep.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder, absolute. */
export const packageRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
