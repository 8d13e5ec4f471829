import { readJsonFile } from './io.js';
import { intOption, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { progressBar } from './progress.js';
import { expandSweep } from '../experiments/sweep.js';
import { ResultStore, StoreError } from '../experiments/store.js';
import { runSweep } from '../experiments/runner.js';
import { LocalExecutor } from '../experiments/executor.js';
import { queueExecutor } from './sweep_queue.js';
import { resolveQueue, takeQueueOption } from './queue_option.js';
import { storeWarning } from './store_warning.js';

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'run a sweep file (base config x axes x seeds) into a resumable result store',
  usage: 'loradyn sweep SWEEP.json --out DIR [--jobs N] [--quiet] [--queue [redis[s]://[:PASSWORD@]HOST:PORT] [--queue-name NAME]]\n(a bare --queue takes the URL from LORADYN_REDIS_URL)',
  async run(argv) {
    const { rest, queue } = takeQueueOption(argv);
    const a = parseArgs(rest, { values: ['out', 'jobs', 'queue-name'], booleans: ['quiet'] });
    if (a.positional.length !== 1) throw new UsageError('expected exactly one SWEEP.json');
    if (!a.values.out) throw new UsageError('--out DIR is required');
    const target = queue.given ? resolveQueue(queue, a.values['queue-name'], 'sweep') : undefined;
    const sweep = expandSweep(readJsonFile(a.positional[0]!));
    let store: ResultStore;
    try {
      store = ResultStore.open(a.values.out, true, { onWarning: storeWarning });
    } catch (e) {
      if (e instanceof StoreError) throw new UsageError(e.message);
      throw e;
    }
    const quiet = a.flags.has('quiet');
    const bar = progressBar('sweep', !quiet && Boolean(process.stderr.isTTY));
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    try {
      const rep = await runSweep(sweep, store, { executor: target ? queueExecutor(target, quiet) : new LocalExecutor(intOption(a.values.jobs, 'jobs')), signal: ac.signal, onProgress: (p) => bar.update(p) });
      bar.done();
      process.stdout.write(`${sweep.name}: ${sweep.points.length} point(s), ${rep.total} run(s): ${rep.cached} already stored, ${rep.computed} computed, ${rep.failed.length} failed${rep.byPeers ? `, ${rep.byPeers} computed by another process` : ''}${rep.quarantined ? `, ${rep.quarantined} bad file(s) quarantined` : ''}, ${(rep.wallMs / 1000).toFixed(1)} s; results in ${store.dir}\n`);
      for (const f of rep.failed.slice(0, 20)) process.stderr.write(`failed: seed ${f.seed} at ${JSON.stringify(f.coords)}: ${f.error}\n`);
      return rep.failed.length ? 1 : 0;
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
  },
};
