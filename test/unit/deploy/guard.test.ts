import * as assert from 'node:assert/strict';
import type { DeployDecision } from '../../../src/core/deploy/decision';
import { decideDeploy, findSaferTime } from '../../../src/core/deploy/guard';
import { validateDeployGuardSettings, type DeployGuardConfig, type DeployGuardSettings } from '../../../src/core/deploy/guardConfig';
import { ruleIntervals } from '../../../src/core/deploy/guardRules';
import type { EscalationPolicy, Person, Rotation } from '../../../src/core/protocol/types';
import { Schedule } from '../../../src/core/schedule/schedule';
import { ManualClock } from '../../../src/core/util/clock';

const T = (iso: string): number => Date.parse(iso);
const MIN = 60_000;

const alice: Person = { name: 'Alice Schmidt', email: 'alice@example.com', timeZone: 'Europe/Berlin' };
const bob: Person = { name: 'Bob Martin', email: 'bob@example.com', timeZone: 'Europe/Berlin' };
const carol: Person = { name: 'Carol Tanaka', email: 'carol@example.com', timeZone: 'Asia/Tokyo' };
const dan: Person = { name: 'Dan Ops', email: 'dan@example.com' };

const shift = (person: Person, start: string, end: string) => ({ person, start, end });
const primary: Rotation = {
  id: 'primary',
  name: 'Platform primary',
  role: 'primary',
  timeZone: 'Europe/Berlin',
  shifts: [
    shift(carol, '2026-03-27T00:00:00Z', '2026-03-27T20:00:00Z'),
    shift(bob, '2026-03-27T20:00:00Z', '2026-03-30T00:00:00Z'),
    shift(bob, '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z'),
  ],
};
const erin: Person = { name: 'Erin Wolf', email: 'erin@example.com', timeZone: 'Europe/Berlin' };
const secondary: Rotation = { id: 'secondary', name: 'Platform secondary', role: 'secondary', shifts: [shift(erin, '2026-03-27T00:00:00Z', '2026-03-30T00:00:00Z')] };
const search: Rotation = { id: 'search', name: 'Search on-call', shifts: [shift(dan, '2026-03-01T00:00:00Z', '2026-04-30T00:00:00Z')] };
const searchPolicy: EscalationPolicy = { id: 'search', name: 'Search', services: ['search'], tiers: [{ level: 1, delayMinutes: 10, targets: [{ type: 'rotation', rotationId: 'search' }] }] };
const team = new Schedule([primary, secondary, search], [searchPolicy]);

/** Alice on call on the primary rotation from Fri 14:00Z, for `hours`. */
const withAliceOnCall = (hours: number): Schedule =>
  new Schedule([{ ...primary, shifts: [shift(alice, '2026-03-27T14:00:00Z', new Date(T('2026-03-27T14:00:00Z') + hours * 3_600_000).toISOString()), ...primary.shifts] }]);

function config(settings: DeployGuardSettings = {}): DeployGuardConfig {
  const v = validateDeployGuardSettings(settings);
  assert.deepEqual(v.errors, []);
  return v.config;
}
const onlyRules = (s: DeployGuardSettings): DeployGuardConfig => config({ weeklyWindows: [], evenings: false, ...s });

function decide(iso: string, opts: { zone?: string; schedule?: Schedule; cfg?: DeployGuardConfig; service?: string; author?: Person } = {}): DeployDecision {
  // A fresh fixed clock per decision: ManualClock only moves forward.
  const clock = new ManualClock(T(iso));
  return decideDeploy({
    at: clock.now(),
    author: opts.author ?? alice,
    authorTimeZone: opts.zone ?? 'Europe/Berlin',
    schedule: opts.schedule ?? team,
    config: opts.cfg ?? config(),
    ...(opts.service ? { service: opts.service } : {}),
  });
}
const ids = (d: DeployDecision): string[] => d.rules.map((r) => r.id);

describe('decideDeploy — policy table', () => {
  const table: Array<{ name: string; at: string; zone?: string; schedule?: () => Schedule; cfg?: () => DeployGuardConfig; risky: boolean; rules: string[] }> = [
    { name: 'Friday 14:59 Berlin: before the window', at: '2026-03-27T13:59:00Z', risky: false, rules: [] },
    { name: 'Friday 15:01 Berlin: inside the weekend window', at: '2026-03-27T14:01:00Z', risky: true, rules: ['weekend'] },
    { name: 'Friday 18:10 Berlin: weekend + evening', at: '2026-03-27T17:10:00Z', risky: true, rules: ['weekend', 'evenings'] },
    { name: 'Tuesday 10:00 Berlin: office hours', at: '2026-03-24T09:00:00Z', risky: false, rules: [] },
    { name: 'Tuesday 19:00 Berlin: evening', at: '2026-03-24T18:00:00Z', risky: true, rules: ['evenings'] },
    { name: 'Wednesday 07:59 Berlin: still the evening rule', at: '2026-03-25T06:59:00Z', risky: true, rules: ['evenings'] },
    { name: 'on shift for the whole watch window: not risky', at: '2026-03-27T14:01:00Z', schedule: () => withAliceOnCall(3), risky: false, rules: ['weekend'] },
    { name: 'on shift for only 1 h of the 2 h watch window: risky', at: '2026-03-27T14:01:00Z', schedule: () => withAliceOnCall(1), risky: true, rules: ['weekend'] },
    // DST: spring-forward (Berlin 2026-03-29): the window ends Mon 08:00 CEST = 06:00Z.
    { name: 'Berlin Mon 07:59 after spring-forward', at: '2026-03-30T05:59:00Z', risky: true, rules: ['weekend'] },
    { name: 'Berlin Mon 08:00 after spring-forward', at: '2026-03-30T06:00:00Z', risky: false, rules: [] },
    // Fall-back (Berlin 2026-10-25): starts Fri 15:00 CEST = 13:00Z, ends Mon 08:00 CET = 07:00Z.
    { name: 'Berlin Fri 14:59 CEST before fall-back', at: '2026-10-23T12:59:00Z', risky: false, rules: [] },
    { name: 'Berlin Fri 15:00 CEST before fall-back', at: '2026-10-23T13:00:00Z', risky: true, rules: ['weekend'] },
    { name: 'Berlin Mon 07:59 CET after fall-back', at: '2026-10-26T06:59:00Z', risky: true, rules: ['weekend'] },
    { name: 'Berlin Mon 08:00 CET after fall-back', at: '2026-10-26T07:00:00Z', risky: false, rules: [] },
    // New York author: spring-forward 2026-03-08, fall-back 2026-11-01.
    { name: 'New York Fri 15:00 EST', at: '2026-03-06T20:00:00Z', zone: 'America/New_York', risky: true, rules: ['weekend'] },
    { name: 'New York Mon 07:59 EDT', at: '2026-03-09T11:59:00Z', zone: 'America/New_York', risky: true, rules: ['weekend'] },
    { name: 'New York Mon 08:00 EDT', at: '2026-03-09T12:00:00Z', zone: 'America/New_York', risky: false, rules: [] },
    { name: 'New York Mon 07:59 EST after fall-back', at: '2026-11-02T12:59:00Z', zone: 'America/New_York', risky: true, rules: ['weekend'] },
    { name: 'New York Mon 08:00 EST after fall-back', at: '2026-11-02T13:00:00Z', zone: 'America/New_York', risky: false, rules: [] },
    // Author in Los Angeles, team in Berlin: the author's clock decides.
    { name: 'LA author Fri 14:00 PDT (22:00 in Berlin)', at: '2026-03-27T21:00:00Z', zone: 'America/Los_Angeles', risky: false, rules: [] },
    { name: 'LA author Fri 15:30 PDT', at: '2026-03-27T22:30:00Z', zone: 'America/Los_Angeles', risky: true, rules: ['weekend'] },
    // Freeze via cron, GitLab-style, in Europe/Berlin.
    ...freezeRows(),
    // Holidays in the author's zone.
    { name: 'holiday, Berlin author, Dec 25 10:00', at: '2026-12-25T09:00:00Z', cfg: holidayCfg, risky: true, rules: ['holiday-0'] },
    { name: 'holiday, Berlin author, Dec 25 04:00', at: '2026-12-25T03:00:00Z', cfg: holidayCfg, risky: true, rules: ['holiday-0'] },
    { name: 'holiday, New York author, still Dec 24 22:00', at: '2026-12-25T03:00:00Z', zone: 'America/New_York', cfg: holidayCfg, risky: false, rules: [] },
    { name: 'holiday over: Dec 26 00:00 Berlin', at: '2026-12-25T23:00:00Z', cfg: holidayCfg, risky: false, rules: [] },
    // One-off ranges.
    { name: 'one-off with offsets: inside', at: '2026-12-29T09:00:00Z', cfg: oneOffCfg, risky: true, rules: ['year-end'] },
    { name: 'one-off with offsets: end is exclusive', at: '2027-01-04T07:00:00Z', cfg: oneOffCfg, risky: false, rules: [] },
    { name: 'one-off by dates (author zone NY): last day included', at: '2026-12-27T04:59:00Z', zone: 'America/New_York', cfg: oneOffDatesCfg, risky: true, rules: ['oneOff-0'] },
    { name: 'one-off by dates (author zone NY): over', at: '2026-12-27T05:00:00Z', zone: 'America/New_York', cfg: oneOffDatesCfg, risky: false, rules: [] },
  ];

  for (const row of table) {
    it(row.name, () => {
      const d = decide(row.at, {
        ...(row.zone ? { zone: row.zone } : {}),
        ...(row.schedule ? { schedule: row.schedule() } : {}),
        ...(row.cfg ? { cfg: row.cfg() } : {}),
      });
      assert.equal(d.risky, row.risky, d.summary);
      assert.deepEqual(ids(d), row.rules);
    });
  }
});

function freezeCfg(): DeployGuardConfig {
  return onlyRules({ freezes: [{ id: 'weekend-freeze', label: 'Weekend freeze', start: '0 18 * * 5', end: '0 8 * * 1', timeZone: 'Europe/Berlin' }] });
}
function holidayCfg(): DeployGuardConfig {
  return onlyRules({ holidays: [{ date: '2026-12-25', label: 'Christmas Day' }] });
}
function oneOffCfg(): DeployGuardConfig {
  return onlyRules({ oneOff: [{ id: 'year-end', label: 'Year-end freeze', start: '2026-12-23T18:00:00+01:00', end: '2027-01-04T08:00:00+01:00' }] });
}
function oneOffDatesCfg(): DeployGuardConfig {
  return onlyRules({ oneOff: [{ start: '2026-12-24', end: '2026-12-26' }] });
}
function freezeRows() {
  const f = { cfg: freezeCfg };
  return [
    { name: 'freeze: Fri 17:59 Berlin', at: '2026-03-27T16:59:00Z', ...f, risky: false, rules: [] },
    { name: 'freeze: Fri 18:00 Berlin (start instant included)', at: '2026-03-27T17:00:00Z', ...f, risky: true, rules: ['weekend-freeze'] },
    { name: 'freeze: Sunday, across the spring-forward', at: '2026-03-29T12:00:00Z', ...f, risky: true, rules: ['weekend-freeze'] },
    { name: 'freeze: Mon 07:59 CEST', at: '2026-03-30T05:59:00Z', ...f, risky: true, rules: ['weekend-freeze'] },
    { name: 'freeze: Mon 08:00 CEST (end exclusive)', at: '2026-03-30T06:00:00Z', ...f, risky: false, rules: [] },
    { name: 'freeze: Mon 07:59 CET after fall-back', at: '2026-10-26T06:59:00Z', ...f, risky: true, rules: ['weekend-freeze'] },
    { name: 'freeze: author in New York, Fri 13:00 EDT = 18:00 Berlin', at: '2026-03-27T17:00:00Z', zone: 'America/New_York', ...f, risky: true, rules: ['weekend-freeze'] },
  ];
}

describe('decideDeploy — explanations, paging and safer time', () => {
  it('names who gets paged instead, in their local time, and the safer time', () => {
    const d = decide('2026-03-27T17:10:00Z');
    assert.equal(d.risky, true);
    assert.equal(d.authorOnShift, false);
    assert.deepEqual(
      d.pagedInstead?.map((p) => [p.person.name, p.localTime, p.timeZone, p.text]),
      [['Carol Tanaka', 'Sat 02:10', 'Asia/Tokyo', 'Carol Tanaka gets paged at 02:10 their time (Sat, Asia/Tokyo)']],
    );
    assert.deepEqual(d.saferTime, { at: T('2026-03-30T06:00:00Z'), text: 'Mon 08:00 (your time)', watchable: true });
    assert.equal(d.headline, 'Risky deploy: Fri 18:10 is in Friday afternoon to Monday morning and weekday evenings (18:00–08:00), and you are not on call.');
    assert.deepEqual(d.details, ['If it breaks, Carol Tanaka gets paged at 02:10 their time (Sat, Asia/Tokyo).', 'Safer: Mon 08:00 (your time).']);
    assert.equal(d.summary, [d.headline, ...d.details].join(' '));
    assert.equal(d.rules[0]?.explanation, 'Fri 18:10 is inside the weekly risky window "Friday afternoon to Monday morning" (Fri 15:00 – Mon 08:00, your time).');
  });

  it('lists everyone on call during the watch window, hand-offs at their start', () => {
    const d = decide('2026-03-27T19:00:00Z');
    assert.deepEqual(d.pagedInstead?.map((p) => p.text), [
      'Carol Tanaka gets paged at 04:00 their time (Sat, Asia/Tokyo)',
      'Bob Martin gets paged at 21:00 their time (Fri, Europe/Berlin)',
    ]);
  });

  it('author in another zone than the team: Bob in Berlin is paged at 23:30 his time', () => {
    const d = decide('2026-03-27T22:30:00Z', { zone: 'America/Los_Angeles', author: { ...alice, timeZone: 'America/Los_Angeles' } });
    assert.equal(d.risky, true);
    assert.equal(d.pagedInstead?.[0]?.text, 'Bob Martin gets paged at 23:30 their time (Fri, Europe/Berlin)');
    assert.equal(d.saferTime?.text, 'Mon 08:00 (your time)');
    assert.equal(d.saferTime?.at, T('2026-03-30T15:00:00Z'));
  });

  it('uses the service’s escalation policy (tier 1) and says when a zone is unknown', () => {
    const d = decide('2026-03-27T17:10:00Z', { service: 'search' });
    assert.deepEqual(d.pagedInstead?.map((p) => p.text), ['Dan Ops gets paged at Fri 17:10 UTC (their time zone is unknown)']);
  });

  it('never lists the author as paged instead', () => {
    const s = new Schedule([{ ...primary, shifts: [shift(alice, '2026-03-27T17:00:00Z', '2026-03-27T17:30:00Z'), shift(bob, '2026-03-27T17:30:00Z', '2026-03-28T00:00:00Z')] }]);
    const d = decide('2026-03-27T17:10:00Z', { schedule: s });
    assert.equal(d.risky, true);
    assert.deepEqual(d.pagedInstead?.map((p) => p.person.name), ['Bob Martin']);
  });

  it('on call now but off call inside the watch window: the headline says when you go off call (the status bar’s end), never "not on call"', () => {
    // Alice on call Fri 14:00Z → 17:30Z (18:30 Berlin); deploying at 18:10 Berlin with a 2 h watch window.
    const s = new Schedule([{ ...primary, shifts: [shift(alice, '2026-03-27T14:00:00Z', '2026-03-27T17:30:00Z'), shift(bob, '2026-03-27T17:30:00Z', '2026-03-28T00:00:00Z')] }]);
    const d = decide('2026-03-27T17:10:00Z', { schedule: s });
    assert.equal(d.risky, true);
    assert.equal(d.authorOffCallAt, T('2026-03-27T17:30:00Z'));
    assert.equal(d.headline, 'Risky deploy: Fri 18:10 is in Friday afternoon to Monday morning and weekday evenings (18:00–08:00), and you go off call at Fri 18:30.');
    assert.doesNotMatch(d.summary, /not on call/);
    assert.equal(s.currentShift(alice, T('2026-03-27T17:10:00Z'))?.coveredUntil, d.authorOffCallAt, 'same end as the status bar (currentShift().coveredUntil)');
  });

  it('names each person once, at the earliest time a page reaches them, even across rotations and shifts', () => {
    const other: Rotation = { id: 'primary-2', name: 'Payments primary', role: 'primary', timeZone: 'Asia/Tokyo', shifts: [shift(carol, '2026-03-27T18:00:00Z', '2026-03-28T00:00:00Z')] };
    const twice: Rotation = { ...primary, shifts: [shift(carol, '2026-03-27T17:00:00Z', '2026-03-27T17:40:00Z'), shift(bob, '2026-03-27T17:40:00Z', '2026-03-27T18:20:00Z'), shift(carol, '2026-03-27T18:20:00Z', '2026-03-28T00:00:00Z')] };
    const d = decide('2026-03-27T17:10:00Z', { schedule: new Schedule([twice, other]) });
    assert.deepEqual(d.pagedInstead?.map((p) => p.text), ['Carol Tanaka gets paged at 02:10 their time (Sat, Asia/Tokyo)', 'Bob Martin gets paged at 18:40 their time (Fri, Europe/Berlin)']);
    assert.equal(d.details.filter((l) => l.includes('Carol')).length, 1);
  });

  it('reports the author’s next shift', () => {
    const s = new Schedule([{ ...primary, shifts: [shift(alice, '2026-03-28T08:00:00Z', '2026-03-29T08:00:00Z')] }]);
    const d = decide('2026-03-27T17:10:00Z', { schedule: s });
    assert.deepEqual(d.authorNextShift, { start: T('2026-03-28T08:00:00Z'), text: 'next shift Sat 09:00' });
    assert.ok(d.details.includes('Your next shift: Sat 09:00.'), d.details.join(' | '));
  });

  it('on shift for the window: not risky, and the summary says why', () => {
    const d = decide('2026-03-27T14:01:00Z', { schedule: withAliceOnCall(3) });
    assert.equal(d.authorOnShift, true);
    assert.equal(d.pagedInstead, undefined);
    assert.equal(d.summary, 'Inside "Friday afternoon to Monday morning", but you are on call until Fri 18:00, so you can watch this deploy for the next 2 h.');
  });

  it('freeze explanation names the freeze, its span and zone', () => {
    const d = decide('2026-03-27T17:00:00Z', { zone: 'America/New_York', cfg: freezeCfg() });
    assert.equal(d.rules[0]?.explanation, 'Deploy freeze "Weekend freeze" is active: Fri 13:00 – Mon 02:00 your time (defined in Europe/Berlin).');
    assert.equal(d.saferTime?.text, 'Mon 02:00 (your time)');
  });

  it('holiday explanation and safer time (next local midnight)', () => {
    const d = decide('2026-12-25T09:00:00Z', { cfg: holidayCfg() });
    assert.equal(d.rules[0]?.explanation, 'Fri 25 Dec 2026 is a holiday ("Christmas Day").');
    assert.equal(d.saferTime?.at, T('2026-12-25T23:00:00Z'));
  });

  it('one-off: safer time is the end of the range', () => {
    const d = decide('2026-12-29T09:00:00Z', { cfg: oneOffCfg() });
    assert.equal(d.saferTime?.at, T('2027-01-04T07:00:00Z'));
    assert.equal(d.saferTime?.text, 'Mon 08:00 (your time)');
  });

  it('safer time skips gaps too short to watch, unless the author is on shift then', () => {
    const cfg = config({
      weeklyWindows: [],
      oneOff: [{ id: 'lunch', label: 'Lunch freeze', start: '2026-03-25T09:00', end: '2026-03-25T12:00', timeZone: 'Europe/Berlin' }],
    });
    const off = decide('2026-03-24T18:00:00Z', { cfg, schedule: new Schedule([]) });
    assert.equal(off.saferTime?.at, T('2026-03-25T11:00:00Z'), off.saferTime?.text);
    const onCall = new Schedule([{ ...primary, shifts: [shift(alice, '2026-03-25T07:00:00Z', '2026-03-25T12:00:00Z')] }]);
    const on = decide('2026-03-24T18:00:00Z', { cfg, schedule: onCall });
    assert.deepEqual(on.saferTime, { at: T('2026-03-25T07:00:00Z'), text: 'Wed 08:00 (your time)', watchable: true });
  });

  it('bounded search: a freeze that never lets up yields no safer time, quickly', () => {
    const cfg = onlyRules({ freezes: [{ start: '* * * * *', end: '* * * * *', timeZone: 'UTC' }] });
    const started = Date.now();
    const d = decide('2026-03-27T17:10:00Z', { cfg });
    assert.ok(Date.now() - started < 5000);
    assert.equal(d.risky, true);
    assert.equal(d.saferTime, undefined);
    assert.match(d.summary, /No safer time in the next 14 days\./);
  });

  it('findSaferTime falls back to the first rule-free instant, and probes at most a bounded number of times', () => {
    // 30-min gaps every 2 h for 20 days: never a clear 2 h watch window.
    const start = T('2026-03-02T00:00:00Z');
    const intervals = Array.from({ length: 240 }, (_, i) => ({ rule: freezeCfg().rules[0]!, start: start + i * 120 * MIN, end: start + i * 120 * MIN + 90 * MIN }));
    let probes = 0;
    const r = findSaferTime(intervals, start + 10 * MIN, 14 * 24 * 60 * MIN, 120 * MIN, () => (probes++, false));
    assert.deepEqual(r, { at: start + 90 * MIN, watchable: false });
    assert.ok(probes <= 14 * 24 * 4 + 1, `probes ${probes}`);
  });

  it('disabled guard and unknown zone', () => {
    const off = decide('2026-03-27T17:10:00Z', { cfg: config({ enabled: false }) });
    assert.deepEqual([off.risky, off.summary], [false, 'Deploy guard is off.']);
    const d = decideDeploy({ at: T('2026-03-27T17:10:00Z'), author: 'someone', authorTimeZone: 'Mars/Olympus', config: config() });
    assert.equal(d.timeZone, 'UTC');
    assert.equal(d.notes.length, 2);
    assert.equal(d.risky, true);
    assert.equal(d.pagedInstead, undefined);
  });

  it('OK summary outside risky windows', () => {
    assert.equal(decide('2026-03-24T09:00:00Z').summary, 'No risky window at Tue 10:00 (your time).');
  });
});

describe('rule intervals', () => {
  it('weekly window keeps 15:00/08:00 local across DST; freeze follows croner', () => {
    const cfg = config({ evenings: false, freezes: [{ id: 'f', start: '0 18 * * 5', end: '0 8 * * 1', timeZone: 'Europe/Berlin' }] });
    const iv = ruleIntervals(cfg.rules, 'Europe/Berlin', T('2026-03-25T00:00:00Z'), T('2026-04-05T00:00:00Z'))
      .filter((i) => i.end > T('2026-03-25T00:00:00Z'))
      .map((i) => `${i.rule.id} ${new Date(i.start).toISOString()} ${new Date(i.end).toISOString()}`);
    assert.deepEqual(iv, [
      'weekend 2026-03-27T14:00:00.000Z 2026-03-30T06:00:00.000Z',
      'f 2026-03-27T17:00:00.000Z 2026-03-30T06:00:00.000Z',
      'weekend 2026-04-03T13:00:00.000Z 2026-04-06T06:00:00.000Z',
      'f 2026-04-03T16:00:00.000Z 2026-04-06T06:00:00.000Z',
    ]);
  });
});
