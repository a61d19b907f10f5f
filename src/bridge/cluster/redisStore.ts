/**
 * The shared store of clustered mode (`--redis`): every replica's editors see one world, kept in Redis.
 *
 *  - Events: a Redis Stream, entry id `<seq>-0`, so there is ONE seq space for all replicas; MAXLEN = the replay
 *    buffer size. Snapshot state: a hash of alerts (with whether each is set aside and its last-change order) and
 *    one key with on-call + deploys — the same retention as the in-memory World (this store runs a World).
 *  - Writing (any replica: the leader's polls, a webhook, an action's result): the change is applied at once to
 *    this replica's World (sources read their own writes), then committed in a batch by COMMIT_SCRIPT, a
 *    compare-and-set on `seq`. Another replica wrote first → reload the shared state, apply the pending changes
 *    again, retry. Nothing reaches an editor until it is in the stream.
 *  - Reading: a dedicated connection tails the stream (XREAD BLOCK); every replica fans out what it tails to its own
 *    editors and keeps the last `replayBufferSize` events for `resume`. A resume the ring cannot serve gets a
 *    snapshot loaded from Redis (one load shared by every editor asking meanwhile), followed by the ring's newer events.
 *  - Redis lost its data (restart without persistence, failover to an empty replica): the epoch key is gone.
 *    The leader seeds a new epoch from its World with a seq far above the old ones, and every replica sends
 *    each editor a fresh snapshot (`onReset`) — never silent divergence.
 *  - Redis unreachable: `degradedReason` is set and `onDegraded` fires (the server tells editors with `error`
 *    and refuses actions); pending changes are kept (bounded) and committed once Redis is back.
 */
import { randomUUID } from 'node:crypto';
import { decodeServerMessage, encodeMessage } from '../../core/protocol/decode';
import type { Alert, Deploy, Firing, OnCallState, Person } from '../../core/protocol/types';
import { HISTORY_LIMITS } from '../../core/alerts/firingHistory';
import { Emitter, type Event } from '../../core/util/event';
import type { Logger } from '../../core/util/logger';
import { errorText } from '../../core/util/errors';
import type { BridgeStore, ResumeAnswer } from '../store';
import { RingBuffer, World, type BufferedEvent, type StoredAlert, type WorldChanges, type WorldOptions, type WorldState } from '../world';
import { CommitJournal, JOURNAL_MAX_AGE_MS, type SeedOrigin } from './journal';
import { COMMIT_SCRIPT, LOAD_SCRIPT, SEED_SCRIPT, arr, int, optStr, parseEntries, str, type ClusterKeys, send, type RedisClient, type Scripts } from './redis';

/** Changes waiting for Redis beyond this are dropped (oldest first, logged): the source sends them again on its next poll. */
export const MAX_PENDING_CHANGES = 100_000;
/** How long an action waits for its change to be recorded before it is answered as not done. */
export const SETTLE_TIMEOUT_MS = 10_000;
/** A follower reloads a World that fell behind (another replica's change it could not follow) after this; the leader after 1 s. */
export const FOLLOWER_REFRESH_MS = 5000;
/** A new epoch's first seq is at least this far above any seq this replica saw (others may have seen a few more). */
export const EPOCH_SEQ_GAP = 1_000_000;

/** The first seq of a new epoch: above the wall clock in ms (like a fresh bridge) and far above anything seen. */
export function nextEpochSeq(now: number, highestSeen: number): number {
  return Math.max(now, highestSeen + EPOCH_SEQ_GAP);
}

export interface RedisStoreOptions {
  client: RedisClient;
  /** A dedicated connection for XREAD BLOCK (a blocked connection can do nothing else). */
  tailClient: RedisClient;
  keys: ClusterKeys;
  scripts: Scripts;
  world: Omit<WorldOptions, 'initialSeq'>;
  logger: Logger;
  /** Whether this replica leads (only the leader seeds a new epoch after Redis lost its data). */
  isLeader: () => boolean;
  now?: () => number;
  /** XREAD BLOCK timeout; the epoch is checked between reads. Default 1000. */
  blockMs?: number;
}

type Apply = (w: World) => void;

interface Pending {
  serial: number;
  apply: Apply;
  /** The World's seq right after this change was last applied (its commit seq once committed). */
  seq: number;
}

interface Batch {
  id: string;
  base: number;
  seq: number;
  events: BufferedEvent[];
  changes: WorldChanges;
  upTo: number;
}

interface Loaded {
  state: WorldState;
  epoch: string;
  /** Where this epoch's seed came from (absent: not recorded, e.g. a state written by an older bridge). */
  origin?: SeedOrigin;
}

export class RedisStore implements BridgeStore {
  /** This replica's copy of the world: what sources read, where changes are applied before they are committed. */
  readonly world: World;
  private readonly _o: RedisStoreOptions;
  private readonly _log: Logger;
  private readonly _now: () => number;
  private readonly _ring: RingBuffer<BufferedEvent>;
  private _epoch = '';
  /** The epoch the tail (ring, `seq`, what editors were sent) is in; behind `_epoch` for a moment after a new seed. */
  private _tailEpoch = '';
  /** What this replica committed lately, applied again if a new epoch's seed may lack it (journal.ts). */
  private readonly _journal: CommitJournal<Apply>;
  /** The shared seq the World was last in step with (its base for the next commit). */
  private _base = 0;
  private _tailSeq = 0;
  private _highestSeen = 0;
  private _pending: Pending[] = [];
  private _uncommitted: BufferedEvent[] = [];
  private _serial = 0;
  private _committed = 0;
  private _waiters: Array<{ serial: number; resolve: () => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }> = [];
  private _inflight: Batch | undefined;
  private _flushing = false;
  private _flushTimer: ReturnType<typeof setTimeout> | undefined;
  private _stale = false;
  private _closed = false;
  private _tailDone: Promise<void> | undefined;
  private _snapshotCache: { seq: number; frame: string; epoch: string } | undefined;
  private _loading: Promise<Loaded> | undefined;
  private _degraded: string | undefined;
  private _streamLost = false;
  private readonly _onEvent = new Emitter<BufferedEvent>();
  private readonly _onReset = new Emitter<void>();
  private readonly _onDegraded = new Emitter<string | undefined>();
  readonly onEvent: Event<BufferedEvent> = this._onEvent.event;
  readonly onReset: Event<void> = this._onReset.event;
  readonly onDegraded: Event<string | undefined> = this._onDegraded.event;

  constructor(o: RedisStoreOptions) {
    this._o = o;
    this._log = o.logger;
    this._now = o.now ?? Date.now;
    this.world = new World({ ...o.world, initialSeq: 0 });
    this.world.trackChanges();
    this.world.onEvent((ev) => this._uncommitted.push(ev));
    this._ring = new RingBuffer(o.world.replayBufferSize);
    this._journal = new CommitJournal<Apply>(JOURNAL_MAX_AGE_MS, undefined, (n) =>
      this._log.warn(`more changes committed within a minute than kept for a Redis data loss: the oldest ${n} are no longer kept (logged once)`),
    );
  }

  get seq(): number {
    return this._tailSeq;
  }

  get alertCount(): number {
    return this.world.alertCount;
  }

  get omitted(): number {
    return this.world.omitted;
  }

  get degradedReason(): string | undefined {
    return this._degraded;
  }

  /** The stream was found lost and has not been seeded again yet. */
  get streamLost(): boolean {
    return this._streamLost;
  }

  get pendingChanges(): number {
    return this._pending.length;
  }

  /** Loads (or seeds) the shared state and starts tailing. Throws when Redis cannot be used (the CLI exits with it). */
  async start(): Promise<void> {
    let loaded = await this._load();
    if (!loaded.epoch) {
      await this._seed(this.world.exportState(), nextEpochSeq(this._now(), 0), { epoch: '', seq: 0 });
      loaded = await this._load();
    }
    this._adopt(loaded);
    await this._fillRing(loaded.state.seq);
    this._tailSeq = loaded.state.seq;
    this._tailEpoch = loaded.epoch;
    this._highestSeen = Math.max(this._highestSeen, this._tailSeq);
    this._log.info(`shared state loaded: seq ${loaded.state.seq}, ${loaded.state.alerts.length} alerts, ${this._ring.size} events to replay`);
    this._tailDone = this._tail();
  }

  // ---- BridgeStore: writes (applied here at once, committed in the next batch)

  upsertAlert(alert: Alert): void {
    this._change((w) => w.upsertAlert(alert));
  }

  resolveAlert(id: string, resolvedAt: string, resolvedBy?: Person): boolean {
    const known = this.world.getAlert(id);
    if (!known || known.status === 'resolved') return this.world.resolveAlert(id, resolvedAt, resolvedBy);
    this._change((w) => void w.resolveAlert(id, resolvedAt, resolvedBy));
    return true;
  }

  setOnCall(state: OnCallState): void {
    this._change((w) => w.setOnCall(state));
  }

  addDeploy(deploy: Deploy): void {
    this._change((w) => w.addDeploy(deploy));
  }

  /** Shared like every other change: the history is in Redis (with on-call and deploys), so every replica's snapshot has it. */
  addFirings(firings: readonly Firing[]): number {
    let n = 0;
    const copy = firings.map((f) => structuredClone(f));
    this._change((w) => {
      n = w.addFirings(copy);
    });
    return n;
  }

  getAlert(id: string): Alert | undefined {
    return this.world.getAlert(id);
  }

  alerts(): Alert[] {
    return this.world.alerts();
  }

  settled(): Promise<void> {
    const serial = this._serial;
    if (this._committed >= serial) return Promise.resolve();
    if (this._degraded) return Promise.reject(new Error(this._degraded));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._waiters = this._waiters.filter((w) => w.timer !== timer);
        reject(new Error(this._degraded ?? `the change was not recorded in Redis within ${SETTLE_TIMEOUT_MS / 1000} s`));
      }, SETTLE_TIMEOUT_MS);
      this._waiters.push({ serial, resolve, reject, timer });
    });
  }

  // ---- BridgeStore: reads for clients

  resume(lastSeq: number): ResumeAnswer | Promise<ResumeAnswer> {
    const fromRing = this._fromRing(lastSeq);
    if (fromRing) return fromRing;
    return this._snapshotAnswer();
  }

  async dispose(): Promise<void> {
    if (this._closed) return;
    // Last chance for pending changes (a clean stop loses nothing that Redis can take).
    if (this._pending.length && !this._degraded) {
      await Promise.race([this.settled().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this._closed = true;
    if (this._flushTimer) clearTimeout(this._flushTimer);
    if (this._refreshTimer) clearTimeout(this._refreshTimer);
    for (const w of this._waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error('the bridge is shutting down'));
    }
    this.world.dispose();
    await this._tailDone?.catch(() => undefined);
  }

  /** For /readyz and tests: Redis answered the last command. */
  setReachable(ok: boolean, reason?: string): void {
    const next = ok ? undefined : `the bridge's shared state (Redis) is unreachable${reason ? `: ${reason}` : ''}; changes are not being recorded — retrying`;
    if ((next === undefined) === (this._degraded === undefined)) return;
    this._degraded = next;
    if (next) this._log.warn(next);
    else this._log.info('Redis reachable again');
    if (next) for (const w of this._waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(next));
    }
    this._onDegraded.fire(next);
    if (!next) this._scheduleFlush(0);
  }

  // ---- internals: writing

  private _change(apply: (w: World) => void): void {
    if (this._closed) return;
    apply(this.world);
    this._pending.push({ serial: ++this._serial, apply, seq: this.world.seq });
    if (this._pending.length > MAX_PENDING_CHANGES) {
      const dropped = this._pending.splice(0, this._pending.length - MAX_PENDING_CHANGES);
      this._log.error(`${dropped.length} changes could not be recorded in Redis and were dropped (more than ${MAX_PENDING_CHANGES} waiting); the source sends its state again on its next poll`);
      this._stale = true;
    }
    this._scheduleFlush(0);
  }

  private _scheduleFlush(ms: number): void {
    if (this._closed || this._flushTimer) return;
    this._flushTimer = setTimeout(() => {
      this._flushTimer = undefined;
      void this._flush();
    }, ms);
  }

  private async _flush(): Promise<void> {
    if (this._flushing || this._closed) return;
    this._flushing = true;
    let retryIn: number | undefined;
    try {
      while (!this._closed && (this._pending.length > 0 || this._inflight)) {
        if (this._stale && !this._inflight) this._rebase(await this._load());
        const batch = this._inflight ?? this._takeBatch();
        this._inflight = batch;
        const r = await this._commit(batch);
        this.setReachable(true);
        if (r.kind === 'ok') {
          this._inflight = undefined;
          this._base = batch.seq;
          const done = this._pending.filter((p) => p.serial <= batch.upTo);
          this._journal.add(this._epoch, done.map((p) => ({ seq: p.seq, change: p.apply })), this._now());
          this._pending = this._pending.filter((p) => p.serial > batch.upTo);
          this._committed = batch.upTo;
          this._settleWaiters();
        } else if (r.kind === 'conflict') {
          this._inflight = undefined;
          this._stale = true;
        } else {
          this._inflight = undefined;
          const loaded = await this._load();
          if (loaded.epoch) {
            this._rebase(loaded);
          } else if (this._o.isLeader()) {
            await this._reseed();
          } else {
            // Not ours to seed: the leader does it; our changes wait (and are then applied on the new epoch).
            this._stale = true;
            retryIn = 500;
            break;
          }
        }
      }
    } catch (e) {
      this.setReachable(false, errorText(e));
      retryIn = 1000;
    } finally {
      this._flushing = false;
    }
    if (retryIn !== undefined) this._scheduleFlush(retryIn);
    else if (this._pending.length > 0) this._scheduleFlush(0);
  }

  private _takeBatch(): Batch {
    const events = this._uncommitted.splice(0);
    return { id: randomUUID(), base: this._base, seq: this.world.seq, events, changes: this.world.takeChanges(), upTo: this._serial };
  }

  private async _commit(b: Batch): Promise<{ kind: 'ok' | 'conflict' | 'lost' }> {
    const k = this._o.keys;
    const set: string[] = [];
    const del: string[] = [];
    for (const [id, s] of b.changes.alerts) {
      if (s) set.push(id, JSON.stringify(s));
      else del.push(id);
    }
    const meta = b.changes.oncall || b.changes.deploys || b.changes.history ? JSON.stringify(this._meta()) : '';
    const args: string[] = [String(b.base), this._epoch, String(this._o.world.replayBufferSize), String(b.events.length), String(set.length / 2), String(del.length), meta, '600000'];
    for (const e of b.events) args.push(String(e.seq), e.frame);
    args.push(...set, ...del);
    const r = arr(await this._o.scripts.run(this._o.client, COMMIT_SCRIPT, [k.seq, k.epoch, k.events, k.alerts, k.meta, k.batch(b.id)], args), 'commit');
    const kind = str(r[0] ?? null, 'commit');
    if (kind === 'ok' || kind === 'dup') return { kind: 'ok' };
    if (kind === 'conflict') return { kind: 'conflict' };
    if (kind === 'lost') return { kind: 'lost' };
    throw new Error(`commit: unexpected reply "${kind.slice(0, 40)}"`);
  }

  /** On-call, deploys and the firing history (bounded: HISTORY_LIMITS) as kept in Redis (the World's own copies). */
  private _meta(): SharedMeta {
    const s = this.world.exportState();
    return { oncall: s.oncall, deploys: s.deploys, history: s.history ?? [] };
  }

  /**
   * Back in step with Redis's state: load it into the World, then apply every pending change again. A new epoch
   * (Redis lost its data, a replica seeded it): first what this replica committed that the seed may lack.
   */
  private _rebase(loaded: Loaded): void {
    if (!loaded.epoch) return;
    if (this._epoch && loaded.epoch !== this._epoch) {
      const missing = this._journal.takeMissingFrom(loaded.origin, this._now());
      if (missing.length) {
        this._log.warn(`a new epoch was seeded from ${loaded.origin ? `seq ${loaded.origin.seq} of the lost one` : 'an unknown state'}: applying again ${missing.length} change(s) this replica recorded after it`);
        this._pending.unshift(...missing.map((apply) => ({ serial: ++this._serial, apply, seq: 0 })));
      }
    }
    this._adopt(loaded);
    for (const p of this._pending) {
      p.apply(this.world);
      p.seq = this.world.seq;
    }
  }

  private _adopt(loaded: Loaded): void {
    this.world.restore(loaded.state);
    this._uncommitted = [];
    this._base = loaded.state.seq;
    this._epoch = loaded.epoch;
    this._stale = false;
  }

  /** Redis lost the shared state and we lead: a new epoch from this World (pending changes included), far above the old seqs. */
  private async _reseed(): Promise<void> {
    const seq = nextEpochSeq(this._now(), Math.max(this._highestSeen, this.world.seq));
    const state = { ...this.world.exportState(), seq };
    this._log.warn(`Redis lost the shared state (stream and snapshot): seeding a new one from this replica at seq ${seq} (in step with seq ${this._base} of the lost one); every editor gets a fresh snapshot`);
    await this._seed(state, seq, { epoch: this._epoch, seq: this._base });
    const upTo = this._serial;
    this._pending = [];
    this._committed = upTo;
    this._settleWaiters();
    this._stale = true;
  }

  private async _seed(state: WorldState, seq: number, origin: SeedOrigin): Promise<void> {
    const k = this._o.keys;
    const args: string[] = [String(seq), randomUUID(), JSON.stringify({ oncall: state.oncall, deploys: state.deploys, history: state.history ?? [] } satisfies SharedMeta), JSON.stringify(origin), String(state.alerts.length)];
    for (const a of state.alerts) args.push(a.alert.id, JSON.stringify(a));
    await this._o.scripts.run(this._o.client, SEED_SCRIPT, [k.seq, k.epoch, k.events, k.alerts, k.meta, k.origin], args);
  }

  private _settleWaiters(): void {
    const keep: typeof this._waiters = [];
    for (const w of this._waiters) {
      if (w.serial <= this._committed) {
        clearTimeout(w.timer);
        w.resolve();
      } else keep.push(w);
    }
    this._waiters = keep;
  }

  // ---- internals: loading

  /** The shared state at one seq (coalesced: one load at a time, shared by everyone waiting). */
  private _load(): Promise<Loaded> {
    this._loading ??= this._loadOnce().finally(() => {
      this._loading = undefined;
    });
    return this._loading;
  }

  private async _loadOnce(): Promise<Loaded> {
    const k = this._o.keys;
    const r = arr(await this._o.scripts.run(this._o.client, LOAD_SCRIPT, [k.seq, k.epoch, k.alerts, k.meta, k.origin], []), 'load');
    const seqRaw = r[0] ?? null;
    const epoch = optStr(r[1] ?? null, 'load epoch') ?? '';
    if (seqRaw === null || !epoch) return { epoch: '', state: { seq: 0, alerts: [], oncall: null, deploys: [] } };
    const seq = int(seqRaw, 'load seq');
    const metaRaw = optStr(r[2] ?? null, 'load meta');
    const meta: SharedMeta = metaRaw ? parseMeta(metaRaw) : { oncall: null, deploys: [] };
    const flat = arr(r[3] ?? null, 'load alerts');
    const alerts: StoredAlert[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const s = parseStored(str(flat[i + 1] ?? null, 'alert'));
      if (s) alerts.push(s);
      else this._log.error(`Redis holds an unreadable alert under "${str(flat[i] ?? null, 'alert id').slice(0, 80)}": ignored`);
    }
    const originRaw = optStr(r[4] ?? null, 'load origin');
    const origin = originRaw ? parseOrigin(originRaw) : undefined;
    if (originRaw && !origin) this._log.error(`Redis holds an unreadable seed origin "${originRaw.slice(0, 80)}": every recent change is applied again`);
    return { epoch, state: { seq, alerts, oncall: meta.oncall, deploys: meta.deploys, ...(meta.history ? { history: meta.history } : {}) }, ...(origin ? { origin } : {}) };
  }

  private async _fillRing(upTo: number): Promise<void> {
    const r = await send(this._o.client, ['XREVRANGE', this._o.keys.events, `${upTo}-0`, '-', 'COUNT', String(this._o.world.replayBufferSize)]);
    const entries = parseEntries(r, 'xrevrange').reverse();
    this._ring.clear();
    for (const e of entries) this._ring.push(e);
  }

  // ---- internals: reading

  private _fromRing(lastSeq: number): ResumeAnswer | undefined {
    if (lastSeq < 0 || lastSeq > this._tailSeq) return undefined;
    if (lastSeq === this._tailSeq) return { frames: [], seq: this._tailSeq, snapshot: false };
    const frames = this._ringAfter(lastSeq);
    return frames && { frames, seq: this._tailSeq, snapshot: false };
  }

  /** The ring's frames after `seq` up to the tail, or undefined when it no longer holds seq + 1. */
  private _ringAfter(seq: number): string[] | undefined {
    const oldest = this._ring.at(0);
    if (seq >= this._tailSeq) return [];
    if (!oldest || oldest.seq > seq + 1) return undefined;
    const out: string[] = [];
    for (let i = seq + 1 - oldest.seq; i < this._ring.size; i++) out.push(this._ring.at(i)!.frame);
    return out;
  }

  private async _snapshotAnswer(): Promise<ResumeAnswer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      let cache = this._snapshotCache;
      if (!cache || cache.epoch !== this._tailEpoch || !this._ringAfter(cache.seq)) {
        const loaded = await this._load();
        if (!loaded.epoch) throw new Error('the shared state is being restored after Redis lost it; retrying');
        const w = new World({ ...this._o.world, initialSeq: 0 });
        w.restore(loaded.state);
        cache = { seq: loaded.state.seq, frame: encodeMessage(w.snapshot()), epoch: loaded.epoch };
        w.dispose();
        this._snapshotCache = cache;
        if (loaded.epoch !== this._tailEpoch) continue; // the tail adopts the new epoch first
      }
      const after = this._ringAfter(cache.seq);
      if (!after) continue;
      return { frames: [cache.frame, ...after], seq: Math.max(cache.seq, this._tailSeq), snapshot: true };
    }
    throw new Error('could not load a consistent snapshot from Redis');
  }

  private async _tail(): Promise<void> {
    const c = this._o.tailClient;
    const block = this._o.blockMs ?? 1000;
    let lastEpochCheck = 0;
    while (!this._closed) {
      try {
        const r = await send(c, ['XREAD', 'COUNT', '1000', 'BLOCK', String(block), 'STREAMS', this._o.keys.events, `${this._tailSeq}-0`]);
        this.setReachable(true);
        if (this._closed) return;
        let gap = false;
        if (r !== null) {
          for (const s of arr(r, 'xread')) {
            const [, entries] = arr(s, 'xread');
            for (const e of parseEntries(entries ?? null, 'xread')) {
              if (e.seq <= this._tailSeq) continue;
              // Seqs are consecutive within an epoch: a jump is a new epoch (or the stream trimmed past us). Never
              // passed on as if it continued the old stream: the state is loaded again and every editor gets a snapshot.
              if (e.seq !== this._tailSeq + 1 || this._epoch !== this._tailEpoch) {
                gap = true;
                break;
              }
              this._deliver(e);
            }
            if (gap) break;
          }
        }
        if (gap || r === null || this._now() - lastEpochCheck > 2000) {
          lastEpochCheck = this._now();
          await this._checkEpoch(gap);
        }
      } catch (e) {
        if (this._closed) return;
        this.setReachable(false, errorText(e));
        await new Promise((res) => setTimeout(res, 500));
      }
    }
  }

  private _deliver(e: BufferedEvent): void {
    if (e.seq <= this._tailSeq) return;
    this._tailSeq = e.seq;
    if (e.seq > this._highestSeen) this._highestSeen = e.seq;
    this._ring.push(e);
    // Someone else's event: the World is behind. The next commit finds out (compare-and-set) and reloads; the leader
    // reloads soon anyway (at most once a second), the others within a few seconds: a World is what a new epoch is
    // seeded from if Redis loses its data (whoever leads then), so none is far behind (journal.ts relies on it).
    if (e.seq > this.world.seq && !this._follow(e)) {
      if (this._pending.length === 0) this._stale = true;
      this._scheduleRefresh(this._o.isLeader() ? 1000 : FOLLOWER_REFRESH_MS);
    }
    this._onEvent.fire(e);
  }

  private _refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Keeps the World in step with another writer's event when it is the very next one and we have nothing pending:
   * the same change applied to the same state gives the same event (the World is deterministic). True when the
   * World is at `e.seq` afterwards; otherwise (a change that produced several events, e.g. the open-alert limit at
   * work) false, and the World is reloaded instead.
   */
  private _follow(e: BufferedEvent): boolean {
    if (this._stale || this._pending.length > 0 || this._inflight || this.world.seq !== e.seq - 1) return false;
    const d = decodeServerMessage(e.frame);
    if (!d.ok) return false;
    const m = d.value;
    const w = this.world;
    if (m.type === 'deploy') w.addDeploy(m.deploy);
    else if (m.type === 'oncall') w.setOnCall(m.oncall);
    else if (m.type === 'alert' && !m.hidden) w.upsertAlert(m.alert);
    else if (m.type === 'alertResolved') w.resolveAlert(m.alertResolved.id, m.alertResolved.resolvedAt, m.alertResolved.resolvedBy);
    else return false;
    const ok = w.seq === e.seq && this._uncommitted.length === 1 && this._uncommitted[0]!.frame === e.frame;
    this._uncommitted = [];
    w.takeChanges();
    if (ok) this._base = e.seq;
    return ok;
  }

  private _scheduleRefresh(ms: number): void {
    if (this._refreshTimer || this._closed) return;
    this._refreshTimer = setTimeout(() => {
      this._refreshTimer = undefined;
      if (this._closed || this._pending.length > 0 || this._flushing || !this._stale) return;
      this._load().then(
        (loaded) => {
          if (this._pending.length === 0 && !this._flushing && loaded.epoch === this._epoch) this._adopt(loaded);
        },
        () => undefined,
      );
    }, ms);
  }

  /** Between reads: has Redis lost the stream (epoch gone) or been seeded again (another epoch), or did the tail skip seqs? */
  private async _checkEpoch(gap = false): Promise<void> {
    const epoch = optStr(await send(this._o.client, ['GET', this._o.keys.epoch]), 'epoch') ?? '';
    if (!gap && epoch === this._tailEpoch && epoch === this._epoch) return;
    if (!epoch) {
      if (!this._streamLost) this._log.warn('Redis lost the shared state (its stream and snapshot are gone)');
      this._streamLost = true;
      if (this._o.isLeader()) {
        this._stale = false;
        this._inflight = undefined;
        await this._reseed();
      } else return;
    }
    const loaded = await this._load();
    if (!loaded.epoch) return;
    this._streamLost = false;
    const fresh = loaded.epoch !== this._tailEpoch;
    const behindAt = this._tailSeq;
    if (loaded.epoch !== this._epoch) this._rebase(loaded);
    await this._fillRing(loaded.state.seq);
    this._tailSeq = loaded.state.seq;
    this._tailEpoch = loaded.epoch;
    this._highestSeen = Math.max(this._highestSeen, this._tailSeq);
    this._snapshotCache = undefined;
    this._log.warn(
      fresh
        ? `shared state replaced (new epoch at seq ${loaded.state.seq}): sending every editor a fresh snapshot`
        : `this replica fell behind the stream (it no longer holds what follows seq ${behindAt}): sending every editor a fresh snapshot`,
    );
    this._onReset.fire();
    if (this._pending.length) this._scheduleFlush(0);
  }
}

function parseStored(json: string): StoredAlert | undefined {
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.alert !== 'object' || o.alert === null || typeof o.aside !== 'boolean' || typeof o.order !== 'number') return undefined;
    const a = o.alert as Record<string, unknown>;
    if (typeof a.id !== 'string' || typeof a.status !== 'string') return undefined;
    return { alert: o.alert as Alert, aside: o.aside, order: o.order };
  } catch {
    return undefined;
  }
}

export function parseOrigin(json: string): SeedOrigin | undefined {
  try {
    const v = JSON.parse(json) as { epoch?: unknown; seq?: unknown };
    return typeof v.epoch === 'string' && Number.isSafeInteger(v.seq) ? { epoch: v.epoch, seq: v.seq as number } : undefined;
  } catch {
    return undefined;
  }
}

/** The one key with on-call, deploys and the firing history (absent in a state written before it was shared: rebuilt from the alerts). */
interface SharedMeta {
  oncall: OnCallState | null;
  deploys: Deploy[];
  history?: Firing[];
}

const isFiring = (f: unknown): f is Firing => {
  if (typeof f !== 'object' || f === null) return false;
  const o = f as Record<string, unknown>;
  return ['alertId', 'rule', 'service', 'title', 'firedAt', 'severity'].every((k) => typeof o[k] === 'string') && (o.clearedAt === undefined || typeof o.clearedAt === 'string');
};

export function parseMeta(json: string): SharedMeta {
  try {
    const v = JSON.parse(json) as { oncall?: unknown; deploys?: unknown; history?: unknown };
    const out: SharedMeta = { oncall: (v.oncall ?? null) as OnCallState | null, deploys: Array.isArray(v.deploys) ? (v.deploys as Deploy[]) : [] };
    // Bounded like the World's own (the World re-applies HISTORY_LIMITS when it restores it).
    if (Array.isArray(v.history)) out.history = (v.history as unknown[]).slice(-HISTORY_LIMITS.maxFirings).filter(isFiring);
    return out;
  } catch {
    return { oncall: null, deploys: [] };
  }
}
