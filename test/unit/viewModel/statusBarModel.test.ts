import * as assert from 'node:assert';
import { AlertStore } from '../../../src/core/alerts/alertStore';
import type { Alert } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { statusBarModel, TOOLTIP_TOP, type FiringSummary, type StatusInput } from '../../../src/core/viewModel/statusBarModel';

const NOW = Date.parse('2026-11-20T14:00:00Z'); // a Friday
function alert(over: Partial<Alert> = {}): Alert {
  return { id: Math.random().toString(36), title: 'Disk full', severity: 'high', status: 'triggered', service: 'api', startedAt: '2026-11-20T13:00:00Z',
    updatedAt: '2026-11-20T13:00:00Z', assignees: [], labels: {}, source: 'demo', ...over };
}
/** What the status bar feature gives the model: the store's counts and its top list. */
function firing(alerts: readonly Alert[]): FiringSummary {
  const store = new AlertStore({ clock: new ManualClock(NOW) });
  store.upsertMany(alerts);
  return { count: store.triggeredCount, critical: store.triggeredOf('critical'), top: store.topTriggered(TOOLTIP_TOP) };
}
const none: FiringSummary = { count: 0, critical: 0, top: [] };
const base: StatusInput = { now: NOW, timeZone: 'Europe/Berlin', connection: 'connected', firing: none };

describe('statusBarModel', () => {
  it('on call: "until Mon 09:00 · 2 firing" in my zone', () => {
    const m = statusBarModel({ ...base, onCall: { onCall: true, until: Date.parse('2026-11-23T08:00:00Z') }, firing: firing([alert(), alert(), alert({ status: 'acknowledged' })]) });
    assert.strictEqual(m.text, '$(bell) On call until Mon 09:00 · 2 firing');
    assert.strictEqual(m.background, undefined);
  });

  it('off call: "next shift Fri 17:00"', () => {
    const m = statusBarModel({ ...base, onCall: { onCall: false, nextShiftStart: Date.parse('2026-11-27T16:00:00Z') } });
    assert.strictEqual(m.text, '$(bell-slash) Off call · next shift Fri 17:00');
  });

  it('error background while a critical alert is unacked and I am on call — not when acked or off call', () => {
    const onCall = { onCall: true, until: NOW + 3_600_000 };
    assert.strictEqual(statusBarModel({ ...base, onCall, firing: firing([alert({ severity: 'critical' })]) }).background, 'error');
    assert.strictEqual(statusBarModel({ ...base, onCall, firing: firing([alert({ severity: 'critical', status: 'acknowledged' })]) }).background, undefined);
    assert.strictEqual(statusBarModel({ ...base, onCall: { onCall: false }, firing: firing([alert({ severity: 'critical' })]) }).background, undefined);
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
    const last = statusBarModel({ ...base, connection: 'disconnected', firing: firing([alert()]) });
    assert.match(last.tooltip, /^Last known: 1 firing:$/m);
    assert.match(statusBarModel({ ...base, firing: none }).tooltip, /Nothing is firing\./, 'connected: the comfort is true');
  });

  it('tooltip lists firing alerts, most severe first, with hostile text sanitised', () => {
    const m = statusBarModel({ ...base, firing: firing([alert({ title: 'slow' , severity: 'warning' }), alert({ title: '\u001b[31mDB\u202e down', severity: 'critical' })]) });
    const lines = m.tooltip.split('\n');
    assert.strictEqual(lines[0], '2 firing:');
    assert.strictEqual(lines[1], '• [critical] DB down — api');
    assert.strictEqual(lines[2], '• [warning] slow — api');
  });

  it('a counted critical gives the error background without any list (the counts alone decide)', () => {
    const m = statusBarModel({ ...base, onCall: { onCall: true }, firing: { count: 3, critical: 1, top: [] } });
    assert.strictEqual(m.background, 'error');
    assert.strictEqual(m.text, '$(bell) On call · 3 firing');
    assert.strictEqual(statusBarModel({ ...base, onCall: { onCall: true }, firing: { count: 3, critical: 0, top: [] } }).background, undefined);
  });

  it('tooltip: the top 10 by severity then newest, then "… and N more"; its count is the text\'s', () => {
    const t = (h: number): string => new Date(NOW - h * 3_600_000).toISOString();
    const alerts = [
      ...Array.from({ length: 12 }, (_, i) => alert({ id: `w${i}`, title: `warn ${i}`, severity: 'warning', startedAt: t(i + 1) })),
      alert({ id: 'c-old', title: 'old critical', severity: 'critical', startedAt: t(30) }),
      alert({ id: 'c-new', title: 'new critical', severity: 'critical', startedAt: t(2) }),
      alert({ id: 'i', title: 'info', severity: 'info', startedAt: t(0) }),
      alert({ id: 'h', title: 'high', severity: 'high', startedAt: t(50) }),
      alert({ id: 'acked', title: 'acked', severity: 'critical', status: 'acknowledged', startedAt: t(0) }),
    ];
    const m = statusBarModel({ ...base, onCall: { onCall: true }, firing: firing(alerts) });
    assert.match(m.text, / · 16 firing$/);
    const lines = m.tooltip.split('\n');
    assert.deepStrictEqual(lines.slice(0, 13), [
      '16 firing:',
      '• [critical] new critical — api',
      '• [critical] old critical — api',
      '• [high] high — api',
      ...Array.from({ length: 7 }, (_, i) => `• [warning] warn ${i} — api`),
      '… and 6 more',
      'Click to open the Alerts view.',
    ].slice(0, 13));
  });

  it('a top list older than the counts: never more lines than the count, never a line for an alert no longer firing', () => {
    const listed = [alert({ title: 'a' }), alert({ title: 'b', status: 'resolved' }), alert({ title: 'c' })];
    const m = statusBarModel({ ...base, firing: { count: 1, critical: 0, top: listed } });
    assert.deepStrictEqual(m.tooltip.split('\n').slice(0, 2), ['1 firing:', '• [high] a — api']);
    assert.doesNotMatch(m.tooltip, /and \d+ more/);
    const more = statusBarModel({ ...base, firing: { count: 5, critical: 0, top: [listed[0]!] } });
    assert.match(more.tooltip, /^… and 4 more$/m);
  });

  it('loading (connected, the current alerts still arriving): no count, no "Nothing is firing", how many so far', () => {
    const m = statusBarModel({ ...base, connection: 'loading', received: 1234, onCall: undefined, firing: firing([alert()]) });
    assert.strictEqual(m.text, '$(sync~spin) On Call · loading alerts…');
    assert.doesNotMatch(m.text, /firing/);
    assert.strictEqual(m.tooltip.split('\n')[0], 'Connected — receiving the current alerts (1234 so far)…');
    assert.doesNotMatch(m.tooltip, /Nothing is firing|firing:/);
    assert.strictEqual(m.background, undefined);
    const onCall = statusBarModel({ ...base, connection: 'loading', received: 0, onCall: { onCall: true }, firing: none });
    assert.strictEqual(onCall.text, '$(sync~spin) On call · loading alerts…', 'on call: still no "0 firing"');
    // A critical that already arrived is firing: the error background does not wait for the rest.
    assert.strictEqual(statusBarModel({ ...base, connection: 'loading', onCall: { onCall: true }, firing: { count: 1, critical: 1, top: [] } }).background, 'error');
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
