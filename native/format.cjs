// clang-format over the C++ of native/ (the binary comes with the clang-format-node package).
// Usage: node native/format.cjs [--check]   --check lists the files that are not formatted
// and exits 1; otherwise the files are rewritten in place.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { clangFormatPath } = require('clang-format-node');
const check = process.argv.includes('--check');
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(cpp|hpp|cu|cuh)$/.test(e.name) ? [p] : [];
  });
}
const files = walk(path.join(root, 'native')).sort();
let bad = 0;
for (const f of files) {
  if (check) {
    const out = execFileSync(clangFormatPath, ['--style=file', f], { cwd: root, maxBuffer: 1 << 28 });
    if (!out.equals(fs.readFileSync(f))) {
      console.log(path.relative(root, f));
      bad++;
    }
  } else {
    execFileSync(clangFormatPath, ['--style=file', '-i', f], { cwd: root });
  }
}
if (check && bad) {
  console.log(`${bad} of ${files.length} native files are not clang-formatted (npm run format)`);
  process.exit(1);
}
