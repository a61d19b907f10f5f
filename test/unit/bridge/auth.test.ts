import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkBearer, isLoopbackHost, readTokenFile } from '../../../src/bridge/auth';
import { BridgeConfigError, BridgeServer } from '../../../src/bridge/server';
import { DemoSource } from '../../../src/bridge/sources/demo/demoSource';
import { builtinDemoCommits } from '../../../src/bridge/sources/demo/workspace';
import { MemoryLogger } from '../../../src/core/util/logger';
import { useTestBridges, TestClient, type TestBridge } from './helpers';

const TOKEN = 's3cr3t-t0ken-value-0123456789abcdef';

describe('bridge server: auth', function () {
  const bridges = useTestBridges();
  let b: TestBridge;
  const dial = (url: string, headers?: Record<string, string>): TestClient => bridges.dial(url, headers);

  it('rejects a missing or wrong token with 401 and accepts the right one', async () => {
    b = await bridges.start({ token: TOKEN });
    await assert.rejects(dial(b.url).opened, /HTTP 401/);
    await assert.rejects(dial(b.url, { Authorization: 'Bearer wrong' }).opened, /HTTP 401/);
    await assert.rejects(dial(b.url, { Authorization: `Basic ${TOKEN}` }).opened, /HTTP 401/);
    const ok = dial(b.url, { Authorization: `Bearer ${TOKEN}` });
    assert.strictEqual((await ok.handshake(-1)).type, 'snapshot');
    const logged = b.logger.lines.map((l) => l.message).join('\n');
    assert.ok(!logged.includes(TOKEN), 'the token is never logged');
    assert.match(logged, /unauthorized connection/);
  });

  it('a token in the URL does not count', async () => {
    b = await bridges.start({ token: TOKEN });
    await assert.rejects(dial(`${b.url}?token=${TOKEN}`).opened, /HTTP (401|404)/);
  });

  it('refuses to start without a token outside demo mode or off loopback', async () => {
    const make = (host: string, demoMode: boolean) =>
      new BridgeServer({ source: new DemoSource({ commits: builtinDemoCommits(), seed: 1 }), host, port: 0, demoMode, logger: new MemoryLogger() });
    for (const [host, demo] of [['127.0.0.1', false], ['0.0.0.0', true], ['::', true]] as const) {
      const s = make(host, demo);
      await assert.rejects(s.start(), (e: unknown) => e instanceof BridgeConfigError && /ONCALL_BRIDGE_TOKEN/.test(e.message));
      await s.close();
    }
  });

  it('without a token (demo on loopback) refuses browser pages (Origin header)', async () => {
    b = await bridges.start();
    await assert.rejects(dial(b.url, { Origin: 'https://evil.example' }).opened, /HTTP 403/);
    assert.strictEqual((await dial(b.url).handshake(-1)).type, 'snapshot');
  });

  it('only "/" speaks the protocol', async () => {
    b = await bridges.start();
    await assert.rejects(dial(b.url + 'other').opened, /HTTP 404/);
  });

  it('checkBearer, isLoopbackHost, readTokenFile', async () => {
    assert.ok(checkBearer({ authorization: `Bearer ${TOKEN}` }, TOKEN));
    assert.ok(checkBearer({ authorization: `bearer ${TOKEN}` }, TOKEN));
    assert.ok(!checkBearer({ authorization: `Bearer ${TOKEN}x` }, TOKEN));
    assert.ok(!checkBearer({ authorization: 'Bearer ' }, TOKEN));
    assert.ok(!checkBearer({}, TOKEN));
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-token-'));
    fs.writeFileSync(path.join(dir, 't'), `${TOKEN}\n`);
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    assert.strictEqual(await readTokenFile(path.join(dir, 't')), TOKEN);
    await assert.rejects(readTokenFile(path.join(dir, 'empty')), /empty/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
