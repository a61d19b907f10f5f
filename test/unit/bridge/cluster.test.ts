/**
 * Clustered mode's logic without a Redis (the real one is in test/cluster/): the leader lease over a fake lease
 * store on a manual clock, the seq of a new epoch, the stream entry parsing, and the World's export/restore that the
 * shared store is built on (a restored World must go on exactly as the original would).
 */
import * as assert from 'node:assert';
import { CommitJournal, JOURNAL_MAX_AGE_MS } from '../../../src/bridge/cluster/journal';
import { LeaderLease, type LeaseBackend } from '../../../src/bridge/cluster/lease';
import { EPOCH_SEQ_GAP, nextEpochSeq } from '../../../src/bridge/cluster/redisStore';
import { RedisReplyError, parseEntries, redisUrlProblem, seqOfId } from '../../../src/bridge/cluster/redis';
import { MemoryStore } from '../../../src/bridge/store';
import { World, type BufferedEvent } from '../../../src/bridge/world';
import type { Alert, Deploy, Severity } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { nullLogger } from '../../../src/core/util/logger';

/** A lease key with Redis's semantics (SET NX PX, compare-and-set renew), on the test's clock; `down` = unreachable. */
class FakeLeaseStore implements LeaseBackend {
  holder = '';
  expires = 0;
  down = false;
  constructor(private readonly _clock: ManualClock) {}
  private _live(): string {
    if (this.holder && this._clock.now() >= this.expires) this.holder = '';
    return this.holder;
  }
  acquire(id: string, ms: number): Promise<{ ok: boolean; holder: string }> {
    if (this.down) return Promise.reject(new Error('ECONNREFUSED'));
    if (this._live()) return Promise.resolve({ ok: false, holder: this.holder });
    this.holder = id;
    this.expires = this._clock.now() + ms;
    return Promise.resolve({ ok: true, holder: id });
  }
  renew(id: string, ms: number): Promise<{ ok: boolean; holder: string }> {
    if (this.down) return Promise.reject(new Error('ECONNREFUSED'));
    if (this._live() !== id) return Promise.resolve({ ok: false, holder: this.holder });
    this.expires = this._clock.now() + ms;
    return Promise.resolve({ ok: true, holder: id });
  }
  release(id: string): Promise<void> {
    if (this._live() === id) this.holder = '';
    return Promise.resolve();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const alert = (id: string, severity: Severity = 'warning', startedAt = '2026-11-23T10:00:00Z'): Alert => ({
  id, title: id, severity, status: 'triggered', service: 's', startedAt, updatedAt: startedAt, assignees: [], labels: {}, source: 'demo',
});

describe('cluster: leader lease', () => {
  it('one holder; when it dies another takes over within one lease (+ one renew period); never two at once', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new FakeLeaseStore(clock);
    const a = new LeaderLease(store, 'a', 3000, clock, nullLogger);
    const b = new LeaderLease(store, 'b', 3000, clock, nullLogger);
    await a.tick();
    await b.tick();
    assert.deepStrictEqual([a.isLeader, b.isLeader], [true, false]);
    assert.strictEqual(b.info().id, 'a');
    // a renews for a while; b keeps trying.
    for (let t = 0; t < 10; t++) {
      clock.advance(a.renewEveryMs);
      await a.tick();
      await b.tick();
      assert.ok(!(a.isLeader && b.isLeader));
      assert.ok(a.isLeader);
    }
    // a dies (no more ticks, no release): b takes over once the lease expires.
    const diedAt = clock.now();
    let tookOver = -1;
    for (let t = 0; t < 20 && tookOver < 0; t++) {
      clock.advance(b.renewEveryMs);
      await b.tick();
      if (b.isLeader) tookOver = clock.now() - diedAt;
    }
    assert.ok(tookOver > 0 && tookOver <= 3000 + b.renewEveryMs, `took over after ${tookOver} ms`);
  });

  it('a follower on its own timer takes a dead leader\'s lease within one lease of its last renew + a tenth of the lease', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore(clock);
    const a = new LeaderLease(store, 'a', 3000, clock, nullLogger);
    await a.tick();
    const b = new LeaderLease(store, 'b', 3000, clock, nullLogger);
    clock.advance(1);
    await b.start(); // b's attempts now run on its own timer (t = 1, then every acquireEveryMs)
    assert.ok(!b.isLeader);
    // a renews once more at t = 10, then dies: its lease expires at 3010. b's ticks every third of the lease
    // (1001, 2001, 3001, 4001) would take it only at 4001, a third of a lease late.
    clock.advance(9);
    await a.tick();
    const lastRenew = clock.now();
    assert.strictEqual(store.expires, lastRenew + 3000);
    let tookAt = -1;
    for (let t = 0; t < 600 && tookAt < 0; t++) {
      clock.advance(10);
      await flush();
      if (b.isLeader) tookAt = clock.now();
    }
    await b.stop();
    assert.ok(tookAt > 0, 'b never took the lease');
    assert.ok(tookAt >= lastRenew + 3000, `b took a live lease at ${tookAt}`);
    assert.ok(tookAt - lastRenew <= 3000 + b.acquireEveryMs, `took over ${tookAt - lastRenew} ms after the last renew (lease 3000 ms, attempts every ${b.acquireEveryMs} ms)`);
    assert.ok(b.acquireEveryMs <= 300, `attempts every ${b.acquireEveryMs} ms`);
  });

  it('the leader still renews every third of the lease on its timer; a follower attempts every tenth', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore(clock);
    const renews: number[] = [];
    const acquires: number[] = [];
    const counting: LeaseBackend = {
      acquire: (id, ms) => (id === 'b' && acquires.push(clock.now()), store.acquire(id, ms)),
      renew: (id, ms) => (renews.push(clock.now()), store.renew(id, ms)),
      release: (id) => store.release(id),
    };
    const a = new LeaderLease(counting, 'a', 3000, clock, nullLogger);
    const b = new LeaderLease(counting, 'b', 3000, clock, nullLogger);
    await a.start();
    await b.start();
    for (let t = 0; t < 300; t++) {
      clock.advance(10);
      await flush();
    }
    await a.stop();
    await b.stop();
    assert.ok(a.isLeader === false && store.holder === '', 'a released on stop');
    assert.deepStrictEqual(renews, [1000, 2000, 3000]);
    assert.strictEqual(acquires.length, 1 + Math.floor(3000 / b.acquireEveryMs));
  });

  it('a leader that cannot renew gives up before its lease can expire (so a successor never overlaps)', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore(clock);
    const a = new LeaderLease(store, 'a', 3000, clock, nullLogger);
    const changes: boolean[] = [];
    a.onChange((l) => changes.push(l));
    await a.tick();
    assert.ok(a.isLeader);
    store.down = true;
    let gaveUpAt = -1;
    for (let t = 0; t < 10 && gaveUpAt < 0; t++) {
      clock.advance(a.renewEveryMs);
      await a.tick();
      if (!a.isLeader) gaveUpAt = clock.now();
    }
    assert.ok(gaveUpAt > 0 && gaveUpAt < store.expires, `gave up at ${gaveUpAt}, the lease expires at ${store.expires}`);
    assert.deepStrictEqual(changes, [true, false]);
  });

  it('renew is compare-and-set: a lease taken by another (after it expired) is not extended, its holder steps down', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore(clock);
    const a = new LeaderLease(store, 'a', 3000, clock, nullLogger);
    await a.tick();
    clock.advance(5000); // a was frozen (GC pause, SIGSTOP) past its lease
    const b = new LeaderLease(store, 'b', 3000, clock, nullLogger);
    await b.tick();
    assert.ok(b.isLeader);
    await a.tick();
    assert.ok(!a.isLeader, 'a stepped down');
    assert.strictEqual(store.holder, 'b');
  });

  it('stop releases the lease: the next replica takes it at once', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore(clock);
    const a = new LeaderLease(store, 'a', 3000, clock, nullLogger);
    const b = new LeaderLease(store, 'b', 3000, clock, nullLogger);
    await a.tick();
    await a.stop();
    await flush();
    await b.tick();
    assert.ok(b.isLeader);
  });

  it('after Redis lost its data the new holder waits (grace) and re-checks before leading', async () => {
    const clock = new ManualClock(0);
    const store = new FakeLeaseStore(clock);
    const b = new LeaderLease(store, 'b', 3000, clock, nullLogger, () => Promise.resolve(1250));
    const p = b.tick();
    await flush();
    assert.ok(!b.isLeader, 'not leading during the grace');
    clock.advance(1250);
    await p;
    assert.ok(b.isLeader);
  });
});

describe('cluster: seqs and stream entries', () => {
  it("a new epoch starts above the wall clock and far above every seq seen (no client's old seq can be replayed into it)", () => {
    assert.strictEqual(nextEpochSeq(1_800_000_000_000, 5), 1_800_000_000_000);
    const seen = 1_800_000_000_000 + 5_000_000; // more events than milliseconds since the first start
    assert.strictEqual(nextEpochSeq(1_800_000_000_000, seen), seen + EPOCH_SEQ_GAP);
  });

  it('stream entries: the id is the seq; anything else is refused, not guessed', () => {
    assert.deepStrictEqual(parseEntries([['42-0', ['f', '{"x":1}']]], 't'), [{ seq: 42, frame: '{"x":1}' }]);
    assert.deepStrictEqual(parseEntries(null, 't'), []);
    assert.strictEqual(seqOfId('1796177199001-0'), 1796177199001);
    assert.throws(() => seqOfId('1700000000000-3'), RedisReplyError);
    assert.throws(() => parseEntries([['1-0', ['g', 'x']]], 't'), RedisReplyError);
    assert.throws(() => parseEntries('OK', 't'), RedisReplyError);
  });

  it('--redis URLs: redis:// and rediss:// only', () => {
    assert.strictEqual(redisUrlProblem('redis://127.0.0.1:6379'), undefined);
    assert.strictEqual(redisUrlProblem('rediss://:secret@redis.example.com:6380/2'), undefined);
    assert.match(redisUrlProblem('http://127.0.0.1:6379') ?? '', /redis:\/\/ or rediss:\/\//);
    assert.match(redisUrlProblem('not a url') ?? '', /not a URL/);
  });
});

describe('cluster: World export/restore (what Redis holds)', () => {
  const opts = { replayBufferSize: 100, maxOpenAlerts: 3, maxResolvedAlerts: 2, initialSeq: 1000 };

  function drive(w: World, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      w.upsertAlert(alert(`a${i}`, i % 3 === 0 ? 'critical' : 'info', new Date(Date.UTC(2026, 10, 23, 10, i)).toISOString()));
      if (i % 4 === 3) w.resolveAlert(`a${i - 2}`, '2026-11-23T11:00:00Z');
    }
    w.addDeploy({ id: `d${to}`, service: 's', environment: 'prod', commitSha: 'abc1234', deployedAt: '2026-11-23T10:00:00Z', deployedBy: { name: 'x' } } as never);
  }

  it('a restored World holds the same state and produces exactly the same next events as the original', () => {
    const original = new World(opts);
    original.trackChanges();
    drive(original, 0, 12);
    assert.ok(original.omitted > 0, 'the open-alert limit is at work');
    const copy = new World({ ...opts, initialSeq: 0 });
    copy.restore(original.exportState());
    assert.deepStrictEqual(copy.snapshot(), original.snapshot());
    assert.strictEqual(copy.omitted, original.omitted);
    const evA: BufferedEvent[] = [];
    const evB: BufferedEvent[] = [];
    original.onEvent((e) => evA.push(e));
    copy.onEvent((e) => evB.push(e));
    drive(original, 12, 20);
    drive(copy, 12, 20);
    assert.ok(evA.length > 8);
    assert.deepStrictEqual(evB, evA);
  });

  it('takeChanges names every alert that changed or went (what a commit writes to the hash)', () => {
    const w = new World(opts);
    w.trackChanges();
    drive(w, 0, 8);
    w.takeChanges();
    w.upsertAlert(alert('new', 'critical', '2026-11-23T12:00:00Z'));
    const ch = w.takeChanges();
    assert.ok(ch.alerts.get('new'), 'the new alert is written');
    // The limit (3 open) set one aside: it is rewritten with aside = true.
    assert.ok([...ch.alerts.values()].some((s) => s?.aside === true));
    assert.strictEqual(ch.deploys, false);
    assert.strictEqual(w.takeChanges().alerts.size, 0);
  });

  it('MemoryStore answers resume exactly as the World plans it (the bridge without --redis is unchanged)', () => {
    const w = new World({ replayBufferSize: 5, initialSeq: 10 });
    const s = new MemoryStore(w);
    for (let i = 0; i < 8; i++) w.upsertAlert(alert(`x${i}`));
    const r = s.resume(15);
    assert.strictEqual(r.snapshot, false);
    assert.deepStrictEqual(r.frames, (w.planResume(15) as { events: BufferedEvent[] }).events.map((e) => e.frame));
    assert.strictEqual(s.resume(11).snapshot, true);
    assert.strictEqual(s.resume(-1).seq, w.seq);
  });
});

describe('cluster: what a replica committed survives Redis restarting empty (journal)', () => {
  const deploy = (id: string, status: 'started' | 'succeeded' = 'succeeded') =>
    ({ id, service: 'checkout', environment: 'production', commitSha: 'abc1234', author: { name: 'Ada' }, deployedAt: '2026-11-23T10:00:00Z', status }) as Deploy;
  type Change = (w: World) => void;

  it("the follower's changes after the seed's seq are applied again on the new epoch; nothing twice, nothing lost", () => {
    // Epoch E1: the shared state went 1000 → 1003. The leader's World is in step with 1001 only (it had not read
    // 1002-1003 back yet) when Redis loses everything; the follower committed d1 (1001), d2 (1002) and d3 (1003).
    const leader = new World({ replayBufferSize: 100, initialSeq: 1000 });
    const follower = new World({ replayBufferSize: 100, initialSeq: 1000 });
    const journal = new CommitJournal<Change>();
    const now = 5_000_000;
    const changes: Array<{ seq: number; change: Change }> = [];
    for (const id of ['d1', 'd2', 'd3']) {
      const change: Change = (w) => w.addDeploy(deploy(id));
      change(follower);
      changes.push({ seq: follower.seq, change });
    }
    journal.add('E1', changes, now);
    leader.addDeploy(deploy('d1'));
    assert.strictEqual(leader.seq, 1001);
    // The leader seeds E2 from its World: origin = (E1, 1001).
    const seed = { ...leader.exportState(), seq: 9_000_000 };
    const missing = journal.takeMissingFrom({ epoch: 'E1', seq: 1001 }, now + 2000);
    assert.strictEqual(missing.length, 2, 'd2 and d3 (after seq 1001) are applied again; d1 is in the seed');
    follower.restore(seed);
    for (const m of missing) m(follower);
    assert.deepStrictEqual(follower.exportState().deploys.map((d) => d.id), ['d1', 'd2', 'd3']);
    assert.strictEqual(journal.size, 0, 'taken: they are pending again, journalled anew once committed');
  });

  it('a change the seed already holds is harmless to apply again (mid-batch origin, or an unknown origin)', () => {
    const w = new World({ replayBufferSize: 100, initialSeq: 0 });
    w.addDeploy(deploy('d1'));
    const seq = w.seq;
    w.addDeploy(deploy('d1'));
    assert.strictEqual(w.seq, seq, 'the same deploy again: no event');
    assert.strictEqual(w.exportState().deploys.length, 1);
    w.addDeploy(deploy('d1', 'started'));
    assert.strictEqual(w.exportState().deploys.length, 2, 'a deploy with the same id but news (another status) is still added');
    const j = new CommitJournal<string>();
    j.add('E1', [{ seq: 5, change: 'a' }], 0);
    assert.deepStrictEqual(j.takeMissingFrom(undefined, 1), ['a'], 'no origin known: everything recent is applied again');
    j.add('E0', [{ seq: 5, change: 'b' }], 0);
    assert.deepStrictEqual(j.takeMissingFrom({ epoch: 'E1', seq: 100 }, 1), ['b'], 'an epoch the seed does not name (one was missed): applied again');
    j.add('E1', [{ seq: 5, change: 'c' }, { seq: 6, change: 'd' }], 0);
    assert.deepStrictEqual(j.takeMissingFrom({ epoch: 'E1', seq: 5 }, 1), ['d']);
  });

  it('bounded: older than a minute or beyond the count, the oldest go (logged once)', () => {
    let overflows = 0;
    const j = new CommitJournal<number>(JOURNAL_MAX_AGE_MS, 3, () => overflows++);
    j.add('E', [{ seq: 1, change: 1 }], 0);
    j.add('E', [{ seq: 2, change: 2 }], JOURNAL_MAX_AGE_MS / 2);
    j.prune(JOURNAL_MAX_AGE_MS + 1);
    assert.strictEqual(j.size, 1, 'the one older than the age bound went');
    j.add('E', [3, 4, 5, 6].map((n) => ({ seq: n, change: n })), JOURNAL_MAX_AGE_MS + 2);
    assert.strictEqual(j.size, 3);
    j.add('E', [{ seq: 7, change: 7 }], JOURNAL_MAX_AGE_MS + 3);
    assert.strictEqual(overflows, 1, 'logged once, not once per change');
    assert.deepStrictEqual(j.takeMissingFrom({ epoch: 'E', seq: 0 }, JOURNAL_MAX_AGE_MS + 4), [5, 6, 7]);
  });
});
