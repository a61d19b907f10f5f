// "retrying in 8 s" — one formula for the status bar, the On Call view and the Alerts view's message, and the
// condition under which their once-a-second ticks refresh at all. Driven by a manual clock.
import * as assert from 'node:assert';
import { ManualClock } from '../../../src/core/util/clock';
import { notConnectedText, retryInSec, retryScheduled } from '../../../src/core/viewModel/statusBarModel';

describe('retry countdown (status bar, On Call view, Alerts view message)', () => {
  const T0 = Date.UTC(2026, 10, 27, 16, 0, 0);

  it('counts down whole seconds, rounding up, and never below 0', () => {
    const clock = new ManualClock(T0);
    const state = { state: 'reconnecting', retryAt: T0 + 8_000 };
    const seen: number[] = [];
    clock.setInterval(() => seen.push(retryInSec(state, clock.now())!), 1000);
    clock.advance(10_000);
    assert.deepStrictEqual(seen, [7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
    assert.strictEqual(retryInSec(state, T0 + 7_001), 1, 'a part of a second left still reads "1 s"');
    assert.strictEqual(retryInSec({}, T0), undefined, 'no retry scheduled: no countdown');
    assert.strictEqual(retryInSec(undefined, T0), undefined);
  });

  it('ticks only while a retry is scheduled and the source is not connected', () => {
    assert.strictEqual(retryScheduled({ state: 'reconnecting', retryAt: T0 }), true);
    assert.strictEqual(retryScheduled({ state: 'closed', retryAt: T0 }), true);
    assert.strictEqual(retryScheduled({ state: 'reconnecting' }), false, 'connecting now: nothing counts down');
    assert.strictEqual(retryScheduled({ state: 'connected', retryAt: T0 }), false, 'a stale retryAt once connected is ignored');
    assert.strictEqual(retryScheduled(undefined), false);
  });

  it('the countdown text moves with the clock', () => {
    const clock = new ManualClock(T0);
    const state = { state: 'reconnecting', retryAt: T0 + 8_000 };
    const text = (): string => notConnectedText({ now: clock.now(), timeZone: 'UTC', since: T0 - 60_000, retryInSec: retryInSec(state, clock.now())! });
    const first = text();
    clock.advance(3_000);
    const later = text();
    assert.match(first, /8/);
    assert.match(later, /5/);
    assert.notStrictEqual(first, later);
  });
});
