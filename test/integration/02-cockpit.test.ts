import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import { activateExtension, screenshot, sleep, waitFor, requireBridge } from './helpers';
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
    requireBridge();
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
    // Important words first (the row is cut at the default sidebar width); who and the next shift in the tooltip.
    assert.match(labels[0]!, /^(On call until|Off call)/);
    assert.match(String(p.getTreeItem(roots[0]!).description), /^you · you@example\.com$/);
    assert.match(String(p.getTreeItem(roots[0]!).tooltip), /are (on|off) call[\s\S]*Next shift: /);
    assert.match(labels[1]!, /^Connected/);
    // Every row has an icon; a rotation row leads with the person and names its rotation.
    const all = (els: ReturnType<typeof p.getChildren>): ReturnType<typeof p.getChildren> => els.flatMap((e) => [e, ...all(p.getChildren(e))]);
    for (const e of all(roots)) assert.ok(p.getTreeItem(e).iconPath instanceof vscode.ThemeIcon, `an icon on "${String(p.getTreeItem(e).label)}"`);
    const rotations = all(roots).filter((e) => e.kind === 'rotation').map((e) => p.getTreeItem(e));
    assert.ok(rotations.length > 0);
    for (const r of rotations) assert.match(String(r.description), /(Payments|Platform)[^·]* · until /, `rotation name in "${String(r.label)}" / "${String(r.description)}"`);
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

  it('"Shift Handoff Summary" opens rendered (markdown preview), with the text in a document to copy', async function () {
    this.timeout(90_000);
    const doc = await api.handoff.open();
    assert.ok(doc);
    assert.strictEqual(doc.languageId, 'markdown');
    assert.match(doc.getText(), /^# Shift handoff — you@example\.com$/m, 'no backslashes in the title');
    assert.match(doc.getText(), /\| Alerts triggered \| \d+ \|/);
    assert.doesNotMatch(doc.getText(), /^\| *\| *\|$/m, 'no empty table header');
    const preview = await waitFor('the rendered preview', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType)));
    assert.ok(preview.isActive, 'the preview is in front');
    await sleep(4000); // the preview renders in its webview
    await screenshot('handoff-rendered');
    await vscode.window.tabGroups.close(preview);
    // The untitled summary is dirty: revert it, or closing would ask to save.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('alert rows: the 1 s tick refreshes only rows whose text changed, and tooltips come on hover', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('oncall.alerts.focus');
    const p = api.alerts.provider;
    const text = (e: AlertsElement): string => { const i = p.getTreeItem(e); return `${String(i.label)}|${String(i.description)}`; };
    const last = new Map(alertElements(api).map((e) => [e.id, text(e)]));
    let refreshed = 0;
    const unchanged: string[] = [];
    const sub = p.onDidChangeTreeData((e) => {
      if (!Array.isArray(e)) return; // a full refresh (store change) is not the tick
      for (const el of e) {
        if (el.kind !== 'alert') continue;
        refreshed++;
        const now = text(el);
        if (now === last.get(el.id)) unchanged.push(now);
        last.set(el.id, now);
      }
    });
    try {
      await sleep(5000);
    } finally {
      sub.dispose();
    }
    assert.deepStrictEqual(unchanged, [], 'a refreshed row shows new text');
    assert.ok(refreshed < last.size * 5, `fewer refreshes than rows × seconds (${refreshed} for ${last.size} rows)`);
    const el = alertElements(api)[0]!;
    const item = p.getTreeItem(el);
    assert.strictEqual(item.tooltip, undefined, 'no tooltip rebuilt every second');
    assert.ok(p.resolveTreeItem(item, el).tooltip instanceof vscode.MarkdownString, 'the tooltip is built on hover');
  });

  it('a notification\'s Acknowledge on an alert resolved since says so (who, when) instead of failing', async function () {
    this.timeout(60_000);
    const snap = await serverSnapshot(bridgeUrl);
    const target = snap.alerts.find((a) => a.status === 'triggered');
    assert.ok(target);
    await vscode.commands.executeCommand('oncall.resolve', target.id);
    await waitFor('resolved locally', () => api.connections.connection?.store.get(target.id)?.status === 'resolved');
    const said = await api.notifications.acknowledgeFromNotification(target.id, target.title);
    assert.match(said ?? '', /was already resolved (by you )?at \d\d:\d\d — nothing to acknowledge\./);
    const text = api.notifications.alertText({ ...target, title: target.title.startsWith(target.service) ? target.title : `${target.service}: ${target.title}`, status: 'triggered', escalation: { level: 1, nextEscalationAt: new Date(Date.now() + 600_000).toISOString(), targets: [{ name: 'Bob' }] } });
    assert.strictEqual(text.split(`${target.service}:`).length, 2, `the service once: ${text}`);
    assert.match(text, /escalates to Bob at \d\d:\d\d unless acknowledged$/, 'an absolute time, not a frozen countdown');
  });

  it('"Connect to Alert Source…" takes effect even when the workspace sets the URL (it writes where the setting lives)', async function () {
    this.timeout(90_000);
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
