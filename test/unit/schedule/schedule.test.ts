import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { EscalationPolicy, OnCallState, Person, Rotation } from '../../../src/core/protocol/types';
import { describeOnCallStatus, formatRelative, formatShiftTime } from '../../../src/core/schedule/format';
import { parseICalFeed } from '../../../src/core/schedule/ical';
import { type Identity, matchesIdentity } from '../../../src/core/schedule/identity';
import { Schedule } from '../../../src/core/schedule/schedule';
import { ManualClock } from '../../../src/core/util/clock';
import { fixture } from '../../testUtil/paths';

const H = 3_600_000;
const alice: Person = { name: 'Alice Schmidt', email: 'Alice@Example.com', handle: '@alice', timeZone: 'Europe/Berlin' };
const bob: Person = { name: 'Bob Martin', email: 'bob@example.com', timeZone: 'Europe/Berlin' };
const carol: Person = { name: 'Carol Tanaka', email: 'carol@example.com', timeZone: 'Asia/Tokyo' };
const dan: Person = { name: 'Dan Ops', email: 'dan@example.com' };
const eve: Person = { name: 'Eve Dev', email: 'eve@example.com' };

const shift = (person: Person, start: string, end: string) => ({ person, start, end });
const T = (iso: string): number => Date.parse(iso);

const rotations: Rotation[] = [
  {
    id: 'pay-dev',
    name: 'Payments dev',
    role: 'dev',
    pair: 'payments',
    shifts: [shift(eve, '2026-03-23T08:00:00Z', '2026-03-30T07:00:00Z')],
  },
  {
    id: 'checkout-primary',
    name: 'Checkout primary',
    role: 'primary',
    timeZone: 'Europe/Berlin',
    shifts: [
      shift(alice, '2026-03-26T08:00:00Z', '2026-03-27T08:00:00Z'),
      shift(bob, '2026-03-27T08:00:00Z', '2026-03-28T08:00:00Z'),
      shift(alice, '2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z'),
    ],
  },
  {
    id: 'pay-ops',
    name: 'Payments ops',
    role: 'ops',
    pair: 'payments',
    shifts: [shift(dan, '2026-03-23T08:00:00Z', '2026-03-30T07:00:00Z')],
  },
  {
    id: 'checkout-secondary',
    name: 'Checkout secondary',
    role: 'secondary',
    shifts: [
      shift(carol, '2026-03-26T08:00:00Z', '2026-03-27T12:00:00Z'),
      // Continues Alice's primary shift back-to-back (on another rotation).
      shift(alice, '2026-03-27T08:00:00Z', '2026-03-27T12:00:00Z'),
    ],
  },
  {
    id: 'team-lead',
    name: 'Team lead',
    role: 'team lead',
    shifts: [shift(carol, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')],
  },
];

const policy: EscalationPolicy = {
  id: 'checkout',
  name: 'Checkout',
  services: ['checkout'],
  tiers: [
    { level: 1, delayMinutes: 5, targets: [{ type: 'rotation', rotationId: 'checkout-primary' }] },
    { level: 2, delayMinutes: 15, targets: [{ type: 'rotation', rotationId: 'checkout-secondary' }] },
    { level: 3, delayMinutes: 0, targets: [{ type: 'rotation', rotationId: 'team-lead' }] },
  ],
};
const catchAll: EscalationPolicy = { id: 'all', name: 'Everything else', services: [], tiers: [{ level: 1, delayMinutes: 30, targets: [{ type: 'person', person: dan }] }] };
const schedule = new Schedule(rotations, [policy, catchAll]);

describe('Schedule', () => {
  it('matches identities by email (case-insensitive), handle or name', () => {
    const t = T('2026-03-26T12:00:00Z');
    const ids: Identity[] = ['alice@example.com', 'ALICE@EXAMPLE.COM', '@alice', 'alice', 'Alice  Schmidt', { email: 'alice@example.com' }, { name: 'alice schmidt' }];
    for (const id of ids) {
      assert.equal(schedule.isOnCall(id, t), true, JSON.stringify(id));
    }
    assert.equal(schedule.isOnCall('bob@example.com', t), false);
    assert.equal(schedule.isOnCall('', t), false);
    // Same name, different email: different person.
    assert.equal(matchesIdentity(alice, { name: 'Alice Schmidt', email: 'other@example.com' }), false);
  });

  it('treats shifts as [start, end): the incoming person owns the hand-off instant', () => {
    assert.deepEqual(schedule.whoIsOnCall('checkout-primary', T('2026-03-27T08:00:00Z')), [bob]);
    assert.deepEqual(schedule.whoIsOnCall('checkout-primary', T('2026-03-27T07:59:59Z')), [alice]);
    assert.deepEqual(schedule.whoIsOnCall('nope', T('2026-03-27T07:59:59Z')), []);
  });

  it('currentShift follows back-to-back shifts across rotations for coveredUntil', () => {
    const cur = schedule.currentShift('alice@example.com', T('2026-03-27T07:00:00Z'));
    assert.equal(cur?.rotation.id, 'checkout-primary');
    assert.equal(cur?.end, T('2026-03-27T08:00:00Z'));
    assert.equal(cur?.coveredUntil, T('2026-03-27T12:00:00Z'));
    assert.equal(schedule.currentShift('alice', T('2026-03-27T13:00:00Z')), undefined);
  });

  it('nextShift is the first shift starting after t', () => {
    assert.equal(schedule.nextShift('alice', T('2026-03-27T13:00:00Z'))?.start, T('2026-03-28T08:00:00Z'));
    assert.equal(schedule.nextShift('alice', T('2026-03-29T13:00:00Z')), undefined);
  });

  it('onShiftThroughout allows back-to-back shifts and rejects gaps', () => {
    assert.equal(schedule.onShiftThroughout('alice', T('2026-03-27T06:00:00Z'), T('2026-03-27T12:00:00Z')), true);
    assert.equal(schedule.onShiftThroughout('alice', T('2026-03-27T06:00:00Z'), T('2026-03-27T12:00:01Z')), false);
    assert.equal(schedule.onShiftThroughout('alice', T('2026-03-27T11:00:00Z'), T('2026-03-28T09:00:00Z')), false);
    assert.equal(schedule.onShiftThroughout('bob', T('2026-03-27T06:00:00Z'), T('2026-03-27T09:00:00Z')), false);
  });

  it('onCallNow groups paired rotations (dev + ops) and puts primaries first', () => {
    const groups = schedule.onCallNow(T('2026-03-27T10:00:00Z'));
    const shape = groups.map((g) => ({ pair: g.pair, rotations: g.rotations.map((r) => `${r.rotation.id}:${r.people.map((p) => p.name).join('+')}`) }));
    assert.deepEqual(shape, [
      { pair: undefined, rotations: ['checkout-primary:Bob Martin'] },
      { pair: undefined, rotations: ['checkout-secondary:Carol Tanaka+Alice Schmidt'] },
      { pair: 'payments', rotations: ['pay-dev:Eve Dev', 'pay-ops:Dan Ops'] },
      { pair: undefined, rotations: ['team-lead:Carol Tanaka'] },
    ]);
  });

  it('shows rotations with nobody on call (a gap) with an empty list', () => {
    const groups = schedule.onCallNow(T('2026-03-31T10:00:00Z'));
    assert.deepEqual(groups[0]?.rotations[0]?.people, []);
  });

  it('escalationChain resolves tiers with cumulative delays and formats the chain', () => {
    const chain = schedule.escalationChain('checkout', T('2026-03-28T10:00:00Z'));
    assert.ok(chain);
    assert.equal(chain.text, 'primary (Alice Schmidt) → 5 min → secondary (nobody on call) → 15 min → team lead (Carol Tanaka)');
    assert.deepEqual(chain.tiers.map((t) => t.pagedAfterMinutes), [0, 5, 20]);
    assert.deepEqual(chain.tiers.map((t) => t.people.map((p) => p.name)), [['Alice Schmidt'], [], ['Carol Tanaka']]);
  });

  it('escalationChain resolves each tier at the instant it is paged', () => {
    // Tier 1 at 07:58 (Alice), tier 2 five minutes later, after the 08:00 hand-off (Alice on secondary).
    const chain = schedule.escalationChain(policy, T('2026-03-27T07:58:00Z'));
    assert.equal(chain?.text, 'primary (Alice Schmidt) → 5 min → secondary (Carol Tanaka, Alice Schmidt) → 15 min → team lead (Carol Tanaka)');
    assert.equal(schedule.escalationChain('missing', 0), undefined);
  });

  it('escalationChain with person targets and hour delays', () => {
    const p: EscalationPolicy = {
      id: 'p',
      name: 'p',
      services: [],
      tiers: [
        { level: 2, delayMinutes: 0, targets: [{ type: 'person', person: carol }] },
        { level: 1, delayMinutes: 90, targets: [{ type: 'rotation', rotationId: 'checkout-primary' }, { type: 'person', person: dan }] },
      ],
    };
    assert.equal(schedule.escalationChain(p, T('2026-03-27T10:00:00Z'))?.text, 'primary (Bob Martin) + Dan Ops → 1 h 30 min → Carol Tanaka');
  });

  it('policyFor picks the service policy, else the catch-all', () => {
    assert.equal(schedule.policyFor('Checkout')?.id, 'checkout');
    assert.equal(schedule.policyFor('search')?.id, 'all');
    assert.equal(schedule.policyFor(undefined)?.id, 'all');
  });

  it('fromState merges feed rotations, replacing same-id protocol rotations, and drops bad shifts', () => {
    const state: OnCallState = {
      generatedAt: '2026-03-27T00:00:00Z',
      rotations: [
        { id: 'a', name: 'A', shifts: [shift(bob, '2026-03-27T00:00:00Z', '2026-03-28T00:00:00Z'), shift(bob, 'garbage', '2026-03-28T00:00:00Z')] },
        { id: 'b', name: 'B', shifts: [shift(bob, '2026-03-27T00:00:00Z', '2026-03-28T00:00:00Z')] },
      ],
      policies: [policy],
    };
    const s = Schedule.fromState(state, [{ id: 'b', name: 'B from feed', shifts: [shift(carol, '2026-03-27T00:00:00Z', '2026-03-28T00:00:00Z')] }]);
    assert.deepEqual(s.rotations.map((r) => r.name), ['A', 'B from feed']);
    assert.deepEqual(s.whoIsOnCall('b', T('2026-03-27T12:00:00Z')), [carol]);
    assert.equal(s.shiftsOf('bob@example.com').length, 1);
    assert.equal(s.policies.length, 1);
    assert.equal(Schedule.fromState(null).rotations.length, 0);
  });
});

describe('DST hand-offs', () => {
  const read = (name: string): string => fs.readFileSync(fixture('ical', name), 'utf8');

  it('Europe/Berlin daily 09:00 hand-off: 23 h on 2026-03-29, 25 h on 2026-10-25, always 09:00 local', () => {
    const r = parseICalFeed(read('berlin-daily-no-vtimezone.ics'), { now: T('2026-03-27T00:00:00Z'), horizonDays: 240 });
    assert.ok(r.ok);
    const s = Schedule.fromState(null, [r.rotation]);
    const spring = s.currentShift('Lena Vogel', T('2026-03-29T00:30:00Z'));
    assert.equal(spring && (spring.end - spring.start) / H, 23);
    const fall = s.currentShift('Max Weber', T('2026-10-25T00:30:00Z'));
    assert.equal(fall && (fall.end - fall.start) / H, 25);
    for (const e of s.shiftsOf('Lena Vogel').concat(s.shiftsOf('Max Weber'))) {
      assert.equal(formatShiftTime(e.start, 'Europe/Berlin', e.start).slice(4), '09:00');
      assert.equal(formatShiftTime(e.end, 'Europe/Berlin', e.end).slice(4), '09:00');
    }
    // Lena covers five days back-to-back: coverage ends at Wed 09:00 local, after the spring-forward.
    assert.equal(describeOnCallStatus(s, 'lena vogel', T('2026-03-27T09:00:00Z'), 'Europe/Berlin').text, 'On call until Wed 09:00');
  });

  it('America/New_York daily 09:00 hand-off: 23 h on 2026-03-08, 25 h on 2026-11-01', () => {
    const r = parseICalFeed(read('opsgenie-daily-newyork.ics'), { now: T('2026-03-01T00:00:00Z'), horizonDays: 366 });
    assert.ok(r.ok);
    const s = Schedule.fromState(null, [r.rotation]);
    const spring = s.shiftsAt(r.rotation.id, T('2026-03-08T06:30:00Z'))[0];
    assert.equal(spring && (spring.end - spring.start) / H, 23);
    assert.equal(spring && formatShiftTime(spring.end, 'America/New_York', spring.start), 'Sun 09:00');
    const fall = s.shiftsAt(r.rotation.id, T('2026-11-01T06:30:00Z'))[0];
    assert.equal(fall && (fall.end - fall.start) / H, 25);
    assert.equal(fall && formatShiftTime(fall.start, 'America/New_York', fall.start), 'Sat 09:00');
  });
});

describe('formatting', () => {
  const clock = new ManualClock(T('2026-03-27T10:00:00Z'));

  it('"On call until …" with a relative hint within a day', () => {
    assert.equal(describeOnCallStatus(schedule, 'bob@example.com', clock.now(), 'Europe/Berlin').text, 'On call until Sat 09:00 (in 22 h)');
    assert.equal(describeOnCallStatus(schedule, 'bob@example.com', clock.now(), 'Europe/Berlin', { relative: false }).text, 'On call until Sat 09:00');
  });

  it('"next shift …" in the given zone; date added when 6+ days away', () => {
    clock.set(T('2026-03-27T13:00:00Z'));
    assert.equal(describeOnCallStatus(schedule, 'alice', clock.now(), 'America/New_York').text, 'Not on call · next shift Sat 04:00 (in 19 h)');
    assert.equal(describeOnCallStatus(schedule, 'nobody', clock.now(), 'UTC').text, 'Not on call');
    assert.equal(formatShiftTime(T('2026-04-06T07:00:00Z'), 'Europe/Berlin', clock.now()), 'Mon 6 Apr 09:00');
  });

  it('formatRelative', () => {
    const now = T('2026-03-27T10:00:00Z');
    assert.deepEqual(
      [20_000, 45 * 60_000, 3 * H, 3 * H + 20 * 60_000, -5 * 60_000].map((d) => formatRelative(now + d, now)),
      ['in less than a minute', 'in 45 min', 'in 3 h', 'in 3 h 20 min', '5 min ago'],
    );
  });
});
