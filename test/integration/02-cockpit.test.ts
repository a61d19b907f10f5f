import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import { activateExtension, screenshot, sleep, waitFor } from './helpers';
import { serverAlert, serverSnapshot } from './protocolProbe';

const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';

function alertElements(api: OnCallApi): Array<Extract<AlertsElement, { kind: 'alert' }>> {
  const p = api.alerts.provider;
  // Group and alert rows are computed synchronously (only rows under an alert load lazily).
  const groups = p.getChildren() as AlertsElement[];
  return groups.flatMap((g) => p.getChildren(g) as AlertsElement[]).filter((e): e is Extract<AlertsElement, { kind: 'alert' }> => e.kind === 'alert');
}

describe('on-call cockpit against the demo bridge (real VS Code host)', function () {
  let api: OnCallApi;

  before(async function () {
    if (!bridgeUrl) this.skip();
    api = await activateExtension();
    // The demo workspace's .vscode/settings.json points oncall.serverUrl at the runner's bridge.
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
  });

  it('the Alerts view shows the demo alerts the server has, with a badge counting the triggered ones', async () => {
    const snap = await serverSnapshot(bridgeUrl);
    const open = snap.alerts.filter((a) => a.status !== 'resolved');
    assert.ok(open.length > 0, 'the demo world starts with open alerts');
    await vscode.commands.executeCommand('oncall.alerts.focus');
    await waitFor('tree items for every open alert', () => {
      const ids = new Set(alertElements(api).map((e) => e.id));
      return open.every((a) => ids.has(a.id));
    });
    const triggered = snap.alerts.filter((a) => a.status === 'triggered').length;
    await waitFor('the badge', () => api.alerts.view.badge?.value === triggered);
    const item = api.alerts.provider.getTreeItem(alertElements(api)[0]!);
    assert.ok(item.iconPath instanceof vscode.ThemeIcon, 'severity icon');
    assert.match(String(item.contextValue), /^alert:(triggered|acknowledged)/);
    await sleep(300);
    await screenshot('sidebar');
  });

  it('acknowledging from the tree acks on the server and the item updates', async () => {
    const snap = await serverSnapshot(bridgeUrl);
    const target = snap.alerts.find((a) => a.status === 'triggered');
    assert.ok(target, 'a triggered demo alert to ack');
    const el = alertElements(api).find((e) => e.id === target.id);
    assert.ok(el, 'the alert is in the tree');
    await vscode.commands.executeCommand('oncall.acknowledge', el);
    const onServer = await waitFor('the server to record the ack', async () => {
      const a = await serverAlert(bridgeUrl, target.id);
      return a?.status === 'acknowledged' ? a : undefined;
    });
    assert.ok(onServer.acknowledgedBy?.name, 'acknowledgedBy is set');
    await waitFor('the tree item to show the ack', () => {
      const item = api.alerts.provider.getTreeItem(alertElements(api).find((e) => e.id === target.id)!);
      return /^alert:acknowledged/.test(String(item.contextValue)) && /acked by/.test(String(item.description));
    });
  });

  it('multi-select resolve resolves every selected alert on the server', async () => {
    const snap = await serverSnapshot(bridgeUrl);
    const targets = snap.alerts.filter((a) => a.status !== 'resolved').slice(0, 2);
    assert.strictEqual(targets.length, 2);
    const els = alertElements(api).filter((e) => targets.some((t) => t.id === e.id));
    await vscode.commands.executeCommand('oncall.resolve', els[0], els);
    await waitFor('both resolved on the server', async () => {
      const s = await serverSnapshot(bridgeUrl);
      return targets.every((t) => s.alerts.find((a) => a.id === t.id)?.status !== 'triggered' && s.alerts.find((a) => a.id === t.id)?.status !== 'acknowledged');
    });
  });

  it('the status bar shows on-call state and firing count', async () => {
    await waitFor('on-call status in the status bar', () => /On call until|Off call/.test(api.statusBar.item.text) && api.statusBar.item.text);
    assert.match(api.statusBar.item.text, /firing/);
    assert.ok(String(api.statusBar.item.tooltip).length > 0);
    await screenshot('statusbar');
  });

  it('the On Call view shows my shift, who is on call (paired rotations together) and the escalation chain', async () => {
    const snap = await serverSnapshot(bridgeUrl);
    assert.ok(snap.oncall, 'the demo world has a schedule');
    await vscode.commands.executeCommand('oncall.status.focus');
    const p = api.onCall;
    const roots = p.getChildren();
    const labels = roots.map((r) => String(p.getTreeItem(r).label));
    assert.match(labels[0]!, /^You are (on|off) call/);
    assert.match(labels[1]!, /^Connected/);
    const now = roots.find((r) => r.kind === 'now');
    assert.ok(now, 'an "On call now" section');
    const pairs = p.getChildren(now).filter((e) => e.kind === 'group');
    assert.ok(pairs.length > 0, 'a paired rotation group');
    const members = p.getChildren(pairs[0]).map((e) => String(p.getTreeItem(e).label));
    assert.ok(members.length >= 2, `both people of the pair: ${members.join(' | ')}`);
    const esc = roots.find((r) => r.kind === 'escalation');
    assert.ok(esc, 'an escalation section');
    const policy = p.getChildren(esc)[0]!;
    assert.match(String(p.getTreeItem(policy).description), /→ \d+ min →/);
    await screenshot('oncall-view');
  });

  it('"Shift Handoff Summary" opens a markdown summary of my shift', async () => {
    const doc = await api.handoff.open();
    assert.ok(doc);
    assert.strictEqual(doc.languageId, 'markdown');
    assert.match(doc.getText(), /^# Shift handoff/);
    assert.match(doc.getText(), /\| Alerts triggered \| \d+ \|/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('"Connect to Alert Source…" takes effect even when the workspace sets the URL (it writes where the setting lives)', async () => {
    const other = bridgeUrl.replace('127.0.0.1', 'localhost');
    const cfg = () => vscode.workspace.getConfiguration('oncall').inspect<string>('serverUrl');
    assert.strictEqual(cfg()?.workspaceValue, bridgeUrl, 'the demo workspace sets oncall.serverUrl');
    try {
      await vscode.commands.executeCommand('oncall.connect', { url: other, token: '' });
      await waitFor('the new URL in use', () => api.connections.url === other);
      assert.strictEqual(cfg()?.workspaceValue, other);
      await waitFor('connected through the new URL', () => api.connections.connection?.state.state === 'connected', 20000);
    } finally {
      await vscode.workspace.getConfiguration('oncall').update('serverUrl', bridgeUrl, vscode.ConfigurationTarget.Workspace);
      await waitFor('back on the original URL', () => api.connections.url === bridgeUrl && api.connections.connection?.state.state === 'connected', 20000);
    }
  });
});
