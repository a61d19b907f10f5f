import * as assert from 'node:assert';
import { RingBuffer, World } from '../../../src/bridge/world';
import type { Alert } from '../../../src/core/protocol/types';

const alert = (id: string, status: Alert['status'] = 'triggered'): Alert => ({
  id, title: id, severity: 'warning', status, service: 's', startedAt: '2026-11-23T10:00:00Z', updatedAt: '2026-11-23T10:00:00Z', assignees: [], labels: {}, source: 'demo',
});

describe('bridge world', () => {
  it('RingBuffer keeps the newest `capacity` items in order', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    assert.deepStrictEqual([...r], [3, 4, 5]);
    assert.strictEqual(r.at(0), 3);
    assert.strictEqual(r.at(3), undefined);
    assert.throws(() => new RingBuffer(0));
  });

  it('plans resume: replay within the buffer, snapshot otherwise', () => {
    const w = new World({ replayBufferSize: 4, initialSeq: 10 });
    for (let i = 0; i < 6; i++) w.upsertAlert(alert(`a${i}`));
    assert.strictEqual(w.seq, 16);
    assert.deepStrictEqual(w.planResume(-1), { kind: 'snapshot' });
    assert.deepStrictEqual(w.planResume(17), { kind: 'snapshot' });
    assert.deepStrictEqual(w.planResume(11), { kind: 'snapshot' }, 'seq 12 is no longer buffered');
    const p = w.planResume(12);
    assert.ok(p.kind === 'replay');
    assert.deepStrictEqual(p.events.map((e) => e.seq), [13, 14, 15, 16]);
    assert.deepStrictEqual(w.planResume(16), { kind: 'replay', events: [] });
    assert.deepStrictEqual(JSON.parse(p.events[0]!.frame).alert.id, 'a2');
  });

  it('resolves once, keeps a bounded number of resolved alerts and deploys', () => {
    const w = new World({ replayBufferSize: 10, maxResolvedAlerts: 2, maxDeploys: 3 });
    for (let i = 0; i < 4; i++) w.upsertAlert(alert(`a${i}`));
    assert.ok(w.resolveAlert('a0', '2026-11-23T11:00:00Z'));
    assert.ok(!w.resolveAlert('a0', '2026-11-23T11:00:00Z'));
    assert.ok(!w.resolveAlert('zzz', '2026-11-23T11:00:00Z'));
    w.resolveAlert('a1', '2026-11-23T11:00:00Z');
    w.resolveAlert('a2', '2026-11-23T11:00:00Z');
    assert.deepStrictEqual(w.alerts().map((a) => a.id).sort(), ['a1', 'a2', 'a3']);
    for (let i = 0; i < 5; i++) w.addDeploy({ id: `d${i}`, service: 's', environment: 'production', commitSha: 'abcdef1', author: { name: 'x' }, deployedAt: '2026-11-23T11:00:00Z' });
    assert.deepStrictEqual(w.snapshot().deploys.map((d) => d.id), ['d2', 'd3', 'd4']);
  });

  it('copies what modules hand it', () => {
    const w = new World({ replayBufferSize: 10 });
    const a = alert('x');
    w.upsertAlert(a);
    a.title = 'changed later';
    assert.strictEqual(w.getAlert('x')?.title, 'x');
  });
});

describe('bridge world: open-alert limit (severity, then newest, are sent; the rest are counted)', () => {
  const at = (min: number): string => new Date(Date.parse('2026-11-23T10:00:00Z') + min * 60_000).toISOString();
  const mk = (id: string, severity: Alert['severity'], startMin: number): Alert => ({ ...alert(id), severity, startedAt: at(startMin), updatedAt: at(startMin) });
  /** Applies every frame the world broadcast to a map, the way a client does (hidden → removed). */
  function follow(w: World): { shown: Map<string, Alert>; omitted: () => number; frames: Array<Record<string, unknown>> } {
    const shown = new Map<string, Alert>();
    let omitted = 0;
    const frames: Array<Record<string, unknown>> = [];
    w.onEvent((ev) => {
      const m = JSON.parse(ev.frame) as Record<string, unknown> & { type: string; alert?: Alert; hidden?: boolean; omitted?: number; alertResolved?: { id: string } };
      frames.push(m);
      omitted = m.omitted ?? 0;
      if (m.type === 'alert' && m.alert) {
        if (m.hidden) shown.delete(m.alert.id);
        else shown.set(m.alert.id, m.alert);
      }
      if (m.type === 'alertResolved' && m.alertResolved) shown.delete(m.alertResolved.id);
    });
    return { shown, omitted: () => omitted, frames };
  }

  it('never sets aside the newest critical: a full world of older or lower alerts makes room for it', () => {
    const w = new World({ replayBufferSize: 1000, maxOpenAlerts: 3 });
    const f = follow(w);
    w.upsertAlert(mk('c-old', 'critical', 0));
    w.upsertAlert(mk('w1', 'warning', 5));
    w.upsertAlert(mk('i1', 'info', 9));
    w.upsertAlert(mk('c-new', 'critical', 10));
    assert.deepStrictEqual([...f.shown.keys()].sort(), ['c-new', 'c-old', 'w1']);
    assert.strictEqual(w.omitted, 1);
    assert.strictEqual(f.omitted(), 1, 'the client learns how many are not shown');
    // Another critical: severity comes first, so the warning is set aside, not the older critical.
    w.upsertAlert(mk('c-newest', 'critical', 20));
    assert.deepStrictEqual([...f.shown.keys()].sort(), ['c-new', 'c-newest', 'c-old']);
    // All critical now: recency decides, so the oldest critical is the one set aside for an even newer one.
    w.upsertAlert(mk('c-latest', 'critical', 30));
    assert.deepStrictEqual([...f.shown.keys()].sort(), ['c-latest', 'c-new', 'c-newest']);
    assert.strictEqual(f.omitted(), 3);
    const snap = w.snapshot();
    assert.deepStrictEqual(snap.alerts.map((a) => a.id).sort(), [...f.shown.keys()].sort(), 'a snapshot sends what the events left shown');
    assert.strictEqual(snap.omitted, 3);
    // Sources still see every alert (they reconcile against all of them).
    assert.strictEqual(w.alerts().length, 6);
    assert.strictEqual(w.getAlert('i1')?.id, 'i1');
  });

  it('a lower alert arriving at the limit is set aside at once (one hidden event), and comes back when room frees', () => {
    const w = new World({ replayBufferSize: 1000, maxOpenAlerts: 2 });
    const f = follow(w);
    w.upsertAlert(mk('c1', 'critical', 0));
    w.upsertAlert(mk('h1', 'high', 0));
    w.upsertAlert(mk('i1', 'info', 50));
    assert.strictEqual(f.frames.at(-1)?.hidden, true);
    assert.ok(!f.shown.has('i1'));
    assert.strictEqual(f.omitted(), 1);
    // An update of a set-aside alert that keeps it set aside is no news for clients.
    const seq = w.seq;
    w.upsertAlert({ ...mk('i1', 'info', 50), title: 'changed' });
    assert.strictEqual(w.seq, seq);
    assert.strictEqual(w.getAlert('i1')?.title, 'changed');
    // Room frees: the best set-aside alert is sent again.
    assert.ok(w.resolveAlert('c1', at(60)));
    assert.ok(f.shown.has('i1'));
    assert.strictEqual(f.shown.get('i1')?.title, 'changed');
    assert.strictEqual(f.omitted(), 0);
    assert.strictEqual(w.snapshot().omitted, undefined, 'absent means none');
  });

  it('resolving a set-aside alert is one event that lowers the count; an update that raises its severity brings it back', () => {
    const w = new World({ replayBufferSize: 1000, maxOpenAlerts: 1 });
    const f = follow(w);
    w.upsertAlert(mk('h1', 'high', 0));
    w.upsertAlert(mk('i1', 'info', 0));
    w.upsertAlert(mk('i2', 'info', 1));
    assert.strictEqual(f.omitted(), 2);
    assert.ok(w.resolveAlert('i1', at(5)));
    assert.strictEqual(f.omitted(), 1);
    assert.strictEqual(w.getAlert('i1'), undefined, 'not kept as history: clients never had it');
    w.upsertAlert(mk('i2', 'critical', 1));
    assert.deepStrictEqual([...f.shown.keys()], ['i2']);
    assert.strictEqual(f.omitted(), 1, 'h1 is set aside instead');
  });

  it('bounds what it holds: 100k alerts over a limit of 1,000 keep 1,000 sent and 4,000 set aside, with one log line', () => {
    const lines: string[] = [];
    const logger = { trace: () => undefined, debug: () => undefined, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const w = new World({ replayBufferSize: 100, maxOpenAlerts: 1000, logger, now: () => 0 });
    const sev = ['critical', 'high', 'warning', 'info'] as const;
    for (let i = 0; i < 100_000; i++) w.upsertAlert(mk(`a${i}`, sev[i % 4]!, i / 1000));
    const snap = w.snapshot();
    assert.strictEqual(snap.alerts.length, 1000);
    assert.strictEqual(snap.omitted, 4000);
    assert.strictEqual(w.alertCount, 5000);
    // What is sent: the newest 1,000 criticals (every 4th alert is critical; the newest have the highest index).
    assert.ok(snap.alerts.every((a) => a.severity === 'critical'));
    assert.strictEqual(Math.min(...snap.alerts.map((a) => Number(a.id.slice(1)))), 100_000 - 4000);
    assert.strictEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /open-alert limit \(1000 sent/);
    w.dispose();
  });

  it('bounds the encoded size of what it sends, setting aside the lowest-ranked alerts first', () => {
    const w = new World({ replayBufferSize: 100, maxOpenAlerts: 100, maxSnapshotAlertChars: 50_000 });
    for (let i = 0; i < 20; i++) w.upsertAlert({ ...mk(`big${i}`, i < 10 ? 'info' : 'critical', i), description: 'x'.repeat(10_000) });
    const snap = w.snapshot();
    assert.ok(JSON.stringify(snap.alerts).length <= 50_000 + 1000, `${JSON.stringify(snap.alerts).length}`);
    assert.ok(snap.alerts.every((a) => a.severity === 'critical'));
    assert.strictEqual((snap.omitted ?? 0) + snap.alerts.length, 20);
  });

  it('caps each alert it is handed (labels, text) whatever the source mapping did', () => {
    const w = new World({ replayBufferSize: 10 });
    const labels: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) labels[`l${i}`] = `v${i}`;
    w.upsertAlert({ ...alert('huge'), title: 't'.repeat(1_000_000), labels });
    const a = w.snapshot().alerts[0]!;
    assert.ok(a.title.length <= 1024 && a.title.endsWith('…'));
    assert.strictEqual(Object.keys(a.labels).length, 101);
    assert.strictEqual(a.labels['oncall.labelsOmitted'], String(100_000 - 100));
  });
});
