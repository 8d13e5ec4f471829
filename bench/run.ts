// `npm run bench`: every benchmark suite in turn; each prints its table and writes
// bench/results/<suite>.json. Pass suite names to run only those.
import { benchFullSgd } from './full_sgd.js';
import { benchReduced } from './reduced.js';
import { benchCpuSpeed } from './cpu_speed.js';
import { writeResults } from './harness.js';
import { benchTheory } from './theory.js';
import { benchVit } from './vit.js';
import { benchEscapeLaw } from './escape_law.js';

type Suite = () => Promise<unknown>;
const suites: Record<string, Suite> = {
  full_sgd: () => benchFullSgd(),
  theory: () => benchTheory(),
  reduced: () => benchReduced(),
  cpu_speed: () => benchCpuSpeed(),
  vit: () => benchVit(),
  escape_law: () => benchEscapeLaw(),
};

const wanted = process.argv.slice(2);
for (const name of wanted) if (!suites[name]) throw new Error(`unknown suite ${name}; known: ${Object.keys(suites).join(', ')}`);
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const data = await run();
  process.stdout.write(`wrote ${writeResults(name, data)}\n`);
}
