/** Gotify over a real WebSocket + REST: a fake server replays the documented payloads (test/fixtures/gotify). */
import * as assert from 'node:assert';
import { createConnection } from '../../../src/core/transport/connectionFactory';
import { isLocalResult } from '../../../src/core/transport/directConnection';
import { gotifyPriorityToSeverity, type GotifyConnection } from '../../../src/core/transport/gotifyConnection';
import { systemClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { waitUntil } from '../bridge/helpers';
import { loadFixture } from '../bridge/vendorFake';
import { FakePushServer } from './ntfyGotifyFake';

const TOKEN = 'CgotifyClientToken';

describe('Gotify connection (direct WebSocket)', () => {
  let server: FakePushServer;
  let logger: MemoryLogger;
  let deleteStatus: number;

  async function open(allowDelete: boolean): Promise<GotifyConnection> {
    const conn = createConnection('gotify', {
      url: `ws://127.0.0.1:${server.port}/gotify`,
      getToken: () => Promise.resolve(TOKEN),
      clock: systemClock,
      logger,
      allowDelete,
      backoff: { baseMs: 10, capMs: 20 },
    }) as GotifyConnection;
    conn.connect();
    try {
      await waitUntil('caught up', () => conn.state.state === 'connected' && conn.store.size >= 2);
    } catch (e) {
      conn.dispose();
      throw new Error(`${String(e)}; log: ${logger.lines.map((l) => l.message).join(' | ')}`, { cause: e });
    }
    return conn;
  }

  beforeEach(async () => {
    deleteStatus = 200;
    server = new FakePushServer();
    server.rest = (method, url) => {
      if (method === 'GET' && url === '/gotify/message?limit=100') return { status: 200, body: loadFixture('gotify', 'messages.json') };
      if (method === 'GET' && url === '/gotify/application') return { status: 200, body: loadFixture('gotify', 'applications.json') };
      if (method === 'DELETE' && /^\/gotify\/message\/\d+$/.test(url)) return { status: deleteStatus };
      return { status: 404 };
    };
    await server.start();
    logger = new MemoryLogger();
  });

  afterEach(async () => {
    await server.close();
  });

  it('opens /stream with X-Gotify-Key, catches up over REST, and maps messages to alerts', async () => {
    const conn = await open(false);
    try {
      const up = server.upgrades[0]!;
      assert.strictEqual(up.url, '/gotify/stream');
      assert.strictEqual(up.headers['x-gotify-key'], TOKEN);
      for (const r of server.requests) assert.strictEqual(r.headers['x-gotify-key'], TOKEN);
      const a = conn.store.get('25');
      assert.strictEqual(a?.severity, 'critical');
      assert.strictEqual(a.service, 'checkout'); // from the oncall::alert extra
      assert.strictEqual(a.environment, 'production');
      assert.strictEqual(a.commitSha, '9fceb02d');
      assert.strictEqual(a.url, 'https://grafana.example.com/d/checkout');
      assert.match(a.stackTrace ?? '', /pay\.ts:42:13/);
      const b = conn.store.get('26');
      assert.strictEqual(b?.service, 'Backup server'); // application name
      assert.strictEqual(b.severity, 'info');
      server.send(loadFixture('gotify', 'stream-message.json'));
      server.send('[]');
      await waitUntil('stream message', () => conn.store.has('27'));
      assert.strictEqual(conn.store.get('27')?.severity, 'high');
      assert.strictEqual(conn.store.get('27')?.service, 'Alerting');
      await waitUntil('rejected', () => conn.stats.rejected === 1);
      assert.deepStrictEqual([10, 8, 7, 6, 5, 4, 3, 0].map(gotifyPriorityToSeverity), ['critical', 'critical', 'high', 'high', 'warning', 'warning', 'info', 'info']);
    } finally {
      conn.dispose();
    }
  });

  it('acks locally and resolves locally when deleting is not allowed: no DELETE is sent', async () => {
    const conn = await open(false);
    try {
      const r = await conn.ack(['25']);
      assert.ok(isLocalResult(r));
      assert.strictEqual(conn.store.get('25')?.acknowledgedBy?.name, 'you (local)');
      const res = await conn.resolve(['25']);
      assert.ok(isLocalResult(res) && /allowDelete/.test(res.note));
      assert.strictEqual(conn.store.get('25')?.status, 'resolved');
      assert.strictEqual(server.requests.filter((x) => x.method === 'DELETE').length, 0);
    } finally {
      conn.dispose();
    }
  });

  it('deletes the message through the REST API when allowed, with the token header', async () => {
    const conn = await open(true);
    try {
      const res = await conn.resolve(['25']);
      assert.ok(!isLocalResult(res) && res.ok);
      const del = server.requests.filter((x) => x.method === 'DELETE');
      assert.deepStrictEqual(del.map((d) => d.url), ['/gotify/message/25']);
      assert.strictEqual(del[0]!.headers['x-gotify-key'], TOKEN);
      assert.strictEqual(conn.store.get('25')?.status, 'resolved');
      deleteStatus = 403;
      await assert.rejects(conn.resolve(['26']), /could not delete 1 of 1 message\(s\): 26: HTTP 403/);
      assert.strictEqual(conn.store.get('26')?.status, 'triggered');
    } finally {
      conn.dispose();
    }
  });

  it('reconnects after the server drops it and catches up what it missed', async () => {
    const conn = await open(false);
    try {
      server.last.terminate();
      await waitUntil('reconnected', () => server.upgrades.length === 2 && conn.state.state === 'connected');
      assert.strictEqual(conn.state.synced, true, 'Gotify has no snapshot phase: synced when connected');
      assert.strictEqual(server.upgrades[1]!.headers['x-gotify-key'], TOKEN);
      await waitUntil('second catch-up', () => server.requests.filter((r) => r.url.startsWith('/gotify/message?')).length === 2);
      assert.strictEqual(conn.store.size, 2);
    } finally {
      conn.dispose();
    }
  });
});
