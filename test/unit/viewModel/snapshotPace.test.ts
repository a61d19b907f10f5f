import * as assert from 'node:assert/strict';
import { SnapshotPace } from '../../../src/core/viewModel/snapshotPace';

describe('SnapshotPace (when the last part of a snapshot is due)', () => {
  it('estimates from the pace so far; unknown until two parts have been timed', () => {
    const p = new SnapshotPace();
    assert.equal(p.remainingMs({ received: 1, total: 100 }, 1000), undefined);
    assert.equal(p.remainingMs({ received: 2, total: 100 }, 1020), undefined, 'one part timed is too little');
    // 20 ms a part; 97 to go.
    assert.equal(p.remainingMs({ received: 3, total: 100 }, 1040), 97 * 20);
    assert.equal(p.remainingMs({ received: 90, total: 100 }, 1000 + 89 * 20), 10 * 20);
  });

  it('forgets a finished or abandoned set, and starts over for a new one', () => {
    const p = new SnapshotPace();
    p.remainingMs({ received: 1, total: 10 }, 0);
    p.remainingMs({ received: 5, total: 10 }, 400);
    assert.equal(p.remainingMs(undefined, 500), undefined, 'done');
    assert.equal(p.remainingMs({ received: 1, total: 10 }, 10_000), undefined, 'a new set: no pace yet');
    assert.equal(p.remainingMs({ received: 3, total: 10 }, 10_010), 7 * 5);
    assert.equal(p.remainingMs({ received: 1, total: 50 }, 20_000), undefined, 'another total: a new set');
  });

  it('never negative, and nothing for nonsense progress', () => {
    const p = new SnapshotPace();
    assert.equal(p.remainingMs({ received: 0, total: 0 }, 0), undefined);
    assert.equal(p.remainingMs({ received: 3, total: 2 }, 0), undefined);
    p.remainingMs({ received: 1, total: 4 }, 100);
    assert.equal(p.remainingMs({ received: 3, total: 4 }, 100), 0, 'same instant: 0, not NaN or negative');
  });
});
