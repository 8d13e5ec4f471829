// loradyn worker: computes sweep runs from a queue until stopped (Ctrl-C / SIGTERM put the runs it
// is computing back in the queue). Every job is checked against this worker's limits first.
import { InvalidArgumentError } from 'commander';
import { choiceOption, intArg } from './args.js';
import { action, examples, type CliCommand } from './command.js';
import { progressOptions } from './renderer.js';
import { DEFAULT_MAX_SECONDS, DEFAULT_MAX_WORK } from '../queue/defaults.js';

const BACKENDS = ['cpu', 'cuda', 'auto'] as const;

interface WorkerOptions {
  queue?: string;
  queueName?: string;
  threads?: number;
  backend?: (typeof BACKENDS)[number];
  lockMs?: number;
  maxWork?: number;
  maxSeconds?: number;
  maxMemory?: number;
  quiet?: boolean;
  events?: string;
}

/** A commander value parser for a number >= min; 1e13 and 1_000 are fine. */
function atLeast(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v.replace(/_/g, ''));
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new InvalidArgumentError(`--${name} must be a number >= ${min} (got "${v}")`);
    return n;
  };
}

/** A size in bytes: 4G, 512M, 1.5GiB, 100000 (binary units); throws InvalidArgumentError. */
export function sizeArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(v.trim());
  if (!m || Number(m[1]) <= 0) throw new InvalidArgumentError(`--max-memory must be a size such as 4G, 512M or a number of bytes (got "${v}")`);
  return Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
}

const sci = (x: number) => (x >= 1e6 ? x.toExponential(1).replace('e+', 'e') : String(x));

async function runWorker(o: WorkerOptions): Promise<number> {
  const [{ QueueError, displayUrl }, { resolveQueue }] = await Promise.all([import('../queue/target.js'), import('./queue_option.js')]);
  const target = resolveQueue(o.queue, o.queueName, 'worker');
  const log = (line: string) => {
    if (!o.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  // Log lines go to stdout (as before); the renderer counts finished runs on stderr and in --events.
  const { ProgressRenderer } = await import('./renderer.js');
  const bar = new ProgressRenderer({ quiet: o.quiet, events: o.events });
  // BullMQ and ioredis are loaded only by the commands that use them.
  const { startWorker } = await (await import('./sweep_queue.js')).importQueue(() => import('../queue/worker.js'));
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker(target, {
      threads: o.threads,
      backend: o.backend,
      lockMs: o.lockMs,
      log,
      maxWork: o.maxWork,
      maxSeconds: o.maxSeconds === 0 ? Infinity : o.maxSeconds,
      maxBytes: o.maxMemory,
      onJob: (e) => bar.run({ id: e.id, ok: e.ok, error: e.error }),
    });
  } catch (e) {
    if (e instanceof QueueError) {
      process.stderr.write(`loradyn worker: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const l = worker.limits;
  log(
    `worker ${worker.name} ready on queue "${target.name}" at ${displayUrl(target.url)}; refuses jobs over ${sci(l.maxWork)} work or ${(l.maxBytes / 2 ** 30).toFixed(1)} GiB, stops them after ${Number.isFinite(l.maxSeconds) ? `${l.maxSeconds} s` : 'no time limit'}`,
  );
  bar.start(`worker ${worker.name}`, null);
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
  bar.finish();
  log('stopped');
  return 0;
}

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'compute runs of sweeps queued with `loradyn sweep --queue` (BullMQ on Redis), until stopped',
  configure(cmd) {
    cmd
      .option('--queue <url>', 'the queue: redis[s]://[:PASSWORD@]HOST:PORT (default: $LORADYN_REDIS_URL, which keeps a password off the command line)')
      .option('--queue-name <name>', 'queue name (as given to `loradyn sweep --queue-name`)', 'runs')
      .option('--threads <n>', 'runs computed at once, one native thread each (default: all cores)', intArg('threads'))
      .addOption(choiceOption('--backend <backend>', 'override the backend of each run (only runs on the same backend are bit-for-bit equal)', BACKENDS))
      .option('--lock-ms <ms>', "job lock time: a dead worker's runs go to another worker after about this long", intArg('lock-ms', 200), 30000)
      .option(
        '--max-work <n>',
        `refuse a job whose work (steps x batch x d x seeds for engine full) is above N (default ${sci(DEFAULT_MAX_WORK)})`,
        atLeast('max-work', 1),
      )
      .option('--max-seconds <s>', `stop a job still running after S seconds; 0: no limit (default ${DEFAULT_MAX_SECONDS})`, atLeast('max-seconds', 0))
      .option(
        '--max-memory <size>',
        "refuse a job whose memory estimate is above SIZE: 4G, 512M, bytes (default: loradyn's memory limit divided by --threads)",
        sizeArg,
      );
    progressOptions(cmd);
    examples(cmd, [
      [
        "LORADYN_REDIS_URL='rediss://:PASSWORD@HOST:6380' loradyn worker",
        'on each machine that computes: TLS and a password, off the command line (docs/queue.md)',
      ],
      ['loradyn worker --queue redis://HOST:6379 --threads 8 --backend cpu', 'eight runs at once, on the CPU'],
      ['loradyn worker --max-work 1e12 --max-seconds 3600 --max-memory 4G', 'refuse big jobs, stop long ones'],
    ]);
    cmd.action(action((o: WorkerOptions) => runWorker(o)));
  },
};
