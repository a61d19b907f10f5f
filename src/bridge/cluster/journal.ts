/**
 * What this replica recorded in Redis recently, kept so that nothing it acknowledged is lost when Redis loses its
 * data (a restart without persistence, a failover to an empty replica).
 *
 * After such a loss the leader seeds a new epoch from its own World, which holds the shared state up to the seq it
 * was last in step with (`SeedOrigin.seq` in the old epoch) — not what other replicas committed after that and the
 * leader had not read back yet (a deploy a follower answered 202 for a moment before Redis went away). Every replica
 * therefore keeps the changes it committed (bounded: `JOURNAL_MAX_AGE_MS`, `JOURNAL_MAX_ENTRIES`) with the seq they
 * were committed at, and when it adopts a new epoch it applies again, as new pending changes, those the seed does not
 * hold: committed in the seed's old epoch after its seq, or in an epoch the seed does not name (the replica missed
 * an epoch in between: applied again rather than lost). Applying one again that the seed does hold anyway is
 * harmless: the World ignores a deploy it already holds unchanged, and an alert is set to what was committed.
 *
 * The bound: a leader's World is never far behind (it reloads within a second of someone else's write, every
 * replica within a few seconds), so a minute of history is ample; the count bound keeps a write storm's cost fixed.
 */

/** Committed changes older than this are forgotten (every replica's World has caught up with them long before). */
export const JOURNAL_MAX_AGE_MS = 60_000;
/** At most this many committed changes are kept (the oldest go first, logged once per run). */
export const JOURNAL_MAX_ENTRIES = 20_000;

/** Where a new epoch's seed came from: the old epoch and the seq the seeding replica's World was in step with. */
export interface SeedOrigin {
  epoch: string;
  seq: number;
}

interface Entry<T> {
  epoch: string;
  seq: number;
  at: number;
  change: T;
}

export class CommitJournal<T> {
  private _entries: Array<Entry<T>> = [];
  private _head = 0;
  private _dropped = 0;

  constructor(
    private readonly _maxAgeMs = JOURNAL_MAX_AGE_MS,
    private readonly _maxEntries = JOURNAL_MAX_ENTRIES,
    private readonly _onOverflow: (dropped: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this._entries.length - this._head;
  }

  /** Changes just committed in `epoch`, each with the seq the shared state was at right after it. */
  add(epoch: string, items: ReadonlyArray<{ seq: number; change: T }>, now: number): void {
    for (const i of items) this._entries.push({ epoch, seq: i.seq, at: now, change: i.change });
    this.prune(now);
  }

  prune(now: number): void {
    while (this._head < this._entries.length && this._entries[this._head]!.at < now - this._maxAgeMs) this._head++;
    const over = this.size - this._maxEntries;
    if (over > 0) {
      this._head += over;
      if (this._dropped === 0) this._onOverflow(over);
      this._dropped += over;
    }
    if (this._head > 1024 && this._head * 2 > this._entries.length) {
      this._entries = this._entries.slice(this._head);
      this._head = 0;
    }
  }

  /**
   * A new epoch was seeded from `origin` (undefined: unknown, e.g. the very first seed): the changes it may not hold,
   * oldest first. The journal is emptied — those changes are pending again and journalled anew once committed.
   */
  takeMissingFrom(origin: SeedOrigin | undefined, now: number): T[] {
    this.prune(now);
    const out: T[] = [];
    for (let i = this._head; i < this._entries.length; i++) {
      const e = this._entries[i]!;
      if (!origin || e.epoch !== origin.epoch || e.seq > origin.seq) out.push(e.change);
    }
    this._entries = [];
    this._head = 0;
    return out;
  }
}
