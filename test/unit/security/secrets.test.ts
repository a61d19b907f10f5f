/**
 * Tokens: only ever in an Authorization header. Never in a log line (client or bridge), a state/error
 * text the UI shows, or a URL; plain ws:// only to this machine unless allowed; TLS always verified.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import { StreamLogger } from '../../../src/bridge/log';
import { BridgeServer } from '../../../src/bridge/server';
import { AlertClient, type AlertClientOptions } from '../../../src/core/transport/alertClient';
import { checkServerUrl } from '../../../src/core/transport/urlPolicy';
import { systemClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { waitUntil } from '../bridge/helpers';
import { StreamSource, streamAlert } from '../chaos/chaosRun';

const TOKEN = 'tok_9Qx7LwZ3vN1sK8pR2mB5-fL4hJ6dT0wYc';
const WRONG = 'tok_WRONG_4hG6jD9aF2cE7';

/** A self-signed certificate for localhost/127.0.0.1 (valid until 2126): no CA on this machine trusts it. */
const SELF_SIGNED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghdBtKUTyIzFXN4b0
hpQmLVxxZe2Aeo2nbYdgDFnA7rChRANCAARCv7EZvaFGxz4zAPSPLUBCJAeLLPij
iNR3cZ2ESdeEst3TkFJhk9Q90nGeDSmKOQqu+Us/bx/rLa+MYmj1gYtJ
-----END PRIVATE KEY-----`;
const SELF_SIGNED_CERT = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUdqxax1xvop6ujCwqmwQIwGHlZ1kwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzEzMjM1M1oYDzIxMjYxMDMw
MTMyMzUzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARCv7EZvaFGxz4zAPSPLUBCJAeLLPijiNR3cZ2ESdeEst3TkFJhk9Q9
0nGeDSmKOQqu+Us/bx/rLa+MYmj1gYtJo28wbTAdBgNVHQ4EFgQU3ggX4Bb53S4t
EpydUdv8906rKIQwHwYDVR0jBBgwFoAU3ggX4Bb53S4tEpydUdv8906rKIQwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAMie+mBl8uRJQRB7kWGT1DBUGn7HbRdJpqJrPBi+iBuNAiEA
5OJlXxREhatr4houOVMSdX6UCRzkQi9FJBKNDOBlAwE=
-----END CERTIFICATE-----`;

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'src', 'core'))) return d;
  throw new Error('repo root not found');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

describe('secrets: the token never leaks', function () {
  this.timeout(30_000);
  let server: BridgeServer;
  const bridgeLines: string[] = [];
  let client: AlertClient | undefined;
  const clientLog = new MemoryLogger();

  before(async () => {
    // The bridge's real logger at its most verbose level, writing to memory.
    server = new BridgeServer({ source: new StreamSource([streamAlert('a-1', 'triggered', 1)]), port: 0, token: TOKEN, logger: new StreamLogger('trace', (l) => bridgeLines.push(l)) });
    await server.start();
  });
  after(async () => {
    client?.dispose();
    await server.close();
  });

  function makeClient(o: Partial<AlertClientOptions>): AlertClient {
    client?.dispose();
    client = new AlertClient({ url: server.url, clock: systemClock, logger: clientLog, heartbeatMs: 200, requestTimeoutMs: 1000, backoff: { baseMs: 10, capMs: 20 }, ...o });
    return client;
  }

  it('connecting with the right token, failing with a wrong one, and every error path leave no token in logs or messages', async () => {
    const texts: string[] = [];
    const ok = makeClient({ getToken: () => Promise.resolve(TOKEN) });
    ok.connect();
    await waitUntil('connected', () => ok.state.state === 'connected');
    await ok.ack(['no-such-id']).catch((e: Error) => texts.push(e.message));
    await ok.annotate({ kind: 'x', text: 'y' }).catch((e: Error) => texts.push(e.message));

    const bad = makeClient({ getToken: () => Promise.resolve(WRONG) });
    bad.connect();
    await waitUntil('refused', () => bad.state.state === 'closed');
    texts.push(bad.state.lastError ?? '');
    assert.match(bad.state.lastError ?? '', /rejected the token/);

    const failing = makeClient({ getToken: () => Promise.reject(new Error('keychain locked')) });
    failing.connect();
    await waitUntil('token read failure reported', () => (failing.state.lastError ?? '').includes('could not read the token'));
    texts.push(failing.state.lastError ?? '');

    const down = makeClient({ url: 'ws://127.0.0.1:1/', getToken: () => Promise.resolve(TOKEN) });
    down.connect();
    await waitUntil('connection refused', () => (down.state.lastError ?? '').length > 0);
    texts.push(down.state.lastError ?? '');
    await down.ack(['x']).catch((e: Error) => texts.push(e.message));

    const all = [...texts, ...clientLog.lines.map((l) => l.message), ...bridgeLines].join('\n');
    assert.ok(bridgeLines.some((l) => /unauthorized connection/.test(l)), 'the bridge logged the refusal');
    for (const secret of [TOKEN, WRONG]) {
      assert.ok(!all.includes(secret), `${secret} leaked`);
      // Nor a recognisable part of it.
      assert.ok(!all.includes(secret.slice(4, 14)), `part of ${secret} leaked`);
    }
  });

  it('a URL carrying a token, password or key is refused without echoing the secret', () => {
    for (const url of [`wss://h.example/?token=${TOKEN}`, `wss://u:${TOKEN}@h.example/`, `wss://h.example/?api_key=${TOKEN}`, `wss://h.example/?access_token=${TOKEN}`]) {
      const r = checkServerUrl(url);
      assert.ok(!r.ok, url);
      assert.ok(!r.error.includes(TOKEN), r.error);
    }
  });

  it('ws:// off loopback is refused before any connection or token read; allowed only when the user opted in', async () => {
    let dialled = 0;
    let tokenReads = 0;
    const c = makeClient({
      url: 'ws://10.1.2.3:8787/',
      getToken: () => (tokenReads++, Promise.resolve(TOKEN)),
      socketFactory: () => {
        dialled++;
        throw new Error('must not dial');
      },
    });
    c.connect();
    await waitUntil('refused', () => c.state.state === 'closed');
    assert.match(c.state.lastError ?? '', /unencrypted/);
    assert.equal(dialled, 0);
    assert.equal(tokenReads, 0, 'the token is not even read');
    assert.ok(checkServerUrl('ws://10.1.2.3:8787/', true).ok, 'the explicit setting allows it');
    assert.ok(checkServerUrl('ws://127.0.0.1:8787/').ok && checkServerUrl('ws://[::1]:8787/').ok);
    assert.ok(!checkServerUrl('ws://127.0.0.1.evil.example/').ok);
  });
});

describe('TLS verification is never disabled', function () {
  this.timeout(20_000);

  it('no source file turns certificate checks off', () => {
    const offenders: string[] = [];
    for (const f of sourceFiles(path.join(repoRoot(), 'src'))) {
      const text = fs.readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may explain the rule
      if (/rejectUnauthorized\s*:\s*(false|0|!1)|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity\s*:|insecureSkipVerify|secureProtocol\s*:/i.test(text)) offenders.push(path.relative(repoRoot(), f));
    }
    assert.deepEqual(offenders, []);
  });

  it('wss:// to a self-signed loopback server fails with a certificate error, and no token is sent', async () => {
    const authSeen: Array<string | undefined> = [];
    const httpsServer = https.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT });
    const wss = new WebSocketServer({ server: httpsServer });
    wss.on('connection', (_ws, req) => authSeen.push(req.headers.authorization));
    await new Promise<void>((r) => httpsServer.listen(0, '127.0.0.1', r));
    const port = (httpsServer.address() as AddressInfo).port;
    const log = new MemoryLogger();
    const c = new AlertClient({ url: `wss://127.0.0.1:${port}/`, getToken: () => Promise.resolve(TOKEN), clock: systemClock, logger: log, backoff: { baseMs: 50, capMs: 100 } });
    try {
      c.connect();
      await waitUntil('a TLS failure', () => /TLS certificate is not trusted/.test(c.state.lastError ?? ''), 10_000);
      assert.notEqual(c.state.state, 'connected');
      assert.deepEqual(authSeen, [], 'the handshake never completed, so no header reached the server');
    } finally {
      c.dispose();
      wss.close();
      httpsServer.closeAllConnections();
      await new Promise((r) => httpsServer.close(r));
    }
  });
});
