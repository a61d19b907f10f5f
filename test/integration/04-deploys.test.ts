import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { demoTraces } from '../../src/bridge/sources/demo/traces';
import { BUG_LINE, DEMO_COMMIT_SHAS, PRICING_TS } from '../../src/bridge/sources/demo/workspaceFiles';
import type { Alert } from '../../src/core/protocol/types';
import type { OnCallApi } from '../../src/extension';
import type { AlertChild } from '../../src/host/alerts/alertChildren';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import type { DeploysElement } from '../../src/host/deploys/deploysTree';
import { revealInTree } from '../../src/host/treeReveal';
import { activateExtension, screenshot, sleep, waitFor, requireBridge } from './helpers';
import { serverSnapshot } from './protocolProbe';

const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';
type ChildEl = Extract<AlertsElement, { kind: 'child' }>;

function alertElement(api: OnCallApi, id: string): Extract<AlertsElement, { kind: 'alert' }> | undefined {
  const p = api.alerts.provider;
  return (p.getChildren() as AlertsElement[])
    .flatMap((g) => p.getChildren(g) as AlertsElement[])
    .find((e): e is Extract<AlertsElement, { kind: 'alert' }> => e.kind === 'alert' && e.id === id);
}

async function childRows(api: OnCallApi, el: AlertsElement): Promise<ChildEl[]> {
  return (await api.alerts.provider.getChildren(el)).filter((e): e is ChildEl => e.kind === 'child');
}

function rowById(rows: ChildEl[], id: string): ChildEl | undefined {
  return rows.find((r) => r.child.id === id);
}

function nested(parent: ChildEl): ChildEl[] {
  return (parent.child.children ?? []).map((child: AlertChild) => ({ kind: 'child', alertId: parent.alertId, child, parent }));
}

describe('deploys and suspect commits against the demo bridge (real VS Code host)', function () {
  let api: OnCallApi;
  let coupon: Alert;
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';

  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
    const trace = demoTraces()['checkout-coupon']!.text;
    coupon = await waitFor('the demo alert whose top frame is the coupon bug line', () =>
      [...api.connections.connection!.store.values()].find((a) => a.stackTrace === trace),
    );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the Deploys view lists the deploys the server has, newest first, merged with the git tags', async () => {
    const snap = await serverSnapshot(bridgeUrl);
    assert.ok(snap.deploys.length > 0, 'the demo world has deploys');
    // The demo announces deploys in hello: the view's welcome text does not say "git tags only".
    await waitFor('oncall.sourceDeploys set from hello', () => api.context.keys.get('oncall.sourceDeploys') === true);
    await vscode.commands.executeCommand('oncall.deploys.focus');
    await api.deploys.ready();
    const p = api.deploys.provider;
    const deployRows = (): Array<Extract<DeploysElement, { kind: 'deploy' }>> => p.getChildren().filter((e): e is Extract<DeploysElement, { kind: 'deploy' }> => e.kind === 'deploy');
    await waitFor('a row for every deploy the server has', () => {
      const ids = new Set(deployRows().map((e) => e.record.id));
      return snap.deploys.every((d) => ids.has(d.id));
    });
    const rows = deployRows();
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.record.time >= rows[i]!.record.time, 'newest first');
    for (const d of snap.deploys) {
      const item = p.getTreeItem(rows.find((r) => r.record.id === d.id)!);
      assert.strictEqual(item.label, `${d.service} · ${d.environment}`);
      assert.ok(String(item.description).startsWith(d.commitSha.slice(0, 7)), `sha first: ${String(item.description)}`);
      assert.ok(String(item.description).includes(d.author.name), 'author');
      assert.match(String(item.description), / ago/);
      assert.strictEqual(item.command?.command, 'oncall.openCommit');
    }
    // The demo history tags the release commits (deploy-2026-11-20 on the commit checkout-api runs in production).
    assert.ok(
      rows.some((r) => r.record.tags.includes('deploy-2026-11-20') && r.record.origin === 'event+tag'),
      'git tags are merged into the deploy events of their commit',
    );
    await sleep(300);
    await screenshot('deploys');
  });

  it('expanding the demo alert shows the deploy in effect and the suspect commits, the bug commit first', async () => {
    await vscode.commands.executeCommand('oncall.alerts.focus');
    const el = await waitFor('the coupon alert in the tree', () => alertElement(api, coupon.id));
    const rows = await childRows(api, el);
    const inEffect = rowById(rows, 'deploys:inEffect');
    assert.ok(inEffect, `a deploy-in-effect row: ${rows.map((r) => r.child.id).join(', ')}`);
    assert.match(inEffect.child.label, /^Deploy in effect: [0-9a-f]{7} by /);
    assert.match(String(inEffect.child.description), /before the alert/);
    const suspects = rowById(rows, 'deploys:suspects');
    assert.ok(suspects, `a suspects row: ${rows.map((r) => `${r.child.id}=${r.child.label}`).join(' | ')}`);
    assert.match(suspects.child.label, /^Suspect commits \(deploy range [0-9a-f]{7}\.\.[0-9a-f]{7}\)$/);
    const list = nested(suspects);
    const first = list[0];
    assert.ok(first, 'at least one suspect');
    assert.ok(first.child.label.startsWith(DEMO_COMMIT_SHAS.bug.slice(0, 7)), `bug commit first: ${list.map((s) => s.child.label).join(' | ')}`);
    assert.match(first.child.label, /coupon/);
    assert.match(String(first.child.description), /Diego Alvarez/);
    assert.match(String(first.child.description), /changed line \d+ of .*pricing\.ts \(top frame\)/);
    assert.strictEqual(first.child.contextValue, 'suspect:commit');
    const frames = rowById(rows, 'deploys:frames');
    assert.ok(frames, 'a blame-of-frames row');
    const top = nested(frames)[0]!;
    assert.match(top.child.label, /^pricing\.ts:\d+/);
    assert.match(String(top.child.description), /changed in this deploy/);
    // For the screenshot: the alert expanded and the first suspect selected (scrolled into view).
    // (Child rows keep their identity across refreshes, so retrying with the same element is a fresh lookup.)
    assert.ok(await revealInTree(api.alerts.view, () => alertElement(api, coupon.id), { expand: true, select: false, focus: true }));
    assert.ok(await revealInTree(api.alerts.view, () => first, { select: true, focus: true }));
    await sleep(800);
    await screenshot('deploys-suspects');
  });

  it('opening a suspect commit shows its diff in the diff editor', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const el = alertElement(api, coupon.id)!;
    const suspect = nested(rowById(await childRows(api, el), 'deploys:suspects')!)[0]!;
    // The inline action passes the tree element; the row's click passes its target. Both must work.
    await vscode.commands.executeCommand('oncall.openCommit', suspect);
    const input = await waitFor('a diff editor', () => {
      const i = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return i instanceof vscode.TabInputTextDiff ? i : undefined;
    });
    assert.strictEqual(input.original.scheme, 'oncall-git');
    assert.strictEqual(input.modified.scheme, 'oncall-git');
    assert.strictEqual(input.modified.path, `/${PRICING_TS}`);
    const modified = await vscode.workspace.openTextDocument(input.modified);
    const original = await vscode.workspace.openTextDocument(input.original);
    assert.ok(modified.getText().includes(BUG_LINE), 'the commit side has the bug line');
    assert.ok(!original.getText().includes(BUG_LINE), 'the parent side does not');
    await sleep(800);
    await screenshot('deploys-commit-diff');

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const cmd = suspect.child.command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    await waitFor('a diff editor from the row click', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff);
  });

  it("clicking a deploy opens what it shipped (previousSha..sha) in the multi-file changes editor", async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const row = api.deploys.provider
      .getChildren()
      .find((e): e is Extract<DeploysElement, { kind: 'deploy' }> => e.kind === 'deploy' && e.record.service === 'checkout-api' && e.record.environment === 'production' && e.record.previousSha !== undefined);
    assert.ok(row, 'the checkout-api production deploy, with the sha it replaced');
    const cmd = api.deploys.provider.getTreeItem(row).command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    const title = `Deploy ${row.record.previousSha!.slice(0, 7)}..${row.record.commitSha.slice(0, 7)}`;
    await waitFor(`a "${title}" editor`, () => vscode.window.tabGroups.activeTabGroup.activeTab?.label.startsWith(title));
    await sleep(800);
    await screenshot('deploys-range');
  });

  it('a refused git document URI does not run git', async () => {
    const forged = vscode.Uri.from({ scheme: 'oncall-git', path: `/${PRICING_TS}`, query: JSON.stringify({ sha: '--output=/tmp/x', root: workspace }) });
    await assert.rejects(Promise.resolve(vscode.workspace.openTextDocument(forged)));
  });

  it('version drift: after a local edit the frame offers compare, landing on the same code', async () => {
    const file = path.join(workspace, ...PRICING_TS.split('/'));
    const before = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, `// local edit 1\n// local edit 2\n// local edit 3\n${before}`);
      await api.deploys.refresh();
      const el = alertElement(api, coupon.id)!;
      const frames = rowById(await childRows(api, el), 'deploys:frames')!;
      const top = nested(frames)[0]!;
      assert.strictEqual(top.child.contextValue, 'frameBlame:drift', `drift flagged: ${String(top.child.description)}`);
      const deployedLine = Number(/:(\d+)/.exec(top.child.label)?.[1]);
      assert.match(String(top.child.description), new RegExp(`now line ${deployedLine + 3}`));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('oncall.compareDeployed', top);
      const input = await waitFor('a deployed ↔ working tree diff', () => {
        const i = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return i instanceof vscode.TabInputTextDiff ? i : undefined;
      });
      assert.strictEqual(input.modified.scheme, 'file');
      const editor = await waitFor('the working-tree side focused on the mapped line', () => {
        const e = vscode.window.activeTextEditor;
        return e && e.document.uri.scheme === 'file' && e.selection.active.line === deployedLine + 3 - 1 ? e : undefined;
      });
      assert.strictEqual(editor.document.lineAt(editor.selection.active.line).text, BUG_LINE, 'the jump lands on the same code');
      await sleep(500);
      await screenshot('deploys-drift');
      await vscode.commands.executeCommand('oncall.openAtDeployedVersion', top);
      const deployed = await waitFor('the deployed version', () => {
        const e = vscode.window.activeTextEditor;
        return e?.document.uri.scheme === 'oncall-git' ? e : undefined;
      });
      assert.strictEqual(deployed.document.lineAt(deployed.selection.active.line).text, BUG_LINE);
    } finally {
      fs.writeFileSync(file, before);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await api.deploys.refresh();
    }
  });

  it('"stick around after your deploy": my recent deploy is watched and later alerts on its service are marked', async () => {
    const cfg = vscode.workspace.getConfiguration('oncall');
    // The demo's deploys by "you" are 40–47 minutes old: widen the window so they are still being watched.
    await cfg.update('deploys.watchMinutes', 120, vscode.ConfigurationTarget.Workspace);
    try {
      const w = await waitFor('a watched deploy', () => api.deploys.watching());
      assert.match(w.sha, /^[0-9a-f]{7,40}$/);
      assert.ok(w.msLeft > 0 && w.msLeft <= 120 * 60_000);
      assert.ok(w.newAlerts >= 1, 'the coupon alert started after my checkout-api deploy');
      assert.ok(api.deploys.startedAfterMyDeploy(coupon), 'coupon alert is marked');
      api.statusBar.update();
      assert.match(api.statusBar.item.text, new RegExp(`Watching deploy ${w.sha.slice(0, 7)} · \\d+ new alerts? · \\d+ min left`));
      const rows = await childRows(api, alertElement(api, coupon.id)!);
      assert.match(rowById(rows, 'deploys:afterMyDeploy')?.child.label ?? '', /^Started after your deploy [0-9a-f]{7}$/);
    } finally {
      await cfg.update('deploys.watchMinutes', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.strictEqual(api.deploys.watching(), undefined, 'the default 30-minute window has closed');
  });
});
