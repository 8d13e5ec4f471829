// `loradyn sweep SWEEP.json --out DIR`: a base config x axes x seeds into a resumable result store,
// on this machine's cores or on a queue of workers.
import { intArg, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';
import { progressOptions } from './renderer.js';

interface SweepOptions {
  out: string;
  jobs?: number;
  quiet?: boolean;
  json?: boolean;
  /** A URL, or true for a bare --queue (the URL then comes from LORADYN_REDIS_URL). */
  queue?: string | true;
  queueName?: string;
  events?: string;
}

async function runSweepCommand(file: string, o: SweepOptions): Promise<number> {
  const [{ readJsonFile }, { ProgressRenderer }, { expandSweep }, { ResultStore, StoreError }, { runSweep }, { LocalExecutor }, { storeWarning }] =
    await Promise.all([
      import('./io.js'),
      import('./renderer.js'),
      import('../experiments/sweep.js'),
      import('../experiments/store.js'),
      import('../experiments/runner.js'),
      import('../experiments/executor.js'),
      import('./store_warning.js'),
    ]);
  // A bare --queue takes the URL from LORADYN_REDIS_URL.
  const target =
    o.queue === undefined
      ? undefined
      : (await import('./queue_option.js')).resolveQueue(typeof o.queue === 'string' ? o.queue : undefined, o.queueName, 'sweep');
  const sweep = expandSweep(readJsonFile(file));
  let store: import('../experiments/store.js').ResultStore;
  try {
    store = ResultStore.open(o.out, true, { onWarning: storeWarning });
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
  const quiet = Boolean(o.quiet);
  const bar = new ProgressRenderer({ quiet, events: o.events });
  bar.start(sweep.name, null);
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const executor = target ? (await import('./sweep_queue.js')).queueExecutor(target, quiet) : new LocalExecutor(o.jobs);
    const rep = await runSweep(sweep, store, {
      executor,
      signal: ac.signal,
      onProgress: (p) => bar.update({ done: p.runsDone, total: p.runsTotal, fraction: p.fraction }),
      onRun: (r) => bar.run({ id: r.spec.hash, seed: r.spec.seed, coords: r.spec.coords, ok: r.ok, error: r.error, wallMs: Math.round(r.wallMs) }),
    });
    bar.finish({ cached: rep.cached, computed: rep.computed, failed: rep.failed.length });
    if (o.json) process.stdout.write(JSON.stringify({ name: sweep.name, points: sweep.points.length, store: store.dir, ...rep }) + '\n');
    else
      process.stdout.write(
        `${sweep.name}: ${sweep.points.length} point(s), ${rep.total} run(s): ${rep.cached} already stored, ${rep.computed} computed, ${rep.failed.length} failed${rep.byPeers ? `, ${rep.byPeers} computed by another process` : ''}${rep.quarantined ? `, ${rep.quarantined} bad file(s) quarantined` : ''}, ${(rep.wallMs / 1000).toFixed(1)} s; results in ${store.dir}\n`,
      );
    for (const f of rep.failed.slice(0, 20)) process.stderr.write(`failed: seed ${f.seed} at ${JSON.stringify(f.coords)}: ${f.error}\n`);
    return rep.failed.length ? 1 : 0;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  summary: 'run a sweep file (base config x axes x seeds) into a resumable result store',
  configure(cmd) {
    cmd
      .argument('<sweep>', 'sweep file (JSON): { "base": CONFIG, "axes": { "dotted.path": [values] }, "seeds": [..] | { count, base } }')
      .requiredOption('--out <dir>', 'result store directory (created if needed; runs already there are not recomputed)')
      .option('--jobs <n>', 'runs computed at once on this machine (default: all cores)', intArg('jobs'))
      .option(
        '--queue [url]',
        'run on a BullMQ queue instead (start `loradyn worker` on the machines): redis[s]://[:PASSWORD@]HOST:PORT, or bare to take it from $LORADYN_REDIS_URL (keeps a password off the command line)',
      )
      .option('--queue-name <name>', 'queue name, to keep unrelated sweeps apart on one Redis', 'runs')
      .option('--json', 'print the sweep report as JSON');
    progressOptions(cmd);
    examples(cmd, [
      ['loradyn sweep examples/sweep-mu.json --out runs/', 'every point and seed on all cores'],
      ['loradyn sweep examples/sweep-mu.json --out runs/ --jobs 1', 'one run at a time'],
      ['nohup loradyn sweep SWEEP.json --out DIR --events runs.jsonl > sweep.log &', 'a progress line every 10 s in the log, one event per run'],
      ['loradyn sweep SWEEP.json --out DIR --queue redis://HOST:6379', 'on the workers of a queue'],
      ["LORADYN_REDIS_URL='rediss://:PASSWORD@HOST:6380' loradyn sweep SWEEP.json --out DIR --queue", 'the same over TLS, with a password (docs/queue.md)'],
    ]);
    cmd.action(action((file: string, o: SweepOptions) => runSweepCommand(file, o)));
  },
};
