// Run before a build step in package.json (`node scripts/skip_under_npx.cjs OUTPUT... || BUILD`): exits 0,
// so the build is skipped, when npm is only linking this checkout into npx's cache to run its own bin
// (`npx loradyn ...` inside the checkout: npm sets npm_command to "exec" and runs the checkout's install
// and prepare scripts) and the step's outputs exist; exits 1, so the build runs, otherwise. Without it the
// first `npx loradyn` in a checkout rebuilt the addon and the TypeScript (about two minutes on 2 cores,
// silently) and, through node-gyp rebuild, removed build/ under any loradyn process already running.
'use strict';
const { existsSync } = require('node:fs');

const outputs = process.argv.slice(2);
const skip = process.env.npm_command === 'exec' && outputs.length > 0 && outputs.every((f) => existsSync(f));
process.exit(skip ? 0 : 1);
