/**
 * Hostile alert content in a real VS Code: a tiny protocol server of our own sends alerts whose text
 * tries to run commands, inject HTML, disguise itself, freeze the UI, and open files outside the
 * workspace. Nothing executes, nothing outside the workspace opens, links open only when http(s).
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { Alert } from '../../src/core/protocol/types';
import type { OnCallApi } from '../../src/extension';
import { activateExtension, sleep, waitFor, requireBridge } from './helpers';

const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';
const NOW = new Date().toISOString();
const TEN_MB = 10 * 1024 * 1024;

function hostile(id: string, o: Partial<Alert>): Alert {
  return { id, title: id, severity: 'critical', status: 'triggered', service: 'hostile', startedAt: NOW, updatedAt: NOW, assignees: [], labels: {}, source: 'hostile', ...o };
}

const ALERTS: Alert[] = [
  hostile('h-md', {
    title: '[click me](command:workbench.action.terminal.new) ![x](https://tracker.example/p.png) <img src=x onerror=alert(1)><script>alert(1)</script>',
    description: '[sign out](command:oncall.signOut "x") <a href="command:workbench.action.quit">quit</a>\n<iframe src="https://evil.example"></iframe>',
    labels: { 'command:x': '[y](command:workbench.action.quit)', __html: '<b>bold</b>' },
    assignees: [{ name: '[me](command:workbench.action.quit)' }],
    runbookUrl: 'command:workbench.action.terminal.new',
    url: 'vscode://vscode.git/clone?url=https://evil.example/repo',
  }),
  hostile('h-ansi', { title: '\u001b[31mRED\u001b[0m \u202eevil\u202c\u2066x\u2069 line1\nline2\r\nline3\u0000\u0007', runbookUrl: 'file:///etc/passwd', url: 'javascript:alert(1)' }),
  hostile('h-big', { title: 'T'.repeat(TEN_MB), description: 'D'.repeat(TEN_MB), service: 'S'.repeat(100_000) }),
  hostile('h-dotdot', { stackTrace: 'Error: x\n    at f (../../../../../../etc/passwd:1:1)\n    at g (src/../../../../etc/hosts:2:2)', runbookUrl: 'vscode://file/etc/passwd' }),
  hostile('h-abs', { stackTrace: 'Error: x\n    at f (/etc/passwd:1:1)\n    at g (file:///etc/hosts:1:1)', runbookUrl: 'https://user:pass@runbooks.example.com/x' }),
  hostile('h-symlink', { stackTrace: 'Error: x\n    at f (/srv/app/oncall-hostile-link.txt:1:1)\n    at g (/srv/app/oncall-hostile-dir/passwd:1:1)' }),
];

describe('hostile alert content (real VS Code host)', function () {
  this.timeout(120_000);
  let api: OnCallApi;
  let wss: WebSocketServer;
  let folder: string;
  const warnings: string[] = [];
  let restoreWarn: (() => void) | undefined;
  const links = ['oncall-hostile-link.txt', 'oncall-hostile-dir'];
  let originalUrl: string | undefined;

  before(async function () {
    requireBridge();
    api = await activateExtension();
    folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // A symlinked file and a symlinked directory that leave the workspace.
    fs.symlinkSync('/etc/passwd', path.join(folder, links[0]!));
    fs.symlinkSync('/etc', path.join(folder, links[1]!), 'dir');
    const warn = api.logger.warn.bind(api.logger);
    api.logger.warn = (m: string, ...a: unknown[]) => {
      warnings.push(m);
      warn(m, ...a);
    };
    restoreWarn = () => (api.logger.warn = warn);

    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'hello', protocol: 1, server: 'hostile/1', source: 'hostile', capabilities: ['ack'] }));
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as { type: string };
        // `omitted`: this source also says it holds 1,234 more open alerts than it sends (its open-alert limit).
        if (m.type === 'resume') ws.send(JSON.stringify({ type: 'snapshot', seq: 1, alerts: ALERTS, oncall: null, deploys: [], omitted: 1234 }));
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    // The demo workspace sets oncall.serverUrl at workspace level, which outranks the user setting the
    // Connect command writes: point the workspace setting at our server, then store a token for it.
    originalUrl = vscode.workspace.getConfiguration('oncall').inspect<string>('serverUrl')?.workspaceValue;
    await vscode.workspace.getConfiguration('oncall').update('serverUrl', url, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('oncall.connect', { url, token: 'test-token-hostile-1' });
    await waitFor('the hostile snapshot', () => api.connections.connection?.store.has('h-big'), 30_000).catch((e: Error) => {
      const c = api.connections.connection;
      throw new Error(`${e.message} (url ${api.connections.url}, state ${JSON.stringify(c?.state)}, stats ${JSON.stringify(c?.stats)})`);
    });
  });

  after(async () => {
    restoreWarn?.();
    for (const l of links) fs.rmSync(path.join(folder, l), { force: true });
    if (api && bridgeUrl) {
      await vscode.workspace.getConfiguration('oncall').update('serverUrl', originalUrl, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('oncall.connect', { url: bridgeUrl, token: '' });
      await waitFor('back on the demo bridge', () => api.connections.connection?.state.state === 'connected' && api.connections.url === bridgeUrl, 30_000);
    }
    wss?.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  function item(id: string): vscode.TreeItem {
    // The tooltip is built on hover (resolveTreeItem), as VS Code does.
    const el = { kind: 'alert', id, groupKey: 'hostile' } as const;
    return api.alerts.provider.resolveTreeItem(api.alerts.provider.getTreeItem(el), el);
  }

  it('the extension host stays responsive after the hostile snapshot (a command round-trip completes)', async () => {
    const t0 = Date.now();
    const cmds = await vscode.commands.getCommands(true);
    assert.ok(cmds.includes('oncall.connect'));
    await vscode.commands.executeCommand('oncall.alerts.focus');
    // Liveness, not speed: a frozen host would not answer at all.
    assert.ok(Date.now() - t0 < 20_000);
  });

  it('a source over its open-alert limit: the Alerts view ends with "1234 more alerts not shown"', async () => {
    await waitFor('the omitted count', () => api.connections.connection?.omittedAlerts === 1234, 10_000);
    const roots = await api.alerts.provider.getChildren();
    const last = roots.at(-1);
    assert.ok(last?.kind === 'omitted', `last root row is ${JSON.stringify(last)}`);
    const ti = api.alerts.provider.getTreeItem(last);
    assert.strictEqual(ti.label, '1234 more alerts not shown');
    assert.match(String(ti.tooltip), /lowest severity and are the oldest/);
  });

  it('tooltips are untrusted markdown without HTML; command links, images and HTML stay literal text', () => {
    for (const a of ALERTS) {
      const it = item(a.id);
      const md = it.tooltip;
      assert.ok(md instanceof vscode.MarkdownString, `${a.id}: tooltip is markdown`);
      assert.notStrictEqual(md.isTrusted, true, `${a.id}: not trusted`);
      assert.ok(typeof md.isTrusted !== 'object', `${a.id}: no enabled commands`);
      assert.notStrictEqual(md.supportHtml, true, `${a.id}: no HTML`);
      // Every link/image bracket from alert text arrives escaped (\[ … \]\( …), so no live link exists.
      assert.doesNotMatch(md.value, /(^|[^\\])\]\((command|vscode|file|javascript|https?):/i, `${a.id}: live link in ${md.value.slice(0, 300)}`);
      assert.ok(md.value.length < 20_000, `${a.id}: tooltip capped (${md.value.length})`);
    }
  });

  it('labels and descriptions are one capped line without ANSI, bidi or control characters', () => {
    for (const a of ALERTS) {
      const it = item(a.id);
      const text = `${String(typeof it.label === 'object' ? it.label.label : it.label)} ${String(it.description ?? '')}`;
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, a.id);
      assert.ok(String(it.label).length <= 200, `${a.id}: label of ${String(it.label).length} chars`);
      assert.ok(String(it.description ?? '').length <= 500, `${a.id}: description capped`);
      assert.doesNotMatch(String(it.contextValue), /runbook|:url/, `${a.id}: no open-link action offered for a non-http(s) link`);
    }
  });

  it('runbook and source links that are not http(s) open nothing and are logged', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const before = warnings.length;
    const cases: Array<[string, string]> = [['oncall.openRunbook', 'h-md'], ['oncall.openInAlertSource', 'h-md'], ['oncall.openRunbook', 'h-ansi'], ['oncall.openInAlertSource', 'h-ansi'], ['oncall.openRunbook', 'h-dotdot'], ['oncall.openRunbook', 'h-abs']];
    for (const [cmd, id] of cases) await vscode.commands.executeCommand(cmd, id);
    await sleep(500);
    assert.strictEqual(vscode.window.activeTextEditor, undefined, 'no editor opened');
    const refusals = warnings.slice(before).filter((w) => /not opening the (runbook|source) link/.test(w));
    assert.strictEqual(refusals.length, cases.length, `one refusal per click: ${warnings.slice(before).join(' | ')}`);
  });

  it('stack-trace paths with ../, absolute paths and symlinks out of the workspace open nothing', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Not awaited: an unresolvable trace ends in a warning that waits for the user's answer.
    for (const id of ['h-dotdot', 'h-abs', 'h-symlink']) void vscode.commands.executeCommand('oncall.openSource', id);
    await sleep(3000);
    const outside = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file' && !d.uri.fsPath.startsWith(folder + path.sep));
    assert.deepStrictEqual(outside.map((d) => d.uri.fsPath), []);
    assert.ok(!vscode.window.visibleTextEditors.some((e) => /\/etc\//.test(e.document.uri.fsPath) || /root:/.test(e.document.getText().slice(0, 200))));
  });

  it('openTarget refuses every path that is not an indexed file really inside the workspace', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The file watcher indexes the symlink like any new file; the open must still refuse it.
    await waitFor('the symlinked file to be indexed', async () => (await api.stackTraces.resolveText(`Error: x\n    at f (/srv/app/${links[0]}:1:1)`)).frames.some((f) => f.resolved?.path === links[0]), 20_000);
    const before = warnings.length;
    const targets = [
      { folder, path: '../../etc/passwd', line: 1 },
      { folder, path: '/etc/passwd', line: 1 },
      { folder: '/etc', path: 'passwd', line: 1 },
      { folder, path: `${links[1]}/passwd`, line: 1 },
      { folder, path: links[0]!, line: 1 },
    ];
    for (const t of targets) assert.strictEqual(await api.stackTraces.openTarget(t), undefined, JSON.stringify(t));
    assert.strictEqual(vscode.window.activeTextEditor, undefined);
    const refusals = warnings.slice(before).filter((w) => /refused to open/.test(w));
    assert.strictEqual(refusals.length, targets.length);
    assert.match(refusals.at(-1)!, /leaves its workspace folder through a symlink/, 'the indexed symlink is refused for where it points');
  });

  it('a vscode:// link with a hostile id is refused with a message, opening nothing', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const q of ['id=../../etc/passwd%00', 'id=%3Cscript%3E', `id=${'a'.repeat(5000)}`]) await api.stackTraces.handleUri(vscode.Uri.parse(`vscode://oncall.vscode-oncall/alert?${q}`));
    await api.stackTraces.handleUri(vscode.Uri.parse('vscode://oncall.vscode-oncall/../../etc/passwd'));
    await sleep(300);
    assert.strictEqual(vscode.window.activeTextEditor, undefined);
  });

  it('a vscode:// link to a hostile alert with a stack trace only shows the alert: no file opens until the user asks', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const r = await api.stackTraces.handleUri(vscode.Uri.parse('vscode://oncall.vscode-oncall/alert?id=h-symlink'));
    assert.deepStrictEqual(r, { revealed: true, offeredOpenSource: true });
    await sleep(1000);
    assert.strictEqual(vscode.window.activeTextEditor, undefined, 'nothing opened by the link');
    assert.ok(api.alerts.view.selection.some((e) => e.kind === 'alert' && e.id === 'h-symlink'), 'the alert is selected in the Alerts view');
  });
});
