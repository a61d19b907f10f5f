import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backoff, fullJitterDelay } from '../../../src/core/transport/backoff';

describe('backoff with full jitter', () => {
  it('ceilings double from the base up to the cap', () => {
    const almostOne = 1 - Number.EPSILON;
    const b = new Backoff({ baseMs: 500, capMs: 30_000 }, () => almostOne);
    const delays = Array.from({ length: 9 }, () => b.next());
    assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999]);
  });

  it('is fully jittered: random 0 gives 0, random 0.5 gives half the ceiling', () => {
    assert.equal(fullJitterDelay(3, 500, 30_000, () => 0), 0);
    assert.equal(fullJitterDelay(3, 500, 30_000, () => 0.5), 2000);
  });

  it('reset() starts again from the base', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000 }, () => 0.5);
    b.next();
    b.next();
    b.next();
    assert.equal(b.attempt, 3);
    b.reset();
    assert.equal(b.next(), 50);
  });

  it('stays within [0, min(cap, base·2^n)] for any attempt and random value (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 120_000 }), (n, r, base, cap) => {
        const d = fullJitterDelay(n, base, cap, () => r);
        return Number.isInteger(d) && d >= 0 && d <= Math.min(cap, base * 2 ** n);
      }),
    );
  });

  it('defaults to base 500 ms and cap 30 s', () => {
    const b = new Backoff({}, () => 0.999999);
    for (let i = 0; i < 50; i++) assert.ok(b.next() <= 30_000);
    assert.equal(new Backoff({}, () => 0.999999).next(), 499);
  });
});
