import * as assert from 'node:assert/strict';
import { compareEntries, toEntry, type AlertEntry } from '../../../src/core/alerts/ordering';
import { AlertStore } from '../../../src/core/alerts/alertStore';
import type { Alert, Rotation } from '../../../src/core/protocol/types';
import { Schedule } from '../../../src/core/schedule/schedule';
import { ManualClock } from '../../../src/core/util/clock';
import {
  formatUntil,
  helpTarget,
  MAX_CUSTOM_DURATION_MS,
  overrideRanges,
  parseDuration,
  pickablePeople,
  policySummary,
  tierTargetNames,
  snoozedUntil,
  snoozePresets,
  tomorrowAt,
} from '../../../src/core/viewModel/responder';
import { iso, makeAlert, makeOnCall, T0 } from '../../mocks/protocolExamples';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('responder view model (issue 16)', () => {
  describe('snooze presets in my time zone', () => {
    it('15 min, 1 h, 4 h from now and tomorrow 09:00 local', () => {
      const now = Date.parse('2025-03-14T22:30:00Z'); // 23:30 in Berlin (CET, UTC+1)
      const p = snoozePresets(now, 'Europe/Berlin');
      assert.deepEqual(p.map((x) => x.id), ['15m', '1h', '4h', 'tomorrow']);
      assert.equal(p[0]!.until, now + 15 * MIN);
      assert.equal(p[1]!.until, now + HOUR);
      assert.equal(p[2]!.until, now + 4 * HOUR);
      assert.equal(new Date(p[3]!.until).toISOString(), '2025-03-15T08:00:00.000Z'); // 09:00 CET
    });

    it('"tomorrow" is the local calendar day: just after midnight in Tokyo it is the next day there, not UTC\'s', () => {
      const now = Date.parse('2025-03-14T15:30:00Z'); // 00:30 on 15 March in Tokyo
      assert.equal(new Date(tomorrowAt(now, 'Asia/Tokyo', 9)).toISOString(), '2025-03-16T00:00:00.000Z'); // 16 March 09:00 JST
      assert.equal(new Date(tomorrowAt(now, 'UTC', 9)).toISOString(), '2025-03-15T09:00:00.000Z');
    });

    it('tomorrow 09:00 across a DST change is the wall-clock time (not now + 24 h)', () => {
      // Berlin springs forward on 30 March 2025 (CET → CEST): 09:00 on the 30th is 07:00 UTC.
      const now = Date.parse('2025-03-29T20:00:00Z');
      assert.equal(new Date(tomorrowAt(now, 'Europe/Berlin', 9)).toISOString(), '2025-03-30T07:00:00.000Z');
    });
  });

  describe('custom durations', () => {
    const ok = (s: string): number => {
      const r = parseDuration(s);
      assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
      return r.ms;
    };
    it('reads minutes, hours, days and combinations', () => {
      assert.equal(ok('90'), 90 * MIN);
      assert.equal(ok('45m'), 45 * MIN);
      assert.equal(ok('2h'), 2 * HOUR);
      assert.equal(ok('1h30m'), 90 * MIN);
      assert.equal(ok(' 1h 30m '), 90 * MIN);
      assert.equal(ok('1.5h'), 90 * MIN);
      assert.equal(ok('2 hours'), 2 * HOUR);
      assert.equal(ok('1d 4h'), 28 * HOUR);
    });
    it('refuses what is not a duration, too short or too long, with a sentence', () => {
      for (const bad of ['', 'soon', '2x', 'h', '1h tomorrow', '-5m', '0', '0m', '8d', 'x'.repeat(100)]) {
        const r = parseDuration(bad);
        assert.equal(r.ok, false, bad);
        if (!r.ok) assert.ok(r.error.length > 5 && /[.]$/.test(r.error), `a sentence for ${JSON.stringify(bad)}: ${r.error}`);
      }
      assert.equal(ok('7d'), MAX_CUSTOM_DURATION_MS);
    });
  });

  describe('"snoozed until 14:30"', () => {
    it('today: the time only; another day: the weekday; in my zone', () => {
      const now = Date.parse('2025-03-14T09:00:00Z');
      assert.equal(formatUntil(Date.parse('2025-03-14T13:30:00Z'), now, 'Europe/Berlin'), '14:30');
      assert.equal(formatUntil(Date.parse('2025-03-14T13:30:00Z'), now, 'America/New_York'), '09:30');
      assert.equal(formatUntil(Date.parse('2025-03-15T08:00:00Z'), now, 'Europe/Berlin'), 'Sat 09:00');
      assert.equal(formatUntil(Date.parse('2025-03-24T08:00:00Z'), now, 'Europe/Berlin'), 'Mon 24 Mar 09:00');
    });
    it('a snooze counts only while it lasts and while the alert is open', () => {
      const a = makeAlert({ status: 'acknowledged', snoozedUntil: iso(T0 + HOUR) });
      assert.equal(snoozedUntil(a, T0), T0 + HOUR);
      assert.equal(snoozedUntil(a, T0 + HOUR), undefined, 'woken');
      assert.equal(snoozedUntil({ ...a, status: 'resolved' }, T0), undefined);
      assert.equal(snoozedUntil({ ...a, snoozedUntil: 'not a time' }, T0), undefined);
      assert.equal(snoozedUntil(makeAlert(), T0), undefined);
    });
  });

  describe('sort order', () => {
    const entry = (a: Alert): AlertEntry => toEntry(a);
    it('snoozed sorts below triggered and acknowledged, above resolved — whatever the severity', () => {
      const alerts = [
        makeAlert({ id: 'res', status: 'resolved', severity: 'critical', resolvedAt: iso(T0) }),
        makeAlert({ id: 'snz', status: 'acknowledged', severity: 'critical', snoozedUntil: iso(T0 + HOUR) }),
        makeAlert({ id: 'ack', status: 'acknowledged', severity: 'info' }),
        makeAlert({ id: 'trg', status: 'triggered', severity: 'info' }),
      ];
      assert.deepEqual(alerts.map(entry).sort(compareEntries).map((e) => e.alert.id), ['trg', 'ack', 'snz', 'res']);
    });
    it('the store re-sorts when the source wakes the alert up (snoozedUntil cleared, triggered again)', () => {
      const store = new AlertStore({ clock: new ManualClock(T0) });
      store.replaceAll([makeAlert({ id: 'snz', status: 'acknowledged', severity: 'critical', snoozedUntil: iso(T0 + HOUR) }), makeAlert({ id: 'ack', status: 'acknowledged', severity: 'info' })]);
      assert.deepEqual(store.sorted().map((a) => a.id), ['ack', 'snz']);
      store.upsert(makeAlert({ id: 'snz', status: 'triggered', severity: 'critical', updatedAt: iso(T0 + HOUR) }));
      assert.deepEqual(store.sorted().map((a) => a.id), ['snz', 'ack']);
    });
  });

  describe('override ranges and Ask for Help', () => {
    const rot = (id: string, pair: string | undefined, role: string, who: string, start: number, end: number): Rotation => ({
      id,
      name: `${id} rotation`,
      role,
      ...(pair ? { pair } : {}),
      shifts: [{ person: { id: `u-${who}`, name: who, email: `${who}@example.com` }, start: iso(start), end: iso(end) }],
    });
    const schedule = new Schedule([
      rot('dev', 'payments', 'dev', 'me', T0 - HOUR, T0 + 3 * HOUR),
      rot('ops', 'payments', 'ops', 'olga', T0 - 2 * HOUR, T0 + 6 * HOUR),
      rot('later', undefined, 'primary', 'lee', T0 + 5 * HOUR, T0 + 13 * HOUR),
    ]);

    it('the rest of this shift ends when the shift on that rotation ends; the next shift when none is on now', () => {
      const r = overrideRanges(schedule, 'dev', T0);
      assert.deepEqual(r[0], { id: 'restOfShift', start: T0, end: T0 + 3 * HOUR });
      assert.deepEqual(r[1], { id: 'next4h', start: T0, end: T0 + 4 * HOUR });
      const later = overrideRanges(schedule, 'later', T0);
      assert.deepEqual(later.map((x) => x.id), ['next4h', 'nextShift']);
      assert.deepEqual(later[1], { id: 'nextShift', start: T0 + 5 * HOUR, end: T0 + 13 * HOUR });
    });

    it('Ask for Help picks the ops partner of my paired rotation, not me', () => {
      const t = helpTarget(schedule, 'me@example.com', makeAlert(), T0);
      assert.equal(t.kind, 'person');
      if (t.kind === 'person') {
        assert.equal(t.person.id, 'u-olga');
        assert.equal(t.rotation.id, 'ops');
      }
    });

    it('without a partner on call: escalate a paged alert, else say why', () => {
      const alone = new Schedule([rot('dev', 'payments', 'dev', 'me', T0 - HOUR, T0 + 3 * HOUR)]);
      assert.deepEqual(helpTarget(alone, 'me@example.com', makeAlert(), T0), { kind: 'escalate' });
      const { escalation: _e, ...unpaged } = makeAlert();
      const none = helpTarget(alone, 'me@example.com', unpaged, T0);
      assert.equal(none.kind, 'none');
    });

    it('people to pick: the directory when the source sends one, else who the schedule names (with ids only)', () => {
      const state = makeOnCall();
      assert.deepEqual(pickablePeople(state).map((p) => p.id), [], 'the example rotation names Alice without an id');
      state.people = [{ id: 'u-1', name: 'A' }, { id: 'u-1', name: 'A again' }, { name: 'no id' }, { id: 'u-2', name: 'B', timeZone: 'Asia/Tokyo' }];
      assert.deepEqual(pickablePeople(state).map((p) => p.id), ['u-1', 'u-2']);
    });
  });
  describe('policies in the Reassign… picker', () => {
    const rotations = [{ id: 'r-ops', name: 'Ops primary' }];
    const policy = {
      id: 'p1',
      name: 'Payments',
      services: [],
      tiers: [
        { level: 2, delayMinutes: 10, targets: [{ type: 'person' as const, person: { name: 'Bob' } }] },
        { level: 1, delayMinutes: 5, targets: [{ type: 'person' as const, person: { name: 'Alice' } }, { type: 'rotation' as const, rotationId: 'r-ops' }, { type: 'rotation' as const, rotationId: 'r-gone' }] },
      ],
    };
    it('names who a tier pages: persons, rotations by name, unknown rotations by id; hostile names are flattened', () => {
      assert.equal(tierTargetNames(policy.tiers[1]!, rotations), 'Alice, Ops primary, r-gone');
      assert.equal(tierTargetNames({ level: 1, delayMinutes: 0, targets: [{ type: 'person', person: { name: 'Eve\n[click](http://x)' } }] }, []).includes('\n'), false);
    });
    it('sums a policy up by its first level (sorted) and its number of levels', () => {
      assert.equal(policySummary(policy, rotations), 'Alice, Ops primary, r-gone · 2 levels');
      assert.equal(policySummary({ ...policy, tiers: [policy.tiers[0]!] }, rotations), 'Bob · 1 level');
      assert.equal(policySummary({ ...policy, tiers: [] }, rotations), '0 levels');
    });
  });
});
