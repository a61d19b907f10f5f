import * as assert from 'node:assert/strict';
import { coverOffer } from '../../../src/core/deploy/cover';
import { decideDeploy, validateDeployGuardSettings } from '../../../src/core/deploy';
import type { EscalationPolicy, Rotation } from '../../../src/core/protocol/types';
import { Schedule } from '../../../src/core/schedule/schedule';

const H = 3_600_000;
// Friday 2025-03-14 19:00 UTC: in the default "weekday evenings" and "late Friday" windows.
const AT = Date.parse('2025-03-14T19:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();
const ME = 'me@example.com';

function rotation(id: string, role: string, email: string, from = AT - 6 * H, to = AT + 6 * H): Rotation {
  return { id, name: id, role, timeZone: 'UTC', shifts: [{ person: { name: email.split('@')[0]!, email }, start: iso(from), end: iso(to) }] };
}

function decide(schedule: Schedule, service?: string) {
  const config = validateDeployGuardSettings({}).config;
  return decideDeploy({ at: AT, author: ME, authorTimeZone: 'UTC', schedule, config, ...(service ? { service } : {}) });
}

describe('loop/deploy anyway → cover yourself (issue 21 item 4)', () => {
  it('offers the rotation that would page for the service, for [now, now + watch window]', () => {
    const policy: EscalationPolicy = { id: 'p', name: 'p', services: ['checkout'], tiers: [{ level: 1, delayMinutes: 5, targets: [{ type: 'rotation', rotationId: 'ops' }] }] };
    const s = new Schedule([rotation('primary', 'primary', 'pri@example.com'), rotation('ops', 'ops', 'carol@example.com')], [policy]);
    const d = decide(s, 'checkout');
    assert.equal(d.risky, true, d.summary);
    const o = coverOffer(d, s, ME, AT, 'checkout');
    assert.ok(o.ok, JSON.stringify(o));
    assert.equal(o.rotation.id, 'ops');
    assert.equal(o.start, AT);
    assert.equal(o.end, AT + d.watchWindowMinutes * 60_000);
    assert.deepEqual(o.replacing, ['carol']);
  });

  it('without a policy for the service: the primary rotation', () => {
    const s = new Schedule([rotation('sec', 'secondary', 'sec@example.com'), rotation('pri', 'primary', 'pri@example.com')]);
    const o = coverOffer(decide(s), s, ME, AT);
    assert.ok(o.ok);
    assert.equal(o.rotation.id, 'pri');
  });

  it('says why not: not risky, already on shift throughout, no schedule', () => {
    const mine = new Schedule([{ ...rotation('pri', 'primary', ME) }]);
    const d = decide(mine);
    assert.equal(d.risky, false, 'on shift: not risky');
    const o = coverOffer(d, mine, ME, AT);
    assert.ok(!o.ok && /not risky/.test(o.why));
    const empty = new Schedule([]);
    const e = coverOffer(decide(empty), empty, ME, AT);
    assert.ok(!e.ok && /no on-call schedule/.test(e.why), JSON.stringify(e));
  });
});
