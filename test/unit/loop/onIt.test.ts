import * as assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/util/clock';
import { decideOnIt, noteIntervalMs, ON_IT_LIMITS, stillInvestigatingNote, type OnItAlert, type OnItCaps, type OnItState } from '../../../src/core/viewModel/onIt';

const MIN = 60_000;
const T0 = Date.parse('2025-03-14T09:00:00Z');
const ALL: OnItCaps = { ack: true, snooze: true, note: true };
const ACK_ONLY: OnItCaps = { ack: true, snooze: false, note: false };

function state(over: Partial<OnItState> = {}): OnItState {
  return { alertId: 'a-1', startedAt: T0, lastActivityAt: T0, idleMs: 10 * MIN, holdMs: 10 * MIN, lastNoteAt: T0, escalationIntervalMs: 15 * MIN, ...over };
}

describe('loop/"I\'m on it" lapse and renewal (issue 21 item 5)', () => {
  it('lapses exactly at lastActivity + idle (not a millisecond earlier), and says when the last snooze ends', () => {
    const clock = new ManualClock(T0);
    const s = state();
    const alert: OnItAlert = { status: 'acknowledged', snoozedUntil: T0 + 10 * MIN };
    clock.advance(10 * MIN - 1);
    assert.equal(decideOnIt(s, alert, ALL, clock.now()).kind, 'keep');
    clock.advance(1);
    const d = decideOnIt(s, { ...alert, snoozedUntil: T0 + 11 * MIN }, ALL, clock.now());
    assert.deepEqual(d, { kind: 'end', why: 'idle', holdEndsAt: T0 + 11 * MIN });
    // Activity moves the lapse: an edit at +9 min keeps it until +19 min.
    const active = state({ lastActivityAt: T0 + 9 * MIN });
    const k = decideOnIt(active, { status: 'acknowledged', snoozedUntil: T0 + 30 * MIN }, ALL, T0 + 10 * MIN);
    assert.ok(k.kind === 'keep');
    assert.equal(k.lapsesAt, T0 + 19 * MIN);
  });

  it('renews the snooze only inside the lead time before it ends, for holdMs from now', () => {
    const s = state({ lastActivityAt: T0 + 20 * MIN, idleMs: 30 * MIN, lastNoteAt: T0 + 20 * MIN });
    const until = T0 + 25 * MIN;
    const early = decideOnIt(s, { status: 'acknowledged', snoozedUntil: until }, ALL, until - ON_IT_LIMITS.renewLeadMs - 1);
    assert.ok(early.kind === 'keep');
    assert.deepEqual(early.actions, []);
    assert.equal(early.nextCheckAt, until - ON_IT_LIMITS.renewLeadMs, 'looks again when the lead time starts');
    const now = until - ON_IT_LIMITS.renewLeadMs;
    const due = decideOnIt(s, { status: 'acknowledged', snoozedUntil: until }, ALL, now);
    assert.ok(due.kind === 'keep');
    assert.deepEqual(due.actions, [{ kind: 'snooze', until: now + 10 * MIN }]);
  });

  it('a triggered alert (snooze ran out, someone unacknowledged, re-triggered) is held again at once', () => {
    const d = decideOnIt(state(), { status: 'triggered', nextEscalationAt: T0 + 5 * MIN }, ALL, T0 + MIN);
    assert.ok(d.kind === 'keep');
    assert.deepEqual(d.actions, [{ kind: 'snooze', until: T0 + 11 * MIN }]);
    const a = decideOnIt(state(), { status: 'triggered', nextEscalationAt: T0 + 5 * MIN }, ACK_ONLY, T0 + MIN);
    assert.ok(a.kind === 'keep');
    assert.deepEqual(a.actions, [{ kind: 'ack' }], 'without snooze: acknowledge again');
    const quiet = decideOnIt(state(), { status: 'acknowledged' }, ACK_ONLY, T0 + MIN);
    assert.ok(quiet.kind === 'keep');
    assert.deepEqual(quiet.actions, [], 'acknowledged: nothing to send');
    assert.equal(quiet.nextCheckAt, T0 + 10 * MIN, 'next look: the lapse');
  });

  it('posts "still investigating" at the escalation interval (at least 5 min, 30 min when unknown), only where notes exist', () => {
    const s = state({ idleMs: 60 * MIN, lastActivityAt: T0 + 14 * MIN });
    const alert: OnItAlert = { status: 'acknowledged', snoozedUntil: T0 + 40 * MIN };
    const before = decideOnIt(s, alert, ALL, T0 + 15 * MIN - 1);
    assert.ok(before.kind === 'keep' && before.actions.length === 0 && before.nextCheckAt === T0 + 15 * MIN);
    const at = decideOnIt(s, alert, ALL, T0 + 15 * MIN);
    assert.ok(at.kind === 'keep');
    assert.deepEqual(at.actions, [{ kind: 'note' }]);
    const noNotes = decideOnIt(s, alert, { ...ALL, note: false }, T0 + 15 * MIN);
    assert.ok(noNotes.kind === 'keep' && noNotes.actions.length === 0);
    assert.equal(noteIntervalMs({ escalationIntervalMs: MIN }), 5 * MIN);
    assert.equal(noteIntervalMs({}), 30 * MIN);
    assert.equal(noteIntervalMs({ escalationIntervalMs: Number.NaN }), 30 * MIN);
  });

  it('after a failed request nothing is re-sent until the back-off ends (no request storm)', () => {
    const s = state({ backoffUntil: T0 + 2 * MIN });
    const d = decideOnIt(s, { status: 'triggered' }, ALL, T0 + MIN);
    assert.ok(d.kind === 'keep');
    assert.deepEqual(d.actions, []);
    assert.equal(d.nextCheckAt, T0 + 2 * MIN);
    const later = decideOnIt(s, { status: 'triggered' }, ALL, T0 + 2 * MIN);
    assert.ok(later.kind === 'keep' && later.actions.length === 1);
  });

  it('ends when the alert is resolved or gone, or the source can neither snooze nor acknowledge', () => {
    assert.deepEqual(decideOnIt(state(), { status: 'resolved' }, ALL, T0), { kind: 'end', why: 'resolved' });
    assert.deepEqual(decideOnIt(state(), undefined, ALL, T0), { kind: 'end', why: 'gone' });
    assert.deepEqual(decideOnIt(state(), { status: 'triggered' }, { ack: false, snooze: false, note: true }, T0), { kind: 'end', why: 'unsupported' });
  });

  it('the next check is always in the future (a tick never spins)', () => {
    const clock = new ManualClock(T0);
    let s = state({ idleMs: 45 * MIN });
    let alert: OnItAlert = { status: 'triggered' };
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      const d = decideOnIt(s, alert, ALL, clock.now());
      if (d.kind === 'end') break;
      assert.ok(d.nextCheckAt > clock.now());
      for (const a of d.actions) {
        sent++;
        if (a.kind === 'snooze') alert = { status: 'acknowledged', snoozedUntil: a.until };
        if (a.kind === 'note') s = { ...s, lastNoteAt: clock.now() };
      }
      clock.set(d.nextCheckAt);
    }
    assert.equal(decideOnIt(s, alert, ALL, clock.now()).kind, 'end');
    assert.ok(sent >= 4 && sent < 20, `a handful of requests over 45 idle minutes: ${sent}`);
  });

  it('the note is short and names the files being edited', () => {
    assert.equal(stillInvestigatingNote(['src/checkout/pricing.ts'], 16.4), 'Still investigating in the editor: editing pricing.ts (on it for 16 min).');
    assert.match(stillInvestigatingNote(['a/1.ts', 'b/2.ts', 'c/3.ts', 'd/4.ts', 'e/5.ts'], 0), /1\.ts, 2\.ts, 3\.ts and 2 more\.$/);
  });
});
