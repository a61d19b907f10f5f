import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { parseICalFeed, type ICalParseResult } from '../../../src/core/schedule/ical';
import { parseOnCallSummary } from '../../../src/core/schedule/icalPerson';
import { fixture } from '../../testUtil/paths';

const read = (name: string): string => fs.readFileSync(fixture('ical', name), 'utf8');
const H = 3_600_000;

function ok(r: ICalParseResult): Extract<ICalParseResult, { ok: true }> {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r;
}
const spans = (r: ICalParseResult): string[] => ok(r).rotation.shifts.map((s) => `${s.person.name} ${s.start} ${s.end}`);

describe('parseICalFeed', () => {
  describe('Google Calendar export (RRULE weekly, VTIMEZONE, EXDATE, RECURRENCE-ID, all-day)', () => {
    const r = ok(parseICalFeed(read('google-weekly-berlin.ics'), { now: Date.parse('2026-03-20T00:00:00Z'), horizonDays: 45, lookbackDays: 30 }));

    it('names the rotation from X-WR-CALNAME and its zone from X-WR-TIMEZONE', () => {
      assert.equal(r.rotation.name, 'Payments on-call');
      assert.equal(r.rotation.id, 'ical:payments-on-call');
      assert.equal(r.rotation.timeZone, 'Europe/Berlin');
      assert.deepEqual(r.warnings, []);
      assert.equal(r.truncated, false);
    });

    it('expands the 3-person weekly rotation with 09:00 Berlin hand-offs across the spring-forward', () => {
      assert.deepEqual(spans(r).slice(0, 5), [
        'Alice Schmidt 2026-03-02T08:00:00.000Z 2026-03-09T08:00:00.000Z',
        'Bob Martin 2026-03-09T08:00:00.000Z 2026-03-16T08:00:00.000Z',
        'Carol Jones 2026-03-16T08:00:00.000Z 2026-03-23T08:00:00.000Z',
        // Mar 29 is the spring-forward: the week is 1 h shorter, the hand-off stays 09:00 local.
        'Alice Schmidt 2026-03-23T08:00:00.000Z 2026-03-30T07:00:00.000Z',
        'Bob Martin 2026-03-30T07:00:00.000Z 2026-04-06T07:00:00.000Z',
      ]);
    });

    it('takes name and email from ATTENDEE, and the SUMMARY when there is none', () => {
      const [alice, , carol] = r.rotation.shifts;
      assert.deepEqual(alice?.person, { name: 'Alice Schmidt', email: 'alice@example.com' });
      assert.deepEqual(carol?.person, { name: 'Carol Jones' });
    });

    it('applies the RECURRENCE-ID override (Dave swaps Carol’s week)', () => {
      const week = r.rotation.shifts.filter((s) => s.start === '2026-04-06T07:00:00.000Z');
      assert.equal(week.length, 1);
      assert.deepEqual(week[0]?.person, { name: 'Dave Miller', email: 'dave@example.com' });
    });

    it('drops the EXDATE week and keeps the all-day cover event (local midnight, Berlin)', () => {
      assert.ok(!spans(r).some((s) => s.startsWith('Bob Martin 2026-04-20')));
      assert.ok(spans(r).includes('Erin Wolf 2026-04-19T22:00:00.000Z 2026-04-26T22:00:00.000Z'));
    });

    it('skips CANCELLED events', () => {
      assert.ok(!spans(r).some((s) => s.includes('Nobody')));
    });

    it('only expands up to the horizon and drops shifts older than the look-back', () => {
      const short = ok(parseICalFeed(read('google-weekly-berlin.ics'), { now: Date.parse('2026-04-01T00:00:00Z'), horizonDays: 7, lookbackDays: 0 }));
      assert.deepEqual(spans(short), [
        'Bob Martin 2026-03-30T07:00:00.000Z 2026-04-06T07:00:00.000Z',
        'Dave Miller 2026-04-06T07:00:00.000Z 2026-04-13T07:00:00.000Z',
      ]);
    });

    it('caps the number of shifts and says so', () => {
      const capped = ok(parseICalFeed(read('google-weekly-berlin.ics'), { now: Date.parse('2026-03-20T00:00:00Z'), horizonDays: 366, maxOccurrences: 3 }));
      assert.equal(capped.rotation.shifts.length, 3);
      assert.equal(capped.truncated, true);
      assert.match(capped.warnings.join(' '), /first 3 shifts/);
    });

    it('caps recurrence steps per event', () => {
      const capped = ok(parseICalFeed(read('google-weekly-berlin.ics'), { now: Date.parse('2026-03-20T00:00:00Z'), horizonDays: 366, maxIterationsPerEvent: 2 }));
      assert.equal(capped.truncated, true);
    });

    it('uses the options for id, name, role and pair', () => {
      const named = ok(
        parseICalFeed(read('google-weekly-berlin.ics'), { now: Date.parse('2026-03-20T00:00:00Z'), horizonDays: 7, rotationId: 'pay-dev', rotationName: 'Payments dev', role: 'dev', pair: 'payments' }),
      );
      assert.deepEqual([named.rotation.id, named.rotation.name, named.rotation.role, named.rotation.pair], ['pay-dev', 'Payments dev', 'dev', 'payments']);
    });
  });

  it('reads a PagerDuty feed (UTC events, "On Call - Name - Schedule", CRLF)', () => {
    const r = ok(parseICalFeed(read('pagerduty-primary.ics'), { now: Date.parse('2026-10-30T00:00:00Z'), horizonDays: 7 }));
    assert.equal(r.rotation.name, 'Checkout Primary');
    assert.deepEqual(spans(r), [
      'Frank Lee 2026-10-30T13:00:00.000Z 2026-10-31T13:00:00.000Z',
      'Grace Hopper 2026-10-31T13:00:00.000Z 2026-11-01T14:00:00.000Z',
      'Frank Lee 2026-11-01T14:00:00.000Z 2026-11-02T14:00:00.000Z',
    ]);
    assert.deepEqual(r.rotation.shifts[1]?.person, { name: 'Grace Hopper', email: 'grace@example.com' });
  });

  it('reads an Opsgenie-style daily rotation in New York: 23 h and 25 h shifts on the DST nights', () => {
    const r = ok(parseICalFeed(read('opsgenie-daily-newyork.ics'), { now: Date.parse('2026-03-01T00:00:00Z'), horizonDays: 366 }));
    const byStart = new Map(r.rotation.shifts.map((s) => [s.start, s]));
    const spring = byStart.get('2026-03-07T14:00:00.000Z');
    assert.equal(spring?.end, '2026-03-08T13:00:00.000Z');
    assert.equal(Date.parse(spring.end) - Date.parse(spring.start), 23 * H);
    const fall = byStart.get('2026-10-31T13:00:00.000Z');
    assert.equal(fall?.end, '2026-11-01T14:00:00.000Z');
    assert.equal(Date.parse(fall.end) - Date.parse(fall.start), 25 * H);
    // DURATION:P1D is nominal: Ivy's shift over the spring-forward also ends at 09:00 local.
    assert.equal(byStart.get('2026-03-08T13:00:00.000Z')?.person.email, 'ivy@example.com');
    assert.equal(r.rotation.timeZone, 'America/New_York');
    // UNTIL stops the expansion at the end of 2026.
    assert.ok(r.rotation.shifts.every((s) => s.start < '2027-01-01'));
  });

  it('reads TZIDs without VTIMEZONE (IANA) and Outlook custom/Windows zones', () => {
    const berlin = ok(parseICalFeed(read('berlin-daily-no-vtimezone.ics'), { now: Date.parse('2026-03-27T00:00:00Z'), horizonDays: 240 }));
    const durations = berlin.rotation.shifts.map((s) => (Date.parse(s.end) - Date.parse(s.start)) / H);
    assert.deepEqual(durations, [24, 23, 24, 24, 24, 24, 25, 24, 24, 24]);
    const outlook = ok(parseICalFeed(read('outlook-custom-zone.ics'), { now: Date.parse('2026-03-27T00:00:00Z'), horizonDays: 7 }));
    assert.deepEqual(spans(outlook), [
      'Jack Black 2026-03-28T08:00:00.000Z 2026-03-29T07:00:00.000Z',
      'Kim Park 2026-03-29T07:00:00.000Z 2026-03-30T07:00:00.000Z',
    ]);
  });

  describe('bad feeds give a typed error, never a throw', () => {
    const opts = { now: 0, horizonDays: 30 };
    it('malformed content line', () => {
      const r = parseICalFeed(read('malformed.ics'), opts);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.kind, 'ICalFeedError');
        assert.equal(r.error.code, 'syntax');
        assert.match(r.error.message, /SUMMARY On call Alice/);
      }
    });
    it('empty, HTML login page, bad options', () => {
      const codes = [
        parseICalFeed('  \n', opts),
        parseICalFeed('<html><body>Please sign in</body></html>', opts),
        parseICalFeed(read('pagerduty-primary.ics'), { now: 0, horizonDays: 5000 }),
        parseICalFeed(read('pagerduty-primary.ics'), { now: Number.NaN, horizonDays: 5 }),
        parseICalFeed('BEGIN:VCALENDAR\n' + 'X'.repeat(100), { ...opts, maxChars: 50 }),
      ].map((r) => (r.ok ? 'ok' : r.error.code));
      assert.deepEqual(codes, ['empty', 'notCalendar', 'invalidOptions', 'invalidOptions', 'tooLarge']);
    });
    it('never throws on arbitrary input', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), fc.boolean(), (s, prefix) => {
          const r = parseICalFeed(prefix ? `BEGIN:VCALENDAR\n${s}\nEND:VCALENDAR` : s, opts);
          assert.equal(typeof r.ok, 'boolean');
        }),
        { numRuns: 300 },
      );
    });
    it('skips events without a person or an end, with a warning', () => {
      const text = [
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART:20260301T090000Z',
        'SUMMARY:On call: Zoe',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:b',
        'DTSTART:20260301T090000Z',
        'DTEND:20260302T090000Z',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n');
      const r = ok(parseICalFeed(text, { now: Date.parse('2026-03-01T00:00:00Z'), horizonDays: 7 }));
      assert.equal(r.rotation.shifts.length, 0);
      assert.equal(r.warnings.length, 2);
    });
  });
});

describe('parseOnCallSummary', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['On Call - Alice Smith - Payments Primary', 'Alice Smith', 'Payments Primary'],
    ['On-Call: Bob', 'Bob', undefined],
    ['On call – Carol Jones', 'Carol Jones', undefined],
    ['Dave is on call', 'Dave', undefined],
    ['Erin Wolf (on-call)', 'Erin Wolf', undefined],
    ['Frank Lee (SRE_schedule)', 'Frank Lee', 'SRE_schedule'],
    ['Grace on call', 'Grace', undefined],
    ['Hank', 'Hank', undefined],
  ];
  for (const [summary, name, schedule] of cases) {
    it(`"${summary}" → ${name}`, () => {
      const info = parseOnCallSummary(summary);
      assert.equal(info.name, name);
      assert.equal(info.schedule, schedule);
    });
  }
  it('extracts emails', () => {
    assert.deepEqual(parseOnCallSummary('ivy@example.com is on call'), { name: 'ivy@example.com', email: 'ivy@example.com' });
    assert.deepEqual(parseOnCallSummary('On call: Jo Bloggs <jo@example.com>'), { name: 'Jo Bloggs', email: 'jo@example.com' });
  });
});
