import * as assert from 'node:assert';
import { NotificationThrottle, shouldNotify, type NotifyContext } from '../../../src/core/notify/notificationPolicy';
import type { Alert } from '../../../src/core/protocol/types';

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'a1', title: 'DB down', severity: 'high', status: 'triggered', service: 'checkout', startedAt: '2026-11-20T10:00:00Z',
    updatedAt: '2026-11-20T10:00:00Z', assignees: [], labels: {}, source: 'demo', ...over,
  };
}
const base: NotifyContext = { level: 'all', identity: 'you@example.com', onCall: true };

describe('shouldNotify', () => {
  const table: Array<[string, Partial<Alert>, Partial<NotifyContext>, boolean]> = [
    ['on call, level all', {}, {}, true],
    ['off call, not assigned', {}, { onCall: false }, false],
    ['off call but assigned to me', { assignees: [{ name: 'You', email: 'YOU@example.com' }] }, { onCall: false }, true],
    ['level critical, high alert', {}, { level: 'critical' }, false],
    ['level critical, critical alert', { severity: 'critical' }, { level: 'critical' }, true],
    ['level assigned, not assigned', { severity: 'critical' }, { level: 'assigned' }, false],
    ['level assigned, assigned by handle', { assignees: [{ name: 'Y', handle: '@you' }] }, { level: 'assigned', identity: 'you' }, true],
    ['level none, assigned', { assignees: [{ name: 'You', email: 'you@example.com' }] }, { level: 'none' }, false],
    ['already acknowledged', { status: 'acknowledged' }, {}, false],
    ['quiet level but started after my deploy', {}, { level: 'assigned', startedAfterMyDeploy: true }, true],
  ];
  for (const [name, a, ctx, expected] of table) {
    it(name, () => assert.strictEqual(shouldNotify(alert(a), { ...base, ...ctx }).notify, expected));
  }
});

describe('NotificationThrottle (storm-safe)', () => {
  it('shows up to N per minute, then holds the rest for one summary', () => {
    const t = new NotificationThrottle(3);
    const now = 1_000_000;
    const results = Array.from({ length: 10 }, (_, i) => t.offer(alert({ id: `a${i}` }), now + i));
    assert.deepStrictEqual(results, ['show', 'show', 'show', 'held', 'held', 'held', 'held', 'held', 'held', 'held']);
    assert.strictEqual(t.flush(now + 100), undefined, 'window still full');
    const summary = t.flush(now + 60_001);
    assert.deepStrictEqual(summary?.map((a) => a.id), ['a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
    assert.strictEqual(t.heldCount, 0);
  });

  it('keeps order: while alerts are held, new ones join the summary instead of jumping ahead', () => {
    const t = new NotificationThrottle(1);
    assert.strictEqual(t.offer(alert({ id: 'x' }), 0), 'show');
    assert.strictEqual(t.offer(alert({ id: 'y' }), 1), 'held');
    assert.strictEqual(t.offer(alert({ id: 'z' }), 70_000), 'held');
    assert.deepStrictEqual(t.flush(70_000)?.map((a) => a.id), ['y', 'z']);
  });
});
