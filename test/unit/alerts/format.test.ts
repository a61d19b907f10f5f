import * as assert from 'node:assert/strict';
import { escalationCountdown, escalationText, formatAge, formatCountdown, titleWithoutService } from '../../../src/core/alerts/format';
import { iso, makeAlert, T0 } from '../../mocks/protocolExamples';

describe('alert formatting', () => {
  const due = (msFromNow: number, targets = [{ name: 'Bob' }]) =>
    makeAlert({ escalation: { level: 1, nextEscalationAt: iso(T0 + msFromNow), targets } });

  describe('escalationCountdown', () => {
    it('counts down to the next tier and names who gets paged', () => {
      assert.deepEqual(escalationCountdown(due(119_000), T0), { targetName: 'Bob', msLeft: 119_000, text: 'escalates to Bob in 1:59' });
    });

    it('beyond two minutes counts whole minutes (rounded up), so the row changes once a minute, not every second', () => {
      assert.equal(escalationText(due(120_000), T0), 'escalates to Bob in 2:00');
      assert.equal(escalationText(due(134_000), T0), 'escalates to Bob in 3 min');
      assert.equal(escalationText(due(134_000 + 25_000), T0), 'escalates to Bob in 3 min', 'unchanged 25 s later');
      assert.equal(escalationText(due(3_600_000), T0), 'escalates to Bob in 1 h');
      assert.equal(escalationText(due(3_723_000), T0), 'escalates to Bob in 1 h 3 min');
    });

    it('rounds up so the last second shows 0:01, and says "escalating now" when due or past', () => {
      assert.equal(escalationText(due(400), T0), 'escalates to Bob in 0:01');
      assert.equal(escalationText(due(0), T0), 'escalating now');
      assert.equal(escalationCountdown(due(-5000), T0)?.text, 'escalating now');
    });

    it('names several targets compactly, or none', () => {
      assert.equal(escalationText(due(60_000, [{ name: 'Bob' }, { name: 'Carol' }]), T0), 'escalates to Bob and Carol in 1:00');
      assert.equal(escalationText(due(60_000, [{ name: 'Bob' }, { name: 'Carol' }, { name: 'Dan' }]), T0), 'escalates to Bob +2 in 1:00');
      assert.equal(escalationText(due(60_000, []), T0), 'escalates in 1:00');
    });

    it('is undefined when acknowledged, resolved or without a next escalation', () => {
      assert.equal(escalationCountdown({ ...due(60_000), status: 'acknowledged' }, T0), undefined);
      assert.equal(escalationCountdown({ ...due(60_000), status: 'resolved' }, T0), undefined);
      assert.equal(escalationCountdown(makeAlert({ escalation: { level: 3, targets: [] } }), T0), undefined);
      assert.equal(escalationCountdown(makeAlert({ escalation: undefined }), T0), undefined);
    });
  });

  describe('formatAge', () => {
    const cases: Array<[number, string]> = [
      [-5000, '0s'],
      [NaN, '0s'],
      [0, '0s'],
      [45_000, '45s'],
      [3 * 60_000 + 59_000, '3m'],
      [2 * 3_600_000, '2h'],
      [2 * 3_600_000 + 5 * 60_000, '2h 5m'],
      [23 * 3_600_000 + 59 * 60_000, '23h 59m'],
      [4 * 86_400_000 + 3_600_000, '4d'],
    ];
    for (const [ms, text] of cases) it(`${ms} ms → ${text}`, () => assert.equal(formatAge(ms), text));
  });

  it('formatCountdown pads minutes and seconds', () => {
    assert.equal(formatCountdown(5_000), '0:05');
    assert.equal(formatCountdown(36_000_000), '10:00:00');
  });

  it('titleWithoutService drops a leading copy of the service, only before a separator', () => {
    assert.equal(titleWithoutService('billing-worker: 7 charges failed', 'billing-worker'), '7 charges failed');
    assert.equal(titleWithoutService('Billing-Worker — 7 charges failed', 'billing-worker'), '7 charges failed');
    assert.equal(titleWithoutService('apiserver down', 'api'), 'apiserver down');
    assert.equal(titleWithoutService('billing-worker:', 'billing-worker'), 'billing-worker:', 'never empty');
    assert.equal(titleWithoutService('Disk full', ''), 'Disk full');
  });
});
