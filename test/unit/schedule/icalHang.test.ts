/**
 * Feeds that used to hang the extension host (issue 14 §1): ical.js 2.2's recurrence iterator never returns
 * for rules whose BY* parts cannot all be satisfied (kewisch/ical.js#1038), and many SECONDLY events took
 * minutes. Every case here must finish, and the feed must be reported as skipped with its reason.
 */
import * as assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { parseICalFeed, type ICalParseResult } from '../../../src/core/schedule/ical';
import { parseICalFeedInWorker } from '../../../src/core/schedule/icalIsolated';

const workerPath = require.resolve('../../../src/core/schedule/icalWorker');
const NOW = Date.parse('2026-03-20T00:00:00Z');
const OPTS = { now: NOW, horizonDays: 35 };

function event(uid: string, rrule: string | undefined, start = '20260101T000000Z', end = '20260101T010000Z'): string[] {
  return ['BEGIN:VEVENT', `UID:${uid}`, `DTSTART:${start}`, `DTEND:${end}`, ...(rrule ? [`RRULE:${rrule}`] : []), `SUMMARY:On call - ${uid}`, 'END:VEVENT'];
}
function calendar(...events: string[][]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//oncall tests//EN', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');
}
function failed(r: ICalParseResult): Extract<ICalParseResult, { ok: false }>['error'] {
  if (r.ok) assert.fail(`expected the feed to be skipped, got ${r.rotation.shifts.length} shifts`);
  return r.error;
}
/** A bound on the whole call, so that a regression fails the test instead of hanging mocha. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

describe('iCal feeds that never finish expanding (kewisch/ical.js#1038)', function () {
  this.timeout(60_000);

  for (const freq of ['DAILY', 'HOURLY', 'MINUTELY']) {
    const text = calendar(event('feb30', `FREQ=${freq};BYMONTH=2;BYMONTHDAY=30`));

    it(`FREQ=${freq};BYMONTH=2;BYMONTHDAY=30 (${text.length} bytes) is refused by the static check, in process`, () => {
      const e = failed(parseICalFeed(text, OPTS));
      assert.equal(e.code, 'badRule');
      assert.match(e.message, /"feb30".*can never occur.*BYMONTHDAY=30 never falls in BYMONTH=2/);
    });

    it(`FREQ=${freq};BYMONTH=2;BYMONTHDAY=30 in the worker: finishes and the feed is skipped`, async () => {
      const e = failed(await within(30_000, parseICalFeedInWorker(text, OPTS, { workerPath }), 'the worker'));
      assert.equal(e.code, 'badRule');
    });
  }

  it('other impossible month/day pairs: Apr 31, -30 in February, several months none of which fits; a VTIMEZONE rule too', () => {
    for (const rule of ['FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=-30', 'FREQ=HOURLY;BYMONTH=2,4,6;BYMONTHDAY=31', 'FREQ=DAILY;BYMONTHDAY=31;BYDAY=MO;BYMONTH=2']) {
      assert.equal(failed(parseICalFeed(calendar(event('x', rule)), OPTS)).code, 'badRule', rule);
    }
    const tz = ['BEGIN:VTIMEZONE', 'TZID:Nowhere/Feb30', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'];
    const e = failed(parseICalFeed(calendar(tz, ['BEGIN:VEVENT', 'UID:tz', 'DTSTART;TZID=Nowhere/Feb30:20260320T090000', 'DTEND;TZID=Nowhere/Feb30:20260320T100000', 'SUMMARY:On call - A', 'END:VEVENT']), OPTS));
    assert.equal(e.code, 'badRule');
    assert.match(e.message, /Nowhere\/Feb30/);
  });

  it('rules that can occur are not refused: Feb 29 (leap years), Jan 31 with Feb, the 31st without BYMONTH', () => {
    for (const rule of ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'FREQ=MONTHLY;BYMONTH=1,2;BYMONTHDAY=31', 'FREQ=MONTHLY;BYMONTHDAY=31', 'FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-28']) {
      const r = parseICalFeed(calendar(event('ok', rule, '20260101T000000Z')), { ...OPTS, lookbackDays: 400 });
      assert.ok(r.ok, `${rule}: ${r.ok ? '' : r.error.message}`);
    }
  });

  it('a rare rule the static check cannot know (SECONDLY on a Monday Feb 29): the worker is stopped at the wall-clock limit', async () => {
    const text = calendar(event('rare', 'FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO'));
    const started = Date.now();
    const e = failed(await within(30_000, parseICalFeedInWorker(text, OPTS, { workerPath, timeoutMs: 1500 }), 'the worker'));
    assert.equal(e.code, 'timeout');
    assert.match(e.message, /longer than 2 s and was stopped.*skipped/);
    assert.ok(Date.now() - started >= 1400, 'the limit, not an early failure, ended it');
  });

  it('100 FREQ=SECONDLY events (12 KB, 21 s before): the global expansion budget skips the feed', () => {
    const text = calendar(...Array.from({ length: 100 }, (_, i) => event(`s${i}`, 'FREQ=SECONDLY')));
    assert.ok(text.length < 13_000);
    const e = failed(parseICalFeed(text, OPTS));
    assert.equal(e.code, 'tooComplex');
    assert.match(e.message, /more than 100000 steps/);
  });

  it('1,000 FREQ=SECONDLY events (out of memory before): skipped in the worker, within the default limits', async () => {
    const text = calendar(...Array.from({ length: 1000 }, (_, i) => event(`s${i}`, 'FREQ=SECONDLY')));
    const e = failed(await within(30_000, parseICalFeedInWorker(text, OPTS, { workerPath }), 'the worker'));
    assert.ok(e.code === 'tooComplex' || e.code === 'timeout', e.code);
  });

  it('the budget counts steps across events, not per event', () => {
    // Each event needs ~30 steps to pass the window (daily, from 30 days ago); 3 of them need ~90.
    const start = '20260218T090000Z';
    const three = calendar(...['a', 'b', 'c'].map((u) => event(u, 'FREQ=DAILY', start, '20260218T100000Z')));
    assert.ok(parseICalFeed(three, { ...OPTS, maxIterationsPerEvent: 60, maxTotalIterations: 200 }).ok);
    const e = failed(parseICalFeed(three, { ...OPTS, maxIterationsPerEvent: 60, maxTotalIterations: 100 }));
    assert.equal(e.code, 'tooComplex');
  });

  it('plain events are read in linear time: ical.js is not asked to relate every VEVENT to every other (O(n²))', () => {
    const text = calendar(...Array.from({ length: 300 }, (_, i) => event(`e${i}`, i % 2 ? 'FREQ=WEEKLY;COUNT=3' : undefined, '20260320T000000Z', '20260320T010000Z')));
    const proto = ICAL.Component.prototype as unknown as { getAllSubcomponents: (name?: string) => unknown[] };
    const original = proto.getAllSubcomponents;
    let scans = 0;
    proto.getAllSubcomponents = function (this: unknown, name?: string) {
      if (name === 'vevent') scans++;
      return original.call(this, name);
    };
    try {
      assert.ok(parseICalFeed(text, OPTS).ok);
    } finally {
      proto.getAllSubcomponents = original;
    }
    assert.ok(scans <= 2, `the calendar's events were listed ${scans} times for 300 events`);
  });

  it('a worker that runs out of heap is reported, not fatal', async () => {
    const big = calendar(...Array.from({ length: 20_000 }, (_, i) => event(`e${i}`, undefined, '20260320T000000Z', '20260320T010000Z')));
    const e = failed(await within(30_000, parseICalFeedInWorker(big, OPTS, { workerPath, maxHeapMb: 4 }), 'the worker'));
    assert.ok(e.code === 'tooComplex' || e.code === 'crashed', `${e.code}: ${e.message}`);
  });

  it('a good feed parses in the worker exactly as in process', async () => {
    const text = calendar(event('weekly', 'FREQ=WEEKLY;COUNT=20', '20260302T080000Z', '20260309T080000Z'));
    const inWorker = await parseICalFeedInWorker(text, OPTS, { workerPath });
    assert.ok(inWorker.ok);
    assert.deepEqual(inWorker, parseICalFeed(text, OPTS));
    assert.ok(inWorker.rotation.shifts.length >= 5);
  });

  it('a running parse can be cancelled (deactivation): the worker is stopped at once', async () => {
    const ac = new AbortController();
    const text = calendar(event('rare', 'FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO'));
    const p = parseICalFeedInWorker(text, OPTS, { workerPath, timeoutMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    const e = failed(await within(20_000, p, 'the cancelled worker'));
    assert.equal(e.code, 'crashed');
    assert.match(e.message, /cancelled/);
  });

  it('a missing worker script is a clear error', async () => {
    const e = failed(await parseICalFeedInWorker(calendar(event('x', undefined)), OPTS, { workerPath: '/nonexistent/icalWorker.js' }));
    assert.equal(e.code, 'crashed');
    assert.match(e.message, /iCal parser/);
  });
});
