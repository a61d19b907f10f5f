/**
 * The real servers of the cluster suite: Debian's redis-server and nginx (installed by scripts/setup-redis.sh and
 * scripts/setup-nginx.sh), and bridge replicas as child processes of dist/bridge.js (so that one can be killed).
 * Each runs on a free loopback port with its own config and directory; nothing of the packages' services is used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { repoRoot } from '../testUtil/paths';
import { ensureInstalled, freePort } from '../testUtil/realServers';

export { ensureInstalled, freePort };

export const REDIS_BIN = '/usr/bin/redis-server';
export const NGINX_BIN = '/usr/sbin/nginx';



async function waitPort(port: number, what: string, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not listening on ${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

/** redis-server without persistence: a restart loses everything (the harder case: the stream is lost). */
export class RedisProcess {
  private _child: ChildProcess | undefined;
  private _log = '';

  constructor(
    readonly port: number,
    private readonly _dir: string,
  ) {
    fs.mkdirSync(_dir, { recursive: true });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(REDIS_BIN, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this._dir, '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this._child = child;
    const take = (d: Buffer) => {
      this._log = (this._log + d.toString()).slice(-10_000);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    await waitPort(this.port, 'redis-server', child, () => this._log);
  }

  async stop(): Promise<void> {
    await stopChild(this._child, 'SIGTERM');
    this._child = undefined;
  }
}

/** nginx with deploy/nginx/oncall-bridge.conf (the shipped file, only its placeholders replaced). */
export class NginxProcess {
  private _child: ChildProcess | undefined;
  private _log = '';

  constructor(
    readonly port: number,
    private readonly _dir: string,
    replicas: readonly number[],
  ) {
    fs.mkdirSync(path.join(_dir, 'logs'), { recursive: true });
    let site = fs.readFileSync(path.join(repoRoot, 'deploy', 'nginx', 'oncall-bridge.conf'), 'utf8').replaceAll('@LISTEN@', `127.0.0.1:${port}`);
    replicas.forEach((p, i) => {
      site = site.replaceAll(`@REPLICA_${i + 1}@`, `127.0.0.1:${p}`);
    });
    if (/@[A-Z_0-9]+@/.test(site)) throw new Error('deploy/nginx/oncall-bridge.conf has a placeholder the test does not fill');
    fs.writeFileSync(path.join(_dir, 'oncall-bridge.conf'), site);
    const tmp = (n: string) => path.join(_dir, n);
    fs.writeFileSync(
      path.join(_dir, 'nginx.conf'),
      [
        'worker_processes 1;',
        `pid ${tmp('nginx.pid')};`,
        `error_log ${tmp('logs/error.log')} info;`,
        'events { worker_connections 1024; }',
        'http {',
        `  access_log ${tmp('logs/access.log')};`,
        `  client_body_temp_path ${tmp('client_body')};`,
        `  proxy_temp_path ${tmp('proxy')};`,
        `  fastcgi_temp_path ${tmp('fastcgi')};`,
        `  uwsgi_temp_path ${tmp('uwsgi')};`,
        `  scgi_temp_path ${tmp('scgi')};`,
        `  include ${tmp('oncall-bridge.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NGINX_BIN, ['-p', this._dir, '-c', path.join(this._dir, 'nginx.conf'), '-e', path.join(this._dir, 'logs/error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this._child = child;
    const take = (d: Buffer) => {
      this._log = (this._log + d.toString()).slice(-10_000);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    await waitPort(this.port, 'nginx', child, () => this._log + fs.readFileSync(path.join(this._dir, 'logs/error.log'), 'utf8').slice(-3000));
  }

  async stop(): Promise<void> {
    await stopChild(this._child, 'SIGQUIT');
    this._child = undefined;
  }
}

/** One replica: `node dist/bridge.js --source pagerduty --redis …` on a fixed port (nginx's upstream names it). */
export class BridgeReplica {
  private _child: ChildProcess | undefined;
  log = '';
  starts = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly _args: () => string[],
    private readonly _env: (starts: number) => NodeJS.ProcessEnv,
  ) {}

  get pid(): number | undefined {
    return this._child?.pid;
  }

  get running(): boolean {
    return this._child !== undefined && this._child.exitCode === null && this._child.signalCode === null;
  }

  /** The token this start polls the vendor with (one per start: the request log tells who polled). */
  get token(): string {
    return `pd-token-${this.name}-${this.starts}`;
  }

  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'bridge.js'), '--port', String(this.port), ...this._args()], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this._env(this.starts), PAGERDUTY_TOKEN: this.token },
    });
    this._child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-200_000);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`replica ${this.name} did not start within 20 s:\n${this.log.slice(-3000)}`)), 20_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (/oncall-bridge listening/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`replica ${this.name} exited with ${code}:\n${this.log.slice(-3000)}`));
      });
    });
  }

  /** SIGKILL: the replica dies without closing anything (no lease release, no 1001). */
  kill(): Promise<void> {
    const c = this._child;
    this._child = undefined;
    return stopChild(c, 'SIGKILL');
  }

  stop(): Promise<void> {
    const c = this._child;
    this._child = undefined;
    return stopChild(c, 'SIGTERM');
  }
}
