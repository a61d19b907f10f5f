/**
 * Bounded least-recently-used map, bounded both by entry count and by total weight (for git output,
 * the string length) so a few huge results cannot pin memory.
 */
export class LruCache<K, V> {
  private readonly _map = new Map<K, { value: V; weight: number }>();
  private _weight = 0;

  constructor(
    private readonly _maxEntries: number,
    private readonly _maxWeight = Number.POSITIVE_INFINITY,
    private readonly _weigh: (v: V) => number = () => 1,
  ) {}

  get size(): number {
    return this._map.size;
  }

  get weight(): number {
    return this._weight;
  }

  get(key: K): V | undefined {
    const e = this._map.get(key);
    if (e === undefined) return undefined;
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this._map.delete(key);
    this._map.set(key, e);
    return e.value;
  }

  has(key: K): boolean {
    return this._map.has(key);
  }

  set(key: K, value: V): void {
    const weight = this._weigh(value);
    const old = this._map.get(key);
    if (old !== undefined) {
      this._map.delete(key);
      this._weight -= old.weight;
    }
    // A single value heavier than the whole budget is simply not cached.
    if (weight > this._maxWeight) return;
    this._map.set(key, { value, weight });
    this._weight += weight;
    while (this._map.size > this._maxEntries || this._weight > this._maxWeight) {
      const oldest = this._map.keys().next();
      if (oldest.done === true) break;
      const e = this._map.get(oldest.value);
      this._map.delete(oldest.value);
      if (e !== undefined) this._weight -= e.weight;
    }
  }

  clear(): void {
    this._map.clear();
    this._weight = 0;
  }
}
