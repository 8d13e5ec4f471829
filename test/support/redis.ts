// Starts a throw-away redis-server on a free loopback port (its own temporary dir, append-only file
// fsynced on every write, so a restart keeps every acknowledged write) and stops it again; with a
// password, or serving TLS only with a throw-away certificate.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
      // A server with a password answers -NOAUTH: up all the same.
      c.on('data', (d) => {
        c.destroy();
        resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      });
      c.on('error', () => resolve(false));
      c.on('timeout', () => {
        c.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

/** Resolves once something accepts TCP connections on the port. */
async function waitForListen(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
}

/** Whether this redis-server can serve TLS, and openssl is there to make certificates; null when both are. */
export function tlsMissing(): string | null {
  const o = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (o.error || o.status !== 0) return 'openssl is not installed';
  // With TLS built in, this exits complaining about the missing CA; without, about the tls-port directive.
  const r = spawnSync('redis-server', ['--port', '0', '--tls-port', '1', '--tls-cert-file', '/nonexistent', '--tls-key-file', '/nonexistent'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return /TLS|tls-ca-cert/.test(`${r.stdout}${r.stderr}`) && !/Bad directive/i.test(`${r.stdout}${r.stderr}`) ? null : 'redis-server was built without TLS';
}

/** A throw-away CA and a certificate for localhost and 127.0.0.1 signed by it, in `dir`. */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=loradyn test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  run([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ]);
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
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

export interface RedisOptions {
  /** requirepass: clients must authenticate. */
  password?: string;
  /** Serve TLS only (no plain port), with this certificate and key (PEM files). */
  tls?: { cert: string; key: string; ca: string };
}

export async function startRedis(o: RedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-redis-'));
  let child: ChildProcess | null = null;
  const listen = o.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        o.tls.cert,
        '--tls-key-file',
        o.tls.key,
        '--tls-ca-cert-file',
        o.tls.ca,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const auth = o.password ? ['--requirepass', o.password] : [];
  const launch = async () => {
    const c = spawn(
      'redis-server',
      [
        ...listen,
        ...auth,
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    child = c;
    try {
      // A TLS port answers no plain PING: wait for it to accept connections instead.
      if (o.tls) await waitForListen(port, 10_000, c);
      else await waitForPing(port, 10_000, c);
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
  const cred = o.password ? `:${encodeURIComponent(o.password)}@` : '';
  return {
    port,
    url: `${o.tls ? 'rediss' : 'redis'}://${cred}${o.tls ? 'localhost' : '127.0.0.1'}:${port}`,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
