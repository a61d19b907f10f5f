// Entry point loaded by the VS Code extension host (code-server runner or @vscode/test-electron):
// exports run(), which runs every *.test.js next to this file with mocha.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { screenshot } from './helpers';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000, grep: process.env.ONCALL_TEST_GREP || undefined });
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const failed: string[] = [];
    const runner = mocha.run((failures) => {
      // One line per failed test, collected by the runner into the closing summary (test/host/runIntegration.mjs).
      for (const f of failed) console.log(`integration failure: ${f}`);
      const st = runner.stats;
      // The plain closing line CI reads (one per VS Code host).
      console.log(`integration: ${st?.passes ?? 0} passed, ${failures} failed, ${st?.pending ?? 0} skipped`);
      // The last look at the workbench, taken while the extension host is still up.
      void screenshot(failures > 0 ? 'final-failed' : 'final').then(() =>
        failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve(),
      );
    });
    runner.on('fail', (test, err: unknown) => {
      const msg = err instanceof Error ? err.message : String(err);
      failed.push(`${test.fullTitle()}: ${msg.replace(/\s+/g, ' ').slice(0, 300)}`);
    });
  });
}
