// Runs inside a real VS Code host in which the packaged .vsix was installed with --install-extension:
// the extension under test comes from the extensions folder, not from this repository.
import * as assert from 'node:assert';
import { execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { DEMO_COMMIT_SHAS } from '../../src/bridge/sources/demo/workspaceFiles';

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
  mocha.suite.addTest(
    new Mocha.Test("the installed bridge builds the demo workspace from the .vsix's own demo/history/", async () => {
      const ext = vscode.extensions.getExtension('oncall.vscode-oncall');
      assert.ok(ext, 'the packaged extension is installed');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-vsix-demo-'));
      const workspace = path.join(tmp, 'demo-workspace');
      // What "Try the Demo" runs (src/host/demo/demoBridge.ts), from the installed copy.
      const child = fork(path.join(ext.extensionPath, 'dist', 'bridge.js'), ['--demo', '--port', '0', '--demo-workspace', workspace], {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, execArgv: [], silent: true,
      });
      let output = '';
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the demo bridge did not start within 25 s:\n${output}`)), 25_000);
          const onData = (d: Buffer) => {
            output += d.toString();
            if (/oncall-bridge listening ws:\/\//.test(output)) {
              clearTimeout(timer);
              resolve();
            }
          };
          child.stdout?.on('data', onData);
          child.stderr?.on('data', onData);
          child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the demo bridge exited (${code}):\n${output}`));
          });
        });
        assert.ok(output.includes(`demo files: ${path.join(ext.extensionPath, 'demo', 'history')}`), `reads the installed copy's files:\n${output}`);
        const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).trim();
        assert.strictEqual(head, DEMO_COMMIT_SHAS.docs, 'the same history as from the repository');
      } finally {
        child.kill('SIGTERM');
        fs.rmSync(tmp, { recursive: true, force: true });
      }
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
