import * as assert from 'node:assert/strict';
import { BridgeServer } from '../../../src/bridge/server';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { systemClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { waitUntil } from '../bridge/helpers';
import { StreamSource, streamAlert, TOKEN } from './chaosRun';
import { describeChaos } from './chaosSuite';
import { ChaosProxy } from './proxy';

describeChaos(1000, 55);

describe('chaos: a client that stops reading', function () {
  this.timeout(60_000);

  it('is cut off by the bridge (4008) with a bounded queue, then catches up to the exact server state', async () => {
    const limit = 256 * 1024;
    const logger = new MemoryLogger();
    const source = new StreamSource([streamAlert('a-0', 'triggered', 0)]);
    const server = new BridgeServer({ source, port: 0, token: TOKEN, logger, maxClientBufferBytes: limit, slowClientGraceMs: 1000 });
    await server.start();
    const proxy = new ChaosProxy(() => server.address().port);
    await proxy.listen();
    // A long heartbeat: the client must not notice the stall by itself; the bridge has to act.
    const client = new AlertClient({ url: proxy.url, getToken: () => Promise.resolve(TOKEN), clock: systemClock, logger: new MemoryLogger(), heartbeatMs: 60_000, backoff: { baseMs: 5, capMs: 20 }, maxResolvedAgeMs: Number.POSITIVE_INFINITY });
    try {
      client.connect();
      await waitUntil('connected', () => client.state.state === 'connected' && client.lastSeq === server.world.seq);
      proxy.mode = 'block';
      const big = 'x'.repeat(64 * 1024);
      let n = 0;
      while (!logger.lines.some((l) => /not reading/.test(l.message)) && n < 2000) {
        for (let k = 0; k < 20; k++, n++) source.ctx!.upsertAlert({ ...streamAlert(`a-${n % 50}`, 'triggered', n + 1), description: big });
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(logger.lines.some((l) => /not reading/.test(l.message) && /4008/.test(l.message)), `the bridge gave up on the client after ${n} large events`);
      assert.ok(server.maxBufferedSeen <= limit + 70 * 1024, `queue peaked at ${server.maxBufferedSeen} bytes (limit ${limit})`);
      proxy.mode = 'pass';
      for (let k = 0; k < 10; k++) source.ctx!.upsertAlert(streamAlert(`late-${k}`, 'triggered', 5000 + k));
      await waitUntil('caught up', () => client.state.state === 'connected' && client.lastSeq === server.world.seq, 20_000);
      const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
      assert.deepEqual([...client.store.values()].sort(byId), server.world.alerts().sort(byId));
    } finally {
      client.dispose();
      await server.close();
      await proxy.close();
    }
  });
});

describe('chaos: close codes that end the session', function () {
  this.timeout(30_000);

  it('4001 (token rejected) stops retrying and tells the user why; the other codes reconnect', async () => {
    const source = new StreamSource([streamAlert('a', 'triggered', 1)]);
    const server = new BridgeServer({ source, port: 0, token: TOKEN });
    await server.start();
    const proxy = new ChaosProxy(() => server.address().port);
    await proxy.listen();
    const client = new AlertClient({ url: proxy.url, getToken: () => Promise.resolve(TOKEN), clock: systemClock, logger: new MemoryLogger(), heartbeatMs: 200, backoff: { baseMs: 5, capMs: 20 } });
    try {
      client.connect();
      await waitUntil('connected', () => client.state.state === 'connected');
      const sockets = (): Array<{ close(code: number, reason: string): void }> => [...(server as unknown as { _clients: Map<number, { ws: { close(code: number, reason: string): void } }> })._clients.values()].map((c) => c.ws);
      for (const code of [1000, 1001, 1011, 4000, 4008]) {
        const before = proxy.connections;
        for (const ws of sockets()) ws.close(code, 'test');
        await waitUntil(`reconnect after ${code}`, () => proxy.connections > before && client.state.state === 'connected');
      }
      const before = proxy.connections;
      for (const ws of sockets()) ws.close(4001, 'unauthorized');
      await waitUntil('closed', () => client.state.state === 'closed');
      assert.match(client.state.lastError ?? '', /rejected the token/);
      await new Promise((r) => setTimeout(r, 300)); // far beyond the 20 ms backoff cap
      assert.equal(proxy.connections, before, 'no reconnect attempt after 4001');
      assert.equal(client.state.state, 'closed');
    } finally {
      client.dispose();
      await server.close();
      await proxy.close();
    }
  });
});
