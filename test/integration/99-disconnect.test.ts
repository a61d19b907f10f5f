import * as assert from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import { activateExtension, screenshot, sleep, waitFor, requireBridge } from './helpers';

// Runs last (it kills the runner's bridge and brings up a replacement).
const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';

function alertCount(api: OnCallApi): number {
  const p = api.alerts.provider;
  return (p.getChildren() as AlertsElement[]).flatMap((g) => p.getChildren(g) as AlertsElement[]).filter((e) => e.kind === 'alert').length;
}

describe('losing the alert source (real VS Code host)', function () {
  let api: OnCallApi;
  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
  });
  let replacement: ChildProcess | undefined;
  after(() => replacement?.kill('SIGTERM'));

  it('shows the disconnected state when the bridge dies, and recovers when it is back', async function () {
    this.timeout(120_000);
    const { pid } = requireBridge();
    const port = new URL(bridgeUrl).port;
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    process.kill(pid, 'SIGTERM');
    await waitFor('the disconnected state', () => api.connections.connection?.state.state === 'reconnecting');
    await waitFor('the disconnected status bar', () => api.statusBar.item.text.startsWith('$(debug-disconnect)'));
    // Warning style while disconnected — unless a critical alert is unacked while I am on call (error wins).
    const bg = (api.statusBar.item.backgroundColor)?.id;
    assert.ok(bg === 'statusBarItem.warningBackground' || bg === 'statusBarItem.errorBackground', `background ${bg}`);
    // Said in words everywhere, with since when and the retry; no "Nothing is firing" comfort.
    await waitFor('the retry countdown in the status bar', () => /^\$\(debug-disconnect\) Not connected · (retrying in \d+ s|connecting…) · /.test(api.statusBar.item.text));
    const tip = String(api.statusBar.item.tooltip);
    assert.match(tip, /^Not connected since \d\d:\d\d — last known state(; retrying in \d+ s|; connecting…)?\./);
    assert.match(tip, /^Last error: /m);
    assert.doesNotMatch(tip, /Nothing is firing/);
    const conn = api.onCall.getChildren().find((e) => e.kind === 'connection')!;
    assert.match(String(api.onCall.getTreeItem(conn).label), /^Not connected since \d\d:\d\d — last known state/);
    assert.strictEqual(api.onCall.getTreeItem(conn).command?.command, 'oncall.connect', 'the row edits the connection');
    await vscode.commands.executeCommand('oncall.alerts.focus');
    await waitFor('the Alerts view says the list is the last known state', () => /^Not connected since \d\d:\d\d — last known state/.test(api.alerts.view.message ?? ''), 15000).catch((e: Error) => {
      throw new Error(`${e.message} (message ${JSON.stringify(api.alerts.view.message)}, since ${api.connections.disconnectedSince}, alerts ${api.alerts.model.size}, state ${JSON.stringify(api.connections.connection?.state)})`);
    });
    await sleep(1500); // let the workbench render the new state before the picture
    await screenshot('disconnected');
    await vscode.commands.executeCommand('oncall.status.focus');
    await sleep(800);
    await screenshot('disconnected-oncall-view');
    // Bring the alert source back on the same port: the client reconnects by itself (backoff ≤ 30 s).
    const bridgeJs = path.join(vscode.extensions.getExtension('oncall.vscode-oncall')!.extensionPath, 'dist', 'bridge.js');
    replacement = spawn(process.execPath, [bridgeJs, '--demo', '--port', port, '--demo-workspace', ws, '--seed', '7', '--demo-interval-ms', '600000'], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    await vscode.commands.executeCommand('oncall.reconnect');
    await waitFor('reconnected', () => api.connections.connection?.state.state === 'connected', 30000);
    await waitFor('alerts back in the view', () => alertCount(api) > 0);
    await waitFor('the status bar without the disconnect sign', () => !api.statusBar.item.text.startsWith('$(debug-disconnect)'));
    assert.strictEqual(api.alerts.view.message, undefined, 'no "last known state" once connected');
  });

  it('a connect to a wrong URL is logged as a warning with the reason, and the views say "not connected"', async function () {
    this.timeout(90_000);
    const before = api.connections.url;
    const dead = 'ws://127.0.0.1:9/';
    try {
      await vscode.commands.executeCommand('oncall.connect', { url: dead, token: '' });
      await waitFor('the failed attempt', () => api.connections.connection?.state.state === 'reconnecting' && api.connections.disconnectedSince !== undefined, 20000);
      assert.match(api.statusBar.item.text, /^\$\(debug-disconnect\) Not connected/);
      const me = api.onCall.getChildren().find((e) => e.kind === 'connection')!;
      assert.match(String(api.onCall.getTreeItem(me).tooltip), /Last error: /);
      await sleep(1000);
      await screenshot('connect-failed');
    } finally {
      await vscode.workspace.getConfiguration('oncall').update('serverUrl', before, vscode.ConfigurationTarget.Workspace);
      await waitFor('back', () => api.connections.connection?.state.state === 'connected', 30000);
    }
  });
});
