// One case of the fuzz test (test/fuzz.test.ts), in its own process: reads a config (JSON) on
// stdin, runs it, and prints what happened as one JSON line: { outcome: "ran" | "config-error"
// | "aborted", ... }. A run still going after 3 s is aborted (the abort must be honoured: the
// parent's time limit catches one that is not). Anything else (an uncaught native error, a
// crash) is a failure the parent sees in the exit status.
import { readFileSync } from 'node:fs';
// Only what a run needs (lib/index.js would load the plotting stack too: slower to start).
import { simulate } from '../../lib/simulate.js';
import { ConfigError, AbortError } from '../../lib/errors.js';

const config = JSON.parse(readFileSync(0, 'utf8'));
const ac = new AbortController();
const timer = setTimeout(() => ac.abort(), 3000);
try {
  const r = await simulate(config, { threads: 2, signal: ac.signal });
  const diverged = r.runs.filter((x) => x.divergedStep !== null).length;
  for (const run of r.runs)
    if (run.divergedStep === null && !Array.from(run.popLoss).every((L) => !Number.isNaN(L)))
      throw new Error(`seed ${run.seed}: NaN loss without divergedStep`);
  process.stdout.write(JSON.stringify({ outcome: 'ran', runs: r.runs.length, diverged }) + '\n');
} catch (e) {
  if (e instanceof ConfigError) process.stdout.write(JSON.stringify({ outcome: 'config-error', issues: e.issues }) + '\n');
  else if (e instanceof AbortError) process.stdout.write(JSON.stringify({ outcome: 'aborted' }) + '\n');
  else {
    process.stderr.write(`${(e as Error).name}: ${(e as Error).message}\n`);
    process.exitCode = 3;
  }
} finally {
  clearTimeout(timer);
}
