import * as assert from 'node:assert/strict';
import { AlertClient, type AlertClientOptions } from '../../../src/core/transport/alertClient';
import type { ConnectionStateInfo } from '../../../src/core/transport/connection';
import type { Alert, AlertActionMessage, AnnotateMessage, Firing, ServerMessage, StateEvent } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { FakeSocketFactory, type FakeSocket } from '../../mocks/fakeSocket';
import { makeAlert, makeDeploy, makeOnCall, serverExamples, T0 } from '../../mocks/protocolExamples';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(opts: Partial<AlertClientOptions> = {}) {
  const clock = new ManualClock(T0);
  const logger = new MemoryLogger();
  const factory = new FakeSocketFactory();
  const client = new AlertClient({
    url: 'ws://127.0.0.1:8787/',
    getToken: () => Promise.resolve('s3cret'),
    clock,
    logger,
    socketFactory: factory.create,
    random: () => 0.5,
    ...opts,
  });
  const states: ConnectionStateInfo[] = [];
  client.onDidChangeState((s) => states.push(s));
  return { clock, logger, factory, client, states };
}

type Env = ReturnType<typeof setup>;

/** connect → socket open → hello; returns the socket (the client has sent resume by then). */
async function connect(env: Env, hello: ServerMessage = serverExamples.hello): Promise<FakeSocket> {
  env.client.connect();
  await flush();
  const s = env.factory.last;
  s.open();
  s.receive(hello);
  return s;
}

async function connectWithSnapshot(env: Env, alerts: Alert[] = [], seq = 10): Promise<FakeSocket> {
  const s = await connect(env);
  s.receive({ type: 'snapshot', seq, alerts, oncall: null, deploys: [] });
  return s;
}

const alertEvent = (seq: number, id: string, o: Partial<Alert> = {}): StateEvent => ({ type: 'alert', seq, alert: makeAlert({ id, ...o }) });

describe('AlertClient', () => {
  describe('connecting', () => {
    it('sends the token as a Bearer header, never in the URL', async () => {
      const env = setup();
      await connect(env);
      const s = env.factory.last;
      assert.deepEqual(s.options.headers, { Authorization: 'Bearer s3cret' });
      assert.ok(!s.url.includes('s3cret'));
    });

    it('sends no Authorization header without a token', async () => {
      const env = setup({ getToken: () => Promise.resolve(undefined) });
      await connect(env);
      assert.deepEqual(env.factory.last.options.headers, {});
    });

    it('goes idle → connecting → connected (on hello) and resumes from -1 on first connect', async () => {
      const env = setup();
      assert.equal(env.client.state.state, 'idle');
      const s = await connect(env);
      assert.deepEqual(env.states.map((x) => x.state), ['connecting', 'connected']);
      assert.equal(env.client.state.server?.server, 'oncall-bridge/0.1.0');
      assert.deepEqual(s.messages, [{ type: 'resume', lastSeq: -1 }]);
    });

    it('synced: false at hello (first connect), true once the snapshot is applied', async () => {
      const env = setup();
      const s = await connect(env);
      assert.equal(env.client.state.synced, false);
      s.receive({ type: 'snapshot', seq: 3, alerts: [], oncall: null, deploys: [] });
      assert.equal(env.client.state.synced, true);
      assert.deepEqual(env.states.map((x) => [x.state, x.synced]), [['connecting', undefined], ['connected', false], ['connected', true]]);
    });

    it('refuses an insecure URL without opening a socket', async () => {
      const env = setup({ url: 'ws://oncall.example.com/' });
      env.client.connect();
      await flush();
      assert.equal(env.factory.sockets.length, 0);
      assert.equal(env.client.state.state, 'closed');
      assert.match(env.client.state.lastError ?? '', /wss:\/\//);
    });

    it('closes with a clear error when the server speaks another protocol version', async () => {
      const env = setup();
      const s = await connect(env, { ...serverExamples.hello, protocol: 2 } as ServerMessage);
      assert.equal(env.client.state.state, 'closed');
      assert.match(env.client.state.lastError ?? '', /protocol 2.*protocol 1.*Update the extension/);
      assert.equal(s.closed?.code, 1000);
      env.clock.advance(60_000);
      assert.equal(env.factory.sockets.length, 1);
    });

    it('drops a connection that never says hello and retries', async () => {
      const env = setup({ requestTimeoutMs: 10_000 });
      env.client.connect();
      await flush();
      env.factory.last.open();
      env.clock.advance(10_000);
      assert.ok(env.factory.last.terminated);
      assert.equal(env.client.state.state, 'reconnecting');
      assert.match(env.client.state.lastError ?? '', /did not answer within 10 s/);
    });
  });

  describe('applying events', () => {
    it('replaces everything with a snapshot', async () => {
      const env = setup();
      const s = await connect(env);
      env.client.store.upsert(makeAlert({ id: 'stale-local' }));
      const oncalls: unknown[] = [];
      env.client.onDidChangeOnCall((o) => oncalls.push(o));
      s.receive({ type: 'snapshot', seq: 41, alerts: [makeAlert({ id: 'a-1' }), makeAlert({ id: 'a-2' })], oncall: makeOnCall(), deploys: [makeDeploy(), makeDeploy()] });
      assert.deepEqual([...env.client.store.values()].map((a) => a.id), ['a-1', 'a-2']);
      assert.equal(env.client.lastSeq, 41);
      assert.deepEqual(env.client.oncall, makeOnCall());
      assert.equal(oncalls.length, 1);
      assert.deepEqual(env.client.deploys.map((d) => d.id), ['d-1']);
    });

    it('applies events in seq order and ignores duplicates', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env);
      s.receive(alertEvent(11, 'a', { title: 'first' }));
      s.receive(alertEvent(11, 'a', { title: 'duplicate' }));
      s.receive(alertEvent(5, 'old'));
      s.receive(alertEvent(12, 'b'));
      assert.equal(env.client.store.get('a')?.title, 'first');
      assert.ok(!env.client.store.has('old'));
      assert.equal(env.client.lastSeq, 12);
      assert.deepEqual(env.client.stats, { received: 6, applied: 3, rejected: 0, duplicates: 2, gaps: 0, reconnects: 0 });
    });

    it('on a gap: drops the early event and sends resume {lastSeq} once; the replay fills it in', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env);
      s.receive(alertEvent(11, 'a'));
      s.receive(alertEvent(13, 'c'));
      s.receive(alertEvent(14, 'd'));
      assert.ok(!env.client.store.has('c'));
      assert.equal(env.client.lastSeq, 11);
      assert.deepEqual(s.messages.slice(1), [{ type: 'resume', lastSeq: 11 }]);
      assert.equal(env.client.stats.gaps, 1);
      // The server replays from 12.
      for (const [seq, id] of [[12, 'b'], [13, 'c'], [14, 'd']] as const) s.receive(alertEvent(seq, id));
      assert.deepEqual([...env.client.store.values()].map((a) => a.id).sort(), ['a', 'b', 'c', 'd']);
      assert.equal(env.client.lastSeq, 14);
    });

    it('handles out-of-order delivery without applying anything out of order', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env, [makeAlert({ id: 'x', title: 'v0', updatedAt: '2025-03-14T08:00:00Z' })]);
      s.receive(alertEvent(12, 'x', { title: 'v2', updatedAt: '2025-03-14T08:02:00Z' }));
      s.receive(alertEvent(11, 'x', { title: 'v1', updatedAt: '2025-03-14T08:01:00Z' }));
      assert.equal(env.client.store.get('x')?.title, 'v1');
      s.receive(alertEvent(12, 'x', { title: 'v2', updatedAt: '2025-03-14T08:02:00Z' }));
      assert.equal(env.client.store.get('x')?.title, 'v2');
    });

    it('asks again if a gap is not filled within the request timeout', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env);
      s.receive(alertEvent(12, 'b'));
      env.clock.advance(10_000);
      s.receive(alertEvent(13, 'c'));
      assert.deepEqual(s.messages.slice(1), [{ type: 'resume', lastSeq: 10 }, { type: 'resume', lastSeq: 10 }]);
      assert.equal(env.client.stats.gaps, 2);
    });

    it('a snapshot in answer to a resume resets lastSeq', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env);
      s.receive(alertEvent(50, 'far'));
      s.receive({ type: 'snapshot', seq: 50, alerts: [makeAlert({ id: 'far' })], oncall: null, deploys: [] });
      s.receive(alertEvent(51, 'next'));
      assert.equal(env.client.lastSeq, 51);
      assert.deepEqual([...env.client.store.values()].map((a) => a.id), ['far', 'next']);
    });

    it('applies alertResolved, oncall and deploy events', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env, [makeAlert({ id: 'a-1' })]);
      const deploys: string[] = [];
      env.client.onDidReceiveDeploy((d) => deploys.push(`${d.id}:${d.status}`));
      s.receive({ type: 'alertResolved', seq: 11, alertResolved: { id: 'a-1', resolvedAt: '2025-03-14T09:10:00Z' } });
      s.receive({ type: 'oncall', seq: 12, oncall: makeOnCall() });
      s.receive({ type: 'deploy', seq: 13, deploy: makeDeploy({ status: 'started' }) });
      s.receive({ type: 'deploy', seq: 14, deploy: makeDeploy({ status: 'succeeded' }) });
      assert.equal(env.client.store.get('a-1')?.status, 'resolved');
      assert.equal(env.client.oncall?.rotations[0]?.name, 'Payments primary');
      assert.deepEqual(deploys, ['d-1:started', 'd-1:succeeded']);
      assert.deepEqual(env.client.deploys.map((d) => `${d.id}:${d.status}`), ['d-1:succeeded']);
    });

    it('rejects a bad message: logged once with its reason, counted, state untouched, nothing thrown', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env, [makeAlert({ id: 'a-1' })]);
      const before = env.client.store.version;
      s.receive(JSON.stringify({ type: 'alert', seq: 11, alert: { ...makeAlert({ id: 'a-1' }), severity: 'urgent' } }));
      s.receive('not json');
      const warns = env.logger.lines.filter((l) => l.level === 'warn');
      assert.equal(warns.length, 2);
      assert.match(warns[0]!.message, /alert\.severity: expected one of critical\|high\|warning\|info, got "urgent"/);
      assert.equal(env.client.stats.rejected, 2);
      assert.equal(env.client.lastSeq, 10);
      assert.equal(env.client.store.version, before);
      assert.equal(env.client.store.get('a-1')?.severity, 'critical');
      // The next valid event still applies.
      s.receive(alertEvent(11, 'b'));
      assert.equal(env.client.lastSeq, 11);
    });

    it('rejects state before hello', async () => {
      const env = setup();
      env.client.connect();
      await flush();
      env.factory.last.open();
      env.factory.last.receive(alertEvent(1, 'a'));
      assert.equal(env.client.store.size, 0);
      assert.equal(env.client.stats.rejected, 1);
    });

    it('survives listeners that throw', async () => {
      const env = setup();
      env.client.store.onDidChange(() => {
        throw new Error('listener bug');
      });
      const s = await connectWithSnapshot(env);
      s.receive(alertEvent(11, 'a'));
      assert.equal(env.client.lastSeq, 11);
    });

    it('forwards server error messages', async () => {
      const env = setup();
      const s = await connect(env);
      const errors: unknown[] = [];
      env.client.onDidReceiveError((e) => errors.push(e));
      s.receive(serverExamples.error);
      assert.deepEqual(errors, [{ code: 'rate_limited', message: 'too many requests' }]);
    });
  });

  describe('heartbeat', () => {
    it('pings every heartbeat and keeps a connection that answers', async () => {
      const env = setup({ heartbeatMs: 15_000 });
      const s = await connect(env);
      for (let i = 0; i < 6; i++) {
        env.clock.advance(15_000);
        s.pong();
      }
      assert.equal(s.pings, 6);
      assert.equal(s.terminated, false);
      assert.equal(env.client.state.state, 'connected');
    });

    it('counts any message as a sign of life', async () => {
      const env = setup({ heartbeatMs: 15_000 });
      const s = await connect(env);
      for (let i = 0; i < 6; i++) {
        env.clock.advance(15_000);
        s.receive(serverExamples.error);
      }
      assert.equal(s.terminated, false);
    });

    it('detects a half-open connection after two unanswered beats, terminates and reconnects', async () => {
      const env = setup({ heartbeatMs: 15_000 });
      const s = await connectWithSnapshot(env);
      env.clock.advance(30_000);
      assert.equal(s.terminated, false);
      env.clock.advance(15_000);
      assert.equal(s.terminated, true);
      assert.equal(env.client.state.state, 'reconnecting');
      assert.match(env.client.state.lastError ?? '', /no answer from the alert source for 30 s/);
      // The late 'close' of the terminated socket changes nothing.
      s.serverClose(1006);
      assert.equal(env.client.stats.reconnects, 0);
      env.clock.advance(env.client.state.retryAt! - env.clock.now());
      await flush();
      assert.equal(env.factory.sockets.length, 2);
      env.factory.last.open();
      env.factory.last.receive(serverExamples.hello);
      assert.deepEqual(env.factory.last.messages, [{ type: 'resume', lastSeq: 10 }]);
      assert.equal(env.client.stats.reconnects, 1);
    });
  });

  describe('reconnecting', () => {
    it('backs off with full jitter, and retryAt says when', async () => {
      const env = setup({ backoff: { baseMs: 1000, capMs: 30_000 }, random: () => 0.5 });
      await connect(env);
      const expected = [500, 1000, 2000, 4000, 8000, 15_000, 15_000];
      for (const delay of expected) {
        env.factory.last.serverClose(1006);
        assert.equal(env.client.state.state, 'reconnecting');
        assert.equal(env.client.state.retryAt, env.clock.now() + delay);
        env.clock.advance(delay);
        await flush();
      }
      assert.equal(env.client.stats.reconnects, expected.length);
    });

    it('resets the backoff after a stable connection', async () => {
      const env = setup({ backoff: { baseMs: 1000 }, random: () => 0.5, stableAfterMs: 10_000 });
      await connect(env);
      for (let i = 0; i < 3; i++) {
        env.factory.last.serverClose(1006);
        env.clock.advance(env.client.state.retryAt! - env.clock.now());
        await flush();
      }
      env.factory.last.open();
      env.factory.last.receive(serverExamples.hello);
      env.clock.advance(10_000);
      env.factory.last.serverClose(1001);
      assert.equal(env.client.state.retryAt, env.clock.now() + 500);
      assert.match(env.client.state.lastError ?? '', /restarting or shutting down/);
    });

    it('stops on 4001 unauthorized and says how to fix it', async () => {
      const env = setup();
      const s = await connect(env);
      s.serverClose(4001, 'unauthorized');
      assert.equal(env.client.state.state, 'closed');
      assert.match(env.client.state.lastError ?? '', /rejected the token/);
      env.clock.advance(120_000);
      assert.equal(env.factory.sockets.length, 1);
    });

    it('treats an HTTP 401 on the upgrade like 4001', async () => {
      const env = setup();
      env.client.connect();
      await flush();
      env.factory.last.error(new Error('Unexpected server response: 401'));
      env.factory.last.serverClose(1006);
      assert.equal(env.client.state.state, 'closed');
      assert.match(env.client.state.lastError ?? '', /HTTP 401/);
    });

    it('reconnects after 4008 (slow client) and resumes where it was', async () => {
      const env = setup();
      const s = await connectWithSnapshot(env);
      s.receive(alertEvent(11, 'a'));
      s.serverClose(4008);
      assert.match(env.client.state.lastError ?? '', /slow client/);
      env.clock.advance(env.client.state.retryAt! - env.clock.now());
      await flush();
      env.factory.last.open();
      env.factory.last.receive(serverExamples.hello);
      assert.deepEqual(env.factory.last.messages, [{ type: 'resume', lastSeq: 11 }]);
    });

    it('retries when reading the token fails', async () => {
      const env = setup({ getToken: () => Promise.reject(new Error('keychain locked')) });
      env.client.connect();
      await flush();
      assert.equal(env.client.state.state, 'reconnecting');
      assert.match(env.client.state.lastError ?? '', /keychain locked/);
    });

    it('disconnect() closes and stops reconnecting until connect()', async () => {
      const env = setup();
      const s = await connect(env);
      env.client.disconnect();
      assert.equal(s.closed?.code, 1000);
      assert.equal(env.client.state.state, 'closed');
      s.serverClose(1000);
      env.clock.advance(60_000);
      assert.equal(env.factory.sockets.length, 1);
      await connect(env);
      assert.equal(env.client.state.state, 'connected');
      assert.equal(env.factory.sockets.length, 2);
    });

    it('dispose() closes the socket and cancels timers', async () => {
      const env = setup();
      const s = await connect(env);
      env.client.dispose();
      assert.equal(s.closed?.code, 1000);
      assert.equal(env.clock.pendingTimers, 0);
    });
  });

  describe('requests', () => {
    it('ack sends unique requestIds with the actor and resolves with the result', async () => {
      const env = setup({ actor: { name: 'Alice', email: 'alice@example.com' } });
      const s = await connect(env);
      const p1 = env.client.ack(['a-1', 'a-2', 'a-1']);
      const p2 = env.client.unack(['a-3']);
      const [m1, m2] = s.messages.slice(1) as [AlertActionMessage, AlertActionMessage];
      assert.deepEqual({ ...m1, requestId: undefined }, { type: 'ack', requestId: undefined, alertIds: ['a-1', 'a-2'], actor: { name: 'Alice', email: 'alice@example.com' } });
      assert.equal(m2.type, 'unack');
      assert.notEqual(m1.requestId, m2.requestId);
      s.receive({ type: 'result', requestId: m2.requestId, ok: true });
      s.receive({ type: 'result', requestId: m1.requestId, ok: true });
      assert.deepEqual(await p1, { type: 'result', requestId: m1.requestId, ok: true });
      assert.equal((await p2).ok, true);
    });

    it('rejects with the server text when ok is false', async () => {
      const env = setup();
      const s = await connect(env);
      const p = env.client.resolve(['a-9']);
      const id = (s.lastMessage() as AlertActionMessage).requestId;
      s.receive({ type: 'result', requestId: id, ok: false, error: 'alert a-9 does not exist' });
      await assert.rejects(p, { message: 'alert a-9 does not exist' });
    });

    it('times out after 10 s', async () => {
      const env = setup();
      await connect(env);
      const p = env.client.ack(['a-1']);
      env.clock.advance(9_999);
      env.clock.advance(1);
      await assert.rejects(p, { message: 'timed out after 10 s waiting for the alert source' });
    });

    it('fails fast while disconnected, saying when the next retry is', async () => {
      const env = setup({ backoff: { baseMs: 10_000 }, random: () => 0.8 });
      await assert.rejects(env.client.ack(['a-1']), { message: 'not connected' });
      const s = await connect(env);
      s.serverClose(1006);
      await assert.rejects(env.client.ack(['a-1']), { message: 'not connected — retrying in 8 s' });
      env.clock.advance(3_000);
      await assert.rejects(env.client.annotate({ kind: 'note', text: 'x' }), { message: 'not connected — retrying in 5 s' });
    });

    it('fails pending requests when the connection drops', async () => {
      const env = setup();
      const s = await connect(env);
      const p = env.client.ack(['a-1']);
      s.serverClose(1006);
      await assert.rejects(p, /connection to the alert source was lost/);
      env.clock.advance(20_000); // the old timeout must not fire again
    });

    it('refuses actions the server does not offer', async () => {
      const env = setup();
      await connect(env, { ...serverExamples.hello, capabilities: ['ack'] } as ServerMessage);
      await assert.rejects(env.client.resolve(['a-1']), /does not support "resolve"/);
    });

    it('refuses an empty selection', async () => {
      const env = setup();
      await connect(env);
      await assert.rejects(env.client.ack([]), /no alerts given/);
    });

    it('annotate sends the annotation with the actor', async () => {
      const env = setup({ actor: { name: 'Alice' } });
      const s = await connect(env);
      const p = env.client.annotate({ kind: 'deployOverride', text: 'hotfix', service: 'checkout' });
      const m = s.lastMessage() as AnnotateMessage;
      assert.deepEqual(m.annotation, { kind: 'deployOverride', text: 'hotfix', service: 'checkout', actor: { name: 'Alice' } });
      s.receive({ type: 'result', requestId: m.requestId, ok: true });
      await p;
    });

    it('ignores results for unknown requests', async () => {
      const env = setup();
      const s = await connect(env);
      s.receive({ type: 'result', requestId: 'nobody', ok: true });
      assert.equal(env.client.stats.rejected, 0);
    });
  });

  describe('chunked snapshots (protocol 1.1)', () => {
    const chunkHello: ServerMessage = { ...serverExamples.hello, capabilities: [...(serverExamples.hello as { capabilities: string[] }).capabilities, 'snapshotChunks'] } as ServerMessage;
    const part = (seq: number, index: number, count: number, ids: string[]): ServerMessage => ({ type: 'snapshotChunk', seq, index, count, alerts: ids.map((id) => makeAlert({ id })) });
    const end = (seq: number, chunks: number): ServerMessage => ({ type: 'snapshot', seq, alerts: [], oncall: null, deploys: [makeDeploy()], chunks });

    it('asks for parts only when hello lists snapshotChunks (a 1.0 server never sees the field)', async () => {
      const plain = setup();
      assert.deepEqual((await connect(plain)).messages, [{ type: 'resume', lastSeq: -1 }]);
      const env = setup();
      assert.deepEqual((await connect(env, chunkHello)).messages, [{ type: 'resume', lastSeq: -1, snapshotChunks: true }]);
    });

    it('applies each part as it comes, removes alerts the snapshot no longer has only at its end, then goes on live', async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      s.receive({ type: 'snapshot', seq: 5, alerts: [makeAlert({ id: 'old' }), makeAlert({ id: 'a' })], oncall: null, deploys: [] });
      await flush();
      s.receive(part(20, 0, 2, ['a', 'b']));
      await flush();
      assert.deepEqual([...env.client.store.values()].map((a) => a.id).sort(), ['a', 'b', 'old'], 'the first part shows at once; nothing removed yet');
      assert.deepEqual(env.client.snapshotProgress, { received: 1, total: 2 });
      assert.equal(env.client.lastSeq, 5, 'not complete: lastSeq unchanged');
      s.receive(part(20, 1, 2, ['c']));
      s.receive(end(20, 2));
      await flush();
      assert.deepEqual([...env.client.store.values()].map((a) => a.id).sort(), ['a', 'b', 'c']);
      assert.equal(env.client.lastSeq, 20);
      assert.equal(env.client.snapshotProgress, undefined);
      assert.equal(env.client.deploys.length, 1);
      s.receive(alertEvent(21, 'd'));
      assert.ok(env.client.store.has('d'));
    });

    it("the firing history after it: each part's alerts (top frame from their own trace) and the snapshot's own history; a superseded state's firings gone", async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      const t = (min: number): string => new Date(T0 - 120 * 60_000 + min * 60_000).toISOString();
      s.receive({ type: 'snapshot', seq: 5, alerts: [makeAlert({ id: 'gone', startedAt: t(1), updatedAt: t(1) })], oncall: null, deploys: [] });
      await flush();
      assert.deepEqual(env.client.history.all().map((f) => f.alertId), ['gone']);
      const traced = (id: string, line: number, min: number): Alert => makeAlert({ id, startedAt: t(min), updatedAt: t(min), stackTrace: `Error: x\n    at f (/app/src/${id}.ts:${line}:1)` });
      s.receive({ type: 'snapshotChunk', seq: 20, index: 0, count: 2, alerts: [traced('p1', 11, 3), traced('p2', 12, 4)] });
      s.receive({ type: 'snapshotChunk', seq: 20, index: 1, count: 2, alerts: [traced('p3', 13, 5)] });
      const past: Firing = { alertId: 'p1', rule: makeAlert({ id: 'p1' }).title, service: makeAlert({ id: 'p1' }).service, severity: 'critical', title: 'earlier', firedAt: t(-60), clearedAt: t(-50) };
      s.receive({ type: 'snapshot', seq: 20, alerts: [traced('p4', 14, 6)], oncall: null, deploys: [], chunks: 2, history: [past] });
      await flush();
      const all = env.client.history.all();
      assert.deepEqual(all.map((f) => [f.alertId, f.firedAt]), [['p1', t(-60)], ['p1', t(3)], ['p2', t(4)], ['p3', t(5)], ['p4', t(6)]]);
      assert.deepEqual(all.slice(1).map((f) => f.topFrame), [11, 12, 13, 14].map((line, i) => ({ file: `/app/src/p${i + 1}.ts`, line })));
    });

    it('a connection lost mid-set keeps the previous state plus the parts received, and says so', async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      s.receive({ type: 'snapshot', seq: 5, alerts: [makeAlert({ id: 'old' })], oncall: null, deploys: [] });
      s.receive(part(20, 0, 3, ['a']));
      s.serverClose(1006);
      await flush();
      assert.deepEqual([...env.client.store.values()].map((a) => a.id).sort(), ['a', 'old']);
      assert.equal(env.client.lastSeq, 5, 'the next resume asks from the last complete state');
      assert.equal(env.client.snapshotProgress, undefined);
      assert.ok(env.logger.lines.some((l) => l.level === 'warn' && /interrupted after 1 of 3 parts/.test(l.message)), env.logger.lines.map((l) => l.message).join('\n'));
      assert.notEqual(env.client.state.state, 'connected');
    });

    it('parts out of order or an end that does not match: dropped, and the state asked for again', async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      s.receive(part(20, 0, 3, ['a']));
      s.receive(part(20, 2, 3, ['c']));
      assert.equal(env.client.stats.rejected, 1);
      assert.deepEqual(s.messages.at(-1), { type: 'resume', lastSeq: -1, snapshotChunks: true });
      s.receive(part(30, 0, 1, ['x']));
      s.receive(end(31, 1));
      assert.equal(env.client.stats.rejected, 2);
      assert.equal(env.client.lastSeq, -1, 'never treated as complete');
    });

    it('synced: false from hello through every part, true only when the last part is in (one state change)', async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      assert.equal(env.client.state.state, 'connected', 'requests work while loading');
      assert.equal(env.client.state.synced, false);
      s.receive(part(20, 0, 3, ['a']));
      env.clock.advance(2000);
      s.receive(part(20, 1, 3, ['b']));
      env.clock.advance(2000);
      s.receive(part(20, 2, 3, ['c']));
      await flush();
      assert.equal(env.client.state.synced, false, 'all parts but not the end: still loading');
      assert.equal(env.client.store.size, 3);
      const before = env.states.length;
      s.receive(end(20, 3));
      assert.equal(env.client.state.synced, true);
      assert.deepEqual(env.states.slice(before).map((x) => [x.state, x.synced]), [['connected', true]]);
      assert.equal(env.client.state.server?.server, 'oncall-bridge/0.1.0', 'the hello stays on the state');
      s.receive(alertEvent(21, 'd'));
      assert.equal(env.states.length, before + 1, 'no further state changes for live events');
    });

    it('synced stays false when the parts do not fit together, until a complete snapshot', async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      s.receive(part(20, 0, 3, ['a']));
      s.receive(part(20, 2, 3, ['c']));
      s.receive(end(20, 3));
      assert.equal(env.client.state.synced, false);
      s.receive({ type: 'snapshot', seq: 21, alerts: [makeAlert({ id: 'a' })], oncall: null, deploys: [] });
      assert.equal(env.client.state.synced, true, 'a whole snapshot syncs too');
    });

    it('a reconnect before the snapshot completed is not synced either; a resume with state is synced at once', async () => {
      const env = setup();
      let s = await connect(env, chunkHello);
      s.receive(part(20, 0, 2, ['a']));
      s.serverClose(1006);
      await flush();
      assert.equal(env.client.state.synced, undefined, 'not connected: no synced');
      env.clock.advance(60_000);
      await flush();
      s = env.factory.last;
      s.open();
      s.receive(chunkHello);
      assert.deepEqual(s.messages, [{ type: 'resume', lastSeq: -1, snapshotChunks: true }]);
      assert.equal(env.client.state.synced, false, 'no complete state yet: still loading on the new connection');
      s.receive(part(20, 0, 1, ['a']));
      s.receive(end(20, 1));
      assert.equal(env.client.state.synced, true);
      s.serverClose(1006);
      await flush();
      env.clock.advance(60_000);
      await flush();
      s = env.factory.last;
      s.open();
      s.receive(chunkHello);
      assert.deepEqual(s.messages, [{ type: 'resume', lastSeq: 20, snapshotChunks: true }]);
      assert.equal(env.client.state.state, 'connected');
      assert.equal(env.client.state.synced, true, 'resumed with state: the replay only brings it up to date');
    });

    it('live events that arrive while a set is incomplete are not applied (the server sends them after it)', async () => {
      const env = setup();
      const s = await connect(env, chunkHello);
      s.receive(part(20, 0, 2, ['a']));
      s.receive(alertEvent(21, 'early'));
      assert.ok(!env.client.store.has('early'));
      s.receive(part(20, 1, 2, ['b']));
      s.receive(end(20, 2));
      s.receive(alertEvent(21, 'early'));
      assert.ok(env.client.store.has('early'));
    });
  });
});
