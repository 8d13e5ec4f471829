#!/usr/bin/env node
// loradyn command line (lib/cli/program.ts builds it). Exit codes: 0 ok, 1 failure, 2 bad input
// (usage or config), 130 interrupted.
import { runCli } from './cli/program.js';
import { guardPipes } from './cli/pipes.js';

guardPipes();
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(String(e) + '\n');
    process.exitCode = 1;
  },
);
