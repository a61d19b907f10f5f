import * as assert from 'node:assert/strict';
import { FiringHistory, HISTORY_LIMITS, isFlapping, pagedHereText, pagedLines, ruleStats, topFrameOf, type Firing } from '../../../src/core/alerts/firingHistory';
import { World } from '../../../src/bridge/world';
import { decodeServerMessage } from '../../../src/core/protocol/decode';
import type { Alert } from '../../../src/core/protocol/types';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();
const TRACE = "TypeError: Cannot read properties of undefined (reading 'percent')\n    at applyCoupon (/app/src/cart/pricing.ts:12:31)\n    at quote (/app/src/routes/checkout.ts:40:5)\n    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)";

const alert = (id: string, o: Partial<Alert> = {}): Alert => ({
  id, title: `t ${id}`, severity: 'critical', status: 'triggered', service: 'checkout-api', startedAt: iso(NOW - 10 * MIN), updatedAt: iso(NOW - 10 * MIN),
  assignees: [], labels: { alertname: 'CheckoutHighErrorRate' }, source: 'alertmanager', ...o,
});
const firing = (firedAgoMin: number, openMin: number | undefined, o: Partial<Firing> = {}): Firing => ({
  alertId: `a${firedAgoMin}`, rule: 'R', service: 's', severity: 'warning', title: 'R', firedAt: iso(NOW - firedAgoMin * MIN),
  ...(openMin !== undefined ? { clearedAt: iso(NOW - firedAgoMin * MIN + openMin * MIN) } : {}), ...o,
});

describe('firing history (issue 21: the alert\'s rule, "paged here")', () => {
  it('records each time an alert opens, by alertname and service, with its top in-app frame and its clearing', () => {
    const h = new FiringHistory(() => NOW);
    assert.equal(h.observeAlert(alert('x', { stackTrace: TRACE })), true);
    assert.equal(h.observeAlert(alert('x', { stackTrace: TRACE, updatedAt: iso(NOW) })), false, 'an update of the same firing is not a new one');
    assert.equal(h.observeResolved('x', iso(NOW - 2 * MIN)), true);
    // Alertmanager: the same fingerprint fires again later: a second firing.
    assert.equal(h.observeAlert(alert('x', { startedAt: iso(NOW - MIN), updatedAt: iso(NOW - MIN) })), true);
    const all = h.all();
    assert.equal(all.length, 2);
    assert.deepEqual(all[0], {
      alertId: 'x', rule: 'CheckoutHighErrorRate', service: 'checkout-api', severity: 'critical', title: 't x', firedAt: iso(NOW - 10 * MIN), clearedAt: iso(NOW - 2 * MIN),
      topFrame: { file: '/app/src/cart/pricing.ts', line: 12 },
    });
    assert.equal(all[1]!.clearedAt, undefined);
  });

  it('in a storm, each firing still held has the top frame of its own trace when read (found on read, not per event)', () => {
    const h = new FiringHistory(() => NOW);
    const n = HISTORY_LIMITS.maxFirings + 500;
    for (let i = 0; i < n; i++) {
      const t = iso(NOW - 20 * MIN + i);
      h.observeAlert(alert(`s${i}`, { startedAt: t, updatedAt: t, labels: { alertname: `R${i % 40}` }, stackTrace: `Error: boom\n    at f${i} (/app/src/storm/file${i % 7}.ts:${i + 1}:3)` }));
    }
    const all = h.all();
    assert.equal(all.length, HISTORY_LIMITS.maxFirings);
    for (const f of all) {
      const i = Number(f.alertId.slice(1));
      assert.deepEqual(f.topFrame, { file: `/app/src/storm/file${i % 7}.ts`, line: i + 1 }, f.alertId);
    }
    // A second read gives the same (the frame is kept), and a copy: changing it changes nothing held.
    all[0]!.topFrame!.line = 999_999;
    assert.deepEqual(h.all()[0]!.topFrame, { file: '/app/src/storm/file3.ts', line: 501 });
  });

  it('falls back to the title without alertname; library frames are never the top frame', () => {
    const h = new FiringHistory(() => NOW);
    h.observeAlert(alert('y', { labels: {}, title: 'disk full', stackTrace: 'Error: x\n    at f (/app/node_modules/lib/a.js:1:1)' }));
    assert.equal(h.all()[0]!.rule, 'disk full');
    assert.equal(h.all()[0]!.topFrame, undefined);
    assert.deepEqual(topFrameOf(TRACE), { file: '/app/src/cart/pricing.ts', line: 12 });
  });

  it('stays within its bounds: per rule, in all, and by age', () => {
    const h = new FiringHistory(() => NOW);
    for (let i = 0; i < HISTORY_LIMITS.maxPerKey + 20; i++) h.add(firing(i, 1, { alertId: `k${i}`, firedAt: iso(NOW - (1000 - i) * MIN) }));
    assert.equal(h.size, HISTORY_LIMITS.maxPerKey);
    assert.equal(h.all()[0]!.alertId, 'k20', 'the oldest of the rule went first');
    for (let i = 0; i < HISTORY_LIMITS.maxFirings + 50; i++) h.add(firing(i, 1, { alertId: `g${i}`, rule: `rule ${i}`, firedAt: iso(NOW - MIN) }));
    assert.equal(h.size, HISTORY_LIMITS.maxFirings);
    assert.equal(h.add(firing(0, 1, { alertId: 'old', firedAt: iso(NOW - HISTORY_LIMITS.retentionMs - MIN) })), false, 'older than the retention');
  });

  it('is flapping only when it fires and clears repeatedly in the recent past', () => {
    assert.equal(isFlapping([firing(170, 6), firing(125, 4), firing(80, 7)], NOW), true, 'three firings in three hours, each clearing within minutes');
    assert.equal(isFlapping([firing(170, 6), firing(125, 4)], NOW), false, 'two firings are not flapping');
    assert.equal(isFlapping([firing(170, undefined), firing(125, undefined), firing(80, undefined)], NOW), false, 'fired and stays open: not flapping');
    assert.equal(isFlapping([firing(170, 120), firing(125, 100), firing(80, 70)], NOW), false, 'long incidents that clear are not flapping');
    assert.equal(isFlapping([firing(3 * 24 * 60, 5), firing(2 * 24 * 60, 5), firing(24 * 60, 5)], NOW), false, 'once a day for three days: not flapping');
    const s = ruleStats([firing(170, 6), firing(125, 4), firing(80, 7), firing(30 * 60, 5)], 'R', 's', NOW);
    assert.deepEqual(s, { fired: 3, cleared: 3, windowMs: 24 * HOUR, lastFiredAt: iso(NOW - 80 * MIN), flapping: true });
  });

  it('groups recent firings by the line their top frame resolves to ("paged here")', () => {
    const list = [
      firing(60, 5, { topFrame: { file: '/app/a.ts', line: 3 }, severity: 'warning' }),
      firing(2 * 24 * 60, 5, { topFrame: { file: '/app/a.ts', line: 3 }, severity: 'critical' }),
      firing(40 * 24 * 60, 5, { topFrame: { file: '/app/a.ts', line: 3 } }),
      firing(30, 5, { topFrame: { file: '/elsewhere/b.ts', line: 1 } }),
      firing(20, 5),
    ];
    const lines = pagedLines(list, NOW, 30 * 24 * HOUR, (f) => (f.topFrame!.file.startsWith('/app/') ? { key: `${f.topFrame!.file}:${f.topFrame!.line}`, location: f.topFrame! } : undefined));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.firings.length, 2, 'older than 30 days is left out');
    assert.equal(lines[0]!.severity, 'critical');
    assert.equal(lines[0]!.lastFiredAt, iso(NOW - 60 * MIN));
  });

  it('the bridge keeps it across resolves and sends it in the snapshot; a client decodes it (bad entries left out)', () => {
    const w = new World({ replayBufferSize: 10, now: () => NOW });
    w.upsertAlert(alert('x', { stackTrace: TRACE }));
    w.resolveAlert('x', iso(NOW - 5 * MIN));
    w.addFirings([firing(60 * 24, 10, { alertId: 'past' })]);
    const snap = w.snapshot();
    assert.equal(snap.history?.length, 2);
    const frame = JSON.stringify({ ...snap, history: [...snap.history, { alertId: 'bad', rule: 'R' }] });
    const d = decodeServerMessage(frame);
    assert.ok(d.ok && d.value.type === 'snapshot');
    assert.deepEqual(d.value.history?.map((f) => f.alertId), ['past', 'x']);
    assert.equal(d.value.history?.[1]?.clearedAt, iso(NOW - 5 * MIN));
  });
});

describe('"paged here" text', () => {
  it('says the count and the last time: the time today, the weekday this week, else the date', () => {
    assert.equal(pagedHereText(3, 30, iso(NOW - 2 * HOUR), NOW, 'UTC'), 'paged 3× in 30 days · last 10:00');
    assert.equal(pagedHereText(3, 30, '2026-11-29T10:00:00Z', NOW, 'UTC'), 'paged 3× in 30 days · last Sun');
    assert.equal(pagedHereText(1, 30, '2026-11-12T10:00:00Z', NOW, 'UTC'), 'paged 1× in 30 days · last Nov 12');
  });
});
