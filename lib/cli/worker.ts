// loradyn worker: computes sweep runs from a queue until stopped (Ctrl-C / SIGTERM put the runs it
// is computing back in the queue).
import { choiceOption, intArg, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';

const BACKENDS = ['cpu', 'cuda', 'auto'] as const;

interface WorkerOptions {
  queue: string;
  queueName?: string;
  threads?: number;
  backend?: (typeof BACKENDS)[number];
  lockMs?: number;
  quiet?: boolean;
}

async function runWorker(o: WorkerOptions): Promise<number> {
  const { queueTarget, QueueError, displayUrl } = await import('../queue/target.js');
  let target;
  try {
    target = queueTarget(o.queue, o.queueName);
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
  const log = (line: string) => {
    if (!o.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  // BullMQ and ioredis are loaded only by the commands that use them.
  const { startWorker } = await import('../queue/worker.js');
  let worker;
  try {
    worker = await startWorker(target, { threads: o.threads, backend: o.backend, lockMs: o.lockMs, log });
  } catch (e) {
    if (e instanceof QueueError) {
      process.stderr.write(`loradyn worker: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  log(`worker ${worker.name} ready on queue "${target.name}" at ${displayUrl(target.url)}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log(`stopping: unfinished runs go back to the queue`);
      worker.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log('stopped');
  return 0;
}

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'compute runs of sweeps queued with `loradyn sweep --queue` (BullMQ on Redis), until stopped',
  configure(cmd) {
    cmd
      .requiredOption('--queue <url>', 'the queue: redis://HOST:PORT')
      .option('--queue-name <name>', 'queue name (as given to `loradyn sweep --queue-name`)', 'runs')
      .option('--threads <n>', 'runs computed at once, one native thread each (default: all cores)', intArg('threads'))
      .addOption(choiceOption('--backend <backend>', 'override the backend of each run (only runs on the same backend are bit-for-bit equal)', BACKENDS))
      .option('--lock-ms <ms>', "job lock time: a dead worker's runs go to another worker after about this long", intArg('lock-ms', 200), 30000)
      .option('--quiet', 'no log lines');
    examples(cmd, [
      ['loradyn worker --queue redis://HOST:6379', 'on each machine that computes'],
      ['loradyn worker --queue redis://HOST:6379 --threads 8 --backend cpu', 'eight runs at once, on the CPU'],
    ]);
    cmd.action(action((o: WorkerOptions) => runWorker(o)));
  },
};
