/**
 * Fuzz of the protocol decoders and of the client that applies what they accept. Shared by the
 * `npm test` variant (a few thousand inputs) and the soak variant (100k).
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeClientMessage, decodeServerMessage, type DecodeResult } from '../../../src/core/protocol/decode';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { FakeSocketFactory } from '../../mocks/fakeSocket';
import { clientExamples, makeAlert, serverExamples, T0 } from '../../mocks/protocolExamples';
import { assertPrototypesClean, bigFrames, FORBIDDEN_KEYS, fuzzParams, hostileFrame, watchProcessErrors } from './harness';

/** Longest reason a rejection may carry (it is logged and shown to the user): 300 for the value, plus the list of types. */
const MAX_REASON = 500;

function checkResult(r: DecodeResult<unknown>): void {
  assert.equal(typeof r.ok, 'boolean');
  if (!r.ok) {
    assert.equal(typeof r.error, 'string');
    assert.ok(r.error.length > 0 && r.error.length <= MAX_REASON, `reason of ${r.error.length} chars: ${r.error.slice(0, 120)}`);
    return;
  }
  assertPlainTree(r.value, 'value');
}

/** Only plain objects/arrays with ordinary prototypes, no forbidden own keys, anywhere. */
function assertPlainTree(x: unknown, path: string, depth = 0): void {
  assert.ok(depth < 64, `${path}: nested deeper than any protocol type`);
  if (Array.isArray(x)) {
    assert.equal(Object.getPrototypeOf(x), Array.prototype, `${path}: array prototype`);
    x.forEach((v, i) => assertPlainTree(v, `${path}[${i}]`, depth + 1));
  } else if (x !== null && typeof x === 'object') {
    assert.equal(Object.getPrototypeOf(x), Object.prototype, `${path}: object prototype`);
    for (const k of Object.keys(x)) {
      assert.ok(!(FORBIDDEN_KEYS as readonly string[]).includes(k), `${path}.${k}: forbidden key passed through`);
      assertPlainTree((x as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
    }
    for (const k of FORBIDDEN_KEYS) assert.ok(!Object.hasOwn(x, k), `${path}: own ${k}`);
  } else {
    assert.ok(['string', 'number', 'boolean'].includes(typeof x), `${path}: ${typeof x}`);
    if (typeof x === 'number') assert.ok(Number.isFinite(x), `${path}: non-finite number`);
  }
}

const SERVER = Object.values(serverExamples);
const CLIENT = Object.values(clientExamples);
const ALL = [...SERVER, ...CLIENT];

/** A client connected to a fake socket, holding a snapshot of three alerts at seq 10. */
async function connectedClient(): Promise<{ client: AlertClient; logger: MemoryLogger; receive: (frame: string) => void }> {
  const logger = new MemoryLogger();
  const factory = new FakeSocketFactory();
  const client = new AlertClient({ url: 'ws://127.0.0.1:1/', clock: new ManualClock(T0), logger, socketFactory: factory.create, random: () => 0.5 });
  client.connect();
  await Promise.resolve();
  await Promise.resolve();
  const s = factory.last;
  s.open();
  s.receive(serverExamples.hello);
  s.receive({ type: 'snapshot', seq: 10, alerts: [makeAlert({ id: 'a-1' }), makeAlert({ id: 'a-2', status: 'acknowledged' }), makeAlert({ id: 'a-3', severity: 'info' })], oncall: null, deploys: [] });
  assert.equal(client.state.state, 'connected');
  return { client, logger, receive: (f) => s.receive(f) };
}

function stateOf(c: AlertClient): string {
  return JSON.stringify({ seq: c.lastSeq, alerts: c.store.sorted(), oncall: c.oncall, deploys: c.deploys, state: c.state.state });
}

export function describeDecoderFuzz(runs: number): void {
  describe(`protocol decoder fuzz (${runs} inputs per target)`, function () {
    this.timeout(Math.max(60_000, runs * 5));
    watchProcessErrors();
    afterEach(assertPrototypesClean);

    it('decodeServerMessage never throws; rejections carry a short reason; accepted values are plain and pollution-free', () => {
      fc.assert(fc.property(hostileFrame(ALL), (frame) => checkResult(decodeServerMessage(frame))), fuzzParams(runs));
    });

    it('decodeClientMessage never throws; rejections carry a short reason; accepted values are plain and pollution-free', () => {
      fc.assert(fc.property(hostileFrame(ALL), (frame) => checkResult(decodeClientMessage(frame))), fuzzParams(runs));
    });

    it('takes 10 MB strings, 10 MB of brackets, 100k-deep nesting, invalid UTF-8 and 1e400 without throwing', () => {
      for (const ex of [serverExamples.alert, clientExamples.ack]) {
        for (const [name, frame] of bigFrames(ex as unknown as Record<string, unknown>)) {
          for (const decode of [decodeServerMessage, decodeClientMessage]) {
            const r = decode(frame);
            // 1e400 parses as Infinity: only frames whose numbers are all in strings may pass.
            if (!name.startsWith('1e400')) assert.equal(r.ok, false, `${name} must be rejected`);
            checkResult(r);
          }
        }
      }
      // A 10 MB title is valid protocol: accepted, and capped later at display time (see the hostile-content tests).
      const big = decodeServerMessage(JSON.stringify({ ...serverExamples.alert, alert: makeAlert({ title: 'T'.repeat(10 * 1024 * 1024) }) }));
      assert.equal(big.ok, true);
    });

    it('a connected client: every rejected frame leaves its state unchanged and is logged once with its reason', async () => {
      let env = await connectedClient();
      await fc.assert(
        fc.asyncProperty(fc.array(hostileFrame(SERVER), { minLength: 1, maxLength: 5 }), async (frames) => {
          for (const frame of frames) {
            if (env.client.state.state !== 'connected') {
              env.client.dispose();
              env = await connectedClient();
            }
            const before = stateOf(env.client);
            const rejectedBefore = env.client.stats.rejected;
            const linesBefore = env.logger.lines.length;
            const r = decodeServerMessage(frame);
            env.receive(frame); // must not throw
            if (r.ok) continue;
            assert.equal(stateOf(env.client), before, 'state unchanged by a rejected frame');
            assert.equal(env.client.stats.rejected, rejectedBefore + 1, 'counted once');
            const lines = env.logger.lines.slice(linesBefore);
            assert.equal(lines.length, 1, `one log line, got ${lines.length}`);
            assert.equal(lines[0]!.level, 'warn');
            assert.ok(lines[0]!.message.endsWith(r.error), `the line carries the reason: ${lines[0]!.message.slice(0, 200)}`);
          }
        }),
        fuzzParams(Math.ceil(runs / 3)),
      );
      env.client.dispose();
    });
  });
}
