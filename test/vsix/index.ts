// Runs inside a real VS Code host in which the packaged .vsix was installed with --install-extension:
// the extension under test comes from the extensions folder, not from this repository.
import * as assert from 'node:assert';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000 });
  mocha.suite.addTest(
    new Mocha.Test('the installed .vsix activates and registers its commands and views', async () => {
      const ext = vscode.extensions.getExtension('oncall.vscode-oncall');
      assert.ok(ext, 'the packaged extension is installed');
      const repo = path.resolve(__dirname, '..', '..', '..');
      assert.ok(!ext.extensionPath.startsWith(repo), `runs from the installed copy, not the repo: ${ext.extensionPath}`);
      const api: unknown = await ext.activate();
      assert.strictEqual(ext.isActive, true);
      // Installed (not under test), it hands no internals to other extensions.
      assert.strictEqual(api, undefined, 'activate() exports nothing outside ExtensionMode.Test');
      const cmds = await vscode.commands.getCommands(true);
      for (const c of ['oncall.connect', 'oncall.startDemo', 'oncall.acknowledge', 'oncall.openSource', 'oncall.installPushGuard']) assert.ok(cmds.includes(c), c);
      await vscode.commands.executeCommand('oncall.alerts.focus');
    }),
  );
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      console.log(`vsix: ${runner.stats?.passes ?? 0} passed, ${failures} failed, ${runner.stats?.pending ?? 0} skipped`);
      if (failures) reject(new Error(`${failures} .vsix test(s) failed`));
      else resolve();
    });
  });
}
