import * as assert from 'node:assert';
import * as http from 'node:http';
import type { AlertEventMessage, SnapshotMessage } from '../../../src/core/protocol/types';
import { INITIAL_ALERT_IDS } from '../../../src/bridge/sources/demo/demoSource';
import { startTestBridge, useTestBridges, T0, TestClient, type TestBridge } from './helpers';

function httpGet(url: string, path: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bridge server: protocol', function () {
  const bridges = useTestBridges();
  let b: TestBridge;
  const client = (): TestClient => bridges.dial();
  beforeEach(async () => {
    b = await bridges.start();
  });

  it('hello → resume(-1) → a snapshot of the demo world', async () => {
    const c = client();
    await c.opened;
    const hello = await c.next();
    assert.strictEqual(hello.type, 'hello');
    assert.ok(hello.type === 'hello' && hello.protocol === 1 && hello.source === 'demo');
    assert.deepStrictEqual(hello.type === 'hello' && [...hello.capabilities].sort(), ['ack', 'annotate', 'deploys', 'escalate', 'note', 'oncall', 'override', 'reassign', 'resolve', 'snapshotChunks', 'snooze', 'unack']);
    c.send({ type: 'resume', lastSeq: -1 });
    const snap = (await c.next()) as SnapshotMessage;
    assert.strictEqual(snap.type, 'snapshot');
    assert.strictEqual(snap.seq, b.server.world.seq);
    assert.deepStrictEqual(snap.alerts.map((a) => a.id).sort(), [...INITIAL_ALERT_IDS].sort());
    assert.deepStrictEqual(new Set(snap.alerts.map((a) => a.severity)), new Set(['critical', 'high', 'warning', 'info']));
    assert.deepStrictEqual(new Set(snap.alerts.map((a) => a.status)), new Set(['triggered', 'acknowledged', 'resolved']));
    assert.ok(snap.oncall, 'on-call state');
    assert.ok(snap.deploys.length >= 5, 'recent deploys');
  });

  it('protocol 1.1: a client that asks for parts gets the snapshot as snapshotChunk parts, then the snapshot ending the set, then live events', async () => {
    const small = await bridges.start({ snapshotChunkAlerts: 2 });
    const c = bridges.dial(small.url);
    await c.opened;
    const hello = await c.next();
    assert.ok(hello.type === 'hello' && hello.capabilities.includes('snapshotChunks'));
    c.send({ type: 'resume', lastSeq: -1, snapshotChunks: true });
    const ids: string[] = [];
    let first = await c.next();
    let expected = 0;
    while (first.type === 'snapshotChunk') {
      assert.strictEqual(first.index, expected++);
      assert.ok(first.alerts.length <= 2, 'at most snapshotChunkAlerts alerts a part');
      ids.push(...first.alerts.map((a) => a.id));
      first = await c.next();
    }
    const end = first as SnapshotMessage;
    assert.strictEqual(end.type, 'snapshot');
    assert.strictEqual(end.chunks, expected);
    assert.strictEqual(expected, Math.ceil(INITIAL_ALERT_IDS.length / 2));
    assert.deepStrictEqual(end.alerts, []);
    assert.ok(end.oncall && end.deploys.length >= 5, 'the rest of the state comes with the end');
    assert.deepStrictEqual(ids.sort(), [...INITIAL_ALERT_IDS].sort());
    small.source.tick();
    const live = await c.next();
    assert.ok('seq' in live && live.seq === end.seq + 1, 'live events follow the set, in order');
  });

  it('resume from a seq in the buffer replays exactly the missed events, in order, then goes live', async () => {
    const a = client();
    const snap = (await a.handshake(-1)) as SnapshotMessage;
    a.ws.terminate();
    for (let i = 0; i < 7; i++) b.source.tick();
    const missed = b.server.world.seq - snap.seq;
    assert.ok(missed >= 7);

    const c = client();
    const first = await c.handshake(snap.seq);
    const got = [first];
    for (let i = 1; i < missed; i++) got.push(await c.next());
    assert.deepStrictEqual(
      got.map((m) => ('seq' in m ? m.seq : -1)),
      Array.from({ length: missed }, (_, i) => snap.seq + 1 + i),
    );
    assert.ok(got.every((m) => m.type !== 'snapshot'));
    assert.deepStrictEqual(await c.quiet(), [], 'nothing beyond the missed events');
    b.source.tick();
    const live = await c.next();
    assert.strictEqual('seq' in live && live.seq, snap.seq + missed + 1);
  });

  it('resume from the current seq sends nothing; from an unknown future seq, a snapshot', async () => {
    const c = client();
    const snap = (await c.handshake(-1)) as SnapshotMessage;
    c.send({ type: 'resume', lastSeq: snap.seq });
    assert.deepStrictEqual(await c.quiet(), []);
    c.send({ type: 'resume', lastSeq: snap.seq + 1000 });
    const again = await c.next();
    assert.strictEqual(again.type, 'snapshot');
  });

  it('resume older than the replay buffer gets a snapshot', async () => {
    await b.server.close();
    b = await bridges.start({ replayBufferSize: 3 });
    const a = client();
    const snap = (await a.handshake(-1)) as SnapshotMessage;
    for (let i = 0; i < 6; i++) b.source.tick();
    const c = client();
    const m = await c.handshake(snap.seq);
    assert.strictEqual(m.type, 'snapshot');
    assert.strictEqual(m.type === 'snapshot' && m.seq, b.server.world.seq);
  });

  it('every state event gets the next seq', async () => {
    const c = client();
    const snap = (await c.handshake(-1)) as SnapshotMessage;
    for (let i = 0; i < 20; i++) b.source.tick();
    const seqs: number[] = [];
    while (seqs.length < b.server.world.seq - snap.seq) {
      const m = await c.next();
      if ('seq' in m) seqs.push(m.seq);
    }
    seqs.forEach((s, i) => assert.strictEqual(s, snap.seq + 1 + i));
  });

  it('ack round-trip: result ok, alert acknowledged by the actor, broadcast to every client', async () => {
    const a = client();
    const other = client();
    await a.handshake(-1);
    await other.handshake(-1);
    a.send({ type: 'ack', requestId: 'r1', alertIds: ['DEMO-1001'], actor: { name: 'Dana Dev', email: 'dana@example.com' } });
    const ev: AlertEventMessage = await a.nextOfType('alert');
    assert.strictEqual(ev.alert.id, 'DEMO-1001');
    assert.strictEqual(ev.alert.status, 'acknowledged');
    assert.strictEqual(ev.alert.acknowledgedBy?.name, 'Dana Dev');
    assert.strictEqual(ev.alert.acknowledgedAt, new Date(T0).toISOString());
    assert.strictEqual(ev.alert.escalation?.nextEscalationAt, undefined, 'an acked alert does not escalate');
    const res = await a.nextOfType('result');
    assert.deepStrictEqual(res, { type: 'result', requestId: 'r1', ok: true });
    const seen = await other.nextOfType('alert');
    assert.strictEqual(seen.alert.status, 'acknowledged');
    assert.strictEqual(seen.seq, ev.seq);
    assert.strictEqual(b.server.world.getAlert('DEMO-1001')?.status, 'acknowledged');

    // Without an actor it is "You"; unack and resolve work the same way.
    a.send({ type: 'unack', requestId: 'r2', alertIds: ['DEMO-1001'] });
    assert.strictEqual((await a.nextOfType('alert')).alert.status, 'triggered');
    assert.ok((await a.nextOfType('result')).ok);
    a.send({ type: 'ack', requestId: 'r3', alertIds: ['DEMO-1001'] });
    assert.strictEqual((await a.nextOfType('alert')).alert.acknowledgedBy?.email, 'you@example.com');
    a.send({ type: 'resolve', requestId: 'r4', alertIds: ['DEMO-1001'] });
    const resolved = await a.nextOfType('alertResolved');
    assert.strictEqual(resolved.alertResolved.id, 'DEMO-1001');
    assert.ok((await a.nextOfType('result')).ok);
  });

  it('an action on an unknown alert fails with a reason and changes nothing', async () => {
    const a = client();
    await a.handshake(-1);
    const seq = b.server.world.seq;
    a.send({ type: 'ack', requestId: 'bad', alertIds: ['DEMO-1001', 'NOPE-1'] });
    const res = await a.nextOfType('result');
    assert.strictEqual(res.ok, false);
    assert.match(res.error ?? '', /NOPE-1/);
    assert.strictEqual(b.server.world.seq, seq);
    assert.strictEqual(b.server.world.getAlert('DEMO-1001')?.status, 'triggered');
  });

  it('an invalid message gets an error, one log line with the reason, and the connection survives', async () => {
    const a = client();
    await a.handshake(-1);
    const seq = b.server.world.seq;
    const before = JSON.stringify(b.server.world.snapshot());
    a.send({ type: 'ack', requestId: 'x', alertIds: 'DEMO-1001' });
    const err = await a.next();
    assert.strictEqual(err.type, 'error');
    assert.ok(err.type === 'error' && err.error.code === 'invalid_message' && /alertIds/.test(err.error.message), JSON.stringify(err));
    assert.ok(!('seq' in err));
    const warnings = b.logger.lines.filter((l) => l.level === 'warn' && /invalid message/.test(l.message));
    assert.strictEqual(warnings.length, 1);
    assert.match(warnings[0]!.message, /alertIds/);
    a.send('{not json');
    assert.strictEqual((await a.next()).type, 'error');
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.strictEqual((await a.next()).type, 'error');
    assert.strictEqual(b.server.world.seq, seq);
    assert.strictEqual(JSON.stringify(b.server.world.snapshot()), before);
    a.send({ type: 'resume', lastSeq: -1 });
    assert.strictEqual((await a.next()).type, 'snapshot', 'still connected and served');
  });

  it('closes a connection whose frame exceeds maxPayload (1009)', async () => {
    await b.server.close();
    b = await bridges.start({ maxPayloadBytes: 1024 });
    const a = client();
    await a.handshake(-1);
    a.send({ type: 'annotate', requestId: 'big', annotation: { kind: 'note', text: 'x'.repeat(4096) } });
    assert.strictEqual(await a.closed, 1009);
  });

  it('escalates an unacked alert on its policy delay and stops when it is acked', async () => {
    const a = client();
    await a.handshake(-1);
    const before = b.server.world.getAlert('DEMO-1001')!;
    assert.strictEqual(before.escalation?.level, 1);
    assert.deepStrictEqual(before.assignees.map((p) => p.name), ['You', 'Carol Okafor']);
    const due = Date.parse(before.escalation.nextEscalationAt!);
    assert.strictEqual(due, T0 + 60_000, 'started 4 min ago, tier 1 waits 5 min');
    b.clock.advance(60_000);
    const ev = await a.nextOfType('alert');
    assert.strictEqual(ev.alert.id, 'DEMO-1001');
    assert.strictEqual(ev.alert.escalation?.level, 2);
    assert.deepStrictEqual(ev.alert.assignees.map((p) => p.name), ['Priya Raman']);
    assert.strictEqual(ev.alert.escalation?.nextEscalationAt, new Date(T0 + 60_000 + 15 * 60_000).toISOString());
    assert.deepStrictEqual(ev.alert.escalation?.targets.map((p) => p.name), ['Alice Chen']);
    a.send({ type: 'ack', requestId: 'r', alertIds: ['DEMO-1001'] });
    await a.nextOfType('result');
    b.clock.advance(20 * 60_000);
    const after = b.server.world.getAlert('DEMO-1001')!;
    assert.strictEqual(after.escalation?.level, 2);
    assert.strictEqual(after.status, 'acknowledged');
  });

  it('pings clients and terminates one that does not answer', async () => {
    await b.server.close();
    b = await bridges.start({ heartbeatMs: 1000 });
    const good = client();
    const silent = bridges.track(new TestClient(b.url, { autoPong: false }));
    await good.handshake(-1);
    await silent.handshake(-1);
    b.clock.advance(1000); // ping
    await new Promise((r) => setTimeout(r, 100)); // the good client's pong arrives
    b.clock.advance(1000); // the silent one missed it
    assert.strictEqual(await silent.closed, 1006);
    assert.strictEqual(good.ws.readyState, good.ws.OPEN);
  });

  it('annotate is acknowledged with a result', async () => {
    const a = client();
    await a.handshake(-1);
    a.send({ type: 'annotate', requestId: 'n1', annotation: { kind: 'deploy-override', text: 'hotfix for PAY-412', service: 'checkout-api' } });
    assert.deepStrictEqual(await a.nextOfType('result'), { type: 'result', requestId: 'n1', ok: true });
    assert.strictEqual(b.source.annotations[0]?.text, 'hotfix for PAY-412');
  });

  it('serves /healthz and 404s elsewhere; source routes get a body limit', async () => {
    const a = client();
    await a.handshake(-1);
    const h = await httpGet(b.url, '/healthz');
    assert.strictEqual(h.status, 200);
    assert.deepStrictEqual(JSON.parse(h.body), { ok: true, seq: b.server.world.seq, clients: 1, alerts: INITIAL_ALERT_IDS.length, omittedAlerts: 0 });
    assert.strictEqual((await httpGet(b.url, '/nope')).status, 404);
    assert.strictEqual((await httpGet(b.url, '/healthz', 'POST')).status, 405);

    let received = '';
    b.server.addRoute({
      method: 'POST', path: '/webhooks/test', maxBodyBytes: 16,
      handle: (req) => {
        received = req.body.toString();
        return Promise.resolve({ status: 202, body: { accepted: true } });
      },
    });
    assert.strictEqual((await httpGet(b.url, '/webhooks/test', 'POST', '{"a":1}')).status, 202);
    assert.strictEqual(received, '{"a":1}');
    assert.strictEqual((await httpGet(b.url, '/webhooks/test', 'POST', 'x'.repeat(100))).status, 413);
  });

  it('closes clients with 1001 when the bridge stops', async () => {
    const a = client();
    await a.handshake(-1);
    await b.server.close();
    assert.strictEqual(await a.closed, 1001);
  });
});

describe('demo world: deploys come from teammates', function () {
  this.timeout(30_000);
  it('the demo never invents a deploy by "you", nor redeploys the commit a service already runs', async () => {
    const b = await startTestBridge();
    try {
      const initial = new Set(b.server.world.snapshot().deploys.map((d) => d.id));
      const running = new Map<string, string>();
      for (const d of b.server.world.snapshot().deploys) if (d.status !== 'failed') running.set(`${d.service}/${d.environment}`, d.commitSha);
      const added: Array<{ author: string | undefined; sha: string; before: string | undefined }> = [];
      for (let i = 0; i < 400; i++) {
        b.source.tick();
        b.clock.advance(60_000);
        for (const d of b.server.world.snapshot().deploys) {
          if (initial.has(d.id)) continue;
          initial.add(d.id);
          const key = `${d.service}/${d.environment}`;
          added.push({ author: d.author?.email, sha: d.commitSha, before: running.get(key) });
          if (d.status !== 'failed') running.set(key, d.commitSha);
        }
      }
      assert.ok(added.length >= 10, `the demo deploys now and then (${added.length})`);
      assert.deepStrictEqual(added.filter((d) => d.author === 'you@example.com'), [], 'no deploy by "you"');
      assert.deepStrictEqual(added.filter((d) => d.sha === d.before), [], 'no redeploy of the running commit');
    } finally {
      await b.server.close();
    }
  });
});
