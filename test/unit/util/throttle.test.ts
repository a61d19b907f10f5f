import * as assert from 'node:assert/strict';
import { mock } from 'node:test';
import { Throttle } from '../../../src/core/util/throttle';

/** Node's mocked setTimeout and a clock moved with it: the test decides when time passes, not the machine's load. */
function harness(intervalMs: number, quietMs?: number) {
  let now = 1000;
  const runs: number[] = [];
  mock.timers.enable({ apis: ['setTimeout'] });
  const t = new Throttle(() => runs.push(now), intervalMs, { ...(quietMs !== undefined ? { quietMs } : {}), now: () => now });
  const advance = (ms: number): void => {
    for (let i = 0; i < ms; i++) {
      now++;
      mock.timers.tick(1);
    }
  };
  return { t, runs, advance, at: () => now };
}

describe('Throttle', () => {
  afterEach(() => mock.timers.reset());

  it('without quietMs: an isolated change runs on the next macrotask; a steady stream runs once per interval', () => {
    const h = harness(250);
    h.t.schedule();
    h.advance(1);
    assert.deepEqual(h.runs, [1001], 'within the first millisecond');
    for (let i = 0; i < 600; i++) {
      h.t.schedule();
      h.advance(1);
    }
    assert.ok(h.runs.length >= 3 && h.runs.length <= 4, `runs ${h.runs.join(',')}`);
    for (let i = 1; i < h.runs.length; i++) assert.ok(h.runs[i]! - h.runs[i - 1]! >= 250);
  });

  it('with quietMs: a burst over several reads runs once, at its pause — not at its first read', () => {
    const h = harness(250, 30);
    // 1,000 acks arriving over 120 ms in reads 10 ms apart.
    for (let i = 0; i < 12; i++) {
      h.t.schedule();
      h.advance(10);
    }
    const lastChange = h.at() - 10;
    h.advance(100);
    assert.deepEqual(h.runs, [lastChange + 30], 'one run, 30 ms after the last change');
  });

  it('with quietMs: a stream that never pauses still runs every interval (never starved)', () => {
    const h = harness(250, 30);
    for (let i = 0; i < 1000; i++) {
      h.t.schedule();
      h.advance(1);
    }
    assert.ok(h.runs.length >= 3, `runs ${h.runs.join(',')}`);
    for (let i = 1; i < h.runs.length; i++) assert.ok(h.runs[i]! - h.runs[i - 1]! >= 250, 'spaced by the interval');
  });

  it('with quietMs: a change soon after a run waits for the interval (VS Code drops refreshes closer than 200 ms)', () => {
    const h = harness(250, 30);
    h.t.schedule();
    h.advance(40);
    assert.equal(h.runs.length, 1);
    h.t.schedule();
    h.advance(100);
    assert.equal(h.runs.length, 1);
    h.advance(200);
    assert.deepEqual(h.runs.map((r) => r - h.runs[0]!), [0, 250]);
  });
  it('hold: a burst with a pause inside runs once, at the release (not at the pause and again an interval later)', () => {
    const h = harness(250, 30);
    const release = h.t.hold(2000);
    // 1,000 acks: events for 90 ms, a 60 ms pause (the bridge busy), events for 40 ms more, then the result.
    for (let i = 0; i < 9; i++) {
      h.t.schedule();
      h.advance(10);
    }
    h.advance(60);
    for (let i = 0; i < 4; i++) {
      h.t.schedule();
      h.advance(10);
    }
    assert.deepEqual(h.runs, [], 'held through the pause');
    assert.equal(h.t.pending, true);
    const releasedAt = h.at();
    release();
    h.advance(1);
    assert.deepEqual(h.runs, [releasedAt + 1], 'runs at the release (the next macrotask)');
    assert.equal(h.t.pending, false, 'nothing due once it ran');
    release(); // idempotent: no second run, no negative hold count
    h.t.schedule();
    h.advance(300);
    assert.deepEqual(h.runs.map((r) => r - releasedAt), [1, 251], 'and is spaced as before afterwards');
  });

  it('hold: never longer than its bound (a request that never answers does not freeze the view)', () => {
    const h = harness(250, 30);
    h.t.hold(500);
    h.t.schedule();
    h.advance(499);
    assert.deepEqual(h.runs, []);
    h.advance(2);
    assert.equal(h.runs.length, 1);
    assert.equal(h.t.pending, false, 'an expired hold no longer counts, though never released');
    h.t.schedule();
    h.advance(251);
    assert.equal(h.runs.length, 2, 'and holds nothing back');
  });

  it('hold with nothing pending: the release runs nothing', () => {
    const h = harness(250, 30);
    const release = h.t.hold(1000);
    release();
    h.advance(500);
    assert.deepEqual(h.runs, []);
  });
});
