import * as assert from 'node:assert';
import { ManualClock } from '../../../src/core/util/clock';
import { RateLimiter } from '../../../src/bridge/rateLimit';
import { startTestBridge, TestClient, waitUntil, type TestBridge } from './helpers';

describe('per-client rate limit', () => {
  it('a token bucket: the burst, then the rate, refilled over time', () => {
    const clock = new ManualClock(0);
    const r = new RateLimiter(clock, 10, 5);
    assert.deepStrictEqual(Array.from({ length: 7 }, () => r.take()), [true, true, true, true, true, false, false]);
    assert.strictEqual(r.dropped, 2);
    clock.advance(300); // 3 tokens back
    assert.deepStrictEqual(Array.from({ length: 4 }, () => r.take()), [true, true, true, false]);
    clock.advance(60_000); // never more than the burst
    assert.strictEqual(Array.from({ length: 10 }, () => r.take()).filter(Boolean).length, 5);
  });

  describe('in the bridge (real WebSockets)', () => {
    let b: TestBridge;
    afterEach(async () => b?.server.close());

    it('drops messages over the rate with one "rate_limited" error, keeps the connection and the state', async () => {
      b = await startTestBridge({ maxMessagesPerSecond: 5, messageBurst: 10, maxDroppedMessages: 1000 });
      const c = new TestClient(b.url);
      await c.handshake(-1);
      const before = JSON.stringify([...b.server.world.alerts()].map((a) => [a.id, a.status]));
      const target = [...b.server.world.alerts()].find((a) => a.status === 'triggered')!;
      // 9 more messages fit in the burst (the resume took one); the rest are dropped. The clock does not move.
      for (let i = 0; i < 30; i++) c.send({ type: 'ack', requestId: `r${i}`, alertIds: ['no-such-alert'] });
      c.send({ type: 'ack', requestId: 'real', alertIds: [target.id] }); // dropped too: over the limit
      await waitUntil('the answers', () => c.messages.filter((m) => m.type === 'result' || m.type === 'error').length >= 10);
      await c.quiet(300);
      const all = c.messages;
      assert.strictEqual(all.filter((m) => m.type === 'result').length, 9, 'the messages within the burst were handled');
      const limited = all.filter((m) => m.type === 'error' && m.error.code === 'rate_limited');
      assert.strictEqual(limited.length, 1, 'told once, not once per dropped message');
      assert.strictEqual(JSON.stringify([...b.server.world.alerts()].map((a) => [a.id, a.status])), before, 'dropped messages changed nothing');
      assert.strictEqual(c.ws.readyState, c.ws.OPEN, 'the connection survives');
      // Time moves on: the client may talk again.
      b.clock.advance(2000);
      c.send({ type: 'ack', requestId: 'later', alertIds: [target.id] });
      await waitUntil('the later ack handled', () => b.server.world.getAlert(target.id)?.status === 'acknowledged');
      assert.strictEqual(b.logger.lines.filter((l) => /messages\/s/.test(l.message)).length, 1, 'one log line, not one per message');
      c.close();
    });

    it('closes a client that keeps flooding with 4029; other clients are unaffected', async () => {
      b = await startTestBridge({ maxMessagesPerSecond: 5, messageBurst: 10, maxDroppedMessages: 50 });
      const flooder = new TestClient(b.url);
      const polite = new TestClient(b.url);
      await flooder.handshake(-1);
      await polite.handshake(-1);
      for (let i = 0; i < 200; i++) flooder.send({ type: 'ack', requestId: `f${i}`, alertIds: ['x'] });
      assert.strictEqual(await flooder.closed, 4029);
      const target = [...b.server.world.alerts()].find((a) => a.status === 'triggered')!;
      polite.send({ type: 'ack', requestId: 'p1', alertIds: [target.id] });
      const r = await polite.nextOfType('result');
      assert.strictEqual(r.ok, true);
      polite.close();
    });
  });
});
