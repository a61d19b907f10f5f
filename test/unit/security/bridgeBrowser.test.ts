import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { hostHeaderName, isAllowedHostHeader, isBrowserRequest, normalisePublicHost } from '../../../src/bridge/auth';
import { BridgeServer } from '../../../src/bridge/server';
import { AlertmanagerSource } from '../../../src/bridge/sources/alertmanager/alertmanagerSource';
import { MemoryLogger } from '../../../src/core/util/logger';
import { startTestBridge, TestClient, type TestBridge } from '../bridge/helpers';
import { fixture } from '../../testUtil/paths';

// Issue 14 §2: a web page the user visits must not be able to write to (or read from) a loopback bridge's
// unauthenticated routes, neither directly (a no-preflight text/plain POST) nor through DNS rebinding.

const BRIDGE_TOKEN = 'bridge-browser-test-token-0123456789abcdef';
const FIRING = fs.readFileSync(fixture('alertmanager', 'webhook-firing.json'));

interface Reply {
  status: number;
  body: string;
}

function send(port: number, p: string, method: string, headers: Record<string, string>, body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bridge: browser-originated requests and DNS rebinding (issue 14 §2)', () => {
  describe('an unauthenticated Alertmanager webhook (loopback, no secret)', () => {
    let server: BridgeServer;
    let port: number;
    beforeEach(async () => {
      // No webhookToken: the route is "none", as with --insecure-unauthenticated-webhooks.
      const source = new AlertmanagerSource({ url: 'http://127.0.0.1:1/', reconcileIntervalMs: 3_600_000, requestTimeoutMs: 200, maxBackoffMs: 3_600_000 });
      server = new BridgeServer({ source, port: 0, token: BRIDGE_TOKEN, logger: new MemoryLogger(), heartbeatMs: 86_400_000 });
      await server.start();
      port = server.address().port;
    });
    afterEach(() => server.close());

    it('refuses what a page can send without a CORS preflight (text/plain POST, with or without Origin) and changes nothing', async () => {
      const seq = server.world.seq;
      // What fetch('http://127.0.0.1:8787/webhooks/alertmanager', {method:'POST', mode:'no-cors', body}) sends:
      const page = await send(port, '/webhooks/alertmanager', 'POST', { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, FIRING);
      assert.equal(page.status, 403);
      assert.match(page.body, /web pages are refused/);
      // A form post from a sandboxed iframe (Origin: null), and a request with only Sec-Fetch-Site:
      assert.equal((await send(port, '/webhooks/alertmanager', 'POST', { 'content-type': 'application/json', origin: 'null' }, FIRING)).status, 403);
      assert.equal((await send(port, '/webhooks/alertmanager', 'POST', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, FIRING)).status, 403);
      // Not a browser, but not JSON either: a page could send exactly this through a proxy-less redirect or an old plugin.
      const plain = await send(port, '/webhooks/alertmanager', 'POST', { 'content-type': 'text/plain' }, FIRING);
      assert.equal(plain.status, 415);
      assert.equal((await send(port, '/webhooks/alertmanager', 'POST', {}, FIRING)).status, 415);
      assert.equal(server.world.seq, seq, 'no refused request changed the world');
      assert.equal(server.world.alertCount, 0);
    });

    it('refuses a Host that is not an IP address, localhost or a --public-host name (DNS rebinding)', async () => {
      const rebound = await send(port, '/webhooks/alertmanager', 'POST', { 'content-type': 'application/json', host: `rebind.evil.example:${port}` }, FIRING);
      assert.equal(rebound.status, 421);
      assert.equal(server.world.alertCount, 0);
      // The same for reading /healthz (a rebinding page would otherwise read the bridge's counters).
      assert.equal((await send(port, '/healthz', 'GET', { host: 'rebind.evil.example' })).status, 421);
      assert.equal((await send(port, '/healthz', 'GET', { host: `localhost:${port}` })).status, 200);
      assert.equal((await send(port, '/healthz', 'GET', { host: `[::1]:${port}` })).status, 200);
    });

    it('still accepts Alertmanager itself: JSON, no Origin, an IP or localhost as Host', async () => {
      const ok = await send(port, '/webhooks/alertmanager', 'POST', { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.27.0', host: `127.0.0.1:${port}` }, FIRING);
      assert.equal(ok.status, 200, ok.body);
      assert.ok(server.world.alertCount > 0);
      // A bookmark / typed URL (Sec-Fetch-Site: none) may read /healthz.
      assert.equal((await send(port, '/healthz', 'GET', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' })).status, 200);
    });
  });

  it('--public-host names are accepted as Host on unauthenticated routes, other names are not', async () => {
    const b = await startTestBridge({ publicHosts: ['oncall.example.com'] });
    try {
      const port = b.server.address().port;
      assert.equal((await send(port, '/healthz', 'GET', { host: 'oncall.example.com:8787' })).status, 200);
      assert.equal((await send(port, '/healthz', 'GET', { host: 'OnCall.Example.com.' })).status, 200);
      assert.equal((await send(port, '/healthz', 'GET', { host: 'oncall.example.com.evil.example' })).status, 421);
    } finally {
      await b.server.close();
    }
  });

  describe('the WebSocket upgrade without a token (demo on loopback)', () => {
    let b: TestBridge | undefined;
    const clients: TestClient[] = [];
    afterEach(async () => {
      for (const c of clients.splice(0)) c.ws.terminate();
      await b?.server.close();
      b = undefined;
    });
    const dial = (url: string, headers?: Record<string, string>) => {
      const c = new TestClient(url, headers ? { headers } : undefined);
      clients.push(c);
      return c;
    };

    it('refuses browsers (Origin or Sec-Fetch-Site) and rebound Host names; the extension client gets in', async () => {
      b = await startTestBridge();
      await assert.rejects(dial(b.url, { Origin: 'https://evil.example' }).opened, /HTTP 403/);
      await assert.rejects(dial(b.url, { 'Sec-Fetch-Site': 'cross-site' }).opened, /HTTP 403/);
      await assert.rejects(dial(b.url, { Host: 'rebind.evil.example' }).opened, /HTTP 421/);
      assert.equal((await dial(b.url).handshake(-1)).type, 'snapshot');
      assert.equal((await dial(b.url.replace('127.0.0.1', 'localhost')).handshake(-1)).type, 'snapshot');
    });

    it('with a token, Origin and Host do not matter (a browser cannot send the Authorization header)', async () => {
      b = await startTestBridge({ token: BRIDGE_TOKEN });
      const c = dial(b.url, { Authorization: `Bearer ${BRIDGE_TOKEN}`, Host: 'oncall.internal.example' });
      assert.equal((await c.handshake(-1)).type, 'snapshot');
    });
  });

  it('isBrowserRequest, hostHeaderName, isAllowedHostHeader, normalisePublicHost', () => {
    assert.ok(isBrowserRequest({ origin: 'https://a.example' }));
    assert.ok(isBrowserRequest({ origin: 'null' }));
    assert.ok(isBrowserRequest({ 'sec-fetch-site': 'cross-site' }));
    assert.ok(isBrowserRequest({ 'sec-fetch-site': 'same-origin' }));
    assert.ok(!isBrowserRequest({ 'sec-fetch-site': 'none' }));
    assert.ok(!isBrowserRequest({ 'user-agent': 'Alertmanager/0.27.0', 'content-type': 'application/json' }));

    assert.equal(hostHeaderName('127.0.0.1:8787'), '127.0.0.1');
    assert.equal(hostHeaderName('[::1]:8787'), '::1');
    assert.equal(hostHeaderName('Example.COM.'), 'example.com');
    for (const bad of [undefined, '', 'a b', 'user@host', 'host:port', '[::1', 'a/b']) assert.equal(hostHeaderName(bad), undefined, String(bad));

    for (const ok of ['127.0.0.1', '127.0.0.1:1', '[::1]:8787', '10.1.2.3:8787', 'localhost:8787', 'app.localhost', '[fe80::1]']) assert.ok(isAllowedHostHeader(ok, []), ok);
    for (const bad of [undefined, 'evil.example', 'localhost.evil.example', '127.0.0.1.evil.example', 'oncall.example.com']) assert.ok(!isAllowedHostHeader(bad, []), String(bad));
    assert.ok(isAllowedHostHeader('oncall.example.com:443', ['oncall.example.com']));

    assert.equal(normalisePublicHost(' OnCall.Example.com. '), 'oncall.example.com');
    for (const bad of ['https://a.example', 'a.example:8787', 'a.example/x', '', '-a.example', 'a..b']) assert.equal(normalisePublicHost(bad), undefined, bad);
  });
});
