// npm run test:electron — the same integration suites through @vscode/test-electron, for machines that can
// download VS Code desktop (our CI cannot: it uses test/host/runIntegration.mjs with code-server instead).
// Env: ONCALL_ELECTRON_VERSION=stable|1.100.0 (default: both 1.100.0 and stable).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { startBridge } from './bridgeProcess.mjs';
import { writeHostUserSettings } from './hostSettings.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const versions = (process.env.ONCALL_ELECTRON_VERSION || '1.100.0,stable').split(',');
let failed = false;
for (const version of versions) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-electron-'));
  const workspace = path.join(tmp, 'workspace');
  // Test terminals start bash without the machine's ~/.bashrc (see hostSettings.mjs).
  writeHostUserSettings(path.join(tmp, 'ud'), path.join(tmp, 'home'));
  const bridge = await startBridge(root, ['--demo', '--port', '0', '--demo-workspace', workspace, '--seed', '7', '--demo-interval-ms', '600000']);
  try {
    await runTests({
      version,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(tmp, 'ud')],
      extensionTestsEnv: {
        ONCALL_TEST_BRIDGE_URL: bridge.url, ONCALL_TEST_BRIDGE_PID: String(bridge.child.pid), ONCALL_TEST_HOST: `electron-${version}`,
        // Where the host writes its log files, the extension's "On Call" channel among them (tests read it).
        ONCALL_TEST_LOGS_DIR: path.join(tmp, 'ud', 'logs'),
      },
    });
    console.log(`[electron] VS Code ${version}: passed`);
  } catch (e) {
    console.error(`[electron] VS Code ${version}: FAILED`, e);
    failed = true;
  } finally {
    await bridge.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
