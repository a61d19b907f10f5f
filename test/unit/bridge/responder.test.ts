import * as assert from 'node:assert';
import type { Alert, HelloMessage, OnCallEventMessage, ResultMessage } from '../../../src/core/protocol/types';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { MemoryLogger } from '../../../src/core/util/logger';
import { wsSocketFactory } from '../../../src/core/transport/socket';
import { DemoSource } from '../../../src/bridge/sources/demo/demoSource';
import { ROTATION_IDS } from '../../../src/bridge/sources/demo/people';
import { builtinDemoCommits } from '../../../src/bridge/sources/demo/workspace';
import type { SourceModule } from '../../../src/bridge/sources/types';
import { useTestBridges, T0, TestClient, waitUntil, type TestBridge } from './helpers';

const MIN = 60_000;

describe('protocol 1.1 responder actions: the demo source over a real bridge', function () {
  this.timeout(30_000);
  const bridges = useTestBridges();
  let b: TestBridge;
  const client = (): TestClient => bridges.dial();
  beforeEach(async () => {
    b = await bridges.start();
  });

  /** Sends a request and returns its result (events before it are left for nextOfType). */
  async function request(c: TestClient, msg: Record<string, unknown>): Promise<ResultMessage> {
    const requestId = `r-${Math.random()}`;
    c.send({ ...msg, requestId });
    for (;;) {
      const r = await c.nextOfType('result');
      if (r.requestId === requestId) return r;
    }
  }
  const alertNow = (id: string): Alert => b.server.world.getAlert(id)!;

  it('hello lists every action and protocolMinor 1, with no reasons (the demo has them all)', async () => {
    const c = client();
    await c.opened;
    const hello = (await c.next()) as HelloMessage;
    assert.strictEqual(hello.protocol, 1);
    assert.strictEqual(hello.protocolMinor, 1);
    for (const a of ['snooze', 'reassign', 'escalate', 'note', 'override']) assert.ok(hello.capabilities.includes(a), a);
    assert.strictEqual(hello.unsupportedActions, undefined);
  });

  it('snooze: acknowledged with snoozedUntil, no escalation; triggers again by itself at until', async () => {
    const c = client();
    await c.handshake(-1);
    const until = new Date(T0 + 30 * MIN).toISOString();
    const res = await request(c, { type: 'snooze', alertIds: ['DEMO-1001', 'DEMO-1003'], until, actor: { name: 'Dana', email: 'dana@example.com' } });
    assert.strictEqual(res.ok, true, res.error);
    const ev = alertNow('DEMO-1001');
    assert.strictEqual(ev.status, 'acknowledged');
    assert.strictEqual(ev.snoozedUntil, until);
    assert.strictEqual(ev.acknowledgedBy?.name, 'Dana');
    assert.strictEqual(ev.escalation?.nextEscalationAt, undefined);
    assert.deepStrictEqual(ev.timeline?.at(-1), { at: new Date(T0).toISOString(), kind: 'snoozed', actor: { name: 'Dana', email: 'dana@example.com' }, text: `snoozed until ${until}` });
    b.clock.advance(29 * MIN);
    assert.strictEqual(alertNow('DEMO-1001').status, 'acknowledged', 'still snoozed (it would have escalated after 1 min)');
    assert.strictEqual(alertNow('DEMO-1001').escalation?.level, 1);
    b.clock.advance(MIN);
    const woke = alertNow('DEMO-1001');
    assert.strictEqual(woke.status, 'triggered');
    assert.strictEqual(woke.snoozedUntil, undefined);
    assert.strictEqual(woke.acknowledgedBy, undefined);
    assert.strictEqual(woke.timeline?.at(-1)?.kind, 'unsnoozed');
    assert.strictEqual(woke.escalation?.nextEscalationAt, new Date(T0 + 35 * MIN).toISOString(), 'escalates again from the wake-up');
    // The client saw the wake-up as an ordinary alert event.
    await waitUntil('the wake-up event', () => c.messages.some((m) => m.type === 'alert' && m.alert.id === 'DEMO-1001' && m.alert.status === 'triggered' && m.alert.timeline?.at(-1)?.kind === 'unsnoozed'));
  });

  it('snooze refusals: in the past, over 7 days, unknown or resolved alerts — nothing changes', async () => {
    const c = client();
    await c.handshake(-1);
    const seq = b.server.world.seq;
    const past = await request(c, { type: 'snooze', alertIds: ['DEMO-1001'], until: new Date(T0 - MIN).toISOString() });
    assert.match(past.error ?? '', /not in the future/);
    const far = await request(c, { type: 'snooze', alertIds: ['DEMO-1001'], until: new Date(T0 + 8 * 24 * 60 * MIN).toISOString() });
    assert.match(far.error ?? '', /at most 168 h/);
    const unknown = await request(c, { type: 'snooze', alertIds: ['DEMO-1001', 'NOPE'], until: new Date(T0 + MIN).toISOString() });
    assert.match(unknown.error ?? '', /NOPE/);
    const resolved = await request(c, { type: 'snooze', alertIds: ['DEMO-1006'], until: new Date(T0 + MIN).toISOString() });
    assert.match(resolved.error ?? '', /already resolved: DEMO-1006/);
    assert.strictEqual(b.server.world.seq, seq, 'no event');
    assert.strictEqual(alertNow('DEMO-1001').status, 'triggered');
  });

  it('acknowledging a snoozed alert ends the snooze (it does not wake up later)', async () => {
    const c = client();
    await c.handshake(-1);
    await request(c, { type: 'snooze', alertIds: ['DEMO-1001'], until: new Date(T0 + 10 * MIN).toISOString() });
    assert.ok((await request(c, { type: 'ack', alertIds: ['DEMO-1001'] })).ok);
    assert.strictEqual(alertNow('DEMO-1001').snoozedUntil, undefined);
    b.clock.advance(20 * MIN);
    assert.strictEqual(alertNow('DEMO-1001').status, 'acknowledged');
  });

  it('escalate: to the next level (people and countdown updated), then refused at the last level', async () => {
    const c = client();
    await c.handshake(-1);
    assert.ok((await request(c, { type: 'ack', alertIds: ['DEMO-1001'] })).ok);
    const r1 = await request(c, { type: 'escalate', alertIds: ['DEMO-1001'], actor: { name: 'Dana' } });
    assert.strictEqual(r1.ok, true, r1.error);
    let a = alertNow('DEMO-1001');
    assert.strictEqual(a.escalation?.level, 2);
    assert.strictEqual(a.status, 'triggered', 'the new level is paged');
    assert.deepStrictEqual(a.assignees.map((p) => p.name), ['Priya Raman']);
    assert.strictEqual(a.escalation?.nextEscalationAt, new Date(T0 + 15 * MIN).toISOString());
    assert.strictEqual(a.timeline?.at(-1)?.kind, 'escalated');
    assert.strictEqual(a.timeline?.at(-1)?.actor?.name, 'Dana');
    assert.ok((await request(c, { type: 'escalate', alertIds: ['DEMO-1001'], level: 3 })).ok);
    a = alertNow('DEMO-1001');
    assert.strictEqual(a.escalation?.level, 3);
    assert.deepStrictEqual(a.assignees.map((p) => p.name), ['Alice Chen']);
    assert.strictEqual(a.escalation?.nextEscalationAt, undefined, 'last level: no countdown');
    const last = await request(c, { type: 'escalate', alertIds: ['DEMO-1001'] });
    assert.match(last.error ?? '', /already at the last level \(3\) of Payments escalation/);
    const staging = await request(c, { type: 'escalate', alertIds: ['DEMO-1005'] });
    assert.match(staging.error ?? '', /not paged/);
  });

  it('reassign to a person, to a level, to another policy; unknown targets refused', async () => {
    const c = client();
    await c.handshake(-1);
    assert.ok((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { userId: 'u-bob' } })).ok);
    assert.deepStrictEqual(alertNow('DEMO-1003').assignees.map((p) => p.name), ['Bob Lindqvist']);
    assert.strictEqual(alertNow('DEMO-1003').timeline?.at(-1)?.text, 'reassigned to Bob Lindqvist');
    assert.ok((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { escalationLevel: 2 } })).ok);
    assert.strictEqual(alertNow('DEMO-1003').escalation?.level, 2);
    assert.deepStrictEqual(alertNow('DEMO-1003').assignees.map((p) => p.name), ['Alice Chen']);
    assert.ok((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { policyId: 'payments-escalation' } })).ok);
    const moved = alertNow('DEMO-1003');
    assert.strictEqual(moved.escalation?.policy, 'Payments escalation');
    assert.strictEqual(moved.escalation?.level, 1);
    assert.deepStrictEqual(moved.assignees.map((p) => p.name), ['You', 'Carol Okafor']);
    assert.match((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { userId: 'u-nobody' } })).error ?? '', /no one with id "u-nobody"/);
    assert.match((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { policyId: 'nope' } })).error ?? '', /no escalation policy "nope"/);
    assert.match((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { escalationLevel: 9 } })).error ?? '', /levels 1–3, not 9/);
  });

  it('a kind of reassign target the source cannot serve: in hello, refused before the source is asked, and the client says why', async () => {
    const WHY = 'this source cannot move alerts between escalation policies';
    class NoPolicyMoves extends DemoSource {
      readonly unsupportedReassignTargets = { policyId: WHY };
    }
    const source = new NoPolicyMoves({ commits: builtinDemoCommits(), seed: 42, intervalMs: 3_600_000 });
    let asked = 0;
    const reassign = source.reassign.bind(source);
    source.reassign = (...args) => {
      asked++;
      return reassign(...args);
    };
    b = await bridges.start({ source });
    const c = client();
    await c.handshake(-1);
    const hello = c.messages.find((m): m is HelloMessage => m.type === 'hello');
    assert.deepStrictEqual(hello?.unsupportedReassignTargets, { policyId: WHY });
    const before = alertNow('DEMO-1003').escalation?.policy;
    const refused = await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { policyId: 'payments-escalation' } });
    assert.strictEqual(refused.ok, false);
    assert.strictEqual(refused.error, `reassign: ${WHY}`);
    assert.strictEqual(asked, 0, 'the source was not asked');
    assert.strictEqual(alertNow('DEMO-1003').escalation?.policy, before);
    assert.ok((await request(c, { type: 'reassign', alertIds: ['DEMO-1003'], to: { userId: 'u-bob' } })).ok, 'other kinds still work');
    assert.strictEqual(asked, 1);
    const ac = new AlertClient({ url: b.url, getToken: () => Promise.resolve(undefined), clock: b.clock, logger: new MemoryLogger(), socketFactory: wsSocketFactory });
    try {
      ac.connect();
      await waitUntil('connected', () => ac.state.state === 'connected');
      assert.strictEqual(ac.unsupportedReassignTarget('policyId'), WHY);
      assert.strictEqual(ac.unsupportedReassignTarget('userId'), undefined);
    } finally {
      ac.dispose();
    }
  });

  it('note: kept on the alert with author and time, in the timeline; annotate with an alertId is the same; unknown alert refused', async () => {
    const c = client();
    await c.handshake(-1);
    assert.ok((await request(c, { type: 'note', alertId: 'DEMO-1002', text: 'rolled back billing-worker', actor: { name: 'Dana' } })).ok);
    assert.ok((await request(c, { type: 'annotate', annotation: { kind: 'deployOverride', text: 'deploying the fix anyway', alertId: 'DEMO-1002' } })).ok);
    const a = alertNow('DEMO-1002');
    assert.deepStrictEqual(a.notes?.map((n) => [n.text, n.author?.name, n.at]), [
      ['rolled back billing-worker', 'Dana', new Date(T0).toISOString()],
      ['deploying the fix anyway', 'You', new Date(T0).toISOString()],
    ]);
    assert.deepStrictEqual(a.timeline?.slice(-2).map((e) => e.kind), ['note', 'note']);
    assert.match((await request(c, { type: 'note', alertId: 'NOPE', text: 'x' })).error ?? '', /unknown alert id: NOPE/);
    c.send({ type: 'note', requestId: 'long', alertId: 'DEMO-1002', text: 'x'.repeat(4001) });
    const err = await c.nextOfType('error');
    assert.match(err.error.message, /text: expected at most 4000 characters/);
  });

  it('override: the person is on call for the range (oncall event), and new alerts page them', async () => {
    const c = client();
    await c.handshake(-1);
    const start = new Date(T0).toISOString();
    const end = new Date(T0 + 2 * 60 * MIN).toISOString();
    const res = await request(c, { type: 'override', rotationId: ROTATION_IDS.paymentsDev, start, end, userId: 'u-kenji' });
    assert.strictEqual(res.ok, true, res.error);
    const ev = c.messages.filter((m): m is OnCallEventMessage => m.type === 'oncall').at(-1)!;
    const dev = ev.oncall.rotations.find((r) => r.id === ROTATION_IDS.paymentsDev)!;
    const now = dev.shifts.find((s) => Date.parse(s.start) <= T0 && T0 < Date.parse(s.end))!;
    assert.deepStrictEqual([now.person.name, now.start, now.end], ['Kenji Watanabe', start, end]);
    assert.ok(dev.shifts.some((s) => s.person.name === 'You' && s.end === start) || Date.parse(dev.shifts[0]!.start) >= T0, 'the shift before it ends where the override starts');
    assert.ok(ev.oncall.people?.some((p) => p.id === 'u-kenji' && p.timeZone === 'Asia/Tokyo'), 'the people directory');
    // A new checkout alert now pages Kenji (with the ops partner), not "You".
    assert.ok((await request(c, { type: 'reassign', alertIds: ['DEMO-1001'], to: { escalationLevel: 1 } })).ok);
    assert.deepStrictEqual(alertNow('DEMO-1001').assignees.map((p) => p.name), ['Kenji Watanabe', 'Carol Okafor']);
    // "Take on-call" without userId: the actor, found in the directory by email.
    assert.ok((await request(c, { type: 'override', rotationId: ROTATION_IDS.platform, start, end, actor: { name: 'me', email: 'you@example.com' } })).ok);
    const plat = b.server.world.snapshot().oncall!.rotations.find((r) => r.id === ROTATION_IDS.platform)!;
    assert.strictEqual(plat.shifts.find((s) => Date.parse(s.start) <= T0 && T0 < Date.parse(s.end))?.person.id, 'u-you');
    assert.match((await request(c, { type: 'override', rotationId: 'nope', start, end })).error ?? '', /no rotation "nope"/);
    assert.match((await request(c, { type: 'override', rotationId: ROTATION_IDS.platform, start: new Date(T0 - 120 * MIN).toISOString(), end: new Date(T0 - MIN).toISOString() })).error ?? '', /in the past/);
  });

  it('the editor client (AlertClient) drives every action end to end and sees the changes', async () => {
    const ac = new AlertClient({ url: b.url, getToken: () => Promise.resolve(undefined), clock: b.clock, logger: new MemoryLogger(), socketFactory: wsSocketFactory, actor: { name: 'Eve', email: 'eve@example.com' } });
    try {
      ac.connect();
      await waitUntil('connected', () => ac.state.state === 'connected' && ac.store.get('DEMO-1001') !== undefined);
      assert.strictEqual(ac.unsupportedReason('snooze'), undefined);
      await ac.snooze(['DEMO-1001'], new Date(T0 + 15 * MIN));
      await waitUntil('the snooze', () => ac.store.get('DEMO-1001')?.snoozedUntil !== undefined);
      await ac.note('DEMO-1001', 'looking into it');
      await waitUntil('the note', () => ac.store.get('DEMO-1001')?.notes?.at(-1)?.text === 'looking into it');
      await ac.escalate(['DEMO-1001']);
      await waitUntil('the escalation', () => ac.store.get('DEMO-1001')?.escalation?.level === 2);
      await ac.reassign(['DEMO-1001'], { userId: 'u-marta' });
      await waitUntil('the reassign', () => ac.store.get('DEMO-1001')?.assignees[0]?.name === 'Marta Nowak');
      await ac.override({ rotationId: ROTATION_IDS.paymentsOps, start: new Date(T0), end: new Date(T0 + 60 * MIN) });
      await waitUntil('the override', () => ac.oncall?.rotations.find((r) => r.id === ROTATION_IDS.paymentsOps)?.shifts.some((s) => s.person.name === 'Eve') === true);
      await assert.rejects(ac.escalate(['DEMO-1006']), /already resolved/);
    } finally {
      ac.dispose();
    }
  });

  it('a source without an action: not in hello, refused per action with its reason, other actions unaffected', async () => {
    await b.server.close();
    const demo = new DemoSource({ commits: builtinDemoCommits(), seed: 42, intervalMs: 3_600_000 });
    // A module that declares snooze but does not implement it, and has no override: neither is offered.
    const limited: SourceModule = Object.assign(Object.create(demo) as SourceModule, {
      capabilities: ['ack', 'snooze', 'note'],
      snooze: undefined,
      unsupportedActions: { override: 'the limited source has no schedules' },
    });
    b = await bridges.start({ source: limited });
    const c = client();
    await c.opened;
    const hello = (await c.next()) as HelloMessage;
    assert.deepStrictEqual(hello.capabilities, ['ack', 'note', 'snapshotChunks']);
    assert.strictEqual(hello.unsupportedActions?.override, 'the limited source has no schedules');
    assert.match(hello.unsupportedActions?.snooze ?? '', /does not offer snoozing alerts/);
    c.send({ type: 'resume', lastSeq: -1 });
    await c.nextOfType('snapshot');
    assert.match((await request(c, { type: 'snooze', alertIds: ['DEMO-1001'], until: new Date(T0 + MIN).toISOString() })).error ?? '', /does not offer snoozing/);
    assert.strictEqual((await request(c, { type: 'override', rotationId: 'x', start: new Date(T0).toISOString(), end: new Date(T0 + MIN).toISOString() })).error, 'the limited source has no schedules');
    assert.ok((await request(c, { type: 'note', alertId: 'DEMO-1001', text: 'still works' })).ok);
  });
});
