// The one list of native sources: binding.gyp and native/CMakeLists.txt both ask this
// script, so the two builds always compile the same files.
// Usage: node native/sources.cjs [core|addon|all] [--abs]
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.cpp')) out.push(p);
  }
  return out.sort();
}
const which = process.argv[2] || 'all';
const abs = process.argv.includes('--abs');
const dirs = which === 'core' ? ['native/core'] : which === 'addon' ? ['native/addon'] : ['native/core', 'native/addon'];
const files = dirs.flatMap((d) => walk(path.join(root, d)));
const shown = files.map((f) => (abs ? f : path.relative(root, f)).split(path.sep).join('/'));
process.stdout.write(shown.join('\n') + '\n');
