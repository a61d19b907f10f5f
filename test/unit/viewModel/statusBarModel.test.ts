import * as assert from 'node:assert';
import type { Alert } from '../../../src/core/protocol/types';
import { statusBarModel, type StatusInput } from '../../../src/core/viewModel/statusBarModel';

const NOW = Date.parse('2026-11-20T14:00:00Z'); // a Friday
function alert(over: Partial<Alert> = {}): Alert {
  return { id: Math.random().toString(36), title: 'Disk full', severity: 'high', status: 'triggered', service: 'api', startedAt: '2026-11-20T13:00:00Z',
    updatedAt: '2026-11-20T13:00:00Z', assignees: [], labels: {}, source: 'demo', ...over };
}
const base: StatusInput = { now: NOW, timeZone: 'Europe/Berlin', connection: 'connected', firing: [] };

describe('statusBarModel', () => {
  it('on call: "until Mon 09:00 · 2 firing" in my zone', () => {
    const m = statusBarModel({ ...base, onCall: { onCall: true, until: Date.parse('2026-11-23T08:00:00Z') }, firing: [alert(), alert(), alert({ status: 'acknowledged' })] });
    assert.strictEqual(m.text, '$(bell) On call until Mon 09:00 · 2 firing');
    assert.strictEqual(m.background, undefined);
  });

  it('off call: "next shift Fri 17:00"', () => {
    const m = statusBarModel({ ...base, onCall: { onCall: false, nextShiftStart: Date.parse('2026-11-27T16:00:00Z') } });
    assert.strictEqual(m.text, '$(bell-slash) Off call · next shift Fri 17:00');
  });

  it('error background while a critical alert is unacked and I am on call — not when acked or off call', () => {
    const onCall = { onCall: true, until: NOW + 3_600_000 };
    assert.strictEqual(statusBarModel({ ...base, onCall, firing: [alert({ severity: 'critical' })] }).background, 'error');
    assert.strictEqual(statusBarModel({ ...base, onCall, firing: [alert({ severity: 'critical', status: 'acknowledged' })] }).background, undefined);
    assert.strictEqual(statusBarModel({ ...base, onCall: { onCall: false }, firing: [alert({ severity: 'critical' })] }).background, undefined);
  });

  it('warning style and retry time while disconnected', () => {
    const m = statusBarModel({ ...base, connection: 'disconnected', retryInSec: 8, onCall: { onCall: true, until: NOW + 3_600_000 } });
    assert.strictEqual(m.background, 'warning');
    assert.match(m.text, /^\$\(debug-disconnect\) Not connected · retrying in 8 s · On call until/);
    assert.match(m.tooltip, /retrying in 8 s/);
  });

  it('disconnected: says since when, that this is the last known state, and never "Nothing is firing"', () => {
    const m = statusBarModel({ ...base, connection: 'disconnected', retryInSec: 8, disconnectedSince: Date.parse('2026-11-20T13:39:00Z'), lastError: 'connection refused — is the alert source running?', onCall: { onCall: true, until: NOW + 3_600_000 } });
    const lines = m.tooltip.split('\n');
    assert.strictEqual(lines[0], 'Not connected since 14:39 — last known state; retrying in 8 s.');
    assert.strictEqual(lines[1], 'Last error: connection refused — is the alert source running?');
    assert.doesNotMatch(m.tooltip, /Nothing is firing/);
    assert.match(m.tooltip, /Last known: nothing firing/);
    const firing = statusBarModel({ ...base, connection: 'disconnected', firing: [alert()] });
    assert.match(firing.tooltip, /^Last known: 1 firing:$/m);
    assert.match(statusBarModel({ ...base, firing: [] }).tooltip, /Nothing is firing\./, 'connected: the comfort is true');
  });

  it('tooltip lists firing alerts, most severe first, with hostile text sanitised', () => {
    const m = statusBarModel({ ...base, firing: [alert({ title: 'slow' , severity: 'warning' }), alert({ title: '\u001b[31mDB\u202e down', severity: 'critical' })] });
    const lines = m.tooltip.split('\n');
    assert.strictEqual(lines[0], '2 firing:');
    assert.strictEqual(lines[1], '• [critical] DB down — api');
    assert.strictEqual(lines[2], '• [warning] slow — api');
  });

  it('not configured', () => {
    assert.strictEqual(statusBarModel({ ...base, connection: 'unconfigured' }).text, '$(bell-slash) On Call: not configured');
  });

  it('while watching my deploy: "Watching deploy a1b2c3d · 0 new alerts · 25 min left"', () => {
    const m = statusBarModel({ ...base, onCall: { onCall: false }, watching: { sha: 'a1b2c3d4e5f6', newAlerts: 0, msLeft: 24.2 * 60_000 } });
    assert.strictEqual(m.text, '$(bell-slash) Off call · Watching deploy a1b2c3d · 0 new alerts · 25 min left');
    const one = statusBarModel({ ...base, watching: { sha: 'a1b2c3d4e5f6', newAlerts: 1, msLeft: 60_000 } });
    assert.match(one.text, /1 new alert · 1 min left$/);
  });
});
