/** ntfy over a real WebSocket: a fake server replays the documented frames (test/fixtures/ntfy). */
import * as assert from 'node:assert';
import { createConnection } from '../../../src/core/transport/connectionFactory';
import { isLocalResult } from '../../../src/core/transport/directConnection';
import { NtfyConnection, ntfyPriorityToSeverity } from '../../../src/core/transport/ntfyConnection';
import { systemClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { waitUntil } from '../bridge/helpers';
import { loadFixture } from '../bridge/vendorFake';
import { FakePushServer } from './ntfyGotifyFake';

const frames = loadFixture('ntfy', 'frames.json') as Record<string, Record<string, unknown>>;
const f = (k: string): Record<string, unknown> => frames[k]!;

describe('ntfy connection (direct WebSocket)', () => {
  let server: FakePushServer;
  let conn: NtfyConnection;
  let logger: MemoryLogger;

  beforeEach(async () => {
    server = new FakePushServer();
    server.onSocket = (ws) => ws.send(JSON.stringify(f('open')));
    await server.start();
    logger = new MemoryLogger();
    conn = createConnection('ntfy', {
      url: `ws://127.0.0.1:${server.port}/mytopic,alerts`,
      getToken: () => Promise.resolve('tk_secret_ntfy'),
      clock: systemClock,
      logger,
      backoff: { baseMs: 10, capMs: 20 },
      heartbeatMs: 60_000,
    }) as NtfyConnection;
    conn.connect();
    await waitUntil('connected', () => conn.state.state === 'connected' && server.sockets.length === 1);
  });

  afterEach(async () => {
    conn.dispose();
    await server.close();
  });

  it('subscribes to /<topics>/ws with since=12h and the token in a header, never in the URL', () => {
    const up = server.upgrades[0]!;
    assert.strictEqual(up.url, '/mytopic,alerts/ws?since=12h');
    assert.strictEqual(up.headers.authorization, 'Bearer tk_secret_ntfy');
    assert.ok(!up.url.includes('tk_'));
    assert.deepStrictEqual(conn.state.server?.capabilities, ['ack', 'unack', 'resolve']);
  });

  it('turns messages into alerts (priority → severity), ignores open/keepalive, rejects malformed frames', async () => {
    for (const k of ['message', 'keepalive', 'urgent', 'low', 'stack-trace-message']) server.send(f(k));
    server.send('{not json');
    server.send({ id: 'x', time: 'yesterday', event: 'message', topic: 't' });
    server.send({ ...f('urgent'), id: 'prio9', priority: 9 });
    await waitUntil('alerts', () => conn.store.size === 4);
    await waitUntil('rejections', () => conn.stats.rejected === 3);
    const disk = conn.store.get('hwQ2YpKdmg');
    assert.strictEqual(disk?.title, 'Disk full');
    assert.strictEqual(disk.severity, 'warning'); // no priority = 3 (default)
    assert.strictEqual(disk.service, 'mytopic');
    assert.strictEqual(disk.startedAt, new Date(1795428001 * 1000).toISOString());
    const urgent = conn.store.get('sPs71M8A2T');
    assert.strictEqual(urgent?.severity, 'critical');
    assert.strictEqual(urgent.title, 'Unauthorized access detected');
    assert.strictEqual(urgent.url, 'https://home.nest.com/');
    assert.strictEqual(urgent.labels.tags, 'warning,skull');
    assert.strictEqual(conn.store.get('xE73Iyuabi')?.severity, 'info');
    const crash = conn.store.get('Zt9c3Lq0Pa');
    assert.strictEqual(crash?.severity, 'high');
    assert.match(crash.stackTrace ?? '', /at priceCart \(src\/checkout\/price\.ts:42:13\)/);
    assert.deepStrictEqual([5, 4, 3, 2, 1, undefined].map(ntfyPriorityToSeverity), ['critical', 'high', 'warning', 'info', 'info', 'warning']);
    assert.ok(logger.lines.some((l) => /rejected a message: not valid JSON/.test(l.message)));
  });

  it('acks, unacks and resolves locally, says so, and sends nothing to ntfy', async () => {
    server.send(f('urgent'));
    await waitUntil('alert', () => conn.store.has('sPs71M8A2T'));
    const got: string[] = [];
    server.last.on('message', (d: Buffer) => got.push(d.toString()));
    const r = await conn.ack(['sPs71M8A2T']);
    assert.ok(isLocalResult(r) && r.ok && /local/.test(r.note));
    assert.strictEqual(conn.store.get('sPs71M8A2T')?.status, 'acknowledged');
    assert.strictEqual(conn.store.get('sPs71M8A2T')?.acknowledgedBy?.name, 'you (local)');
    await conn.unack(['sPs71M8A2T']);
    assert.strictEqual(conn.store.get('sPs71M8A2T')?.status, 'triggered');
    assert.strictEqual(conn.store.get('sPs71M8A2T')?.acknowledgedBy, undefined);
    const res = await conn.resolve(['sPs71M8A2T']);
    assert.ok(isLocalResult(res));
    assert.strictEqual(conn.store.get('sPs71M8A2T')?.status, 'resolved');
    await assert.rejects(conn.ack(['nope']), /unknown alert/);
    await assert.rejects(conn.annotate({ kind: 'x', text: 'y' }), /does not take annotations/);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual(got, []);
  });

  it('reconnects with since=<last message id>; a replayed message does not undo a local ack', async () => {
    server.send(f('message'));
    server.send(f('urgent'));
    await waitUntil('alerts', () => conn.store.size === 2);
    await conn.ack(['sPs71M8A2T']);
    server.last.terminate();
    await waitUntil('reconnected', () => server.upgrades.length === 2 && conn.state.state === 'connected');
    assert.strictEqual(conn.state.synced, true, 'ntfy has no snapshot phase: synced when connected');
    assert.strictEqual(server.upgrades[1]!.url, '/mytopic,alerts/ws?since=sPs71M8A2T');
    assert.strictEqual(server.upgrades[1]!.headers.authorization, 'Bearer tk_secret_ntfy');
    server.send(f('urgent')); // ntfy replays from its cache
    server.send(f('low'));
    await waitUntil('new one', () => conn.store.has('xE73Iyuabi'));
    assert.strictEqual(conn.store.get('sPs71M8A2T')?.status, 'acknowledged');
    assert.ok(conn.stats.reconnects >= 1);
  });

  it('keeps memory bounded', async () => {
    conn.dispose();
    conn = new NtfyConnection({ url: `ws://127.0.0.1:${server.port}/t/ws`, clock: systemClock, logger, backoff: { baseMs: 10, capMs: 20 }, maxAlerts: 3 });
    conn.connect();
    await waitUntil('connected', () => conn.state.state === 'connected');
    for (let i = 0; i < 10; i++) server.send({ id: `m${i}`, time: 1795428000 + i, event: 'message', topic: 't', message: `n${i}` });
    await waitUntil('last', () => conn.store.has('m9'));
    assert.strictEqual(conn.store.size, 3);
    assert.deepStrictEqual(['m7', 'm8', 'm9'].map((id) => conn.store.has(id)), [true, true, true]);
  });

  it('refuses ws:// to another host and tokens in the URL', async () => {
    const c = createConnection('ntfy', { url: 'ws://ntfy.example.com/t/ws', clock: systemClock, logger });
    c.connect();
    await waitUntil('closed', () => c.state.state === 'closed');
    assert.match(c.state.lastError ?? '', /unencrypted/);
    c.dispose();
    const d = createConnection('ntfy', { url: 'wss://ntfy.example.com/t/ws?auth=abc', clock: systemClock, logger });
    d.connect();
    await waitUntil('closed', () => d.state.state === 'closed');
    assert.match(d.state.lastError ?? '', /Remove "auth"/);
    d.dispose();
  });
});
