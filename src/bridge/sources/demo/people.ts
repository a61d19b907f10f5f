import type { EscalationPolicy, OnCallState, Person, Rotation, Shift } from '../../../core/protocol/types';

/**
 * The demo's people and on-call schedule. "You" (you@example.com) is on the payments dev rotation,
 * on call now, paired with an ops engineer; the others are spread around the world so "paged at 02:10
 * her time" has something to show. Everything is computed from "now", so the picture holds at any date.
 */

/** The demo user. No time zone: the editor's local zone is the truth for "you". */
export const YOU_PERSON: Person = { id: 'u-you', name: 'You', email: 'you@example.com', handle: '@you' };
export const PRIYA: Person = { id: 'u-priya', name: 'Priya Raman', email: 'priya.raman@acme.example', handle: '@priya', timeZone: 'Asia/Kolkata' };
export const CAROL: Person = { id: 'u-carol', name: 'Carol Okafor', email: 'carol.okafor@acme.example', handle: '@carol', timeZone: 'Europe/London' };
export const DIEGO: Person = { id: 'u-diego', name: 'Diego Alvarez', email: 'diego.alvarez@acme.example', handle: '@diego', timeZone: 'America/Sao_Paulo' };
export const KENJI: Person = { id: 'u-kenji', name: 'Kenji Watanabe', email: 'kenji.watanabe@acme.example', handle: '@kenji', timeZone: 'Asia/Tokyo' };
export const BOB: Person = { id: 'u-bob', name: 'Bob Lindqvist', email: 'bob.lindqvist@acme.example', handle: '@bob', timeZone: 'Europe/Stockholm' };
export const ALICE: Person = { id: 'u-alice', name: 'Alice Chen', email: 'alice.chen@acme.example', handle: '@alice', timeZone: 'America/Los_Angeles' };
export const MARTA: Person = { id: 'u-marta', name: 'Marta Nowak', email: 'marta.nowak@acme.example', handle: '@marta', timeZone: 'Europe/Warsaw' };

/** The demo's people directory (protocol 1.1 `oncall.people`): whom a responder may reassign to or put on call. */
export const DIRECTORY: readonly Person[] = [YOU_PERSON, PRIYA, CAROL, DIEGO, KENJI, BOB, ALICE, MARTA];

export const PAYMENTS_SERVICES = ['checkout-api', 'billing-worker'];
export const PLATFORM_SERVICES = ['inventory-service', 'edge-gateway'];

const HOUR = 3_600_000;
/** Primary shifts are 8 h; with three people each person's next shift starts 24 h after the last began. */
export const SHIFT_MS = 8 * HOUR;
/** Days of schedule the demo publishes: enough for "next Friday evening" to have someone on call. */
export const DEMO_DAYS = 10;

/**
 * Start of "your" current shift: three hours before the last full hour, so at any instant you are
 * on call now and the shift ends 4–5 hours later.
 */
export function currentShiftStart(now: number): number {
  return Math.floor(now / HOUR) * HOUR - 3 * HOUR;
}

function cycle(people: Person[], firstStart: number, length: number, count: number): Shift[] {
  const shifts: Shift[] = [];
  for (let i = 0; i < count; i++) {
    const start = firstStart + i * length;
    shifts.push({ person: people[i % people.length]!, start: iso(start), end: iso(start + length) });
  }
  return shifts;
}

const iso = (t: number): string => new Date(t).toISOString();

export const ROTATION_IDS = {
  paymentsDev: 'payments-dev',
  paymentsOps: 'payments-ops',
  paymentsSecondary: 'payments-secondary',
  platform: 'platform-primary',
} as const;

/**
 * The schedule as of `now`. `anchor` is the start of the shift "you" had when the bridge started: the
 * rotations keep turning from there (after 8 h Diego takes over, 24 h later it is your turn again).
 */
export function buildOnCall(now: number, anchor: number): OnCallState {
  // Index of the shift that covers now, counted from the anchor, in 8 h steps.
  const k = Math.floor((now - anchor) / SHIFT_MS);
  const first = anchor + k * SHIFT_MS;
  const rot = <T>(arr: T[], by: number): T[] => arr.map((_, i) => arr[(((i + by) % arr.length) + arr.length) % arr.length]!);
  const dev = rot([YOU_PERSON, DIEGO, PRIYA], k);
  const ops = rot([CAROL, KENJI, BOB], k);
  const dayK = Math.floor((now - anchor) / (3 * SHIFT_MS));
  const secondaryFirst = anchor + dayK * 3 * SHIFT_MS;
  const rotations: Rotation[] = [
    { id: ROTATION_IDS.paymentsDev, name: 'Payments — dev', role: 'primary', pair: 'payments', timeZone: 'Europe/Berlin', shifts: cycle(dev, first, SHIFT_MS, DEMO_DAYS * 3) },
    { id: ROTATION_IDS.paymentsOps, name: 'Payments — ops', role: 'primary', pair: 'payments', timeZone: 'Europe/London', shifts: cycle(ops, first, SHIFT_MS, DEMO_DAYS * 3) },
    { id: ROTATION_IDS.paymentsSecondary, name: 'Payments — secondary', role: 'secondary', timeZone: 'Europe/Berlin', shifts: cycle(rot([PRIYA, BOB, DIEGO], dayK), secondaryFirst, 3 * SHIFT_MS, DEMO_DAYS) },
    { id: ROTATION_IDS.platform, name: 'Platform', role: 'primary', timeZone: 'Asia/Tokyo', shifts: cycle(rot([KENJI, MARTA, BOB], dayK), secondaryFirst, 3 * SHIFT_MS, DEMO_DAYS) },
  ];
  const policies: EscalationPolicy[] = [
    {
      id: 'payments-escalation',
      name: 'Payments escalation',
      services: PAYMENTS_SERVICES,
      tiers: [
        { level: 1, delayMinutes: 5, targets: [{ type: 'rotation', rotationId: ROTATION_IDS.paymentsDev }, { type: 'rotation', rotationId: ROTATION_IDS.paymentsOps }] },
        { level: 2, delayMinutes: 15, targets: [{ type: 'rotation', rotationId: ROTATION_IDS.paymentsSecondary }] },
        { level: 3, delayMinutes: 30, targets: [{ type: 'person', person: ALICE }] },
      ],
    },
    {
      id: 'platform-escalation',
      name: 'Platform escalation',
      services: PLATFORM_SERVICES,
      tiers: [
        { level: 1, delayMinutes: 5, targets: [{ type: 'rotation', rotationId: ROTATION_IDS.platform }] },
        { level: 2, delayMinutes: 15, targets: [{ type: 'person', person: ALICE }] },
      ],
    },
  ];
  return { generatedAt: iso(now), rotations, policies };
}

/** When the shift covering `now` ends: the next hand-off, when the demo publishes a new on-call state. */
export function nextHandoff(now: number, anchor: number): number {
  return anchor + (Math.floor((now - anchor) / SHIFT_MS) + 1) * SHIFT_MS;
}

/** Who is on call at tier `level` of `policy` in `state`, now. */
export function tierPeople(state: OnCallState, policyId: string, level: number, now: number): Person[] {
  const policy = state.policies.find((p) => p.id === policyId);
  const tier = policy?.tiers.find((t) => t.level === level);
  if (!tier) return [];
  const out: Person[] = [];
  for (const t of tier.targets) {
    if (t.type === 'person') out.push(t.person);
    else {
      const r = state.rotations.find((x) => x.id === t.rotationId);
      const s = r?.shifts.find((sh) => Date.parse(sh.start) <= now && now < Date.parse(sh.end));
      if (s) out.push(s.person);
    }
  }
  return out;
}

export function policyFor(service: string): string {
  return PAYMENTS_SERVICES.includes(service) ? 'payments-escalation' : 'platform-escalation';
}
