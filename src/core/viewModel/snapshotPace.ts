import type { SnapshotProgress } from '../transport/connection';

/**
 * When the last part of a snapshot in parts is due, from the pace of the parts so far. The Alerts view holds its
 * refresh back over the last stretch, so that the refresh showing the whole snapshot is not spaced behind one
 * drawn a moment before the end (a view refresh is spaced ≥ 250 ms from the previous one; see AlertsFeature).
 */

export class SnapshotPace {
  private _first: { at: number; received: number; total: number } | undefined;

  /** Milliseconds until the last part is expected; undefined when there is no snapshot in parts or too little to tell. */
  remainingMs(p: SnapshotProgress | undefined, now: number): number | undefined {
    if (!p || !(p.total > 0) || p.received >= p.total) {
      this._first = undefined;
      return undefined;
    }
    // A new set of parts (fewer received than at the first look, or another total): start over.
    if (!this._first || p.received < this._first.received || p.total !== this._first.total) {
      this._first = { at: now, received: p.received, total: p.total };
      return undefined;
    }
    const parts = p.received - this._first.received;
    if (parts < 2) return undefined;
    const perPart = (now - this._first.at) / parts;
    return Math.max(0, (p.total - p.received) * perPart);
  }
}
