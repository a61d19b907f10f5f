import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuthFailureLimiter, addressKey } from '../../../src/bridge/rateLimit';
import { BridgeConfigError, BridgeServer } from '../../../src/bridge/server';
import { AlertmanagerSource } from '../../../src/bridge/sources/alertmanager/alertmanagerSource';
import { DemoSource } from '../../../src/bridge/sources/demo/demoSource';
import { builtinDemoCommits } from '../../../src/bridge/sources/demo/workspace';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { startTestBridge, TestClient, waitUntil, type TestBridge } from '../bridge/helpers';
import { fixture } from '../../testUtil/paths';

// Issue 14 §4 (idle connections exhaust file descriptors) and §5 (token brute force).

const MAIN = path.join(__dirname, '..', '..', '..', 'src', 'bridge', 'main.js');
const TOKEN = 'bridge-limits-test-token-0123456789abcdef';

interface RawSocket {
  socket: net.Socket;
  closed: boolean;
  closedAt: number;
}

/** A TCP connection that sends nothing (unless told to); records when the bridge closes it. */
function rawSocket(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const r: RawSocket = { socket, closed: false, closedAt: 0 };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      r.closed = true;
      r.closedAt = Date.now();
    });
    socket.once('connect', () => resolve(r));
    socket.once('error', reject);
  });
}

function get(port: number, p: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
  });
}

describe('bridge: idle connections (issue 14 §4)', function () {
  this.timeout(60_000);
  let b: TestBridge | undefined;
  const sockets: RawSocket[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.socket.destroy();
    for (const c of clients.splice(0)) c.ws.terminate();
    await b?.server.close();
    b = undefined;
  });

  it('a connection that never sends a byte, or never finishes its request head, is closed at the first-request bound', async () => {
    b = await startTestBridge({ firstRequestTimeoutMs: 300 });
    const port = b.server.address().port;
    const started = Date.now();
    for (let i = 0; i < 5; i++) sockets.push(await rawSocket(port));
    // Slow-loris: a request head that trickles in, one header byte every 50 ms, never ending.
    const loris = await rawSocket(port);
    sockets.push(loris);
    loris.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-');
    const drip = setInterval(() => loris.socket.writable && loris.socket.write('a'), 50);
    try {
      await waitUntil('every idle socket closed by the bridge', () => sockets.every((s) => s.closed), 10_000);
    } finally {
      clearInterval(drip);
    }
    for (const s of sockets) assert.ok(s.closedAt - started >= 250, `closed after ${s.closedAt - started} ms: not before the bound`);
    // An upgrade that completes in time is not affected.
    const c = new TestClient(b.url);
    clients.push(c);
    assert.equal((await c.handshake(-1)).type, 'snapshot');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(c.closeCode, undefined, 'the accepted client outlives the first-request bound');
  });

  it('many idle sockets from one address: the oldest make room, so /healthz and an editor still get through', async () => {
    b = await startTestBridge({ token: TOKEN, firstRequestTimeoutMs: 120_000 });
    const port = b.server.address().port;
    for (let i = 0; i < 200; i++) sockets.push(await rawSocket(port));
    await waitUntil('the bridge to close the idle sockets beyond its per-address limit', () => sockets.filter((s) => s.closed).length >= 200 - 32, 10_000);
    assert.ok(sockets.filter((s) => !s.closed).length <= 32, 'at most 32 idle sockets from one address stay open');
    assert.equal(await get(port, '/healthz'), 200);
    const editor = new TestClient(b.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    clients.push(editor);
    assert.equal((await editor.handshake(-1)).type, 'snapshot');
    // Connected clients do not count against the address: more idle sockets do not close the editor.
    for (let i = 0; i < 50; i++) sockets.push(await rawSocket(port));
    assert.equal(await get(port, '/healthz'), 200);
    assert.equal(editor.closeCode, undefined);
  });

  it('a bridge limited to 160 file descriptors serves /healthz and editors while 300 idle sockets hammer it', async function () {
    if (process.platform === 'win32' || spawnSync('sh', ['-c', 'ulimit -n 160']).status !== 0) this.skip(); // needs a POSIX shell with ulimit
    const child = spawn('sh', ['-c', `ulimit -n 160 && exec "${process.execPath}" "${MAIN}" --demo --port 0 --demo-interval-ms 600000`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.once('exit', (code) => reject(new Error(`bridge exited ${code}: ${stderr}`)));
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /oncall-bridge listening (ws:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
      });
      const port = Number(new URL(url).port);
      for (let i = 0; i < 300; i++) sockets.push(await rawSocket(port));
      assert.equal(await get(port, '/healthz'), 200);
      const editor = new TestClient(url);
      clients.push(editor);
      assert.equal((await editor.handshake(-1)).type, 'snapshot');
      assert.equal(child.exitCode, null, `the bridge is still running: ${stderr}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('bridge: tokens and brute force (issue 14 §5)', function () {
  this.timeout(30_000);
  let b: TestBridge | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await b?.server.close();
    b = undefined;
  });
  const dial = (url: string, token?: string) => {
    const c = new TestClient(url, token === undefined ? undefined : { headers: { Authorization: `Bearer ${token}` } });
    clients.push(c);
    return c;
  };

  it('refuses to start with a token shorter than 32 bytes, naming the way to make one', async () => {
    for (const token of ['x', 'a'.repeat(31), 'é'.repeat(15)]) {
      const s = new BridgeServer({ source: new DemoSource({ commits: builtinDemoCommits(), seed: 1 }), port: 0, token, logger: new MemoryLogger() });
      await assert.rejects(s.start(), (e: unknown) => e instanceof BridgeConfigError && /at least 32/.test(e.message) && /--generate-token/.test(e.message));
      await s.close();
    }
    const ok = new BridgeServer({ source: new DemoSource({ commits: builtinDemoCommits(), seed: 1 }), port: 0, token: 'a'.repeat(32), logger: new MemoryLogger() });
    await ok.start();
    await ok.close();
  });

  it('the CLI exits 2 for a short token; --generate-token FILE writes a 0600 token the bridge accepts and never overwrites one', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-token-'));
    try {
      const env = { ...process.env, ONCALL_BRIDGE_TOKEN: 'short-token' };
      const short = spawnSync(process.execPath, [MAIN, '--demo', '--port', '0'], { encoding: 'utf8', env });
      assert.equal(short.status, 2);
      assert.match(short.stderr, /11 byte\(s\) long; at least 32 are required.*--generate-token/);

      const file = path.join(tmp, 'sub', 'token');
      const gen = spawnSync(process.execPath, [MAIN, '--generate-token', file], { encoding: 'utf8' });
      assert.equal(gen.status, 0, gen.stderr);
      assert.match(gen.stderr, /--token-file/);
      const token = fs.readFileSync(file, 'utf8').trim();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!gen.stderr.includes(token) && !gen.stdout.includes(token), 'the token is not printed when written to a file');
      if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const again = spawnSync(process.execPath, [MAIN, '--generate-token', file], { encoding: 'utf8' });
      assert.equal(again.status, 2);
      assert.match(again.stderr, /already exists/);
      assert.equal(fs.readFileSync(file, 'utf8').trim(), token, 'the existing token is untouched');
      const printed = spawnSync(process.execPath, [MAIN, '--generate-token'], { encoding: 'utf8' });
      assert.equal(printed.status, 0);
      assert.match(printed.stdout, /^[A-Za-z0-9_-]{43}\n$/);
      assert.notEqual(printed.stdout.trim(), token);

      b = await startTestBridge({ token });
      assert.equal((await dial(b.url, token).handshake(-1)).type, 'snapshot');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('after 10 failed attempts an address waits (429, even with the right token), 1 s then doubling; the log gets one line, then one summary a minute', async () => {
    b = await startTestBridge({ token: TOKEN });
    for (let i = 0; i < 10; i++) await assert.rejects(dial(b.url, `wrong-${i}`).opened, /HTTP 401/);
    await assert.rejects(dial(b.url, 'wrong-10').opened, /HTTP 401/); // the 11th: answered, and the waiting starts
    await assert.rejects(dial(b.url, TOKEN).opened, /HTTP 429/);
    await assert.rejects(dial(b.url, 'wrong-11').opened, /HTTP 429/);
    // HTTP routes that need the token share the back-off; /healthz does not need it and still answers.
    const port = b.server.address().port;
    b.server.addRoute({ method: 'GET', path: '/private', handle: () => Promise.resolve({ status: 200 }) });
    assert.equal(await get(port, '/private', { authorization: `Bearer ${TOKEN}` }), 429);
    assert.equal(await get(port, '/healthz'), 200);
    b.clock.advance(1000);
    assert.equal((await dial(b.url, TOKEN).handshake(-1)).type, 'snapshot');
    await assert.rejects(dial(b.url, 'wrong-12').opened, /HTTP 401/); // the 12th failure: now 2 s
    b.clock.advance(1000);
    await assert.rejects(dial(b.url, TOKEN).opened, /HTTP 429/);
    b.clock.advance(1000);
    assert.equal((await dial(b.url, TOKEN).handshake(-1)).type, 'snapshot');

    const authLines = () => b!.logger.lines.filter((l) => /unauthorized|failed token/.test(l.message));
    assert.equal(authLines().length, 1, authLines().map((l) => l.message).join('\n'));
    assert.match(authLines()[0]!.message, /refused an unauthorized connection \(wrong token\) from 127\.0\.0\.1/);
    assert.ok(!b.logger.lines.some((l) => l.message.includes(TOKEN)), 'the token is never logged');
    b.clock.advance(60_000);
    const lines = authLines();
    assert.equal(lines.length, 2);
    assert.match(lines[1]!.message, /last 60 s: 11 failed token check\(s\), 4 attempt\(s\) refused with 429 while backing off; from 1 address\(es\): 127\.0\.0\.1 ×15/);
    b.clock.advance(60_000);
    assert.equal(authLines().length, 2, 'a quiet minute adds no line');
  });

  it('a webhook sender with a wrong secret backs off on its own route only: editors from the same address still connect', async () => {
    const secret = 'webhook-limits-test-secret-0123456789abcdef';
    const source = new AlertmanagerSource({ url: 'http://127.0.0.1:1/', webhookToken: secret, reconcileIntervalMs: 3_600_000, requestTimeoutMs: 200, maxBackoffMs: 3_600_000 });
    const server = new BridgeServer({ source, port: 0, token: TOKEN, logger: new MemoryLogger(), heartbeatMs: 86_400_000 });
    await server.start();
    try {
      const port = server.address().port;
      const post = (auth: string) =>
        new Promise<number>((resolve, reject) => {
          const body = fs.readFileSync(fixture('alertmanager', 'webhook-firing.json'));
          const req = http.request({ host: '127.0.0.1', port, path: '/webhooks/alertmanager', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization: `Bearer ${auth}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(body);
        });
      for (let i = 0; i < 11; i++) assert.equal(await post(`wrong-${i}`), 401);
      assert.equal(await post(secret), 429, 'the webhook waits after 11 wrong secrets');
      assert.equal(server.world.alertCount, 0);
      const editor = dial(server.url, TOKEN);
      assert.equal((await editor.handshake(-1)).type, 'snapshot');
    } finally {
      await server.close();
    }
  });

  it('AuthFailureLimiter: the wait caps at a minute, an address is forgotten after 10 quiet minutes, IPv6 counts per /64', () => {
    const clock = new ManualClock(0);
    const l = new AuthFailureLimiter(clock, new MemoryLogger());
    for (let i = 0; i < 40; i++) l.failed('10.0.0.1', 'x');
    assert.equal(l.blockedFor('10.0.0.1'), 60_000);
    assert.equal(l.blockedFor('::ffff:10.0.0.1'), 60_000, 'IPv4-mapped IPv6 is the same address');
    assert.equal(l.blockedFor('10.0.0.2'), 0);
    clock.advance(600_001);
    assert.equal(l.blockedFor('10.0.0.1'), 0);
    for (let i = 0; i < 11; i++) l.failed(`2001:db8:1:2::${i + 1}`, 'x');
    assert.equal(l.blockedFor('2001:db8:1:2:ffff::9'), 1000, 'another address in the same /64 waits too');
    assert.equal(l.blockedFor('2001:db8:1:3::1'), 0);
    l.dispose();
    assert.equal(addressKey('2001:0db8:0001:0002:0000:0000:0000:0001'), '2001:db8:1:2::/64');
    assert.equal(addressKey('::1'), '::1');
    assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
  });
});
