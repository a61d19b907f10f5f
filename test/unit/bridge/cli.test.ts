import * as assert from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { DRAIN_CLOSE_REASON } from '../../../src/bridge/server';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { systemClock } from '../../../src/core/util/clock';
import { nullLogger } from '../../../src/core/util/logger';
import { TestClient, waitUntil } from './helpers';

// The compiled CLI next to this compiled test (out/ or .tmp/out-*): no bundle needed.
const MAIN = path.join(__dirname, '..', '..', '..', 'src', 'bridge', 'main.js');

/** This process's environment without a bridge token (the CLI treats a set-but-empty one as a mistake). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('ONCALL_BRIDGE_TOKEN' in extra)) delete env.ONCALL_BRIDGE_TOKEN;
  return env;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^oncall-bridge listening (ws:\/\/\S+)\n/m.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => stderr });
    });
  });
}

describe('bridge CLI (process)', function () {
  this.timeout(30_000);

  it('--help prints usage and exits 0; bad arguments exit 2 with a message', () => {
    const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    assert.strictEqual(help.status, 0);
    assert.match(help.stdout, /^Usage: oncall-bridge/);
    const bad = spawnSync(process.execPath, [MAIN, '--demo', '--port', 'x'], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /--port must be an integer/);
    const open = spawnSync(process.execPath, [MAIN, '--demo', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', env: cleanEnv() });
    assert.strictEqual(open.status, 2);
    assert.match(open.stderr, /no token configured/);
    const empty = spawnSync(process.execPath, [MAIN, '--demo', '--port', '0'], { encoding: 'utf8', env: cleanEnv({ ONCALL_BRIDGE_TOKEN: ' ' }) });
    assert.strictEqual(empty.status, 2);
    assert.match(empty.stderr, /set but empty/);
  });

  it('--demo --port 0 --demo-workspace: prints the URL, serves the demo, writes settings, exits 0 on SIGTERM after closing clients with 1001', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-cli-'));
    const ws = path.join(tmp, 'ws');
    const { child, url, stderr } = await startCli(['--demo', '--port', '0', '--demo-workspace', ws, '--seed', '7', '--demo-interval-ms', '600000']);
    try {
      assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
      const settings = JSON.parse(fs.readFileSync(path.join(ws, '.vscode', 'settings.json'), 'utf8'));
      assert.strictEqual(settings['oncall.serverUrl'], url);
      assert.strictEqual(settings['oncall.identity'], 'you@example.com');
      const c = new TestClient(url);
      const snap = await c.handshake(-1);
      assert.ok(snap.type === 'snapshot' && snap.alerts.some((a) => a.id === 'DEMO-1001'));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.strictEqual(await c.closed, 1001);
      assert.strictEqual(await exited, 0);
      assert.match(stderr(), /SIGTERM/);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('SIGTERM drains (ONCALL_BRIDGE_LOG_FORMAT=json): editors closed with 1001 and a hint, exit 0; a real AlertClient reconnects promptly to the next bridge and resumes', async () => {
    const a = await startCli(['--demo', '--port', '0', '--seed', '7', '--demo-interval-ms', '600000'], { ONCALL_BRIDGE_LOG_FORMAT: 'json' });
    let b: Awaited<ReturnType<typeof startCli>> | undefined;
    const client = new AlertClient({ url: a.url, clock: systemClock, logger: nullLogger, allowInsecure: true, heartbeatMs: 3_600_000 });
    try {
      client.connect();
      await waitUntil('the client to get the snapshot', () => client.lastSeq >= 0, 10_000);
      const raw = new TestClient(a.url);
      await raw.handshake(-1);
      const closed = new Promise<{ code: number; reason: string }>((r) => raw.ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
      const retries: number[] = [];
      const sub = client.onDidChangeState((st) => {
        if (st.state === 'reconnecting' && st.retryAt !== undefined) retries.push(st.retryAt - Date.now());
      });
      const exited = new Promise<number | null>((r) => a.child.once('exit', (code) => r(code)));
      a.child.kill('SIGTERM');
      assert.deepStrictEqual(await closed, { code: 1001, reason: DRAIN_CLOSE_REASON });
      assert.strictEqual(await exited, 0);
      // The first retry is due within the backoff's first ceiling (500 ms): prompt, and spread by jitter.
      await waitUntil('the client to schedule a reconnect', () => retries.length > 0, 5000);
      assert.ok(retries[0]! <= 500, `first retry in ${retries[0]} ms`);
      const lines = a.stderr().trim().split('\n');
      for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `not a JSON line: ${l}`);
      assert.ok(lines.some((l) => /SIGTERM: draining/.test((JSON.parse(l) as { msg: string }).msg)));
      // "Another replica": a new bridge on the same address; the client finds it by itself.
      const port = new URL(a.url).port;
      b = await startCli(['--demo', '--port', port, '--seed', '7', '--demo-interval-ms', '600000']);
      const before = client.lastSeq;
      await waitUntil('the client to reconnect and resume', () => client.state.state === 'connected' && client.lastSeq !== before, 20_000);
      sub.dispose();
    } finally {
      client.dispose();
      a.child.kill('SIGKILL');
      b?.child.kill('SIGKILL');
    }
  });

  it('with a token file, clients must authenticate', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-cli-'));
    const tokenFile = path.join(tmp, 'token');
    fs.writeFileSync(tokenFile, 'cli-token-123-0123456789abcdefghij\n');
    const { child, url, stderr } = await startCli(['--demo', '--port', '0', '--token-file', tokenFile]);
    try {
      await assert.rejects(new TestClient(url).opened, /401/);
      const c = new TestClient(url, { headers: { Authorization: 'Bearer cli-token-123-0123456789abcdefghij' } });
      assert.strictEqual((await c.handshake(-1)).type, 'snapshot');
      c.ws.terminate();
      assert.ok(!stderr().includes('cli-token-123-0123456789abcdefghij'));
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('bridge CLI: the Alertmanager webhook secret (issue 14 §2)', function () {
  this.timeout(30_000);
  const BRIDGE_TOKEN = 'cli-webhook-test-bridge-token-0123456789';
  const FIRING = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'alertmanager', 'webhook-firing.json'));
  const post = (url: string, headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = http.request({ host: u.hostname, port: u.port, path: '/webhooks/alertmanager', method: 'POST', headers: { 'content-length': String(FIRING.length), ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(FIRING);
    });
  // Alertmanager itself is not needed: the bridge serves while it is down (and says so once).
  const amArgs = ['--source', 'alertmanager', '--alertmanager-url', 'http://127.0.0.1:1', '--port', '0'];

  it('generates a 0600 secret in --state-dir on first run, prints the Alertmanager configuration, requires it, and reuses it', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-state-'));
    const stateDir = path.join(tmp, 'state');
    try {
      const first = await startCli([...amArgs, '--state-dir', stateDir], { ONCALL_BRIDGE_TOKEN: BRIDGE_TOKEN });
      const file = path.join(stateDir, 'webhook-secret');
      let secret: string;
      try {
        secret = fs.readFileSync(file, 'utf8').trim();
        assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
        if (process.platform !== 'win32') {
          assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
          assert.strictEqual(fs.statSync(stateDir).mode & 0o777, 0o700);
        }
        assert.match(first.stderr(), /generated a webhook secret/);
        assert.ok(first.stderr().includes(`credentials_file: ${file}`), first.stderr());
        assert.ok(!first.stderr().includes(secret), 'the secret itself is never printed');
        const httpUrl = first.url.replace('ws://', 'http://');
        assert.strictEqual(await post(httpUrl, { 'content-type': 'application/json' }), 401);
        assert.strictEqual(await post(httpUrl, { 'content-type': 'application/json', authorization: `Bearer ${secret}` }), 200);
      } finally {
        first.child.kill('SIGKILL');
      }
      const second = await startCli([...amArgs, '--state-dir', stateDir], { ONCALL_BRIDGE_TOKEN: BRIDGE_TOKEN });
      try {
        assert.strictEqual(fs.readFileSync(file, 'utf8').trim(), secret, 'the same secret on the next run');
        assert.doesNotMatch(second.stderr(), /generated a webhook secret/);
        assert.strictEqual(await post(second.url.replace('ws://', 'http://'), { 'content-type': 'application/json', authorization: `Bearer ${secret}` }), 200);
      } finally {
        second.child.kill('SIGKILL');
      }
      if (process.platform !== 'win32') {
        fs.chmodSync(file, 0o644);
        const open = spawnSync(process.execPath, [MAIN, ...amArgs, '--state-dir', stateDir], { encoding: 'utf8', env: cleanEnv({ ONCALL_BRIDGE_TOKEN: BRIDGE_TOKEN }) });
        assert.strictEqual(open.status, 2);
        assert.match(open.stderr, /readable by other users/);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('--insecure-unauthenticated-webhooks: no secret, loopback only; browsers and non-JSON bodies are still refused', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-state-'));
    try {
      const { child, url, stderr } = await startCli([...amArgs, '--state-dir', tmp, '--insecure-unauthenticated-webhooks'], { ONCALL_BRIDGE_TOKEN: BRIDGE_TOKEN });
      try {
        assert.ok(!fs.existsSync(path.join(tmp, 'webhook-secret')));
        assert.match(stderr(), /insecure-unauthenticated-webhooks/);
        const httpUrl = url.replace('ws://', 'http://');
        assert.strictEqual(await post(httpUrl, { 'content-type': 'text/plain' }), 415);
        assert.strictEqual(await post(httpUrl, { 'content-type': 'application/json', origin: 'https://evil.example' }), 403);
        assert.strictEqual(await post(httpUrl, { 'content-type': 'application/json' }), 200);
      } finally {
        child.kill('SIGKILL');
      }
      const off = spawnSync(process.execPath, [MAIN, ...amArgs, '--host', '0.0.0.0', '--insecure-unauthenticated-webhooks'], { encoding: 'utf8', env: cleanEnv({ ONCALL_BRIDGE_TOKEN: BRIDGE_TOKEN }) });
      assert.strictEqual(off.status, 2);
      assert.match(off.stderr, /would accept alerts from anyone/);
      const short = path.join(tmp, 'short');
      fs.writeFileSync(short, 'hook\n');
      const weak = spawnSync(process.execPath, [MAIN, ...amArgs, '--webhook-token-file', short], { encoding: 'utf8', env: cleanEnv({ ONCALL_BRIDGE_TOKEN: BRIDGE_TOKEN }) });
      assert.strictEqual(weak.status, 2);
      assert.match(weak.stderr, /webhook secret in .* is 4 byte\(s\) long; at least 32/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
