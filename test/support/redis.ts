// Starts a throw-away redis-server on a free loopback port (its own temporary dir, append-only file
// fsynced on every write, so a restart keeps every acknowledged write) and stops it again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why the queue tests cannot run here, or null when redis-server is on the PATH. */
export function redisMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'redis-server is not installed (CI installs it with .ci/install-redis.sh)' : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections and answers PING on the port. */
async function waitForPing(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.setTimeout(500);
      c.on('connect', () => c.write('PING\r\n'));
      c.on('data', (d) => (c.destroy(), resolve(d.toString().startsWith('+PONG'))));
      c.on('error', () => resolve(false));
      c.on('timeout', () => (c.destroy(), resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  /** Kills the server (SIGKILL by default: a crash) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and dir (after kill). */
  restart(): Promise<void>;
  /** Kills it if running and removes its dir. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-redis-'));
  let child: ChildProcess | null = null;
  const launch = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    child = c;
    try {
      await waitForPing(port, 10_000, c);
    } catch (e) {
      c.kill('SIGKILL');
      throw e;
    }
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await gone;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
