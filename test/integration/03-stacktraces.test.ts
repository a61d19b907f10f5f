import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Alert } from '../../src/core/protocol/types';
import { parseStackTrace } from '../../src/core/stackTrace';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import { activateExtension, screenshot, sleep, waitFor, requireBridge } from './helpers';

/** The innermost in-app frame of the alert's trace as printed: file basename and line (independent of resolution). */
function printedTop(a: Alert): { base: string; line: number } {
  const t = parseStackTrace(a.stackTrace!);
  const f = t.frames.find((x) => x.inApp !== false && x.file && x.line);
  assert.ok(f, 'the demo trace has an in-app frame');
  return { base: f.file!.split(/[\\/]/).pop()!, line: f.line! };
}

describe('stack traces → source (real VS Code host)', function () {
  let api: OnCallApi;
  let withTrace: Alert[];

  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('connected', () => api.connections.connection?.state.state === 'connected', 20000);
    // "connected" comes with the hello; the snapshot (possibly in parts) follows it.
    withTrace = await waitFor('demo alerts with stack traces', () => {
      const w = [...api.connections.connection!.store.values()].filter((a) => a.stackTrace && a.status !== 'resolved');
      return w.length >= 2 ? w : undefined;
    });
  });

  it('"Open Source" opens the top in-app frame of a demo alert at the right file and line, for every runtime in the demo', async () => {
    const runtimes = new Set<string>();
    for (const a of withTrace) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('oncall.openSource', a.id);
      const editor = await waitFor(`an editor for ${a.id}`, () => vscode.window.activeTextEditor);
      const want = printedTop(a);
      assert.strictEqual(path.basename(editor.document.uri.fsPath), want.base, `file for ${a.title}`);
      assert.strictEqual(editor.selection.active.line + 1, want.line, `line for ${a.title}`);
      assert.ok(editor.document.uri.fsPath.startsWith(vscode.workspace.workspaceFolders![0]!.uri.fsPath), 'inside the workspace');
      assert.ok(editor.document.lineAt(want.line - 1).text.trim().length > 0, 'the line has code');
      runtimes.add(parseStackTrace(a.stackTrace!).language);
    }
    assert.ok(runtimes.size >= 2, `several runtimes: ${[...runtimes].join(', ')}`);
  });

  it('decorates the failing line and explains it on hover', async () => {
    const a = withTrace[0]!;
    await vscode.commands.executeCommand('oncall.openSource', a.id);
    const editor = await waitFor('editor', () => vscode.window.activeTextEditor);
    const line = editor.selection.active.line;
    await waitFor('the alert on that line', () => api.stackTraces.alertsAt(editor.document, line).some((x) => x.id === a.id));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(line, 0));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.ok(text.includes(a.severity), `hover mentions the alert: ${text.slice(0, 200)}`);
    await sleep(500);
    await screenshot('stack-jump');
  });

  it('shows a Stack row with the frames under the alert; clicking a frame opens it', async () => {
    const a = withTrace[0]!;
    const p = api.alerts.provider;
    const groups = p.getChildren() as AlertsElement[];
    const alertEl = groups.flatMap((g) => p.getChildren(g) as AlertsElement[]).find((e) => e.kind === 'alert' && e.id === a.id)!;
    assert.strictEqual(p.getTreeItem(alertEl).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed, 'alert with a trace is expandable');
    const rows = await p.getChildren(alertEl);
    const stack = rows.find((r) => r.kind === 'child' && r.child.id === 'stack');
    assert.ok(stack, 'a Stack row');
    const frames = (await p.getChildren(stack)).filter((r) => r.kind === 'child' && r.child.command);
    assert.ok(frames.length >= 1, 'clickable frames');
    const cmd = p.getTreeItem(frames[0]!).command!;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    await waitFor('the frame opened', () => vscode.window.activeTextEditor);
  });

  it('turns stack frames printed in the terminal — one line at a time, every runtime in the demo — into links that open the mapped file', async () => {
    const terminal = vscode.window.createTerminal({ name: 'oncall-test' });
    try {
      for (const a of withTrace) {
        const frame = parseStackTrace(a.stackTrace!).frames.find((f) => f.inApp !== false && f.file)!;
        // The line a terminal shows with the file in it (Go prints the function and the file on two lines).
        const termLine = frame.raw.split('\n').find((l) => l.includes(frame.file!))!;
        const links = await api.stackTraces.terminalLinks.provideTerminalLinks({ line: termLine, terminal }, new vscode.CancellationTokenSource().token);
        assert.ok(links && links.length >= 1, `a link in: ${termLine}`);
        assert.ok(termLine.slice(links[0]!.startIndex, links[0]!.startIndex + links[0]!.length).includes(frame.file!.split(/[\\/]/).pop()!), 'the link covers the printed path');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await api.stackTraces.terminalLinks.handleTerminalLink(links[0]!);
        const editor = await waitFor('the linked file', () => vscode.window.activeTextEditor);
        assert.strictEqual(path.basename(editor.document.uri.fsPath), printedTop(a).base);
      }
    } finally {
      terminal.dispose();
    }
  });

  it('"Open Stack Trace from Clipboard" parses a pasted trace and opens the chosen frame', async () => {
    const a = withTrace[0]!;
    await vscode.env.clipboard.writeText(`2026-11-20T10:00:00Z ERROR request failed\n${a.stackTrace!}`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const run = vscode.commands.executeCommand('oncall.openStackTraceFromClipboard');
    await sleep(800);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await run;
    const editor = await waitFor('the chosen frame', () => vscode.window.activeTextEditor);
    assert.ok(editor.document.uri.fsPath.startsWith(vscode.workspace.workspaceFolders![0]!.uri.fsPath));
  });

  it('a vscode:// link to an alert reveals it in the Alerts view and opens nothing; its source opens only on "Open Source"', async () => {
    const a = withTrace[1]!;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const r = await api.stackTraces.handleUri(vscode.Uri.parse(`vscode://oncall.vscode-oncall/alert?id=${encodeURIComponent(a.id)}`));
    assert.deepStrictEqual(r, { revealed: true, offeredOpenSource: true });
    await sleep(1500);
    assert.strictEqual(vscode.window.activeTextEditor, undefined, 'the link opened no workspace file by itself');
    assert.ok(api.alerts.view.visible, 'the Alerts view is shown');
    assert.ok(api.alerts.view.selection.some((e) => e.kind === 'alert' && e.id === a.id), `the alert is selected: ${JSON.stringify(api.alerts.view.selection)}`);
    await screenshot('uri-link-reveals-alert');
    // What the notification's "Open Source" button does:
    await vscode.commands.executeCommand('oncall.openSource', a.id);
    const editor = await waitFor('the alert source', () => vscode.window.activeTextEditor);
    assert.strictEqual(path.basename(editor.document.uri.fsPath), printedTop(a).base);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.deepStrictEqual(await api.stackTraces.handleUri(vscode.Uri.parse('vscode://oncall.vscode-oncall/alert?id=..%2F..%2Fetc%2Fpasswd')), { revealed: false, offeredOpenSource: false });
    assert.deepStrictEqual(await api.stackTraces.handleUri(vscode.Uri.parse('vscode://oncall.vscode-oncall/run?cmd=rm')), { revealed: false, offeredOpenSource: false });
    await sleep(500);
    assert.strictEqual(vscode.window.activeTextEditor, undefined, 'nothing opened');
  });

  it('after local edits above the failing line, "Open Source" still lands on the same code (mapped from the deployed commit)', async () => {
    const a = withTrace.find((x) => x.service === 'checkout-api') ?? withTrace[0]!;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('oncall.openSource', a.id);
    const before = await waitFor('editor', () => vscode.window.activeTextEditor);
    const line0 = before.selection.active.line;
    const text0 = before.document.lineAt(line0).text;
    const file = before.document.uri.fsPath;
    const original = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, `// local edit 1\n// local edit 2\n// local edit 3\n${original}`);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      // The file watcher tells the extension the file changed; the jump follows the edit.
      const after = await waitFor('Open Source on the moved line', async () => {
        await vscode.commands.executeCommand('oncall.openSource', a.id);
        const ed = vscode.window.activeTextEditor;
        return ed && ed.selection.active.line === line0 + 3 ? ed : undefined;
      });
      assert.strictEqual(after.document.lineAt(after.selection.active.line).text, text0, 'the same code');
    } finally {
      fs.writeFileSync(file, original);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('refuses to open a target that is not an indexed workspace file', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const r1 = await api.stackTraces.openTarget({ folder, path: '../../../etc/passwd', line: 1 });
    const r2 = await api.stackTraces.openTarget({ folder: '/etc', path: 'passwd', line: 1 });
    assert.strictEqual(r1, undefined);
    assert.strictEqual(r2, undefined);
    assert.strictEqual(vscode.window.activeTextEditor, undefined);
  });
});
