/**
 * Garbage over a real WebSocket into a real bridge: every bad frame is answered with an error naming
 * the reason, logged once, changes nothing, and the connection (and the bridge) carry on.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeClientMessage } from '../../../src/core/protocol/decode';
import type { ServerMessage } from '../../../src/core/protocol/types';
import { startTestBridge, TestClient, waitUntil, type TestBridge } from '../bridge/helpers';
import { clientExamples } from '../../mocks/protocolExamples';
import { assertPrototypesClean, FORBIDDEN_KEYS, hostileFrame, watchProcessErrors } from './harness';

/** The bridge logs the first 20 rejections of a connection one by one (then every 1000th): send 20 per connection. */
const PER_CONNECTION = 20;

function worldState(b: TestBridge): string {
  const s = b.server.world.snapshot();
  return JSON.stringify({ seq: s.seq, alerts: s.alerts, oncall: s.oncall, deploys: s.deploys });
}

async function waitForMessages(c: TestClient, n: number, timeoutMs = 10_000): Promise<ServerMessage[]> {
  await waitUntil(`${n} answers`, () => c.messages.length >= n, timeoutMs);
  return c.messages.slice(0, n);
}

export function describeBridgeFuzz(runs: number): void {
  describe(`bridge: hostile client frames over a real WebSocket (${runs} frames)`, function () {
    this.timeout(Math.max(60_000, runs * 20));
    watchProcessErrors();
    let b: TestBridge;
    before(async () => {
      // This suite floods one socket with hostile frames to test decoding, not rate limits (tested in bridge/rateLimit).
      b = await startTestBridge({ maxMessagesPerSecond: 1e9, messageBurst: 1e9 });
    });
    after(async () => b.server.close());
    afterEach(assertPrototypesClean);

    it('each rejected frame: an error with its reason, one log line, state unchanged, connection alive', async () => {
      const seed = Number(process.env.FUZZ_SEED ?? 20261123);
      const frames = fc.sample(hostileFrame(Object.values(clientExamples)), { numRuns: runs * 2, seed }).filter((f) => !decodeClientMessage(f).ok).slice(0, runs);
      assert.ok(frames.length >= runs * 0.8, `enough rejected frames (${frames.length})`);
      const before = worldState(b);
      for (let i = 0; i < frames.length; i += PER_CONNECTION) {
        const batch = frames.slice(i, i + PER_CONNECTION);
        const c = new TestClient(b.url);
        await c.opened;
        assert.equal((await c.next()).type, 'hello');
        const logStart = b.logger.lines.length;
        for (const f of batch) c.send(f);
        // Proof of life after the garbage: a well-formed request is still answered.
        c.send({ type: 'ack', requestId: 'alive', alertIds: ['no-such-alert'] });
        const answers = await waitForMessages(c, 1 + batch.length + 1);
        batch.forEach((f, k) => {
          const m = answers[1 + k]!;
          // What the bridge receives: UTF-8 on the wire turns lone surrogates into U+FFFD.
          const want = decodeClientMessage(Buffer.from(f, 'utf8').toString('utf8'));
          assert.ok(!want.ok);
          assert.deepEqual(m, { type: 'error', error: { code: 'invalid_message', message: want.error } }, `frame ${i + k}: ${JSON.stringify(f.slice(0, 100))}`);
        });
        const last = answers.at(-1)!;
        assert.ok(last.type === 'result' && last.requestId === 'alive' && !last.ok, 'the connection still works');
        const rejections = b.logger.lines.slice(logStart).filter((l) => l.message.includes('invalid message'));
        assert.equal(rejections.length, batch.length, 'one log line per rejection');
        batch.forEach((f, k) => {
          // What the bridge receives: UTF-8 on the wire turns lone surrogates into U+FFFD.
          const want = decodeClientMessage(Buffer.from(f, 'utf8').toString('utf8'));
          assert.ok(!want.ok && rejections[k]!.message.includes(`invalid message: ${want.error}`), `the line names the reason: ${rejections[k]!.message.slice(0, 200)}`);
          assert.equal(rejections[k]!.level, 'warn');
        });
        c.ws.terminate();
        await c.closed;
      }
      assert.equal(worldState(b), before, 'the world is unchanged by rejected frames');
      await waitUntil('all fuzz clients gone', () => b.server.stats().clients === 0);
    });

    it('well-formed requests with hostile ids (forbidden keys, unknown, huge lists) fail with a reason and change nothing', async () => {
      const before = worldState(b);
      const c = new TestClient(b.url);
      await c.handshake(-1);
      const idArb = fc.oneof(fc.constantFrom(...FORBIDDEN_KEYS, 'toString', 'hasOwnProperty', '../../etc', '\u202eevil'), fc.string({ minLength: 1, maxLength: 50 }).map((s) => `x-${s}`));
      const reqs = fc.sample(fc.record({ type: fc.constantFrom('ack', 'unack', 'resolve'), ids: fc.array(idArb, { minLength: 1, maxLength: 20 }) }), { numRuns: Math.min(runs, 500), seed: 7 });
      reqs.forEach((r, i) => c.send({ type: r.type, requestId: `r${i}`, alertIds: r.ids }));
      c.send({ type: 'ack', requestId: 'big', alertIds: Array.from({ length: 10_000 }, (_, i) => `x-${i}`) });
      await waitUntil('all results', () => c.messages.filter((m) => m.type === 'result').length === reqs.length + 1, 20_000);
      for (const m of c.messages) if (m.type === 'result') assert.ok(!m.ok && typeof m.error === 'string' && m.error.length > 0, JSON.stringify(m).slice(0, 200));
      assert.equal(worldState(b), before);
      c.ws.terminate();
    });

    it('invalid UTF-8 in a text frame closes that connection with 1007; binary frames are refused; the bridge serves on', async () => {
      const bad = new TestClient(b.url);
      await bad.handshake(-1);
      bad.ws.send(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x7d]), { binary: false });
      assert.equal(await bad.closed, 1007);
      const bin = new TestClient(b.url);
      await bin.handshake(-1);
      bin.ws.send(Buffer.from(JSON.stringify(clientExamples.resume)), { binary: true });
      const err = await bin.nextOfType('error');
      assert.match(err.error.message, /binary frames are not supported/);
      const ok = new TestClient(b.url);
      assert.equal((await ok.handshake(-1)).type, 'snapshot');
      bin.ws.terminate();
      ok.ws.terminate();
    });
  });
}
