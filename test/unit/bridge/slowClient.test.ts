import * as assert from 'node:assert';
import type { Socket } from 'node:net';
import type { Alert } from '../../../src/core/protocol/types';
import { CloseCodes } from '../../../src/core/protocol/closeCodes';
import { startTestBridge, TestClient, waitUntil, type TestBridge } from './helpers';

describe('bridge server: a client that does not read', function () {
  let b: TestBridge;
  afterEach(async () => b.server.close());

  it('is closed with 4008 and its queue never grows past the limit', async () => {
    const limit = 256 * 1024;
    b = await startTestBridge({ maxClientBufferBytes: limit });
    const slow = new TestClient(b.url);
    const fast = new TestClient(b.url);
    await slow.handshake(-1);
    await fast.handshake(-1);
    // Stop reading: the TCP window fills, then the server's queue for this client grows.
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const base = b.server.world.getAlert('DEMO-1001')!;
    const big: Alert = { ...base, description: 'x'.repeat(16 * 1024) };
    const frameBytes = JSON.stringify({ type: 'alert', seq: 0, alert: big }).length + 64;
    let sent = 0;
    // Up to 200 MB of events, in batches, until the bridge gives up on the slow client.
    while (b.server.stats().clients === 2 && sent < 12_000) {
      for (let i = 0; i < 50; i++, sent++) b.server.world.upsertAlert({ ...big, updatedAt: new Date(1e12 + sent).toISOString() });
      await new Promise((r) => setImmediate(r));
      if (b.logger.lines.some((l) => /not reading/.test(l.message))) break;
    }
    await waitUntil('the slow client to be given up', () => b.logger.lines.some((l) => /not reading/.test(l.message)), 10_000);
    if (process.env.DEBUG_SLOW) console.log({ sent, frameBytes, peak: b.server.maxBufferedSeen });
    assert.ok(b.server.maxBufferedSeen <= limit + frameBytes, `queue peaked at ${b.server.maxBufferedSeen} bytes (limit ${limit})`);
    assert.ok(fast.ws.readyState === fast.ws.OPEN, 'a client that reads is not affected');

    // Once it reads again it finds the close frame behind the data it had not read.
    socket.resume();
    assert.strictEqual(await slow.closed, CloseCodes.slowClient);
    await waitUntil('the server to forget it', () => b.server.stats().clients === 1);
    assert.match(await b.server.metrics.text(), /^oncall_bridge_slow_client_closes_total 1$/m, 'the close is counted on /metrics');
    fast.ws.terminate();
  });
});
