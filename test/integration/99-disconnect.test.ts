import * as assert from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import { activateExtension, screenshot, sleep, waitFor } from './helpers';

// Runs last (it kills the runner's bridge and brings up a replacement).
const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';

function alertCount(api: OnCallApi): number {
  const p = api.alerts.provider;
  return (p.getChildren() as AlertsElement[]).flatMap((g) => p.getChildren(g) as AlertsElement[]).filter((e) => e.kind === 'alert').length;
}

describe('losing the alert source (real VS Code host)', function () {
  let api: OnCallApi;
  before(async function () {
    if (!bridgeUrl) this.skip();
    api = await activateExtension();
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
  });
  let replacement: ChildProcess | undefined;
  after(() => replacement?.kill('SIGTERM'));

  it('shows the disconnected state when the bridge dies, and recovers when it is back', async function () {
    const pid = Number(process.env.ONCALL_TEST_BRIDGE_PID);
    if (!pid) this.skip();
    const port = new URL(bridgeUrl).port;
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    process.kill(pid, 'SIGTERM');
    await waitFor('the disconnected state', () => api.connections.connection?.state.state === 'reconnecting');
    await waitFor('the disconnected status bar', () => api.statusBar.item.text.startsWith('$(debug-disconnect)'));
    // Warning style while disconnected — unless a critical alert is unacked while I am on call (error wins).
    const bg = (api.statusBar.item.backgroundColor)?.id;
    assert.ok(bg === 'statusBarItem.warningBackground' || bg === 'statusBarItem.errorBackground', `background ${bg}`);
    assert.match(String(api.statusBar.item.tooltip), /Not connected to the alert source/);
    await vscode.commands.executeCommand('oncall.alerts.focus');
    await sleep(1500); // let the workbench render the new state before the picture
    await screenshot('disconnected');
    // Bring the alert source back on the same port: the client reconnects by itself (backoff ≤ 30 s).
    const bridgeJs = path.join(vscode.extensions.getExtension('oncall.vscode-oncall')!.extensionPath, 'dist', 'bridge.js');
    replacement = spawn(process.execPath, [bridgeJs, '--demo', '--port', port, '--demo-workspace', ws, '--seed', '7', '--demo-interval-ms', '600000'], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    await vscode.commands.executeCommand('oncall.reconnect');
    await waitFor('reconnected', () => api.connections.connection?.state.state === 'connected', 30000);
    await waitFor('alerts back in the view', () => alertCount(api) > 0);
    await waitFor('the status bar without the disconnect sign', () => !api.statusBar.item.text.startsWith('$(debug-disconnect)'));
  });
});
