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
