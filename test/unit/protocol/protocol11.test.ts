/* eslint-disable @typescript-eslint/no-explicit-any -- these tests build deliberately malformed messages */
import * as assert from 'node:assert/strict';
import { decodeClientMessage, decodeServerMessage, encodeMessage } from '../../../src/core/protocol/decode';
import { ALERT_LIMITS, ONCALL_LIMITS } from '../../../src/core/protocol/limits';
import { MAX_NOTE_CHARS } from '../../../src/core/protocol/schemas';
import type { Alert, ClientMessage, HelloMessage, NoteMessage, OnCallEventMessage, ReassignMessage, ServerMessage, SnoozeMessage } from '../../../src/core/protocol/types';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { FakeSocketFactory, type FakeSocket } from '../../mocks/fakeSocket';
import { clientExamples, makeAlert, makeOnCall, serverExamples, T0 } from '../../mocks/protocolExamples';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('protocol 1.1: responder actions on the wire', () => {
  describe('decoder bounds and refuses hostile requests', () => {
    const bad = (m: Record<string, unknown>) => decodeClientMessage(JSON.stringify(m));

    it('reassign.to: exactly one of userId, escalationLevel, policyId', () => {
      for (const to of [{ userId: 'u1' }, { escalationLevel: 2 }, { policyId: 'p-2' }]) {
        const r = bad({ ...clientExamples.reassign, to });
        assert.ok(r.ok && (r.value as ReassignMessage).to && JSON.stringify((r.value as ReassignMessage).to) === JSON.stringify(to), JSON.stringify(r));
      }
      for (const to of [{}, { userId: 'u1', policyId: 'p' }, { userId: 'u1', escalationLevel: 1, policyId: 'p' }]) {
        assert.deepEqual(bad({ ...clientExamples.reassign, to }), { ok: false, error: 'to: expected exactly one of userId, escalationLevel, policyId' });
      }
      assert.equal(bad({ ...clientExamples.reassign, to: { escalationLevel: 0 } }).ok, false);
      assert.equal(bad({ ...clientExamples.reassign, to: { userId: '' } }).ok, false);
      assert.equal(bad({ ...clientExamples.reassign, to: { userId: 'x'.repeat(1025) } }).ok, false);
      // A key that would change a prototype is just an unknown field: dropped.
      const proto = decodeClientMessage('{"type":"reassign","requestId":"r","alertIds":["a"],"to":{"userId":"u","__proto__":{"polluted":1}}}');
      assert.ok(proto.ok);
      assert.equal(({} as any).polluted, undefined);
    });

    it('note: not blank, at most MAX_NOTE_CHARS (refused, not cut)', () => {
      assert.equal(bad({ ...clientExamples.note, text: 'x'.repeat(MAX_NOTE_CHARS) }).ok, true);
      const long = bad({ ...clientExamples.note, text: 'x'.repeat(MAX_NOTE_CHARS + 1) });
      assert.deepEqual(long, { ok: false, error: `text: expected at most ${MAX_NOTE_CHARS} characters, got ${MAX_NOTE_CHARS + 1}` });
      assert.deepEqual(bad({ ...clientExamples.note, text: '  \n ' }), { ok: false, error: 'text: expected a non-empty note' });
      assert.equal(bad({ ...clientExamples.note, alertId: '' }).ok, false);
    });

    it('snooze / escalate / override: times, levels and ranges checked', () => {
      assert.equal(bad({ ...clientExamples.snooze, until: 'in an hour' }).ok, false);
      assert.equal(bad({ ...clientExamples.snooze, until: '2025-03-14T10:00:00' }).ok, false, 'no offset');
      assert.equal(bad({ ...clientExamples.snooze, alertIds: [] }).ok, false);
      assert.equal(bad({ ...clientExamples.snooze, alertIds: Array.from({ length: 10_001 }, (_, i) => `a${i}`) }).ok, false);
      for (const level of [0, -1, 1.5, '2']) assert.equal(bad({ ...clientExamples.escalate, level }).ok, false, String(level));
      assert.deepEqual(bad({ ...clientExamples.override, end: clientExamples.override.type === 'override' ? clientExamples.override.start : '' }), { ok: false, error: 'end: expected an end after the start' });
      assert.equal(bad({ ...clientExamples.override, rotationId: '' }).ok, false);
    });

    it('an actor on a 1.1 request is bounded field by field', () => {
      assert.equal(bad({ ...clientExamples.snooze, actor: { name: 'x'.repeat(1025) } }).ok, false);
      assert.equal(bad({ ...clientExamples.snooze, actor: { name: 'A', email: 'e'.repeat(2000) } }).ok, false);
    });
  });

  describe('server → client fields are bounded, never rejected for size', () => {
    it('notes and timeline keep the newest entries, long text cut', () => {
      const notes = Array.from({ length: 500 }, (_, i) => ({ text: i === 499 ? 'n'.repeat(100_000) : `note ${i}`, at: '2025-03-14T09:00:00Z' }));
      const timeline = Array.from({ length: 10_000 }, (_, i) => ({ at: '2025-03-14T09:00:00Z', kind: i === 9999 ? 'k'.repeat(5000) : 'note', text: `t${i}` }));
      const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert: { ...makeAlert(), notes, timeline } }));
      assert.ok(r.ok, r.ok ? '' : r.error);
      const a = (r.value as { alert: Alert }).alert;
      assert.equal(a.notes?.length, ALERT_LIMITS.maxNotes);
      assert.equal(a.notes?.[0]?.text, `note ${500 - ALERT_LIMITS.maxNotes}`, 'the newest are kept');
      assert.equal(a.notes?.at(-1)?.text.length, ALERT_LIMITS.maxNoteChars);
      assert.ok(a.notes?.at(-1)?.text.endsWith('…'));
      assert.equal(a.timeline?.length, ALERT_LIMITS.maxTimeline);
      assert.equal(a.timeline?.at(-1)?.kind.length, ALERT_LIMITS.maxTimelineTextChars);
      assert.equal(a.timeline?.[0]?.text, `t${10_000 - ALERT_LIMITS.maxTimeline}`);
    });

    it('a bad note or timeline entry rejects the frame with its path', () => {
      const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert: { ...makeAlert(), notes: [{ text: 'x', at: 'yesterday' }] } }));
      assert.ok(!r.ok && r.error.startsWith('alert.notes[0].at: expected an ISO-8601 time'), JSON.stringify(r));
      const t = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert: { ...makeAlert(), timeline: [{ at: '2025-03-14T09:00:00Z', kind: '' }] } }));
      assert.ok(!t.ok && t.error.startsWith('alert.timeline[0].kind'), JSON.stringify(t));
      const s = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert: { ...makeAlert(), snoozedUntil: 'soon' } }));
      assert.ok(!s.ok && s.error.startsWith('alert.snoozedUntil'));
    });

    it('the people directory is cut to its cap', () => {
      const people = Array.from({ length: ONCALL_LIMITS.maxDirectoryPeople + 10 }, (_, i) => ({ id: `u${i}`, name: i === 0 ? 'N'.repeat(5000) : `P${i}` }));
      const r = decodeServerMessage(JSON.stringify({ type: 'oncall', seq: 1, oncall: { ...makeOnCall(), people } }));
      assert.ok(r.ok, r.ok ? '' : r.error);
      const got = (r.value as OnCallEventMessage).oncall.people!;
      assert.equal(got.length, ONCALL_LIMITS.maxDirectoryPeople);
      assert.equal(got[0]!.name.length, ALERT_LIMITS.maxShortTextChars);
      assert.equal(got.at(-1)!.id, `u${ONCALL_LIMITS.maxDirectoryPeople - 1}`);
    });

    it('hello.unsupportedReassignTargets: known kinds kept, unknown dropped, reasons cut, non-objects refused', () => {
      const r = decodeServerMessage(JSON.stringify({ ...serverExamples.hello, unsupportedReassignTargets: { policyId: 'p'.repeat(3000), team: 'x', userId: 'no users' } }));
      assert.ok(r.ok);
      const h = r.value as HelloMessage;
      assert.deepEqual(Object.keys(h.unsupportedReassignTargets ?? {}).sort(), ['policyId', 'userId']);
      assert.equal(h.unsupportedReassignTargets?.policyId?.length, 1024);
      assert.equal(decodeServerMessage(JSON.stringify({ ...serverExamples.hello, unsupportedReassignTargets: ['policyId'] })).ok, false);
      assert.equal(decodeServerMessage(JSON.stringify({ ...serverExamples.hello, unsupportedReassignTargets: { policyId: 3 } })).ok, false);
    });

    it('hello.unsupportedActions: unknown names dropped, reasons cut, capabilities bounded', () => {
      const r = decodeServerMessage(JSON.stringify({ ...serverExamples.hello, unsupportedActions: { snooze: 'r'.repeat(5000), teleport: 'no', constructor: 'x' } }));
      assert.ok(r.ok);
      const h = r.value as HelloMessage;
      assert.deepEqual(Object.keys(h.unsupportedActions ?? {}), ['snooze']);
      assert.equal(h.unsupportedActions?.snooze?.length, 1024);
      assert.equal(decodeServerMessage(JSON.stringify({ ...serverExamples.hello, capabilities: Array.from({ length: 257 }, (_, i) => `c${i}`) })).ok, false);
      assert.equal(decodeServerMessage(JSON.stringify({ ...serverExamples.hello, protocolMinor: -1 })).ok, false);
    });
  });

  describe('1.0 peers keep working', () => {
    it('1.0 messages (no 1.1 fields) decode unchanged on both sides', () => {
      const hello10 = { type: 'hello', protocol: 1, server: 'oncall-bridge/0.0.9', source: 'demo', capabilities: ['ack', 'unack', 'resolve', 'annotate'] };
      assert.deepEqual(decodeServerMessage(JSON.stringify(hello10)), { ok: true, value: hello10 });
      const alert10 = { type: 'alert', seq: 3, alert: makeAlert() };
      assert.deepEqual(decodeServerMessage(JSON.stringify(alert10)), { ok: true, value: alert10 });
      const oncall10 = { type: 'oncall', seq: 4, oncall: makeOnCall() };
      assert.deepEqual(decodeServerMessage(JSON.stringify(oncall10)), { ok: true, value: oncall10 });
      for (const m of [clientExamples.ack, clientExamples.annotate, clientExamples.resume]) assert.deepEqual(decodeClientMessage(encodeMessage(m)), { ok: true, value: m });
    });

    it('what a 1.1 server adds is optional: a 1.0 reader keeps protocol 1 and ignores the rest', () => {
      // protocol stays the integer 1 (a 1.0 client closes on any other), and every 1.1 field can be removed.
      assert.equal((serverExamples.hello as HelloMessage).protocol, 1);
      const alert = structuredClone(serverExamples.alert) as { alert: Alert };
      delete alert.alert.snoozedUntil;
      delete alert.alert.notes;
      delete alert.alert.timeline;
      assert.ok(decodeServerMessage(JSON.stringify(alert)).ok);
    });
  });
});

describe('protocol 1.1: AlertClient responder requests', () => {
  function setup(actor = { name: 'Alice', email: 'alice@example.com' }) {
    const clock = new ManualClock(T0);
    const factory = new FakeSocketFactory();
    const client = new AlertClient({ url: 'ws://127.0.0.1:8787/', getToken: () => Promise.resolve(undefined), clock, logger: new MemoryLogger(), socketFactory: factory.create, random: () => 0.5, actor });
    return { clock, factory, client };
  }
  async function connect(env: ReturnType<typeof setup>, hello: ServerMessage = serverExamples.hello): Promise<FakeSocket> {
    env.client.connect();
    await flush();
    const s = env.factory.last;
    s.open();
    s.receive(hello);
    return s;
  }
  const last = (s: FakeSocket): ClientMessage => s.lastMessage()!;

  it('each request goes out as its 1.1 message with the actor and resolves on its result', async () => {
    const env = setup();
    const s = await connect(env);
    const cases: Array<[() => Promise<unknown>, Record<string, unknown>]> = [
      [() => env.client.snooze(['a-1', 'a-1', 'a-2'], new Date(T0 + 3_600_000)), { type: 'snooze', alertIds: ['a-1', 'a-2'], until: new Date(T0 + 3_600_000).toISOString() }],
      [() => env.client.reassign(['a-1'], { escalationLevel: 2 }), { type: 'reassign', alertIds: ['a-1'], to: { escalationLevel: 2 } }],
      [() => env.client.escalate(['a-1']), { type: 'escalate', alertIds: ['a-1'] }],
      [() => env.client.note('a-1', 'rolled back'), { type: 'note', alertId: 'a-1', text: 'rolled back' }],
    ];
    for (const [send, expected] of cases) {
      const p = send();
      const m = last(s) as unknown as Record<string, unknown>;
      const { requestId, ...rest } = m;
      assert.deepEqual(rest, { ...expected, actor: { name: 'Alice', email: 'alice@example.com' } });
      assert.ok(decodeClientMessage(JSON.stringify(m)).ok, 'what the client sends, the server decodes');
      s.receive({ type: 'result', requestId: requestId as string, ok: true });
      assert.equal(((await p) as { ok: boolean }).ok, true);
    }
  });

  it('a refusal rejects with the vendor reason; no result within 10 s times out', async () => {
    const env = setup();
    const s = await connect(env);
    const p = env.client.snooze(['a-1'], '2025-03-14T10:00:00Z');
    s.receive({ type: 'result', requestId: (last(s) as SnoozeMessage).requestId, ok: false, error: 'PagerDuty refused: Incident is not acknowledged' });
    await assert.rejects(p, { message: 'PagerDuty refused: Incident is not acknowledged' });
    const q = env.client.note('a-1', 'x');
    env.clock.advance(10_000);
    await assert.rejects(q, { message: 'timed out after 10 s waiting for the alert source' });
  });

  it('refuses locally, without sending, what the source does not offer and bad input', async () => {
    const env = setup();
    const s = await connect(env);
    const before = s.sent.length;
    assert.equal(env.client.unsupportedReason('override'), 'this demo rotation is read-only');
    assert.equal(env.client.unsupportedReason('snooze'), undefined);
    await assert.rejects(env.client.override({ rotationId: 'r-1', start: new Date(T0), end: new Date(T0 + 3_600_000) }), /this demo rotation is read-only/);
    await assert.rejects(env.client.note('a-1', 'x'.repeat(MAX_NOTE_CHARS + 1)), /at most 4000 characters/);
    await assert.rejects(env.client.note('a-1', '   '), /empty/);
    await assert.rejects(env.client.snooze(['a-1'], 'tomorrow'), /ISO-8601/);
    await assert.rejects(env.client.escalate(['a-1'], 0), /level/);
    await assert.rejects(env.client.snooze([], new Date(T0)), /no alerts given/);
    assert.equal(s.sent.length, before, 'nothing was sent');
  });

  it('a 1.0 server: every 1.1 action is refused locally with "update the bridge"', async () => {
    const env = setup();
    const s = await connect(env, { type: 'hello', protocol: 1, server: 'oncall-bridge/0.0.9', source: 'demo', capabilities: ['ack', 'unack', 'resolve', 'annotate'] });
    assert.match(env.client.unsupportedReason('snooze') ?? '', /protocol 1\.0.*update the bridge/);
    const before = s.sent.length;
    await assert.rejects(env.client.note('a-1', 'hello'), /protocol 1\.0, which has no "note": update the bridge/);
    assert.equal(s.sent.length, before);
    // 1.0 actions still work.
    const p = env.client.ack(['a-1']);
    s.receive({ type: 'result', requestId: (last(s) as NoteMessage).requestId, ok: true });
    assert.equal((await p).ok, true);
  });
});
