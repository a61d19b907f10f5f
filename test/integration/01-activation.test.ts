import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, screenshot } from './helpers';

describe('activation (real VS Code host)', () => {
  it('activates without error and reports itself in the log', async () => {
    const api = await activateExtension();
    assert.ok(api.logger, 'activate() returned no API');
    assert.strictEqual(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  it('contributes the On Call view container with the Alerts view, which can be focused', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { viewsContainers: { activitybar: Array<{ id: string }> }; views: Record<string, Array<{ id: string }>> };
    };
    assert.ok(pkg.contributes.viewsContainers.activitybar.some((c) => c.id === 'oncall'));
    assert.ok(pkg.contributes.views['oncall']?.some((v) => v.id === 'oncall.alerts'));
    // Focusing the view only succeeds when the workbench knows the view (the command is generated per view).
    await vscode.commands.executeCommand('oncall.alerts.focus');
    await screenshot('activation-sidebar');
  });

  it('contributes a walkthrough, and the host resolves the localised manifest strings', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      displayName: string;
      contributes: { commands: Array<{ command: string; title: string }>; walkthroughs: Array<{ id: string; steps: Array<{ id: string; title: string }> }> };
    };
    assert.strictEqual(pkg.displayName, 'On Call');
    assert.strictEqual(pkg.contributes.commands.find((c) => c.command === 'oncall.connect')?.title, 'Connect to Alert Source…');
    const w = pkg.contributes.walkthroughs.find((x) => x.id === 'oncall.gettingStarted');
    assert.deepStrictEqual(w?.steps.map((s) => s.id), ['connect', 'identity', 'status', 'source', 'guard']);
    assert.ok(w.steps.every((s) => !s.title.startsWith('%')), 'step titles resolved');
  });

  it('shows the status bar item, which opens the Alerts view', async () => {
    const api = await activateExtension();
    assert.match(api.statusBar.item.text, /^\$\((bell|bell-slash|debug-disconnect)\)/);
    assert.strictEqual(api.statusBar.item.command, 'oncall.alerts.focus');
  });

  it('registers and runs the Show Logs command', async () => {
    const cmds = await vscode.commands.getCommands(true);
    assert.ok(cmds.includes('oncall.showLogs'));
    // executeCommand rejects when the handler throws.
    await vscode.commands.executeCommand('oncall.showLogs');
  });
});
