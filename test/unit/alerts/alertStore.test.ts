import * as assert from 'node:assert/strict';
import { assertScalesLinearly } from '../../testUtil/scaling';
import { AlertStore, type AlertChangeEvent } from '../../../src/core/alerts/alertStore';
import type { Alert } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { iso, makeAlert, T0 } from '../../mocks/protocolExamples';

const MIN = 60_000;

function setup(opts: { maxResolved?: number; maxResolvedAgeMs?: number } = {}) {
  const clock = new ManualClock(T0);
  const store = new AlertStore({ clock, ...opts });
  const events: AlertChangeEvent[] = [];
  store.onDidChange((e) => events.push(e));
  return { clock, store, events };
}

const alertAt = (id: string, minutesAgo: number, o: Partial<Alert> = {}): Alert =>
  makeAlert({ id, startedAt: iso(T0 - minutesAgo * MIN), updatedAt: iso(T0 - minutesAgo * MIN), ...o });

const resolvedAt = (id: string, minutesAgo: number, o: Partial<Alert> = {}): Alert =>
  alertAt(id, minutesAgo + 10, { status: 'resolved', resolvedAt: iso(T0 - minutesAgo * MIN), updatedAt: iso(T0 - minutesAgo * MIN), ...o });

describe('AlertStore', () => {
  describe('upsert and the state machine', () => {
    it('adds, then updates in place, one event each', () => {
      const { store, events } = setup();
      assert.equal(store.upsert(alertAt('a', 5)), 'added');
      assert.equal(store.upsert(alertAt('a', 5, { status: 'acknowledged', updatedAt: iso(T0) })), 'updated');
      assert.equal(store.size, 1);
      assert.equal(store.get('a')?.status, 'acknowledged');
      assert.deepEqual(events.map((e) => [e.added.map((a) => a.id), e.updated.map((a) => a.id), e.removed]), [
        [['a'], [], []],
        [[], ['a'], []],
      ]);
    });

    it('ignores an update older than what it has', () => {
      const { store, events } = setup();
      store.upsert(alertAt('a', 1, { title: 'new' }));
      assert.equal(store.upsert(alertAt('a', 5, { title: 'old' })), 'stale');
      assert.equal(store.get('a')?.title, 'new');
      assert.equal(events.length, 1);
    });

    it('applies an update with the same updatedAt', () => {
      const { store } = setup();
      store.upsert(alertAt('a', 1, { title: 'one' }));
      assert.equal(store.upsert(alertAt('a', 1, { title: 'two' })), 'updated');
      assert.equal(store.get('a')?.title, 'two');
    });

    it('allows triggered ↔ acknowledged → resolved → triggered, but not resolved → acknowledged', () => {
      const { store } = setup();
      store.upsert(alertAt('a', 10));
      assert.equal(store.upsert(alertAt('a', 9, { status: 'acknowledged' })), 'updated');
      assert.equal(store.upsert(alertAt('a', 8, { status: 'triggered' })), 'updated');
      assert.equal(store.upsert(alertAt('a', 7, { status: 'resolved', resolvedAt: iso(T0 - 7 * MIN) })), 'updated');
      assert.equal(store.upsert(alertAt('a', 6, { status: 'acknowledged' })), 'invalidTransition');
      assert.equal(store.get('a')?.status, 'resolved');
      assert.equal(store.upsert(alertAt('a', 5, { status: 'triggered' })), 'updated');
      assert.equal(store.get('a')?.status, 'triggered');
    });

    it('resolve() marks the alert resolved at the given time, once', () => {
      const { store, events } = setup();
      store.upsert(alertAt('a', 10));
      assert.equal(store.resolve('a', iso(T0), { name: 'Alice' }), 'updated');
      const a = store.get('a')!;
      assert.equal(a.status, 'resolved');
      assert.equal(a.resolvedAt, iso(T0));
      assert.equal(a.updatedAt, iso(T0));
      assert.equal(store.resolve('a', iso(T0)), 'unchanged');
      assert.equal(store.resolve('nope', iso(T0)), 'unknown');
      assert.equal(events.length, 2);
    });
  });

  describe('batches and snapshots', () => {
    it('replaceAll makes the store hold exactly the snapshot, in one event', () => {
      const { store, events } = setup();
      store.upsertMany([alertAt('a', 1), alertAt('b', 2)]);
      events.length = 0;
      // A snapshot wins even when older and even for resolved → acknowledged.
      store.upsert(alertAt('c', 1, { status: 'resolved', resolvedAt: iso(T0 - MIN) }));
      events.length = 0;
      store.replaceAll([alertAt('b', 30, { title: 'from snapshot' }), alertAt('c', 30, { status: 'acknowledged' }), alertAt('d', 3)]);
      assert.equal(events.length, 1);
      const e = events[0]!;
      assert.deepEqual(e.added.map((a) => a.id), ['d']);
      assert.deepEqual(e.updated.map((a) => a.id).sort(), ['b', 'c']);
      assert.deepEqual(e.removed, ['a']);
      assert.deepEqual([...store.values()].map((a) => a.id).sort(), ['b', 'c', 'd']);
      assert.equal(store.get('b')?.title, 'from snapshot');
      assert.equal(store.get('c')?.status, 'acknowledged');
    });

    it('deferChangesToMicrotask: the frames of one socket read change the state at once and fire one event after the task', async () => {
      const { store, events } = setup({ maxResolved: 1 });
      store.deferChangesToMicrotask();
      store.upsert(alertAt('a', 3));
      store.deferChangesToMicrotask(); // a second frame in the same read: still the same batch
      store.upsert(alertAt('b', 2));
      store.upsert(resolvedAt('a', 1));
      store.resolve('b', iso(T0));
      assert.equal(store.get('a')?.status, 'resolved', 'readers see every change at once');
      assert.equal(events.length, 0, 'no event before the task ends');
      await Promise.resolve();
      assert.equal(events.length, 1);
      // Retention (maxResolved 1) ran once, at the end: of the two resolved alerts the earlier went.
      assert.deepEqual(events[0]!.added.map((x) => x.id), ['b']);
      assert.equal(store.has('a'), false);
      // The next read is a batch of its own.
      store.deferChangesToMicrotask();
      store.upsert(alertAt('c', 1));
      await Promise.resolve();
      assert.equal(events.length, 2);
      assert.deepEqual(events[1]!.added.map((x) => x.id), ['c']);
    });

    it('folds changes inside batch(): added then removed reports nothing', () => {
      const { store, events } = setup();
      store.upsert(alertAt('keep', 1));
      events.length = 0;
      store.batch(() => {
        store.upsert(alertAt('tmp', 1));
        store.upsert(alertAt('tmp', 0, { title: 'x' }));
        store.remove(['tmp']);
        store.upsert(alertAt('new', 1));
        store.upsert(alertAt('new', 0));
        store.remove(['keep']);
      });
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.added.map((a) => a.id), ['new']);
      assert.deepEqual(events[0]!.updated, []);
      assert.deepEqual(events[0]!.removed, ['keep']);
    });

    it('fires nothing for a batch that changed nothing', () => {
      const { store, events } = setup();
      store.upsert(alertAt('a', 1));
      store.upsert(alertAt('a', 5));
      store.batch(() => undefined);
      assert.equal(events.length, 1);
    });

    it('handles 100k alerts in one snapshot and one event', () => {
      const { store, events } = setup({ maxResolved: 100_000 });
      const alerts = Array.from({ length: 100_000 }, (_, i) =>
        alertAt(`a${i}`, i % 600, { service: `svc${i % 50}`, severity: (['critical', 'high', 'warning', 'info'] as const)[i % 4], status: (['triggered', 'acknowledged'] as const)[i % 2] }),
      );
      store.replaceAll(alerts);
      const groups = store.groups('service');
      assert.equal(events.length, 1);
      assert.equal(groups.length, 50);
      assert.equal(store.counts.total, 100_000);
      // One update afterwards re-sorts only the touched group.
      store.upsert(alertAt('a7', 0, { service: 'svc7', status: 'acknowledged' }));
      const again = store.groups('service');
      assert.equal(again.find((g) => g.key === 'svc8')!.alerts, groups.find((g) => g.key === 'svc8')!.alerts);
    });

    it('a page of a group (top n) is exactly the start of the full order, ties and all, and follows changes', () => {
      const { store } = setup({ maxResolved: 10_000 });
      const sev = ['critical', 'high', 'warning', 'info'] as const;
      const st = ['triggered', 'acknowledged', 'resolved'] as const;
      // Few distinct start times: many equal sort keys, so the cut falls among ties (ordered by id).
      const alerts = Array.from({ length: 5000 }, (_, i) =>
        alertAt(`a${(i * 7919) % 5000}`, (i * 31) % 7, { service: `svc${i % 3}`, severity: sev[(i * 13) % 4]!, status: st[(i * 17) % 3]!, ...(st[(i * 17) % 3] === 'resolved' ? { resolvedAt: iso(T0) } : {}), ...(i % 11 === 0 && st[(i * 17) % 3] === 'acknowledged' ? { snoozedUntil: iso(T0 + 60 * MIN) } : {}) }),
      );
      store.replaceAll(alerts);
      for (const by of ['service', 'severity', 'status'] as const) {
        for (const g of store.groups(by)) {
          // The store's own full sort, not this group's cache: each top(n) below (growing n) selects afresh.
          const full = store.sorted().filter((a) => (by === 'service' ? a.service : by === 'severity' ? a.severity : a.status) === g.key).map((a) => a.id);
          for (const n of [0, 1, 7, 200, g.size - 1, g.size, g.size + 10]) assert.deepEqual(g.top(n).map((a) => a.id), full.slice(0, Math.max(0, n)), `${by}/${g.key} top(${n})`);
        }
      }
      // A fresh group object (no cached order) selects the page without a full sort, and agrees with the later full sort.
      store.upsert(alertAt('a1', 0, { service: 'svc1', severity: 'critical', updatedAt: iso(T0 + MIN) }));
      const svc1 = store.groups('service').find((g) => g.key === 'svc1')!;
      const page = svc1.top(50).map((a) => a.id);
      assert.equal(page[0], 'a1', 'the newest critical alert leads its group');
      assert.deepEqual(page, svc1.alerts.slice(0, 50).map((a) => a.id));
      assert.equal(svc1.triggered + svc1.acknowledged + svc1.resolved, svc1.size);
    });

    it('marks the batches of a snapshot (whole or in parts) so listeners can tell the state from news', () => {
      const { store, events } = setup();
      store.replaceAll([alertAt('a', 1)]);
      store.applySnapshotPart([alertAt('b', 1)], new Set());
      store.upsert(alertAt('c', 1));
      assert.deepEqual(events.map((e) => e.snapshot === true), [true, true, false]);
    });

    it('a snapshot and a regroup scale linearly with the number of alerts (timed at n and 4n in the same run)', () => {
      const many = (n: number) => Array.from({ length: n }, (_, i) => alertAt(`a${i}`, i % 600, { service: `svc${i % 50}`, severity: (['critical', 'high', 'warning', 'info'] as const)[i % 4] }));
      const inputs = new Map([12_500, 50_000].map((n) => [n, many(n)]));
      assertScalesLinearly('replaceAll + groups', (n) => {
        const { store } = setup({ maxResolved: 100_000 });
        store.replaceAll(inputs.get(n)!);
        store.groups('service');
      }, 12_500);
    });
  });

  describe('counts', () => {
    it('keeps counts by status and severity as alerts change', () => {
      const { store } = setup();
      store.upsertMany([alertAt('a', 1, { severity: 'critical' }), alertAt('b', 1, { severity: 'info', status: 'acknowledged' }), alertAt('c', 1, { severity: 'critical' })]);
      assert.deepEqual(store.counts, {
        total: 3,
        byStatus: { triggered: 2, acknowledged: 1, resolved: 0 },
        bySeverity: { critical: 2, high: 0, warning: 0, info: 1 },
        activeBySeverity: { critical: 2, high: 0, warning: 0, info: 1 },
        triggeredBySeverity: { critical: 2, high: 0, warning: 0, info: 0 },
      });
      store.resolve('a', iso(T0));
      store.upsert(alertAt('c', 0, { severity: 'high' }));
      assert.deepEqual(store.counts, {
        total: 3,
        byStatus: { triggered: 1, acknowledged: 1, resolved: 1 },
        bySeverity: { critical: 1, high: 1, warning: 0, info: 1 },
        activeBySeverity: { critical: 0, high: 1, warning: 0, info: 1 },
        triggeredBySeverity: { critical: 0, high: 1, warning: 0, info: 0 },
      });
      assert.equal(store.triggeredCount, 1);
      assert.equal(store.triggeredOf('critical'), 0);
      assert.equal(store.triggeredOf('high'), 1);
    });

    it('keeps triggered-by-severity through ack, unack, re-fire, severity changes, snapshots and removal', () => {
      const { store } = setup();
      store.upsertMany([alertAt('a', 3, { severity: 'critical' }), alertAt('b', 2, { severity: 'critical' })]);
      assert.equal(store.triggeredOf('critical'), 2);
      store.upsert(alertAt('a', 3, { severity: 'critical', status: 'acknowledged', updatedAt: iso(T0 + 1) }));
      assert.equal(store.triggeredOf('critical'), 1, 'acked: someone has it');
      store.upsert(alertAt('a', 3, { severity: 'critical', status: 'triggered', updatedAt: iso(T0 + 2) }));
      assert.equal(store.triggeredOf('critical'), 2, 'unacked');
      store.upsert(alertAt('b', 2, { severity: 'warning', updatedAt: iso(T0 + 3) }));
      assert.deepEqual([store.triggeredOf('critical'), store.triggeredOf('warning')], [1, 1]);
      store.resolve('a', iso(T0 + 4));
      assert.equal(store.triggeredOf('critical'), 0);
      store.upsert(alertAt('a', 3, { severity: 'critical', updatedAt: iso(T0 + 5) }));
      assert.equal(store.triggeredOf('critical'), 1, 're-fired');
      store.remove(['a']);
      assert.equal(store.triggeredOf('critical'), 0);
      store.replaceAll([alertAt('x', 1, { severity: 'critical' }), alertAt('y', 1, { severity: 'info' })]);
      assert.deepEqual(store.counts.triggeredBySeverity, { critical: 1, high: 0, warning: 0, info: 1 });
      // Over many random changes the incremental counts equal a count from scratch.
      let r = 7;
      const rnd = (n: number): number => ((r = (r * 1103515245 + 12345) % 2 ** 31), r % n);
      const sev = ['critical', 'high', 'warning', 'info'] as const;
      const st = ['triggered', 'acknowledged', 'resolved'] as const;
      for (let i = 0; i < 2000; i++) {
        const id = `r${rnd(40)}`;
        if (rnd(10) === 0) store.remove([id]);
        else store.upsert(alertAt(id, 1, { severity: sev[rnd(4)], status: st[rnd(3)], updatedAt: iso(T0 + 10 + i) }));
      }
      for (const s of sev) assert.equal(store.triggeredOf(s), [...store.values()].filter((a) => a.status === 'triggered' && a.severity === s).length, s);
    });

    it('topTriggered: the n most severe, then newest, triggered alerts — the same as a full sort, cached until a change', () => {
      const { store } = setup();
      let r = 11;
      const rnd = (n: number): number => ((r = (r * 1103515245 + 12345) % 2 ** 31), r % n);
      const sev = ['critical', 'high', 'warning', 'info'] as const;
      const st = ['triggered', 'triggered', 'acknowledged', 'resolved'] as const;
      store.upsertMany(
        Array.from({ length: 500 }, (_, i) =>
          alertAt(`a${i}`, rnd(30), { severity: sev[rnd(4)], status: st[rnd(4)], ...(rnd(8) === 0 ? { snoozedUntil: iso(T0 + MIN) } : {}) }),
        ),
      );
      const order = { critical: 0, high: 1, warning: 2, info: 3 } as const;
      const full = [...store.values()]
        .filter((a) => a.status === 'triggered')
        .sort((a, b) => order[a.severity] - order[b.severity] || Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? -1 : 1));
      const top = store.topTriggered(10);
      assert.deepEqual(top.map((a) => a.id), full.slice(0, 10).map((a) => a.id));
      assert.equal(store.topTriggered(10), top, 'cached: same array until a change');
      assert.deepEqual(store.topTriggered(3).map((a) => a.id), full.slice(0, 3).map((a) => a.id));
      assert.deepEqual(store.topTriggered(1000).map((a) => a.id), full.map((a) => a.id), 'n above the count: all of them, in order');
      store.upsert(alertAt('newest', -1, { severity: 'critical' }));
      assert.equal(store.topTriggered(10)[0]!.id, 'newest');
      assert.deepEqual(store.topTriggered(0), []);
      assert.deepEqual(setup().store.topTriggered(10), []);
    });

    it('returns the same counts object until something changes', () => {
      const { store } = setup();
      store.upsert(alertAt('a', 1));
      assert.equal(store.counts, store.counts);
    });
  });

  describe('retention of resolved alerts', () => {
    it('keeps at most maxResolved, dropping the earliest resolved first', () => {
      const { store, events } = setup({ maxResolved: 2 });
      store.replaceAll([resolvedAt('r1', 30), resolvedAt('r3', 10), resolvedAt('r2', 20), alertAt('open', 1)]);
      assert.deepEqual([...store.values()].map((a) => a.id).sort(), ['open', 'r2', 'r3']);
      store.resolve('open', iso(T0));
      assert.deepEqual([...store.values()].map((a) => a.id).sort(), ['open', 'r3']);
      assert.deepEqual(events.at(-1)!.removed, ['r2']);
    });

    it('never drops triggered or acknowledged alerts', () => {
      const { store } = setup({ maxResolved: 0, maxResolvedAgeMs: 0 });
      store.upsertMany([alertAt('a', 1000), alertAt('b', 1000, { status: 'acknowledged' }), resolvedAt('r', 1)]);
      assert.deepEqual([...store.values()].map((a) => a.id).sort(), ['a', 'b']);
    });

    it('drops resolved alerts older than maxResolvedAgeMs, on time, with a change event', () => {
      const { clock, store, events } = setup({ maxResolvedAgeMs: 60 * MIN });
      store.upsertMany([resolvedAt('old', 90), resolvedAt('r30', 30), resolvedAt('r10', 10), alertAt('open', 120)]);
      assert.deepEqual([...store.values()].map((a) => a.id).sort(), ['open', 'r10', 'r30']);
      events.length = 0;
      clock.advance(29 * MIN);
      assert.ok(store.has('r30'));
      clock.advance(1 * MIN);
      assert.ok(!store.has('r30'));
      assert.deepEqual(events.map((e) => e.removed), [['r30']]);
      clock.advance(20 * MIN);
      assert.ok(!store.has('r10'));
      assert.ok(store.has('open'));
      assert.equal(clock.pendingTimers, 0);
    });

    it('a re-triggered alert leaves the resolved set', () => {
      const { clock, store } = setup({ maxResolvedAgeMs: 10 * MIN });
      store.upsert(resolvedAt('a', 5));
      store.upsert(alertAt('a', 0, { status: 'triggered' }));
      clock.advance(60 * MIN);
      assert.equal(store.get('a')?.status, 'triggered');
    });

    it('applies new limits at once', () => {
      const { store } = setup();
      store.upsertMany([resolvedAt('r1', 3), resolvedAt('r2', 2), resolvedAt('r3', 1)]);
      store.setRetention(1, undefined);
      assert.deepEqual([...store.values()].map((a) => a.id), ['r3']);
    });
  });

  describe('views', () => {
    function populated() {
      const s = setup();
      s.store.upsertMany([
        alertAt('info-new', 1, { service: 'api', severity: 'info' }),
        alertAt('crit-old', 100, { service: 'api', severity: 'critical' }),
        alertAt('crit-new', 2, { service: 'api', severity: 'critical' }),
        alertAt('acked', 0, { service: 'api', severity: 'critical', status: 'acknowledged' }),
        resolvedAt('done', 0, { service: 'api', severity: 'critical' }),
        alertAt('db-warn', 5, { service: 'db', severity: 'warning' }),
        alertAt('Auth-high', 5, { service: 'Auth', severity: 'high' }),
      ]);
      return s;
    }

    it('orders inside a group: triggered, acknowledged, resolved; then severity; then newest first', () => {
      const { store } = populated();
      const api = store.groups('service').find((g) => g.key === 'api')!;
      assert.deepEqual(api.alerts.map((a) => a.id), ['crit-new', 'crit-old', 'info-new', 'acked', 'done']);
      assert.deepEqual([api.triggered, api.acknowledged, api.resolved], [3, 1, 1]);
    });

    it('groups by service (alphabetical, case-insensitive), severity and status in their order', () => {
      const { store } = populated();
      assert.deepEqual(store.groups('service').map((g) => g.key), ['api', 'Auth', 'db']);
      assert.deepEqual(store.groups('severity').map((g) => [g.key, g.label]), [
        ['critical', 'Critical'],
        ['high', 'High'],
        ['warning', 'Warning'],
        ['info', 'Info'],
      ]);
      assert.deepEqual(store.groups('status').map((g) => g.key), ['triggered', 'acknowledged', 'resolved']);
      assert.deepEqual(store.groups('status')[0]!.alerts.map((a) => a.id), ['crit-new', 'crit-old', 'Auth-high', 'db-warn', 'info-new']);
      assert.deepEqual(store.groups('severity')[0]!.alerts.map((a) => a.id), ['crit-new', 'crit-old', 'acked', 'done']);
    });

    it('moves an alert between groups when it changes and drops empty groups', () => {
      const { store } = populated();
      store.groups('severity');
      store.upsert(alertAt('db-warn', 0, { service: 'db', severity: 'critical' }));
      assert.deepEqual(store.groups('severity').map((g) => g.key), ['critical', 'high', 'info']);
      assert.equal(store.groups('severity')[0]!.alerts[0]!.id, 'db-warn');
    });

    it('caches views until the next change', () => {
      const { store } = populated();
      const g1 = store.groups('service');
      const s1 = store.sorted();
      assert.equal(store.groups('service'), g1);
      assert.equal(store.sorted(), s1);
      store.upsert(alertAt('x', 0, { service: 'db' }));
      const g2 = store.groups('service');
      assert.notEqual(g2, g1);
      // The untouched group keeps its array; the touched one is rebuilt.
      assert.equal(g2.find((g) => g.key === 'api')!.alerts, g1.find((g) => g.key === 'api')!.alerts);
      assert.notEqual(g2.find((g) => g.key === 'db')!.alerts, g1.find((g) => g.key === 'db')!.alerts);
      assert.equal(store.sorted()[0]!.id, 'x'); // critical, triggered and the newest
    });
  });
});
