// npm run test:integration — runs test/integration suites inside real VS Code hosts (code-server, offline):
// the oldest we support (4.100.3 = VS Code 1.100) and the newest (4.139.1 = VS Code 1.139 on Node 24).
// Each host run gets a fresh demo workspace (git history) and a demo bridge on loopback, like `npm run demo`.
// Env: ONCALL_TEST_HOSTS=4.100.3,4.139.1  VERBOSE=1  ONCALL_TEST_GREP=<mocha grep>
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInCodeServer } from './codeServerRunner.mjs';
import { startBridge } from './bridgeProcess.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hosts = (process.env.ONCALL_TEST_HOSTS || '4.100.3,4.139.1').split(',').map((s) => s.trim()).filter(Boolean);
const verbose = !!process.env.VERBOSE;
// ONCALL_TEST_OUT: where the compiled tests are (default out/; parallel runs can compile elsewhere).
const testsPath = path.join(path.resolve(root, process.env.ONCALL_TEST_OUT || 'out'), 'test', 'integration', 'index.js');
if (!fs.existsSync(testsPath)) { console.error(`missing ${testsPath}: run npm run compile-tests`); process.exit(1); }

const results = [];
for (const host of hosts) {
  // Idempotent: installs the host (and Debian's chromium) on first use only.
  execFileSync('bash', [path.join(root, 'scripts', 'setup-test-host.sh'), host], { stdio: 'inherit' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-it-'));
  const workspace = path.join(tmp, 'workspace');
  let bridge;
  const notes = [];
  try {
    bridge = await startBridge(root, ['--demo', '--port', '0', '--demo-workspace', workspace, '--seed', '7', '--demo-interval-ms', '600000'], { verbose });
    console.log(`[it] host ${host}: demo bridge on ${bridge.url}, workspace ${workspace}`);
    const code = await runInCodeServer({
      root, host, workspace, verbose, notes,
      extensionDevelopmentPath: root,
      extensionTestsPath: testsPath,
      env: {
        ONCALL_TEST_BRIDGE_URL: bridge.url,
        ONCALL_TEST_BRIDGE_PID: String(bridge.child.pid),
        ONCALL_TEST_HOST: host,
        ONCALL_TEST_GREP: process.env.ONCALL_TEST_GREP || '',
      },
    });
    results.push({ host, code, notes });
  } catch (e) {
    console.error(`[it] host ${host} failed to run:`, e);
    results.push({ host, code: 1, notes: [...notes, `failed to run: ${e instanceof Error ? e.message : String(e)}`] });
  } finally {
    await bridge?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
// The packaged .vsix, installed with --install-extension into the newest host, must activate (ONCALL_TEST_VSIX=0 skips).
if (process.env.ONCALL_TEST_VSIX !== '0' && results.every((r) => r.code === 0)) {
  const host = hosts[hosts.length - 1];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-vsix-'));
  try {
    const vsix = path.join(tmp, 'vscode-oncall.vsix');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'package.mjs'), vsix], { cwd: root, stdio: 'ignore' });
    // package.mjs leaves minified bundles in dist/: rebuild the development ones the other runs use.
    execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs')], { cwd: root, stdio: 'ignore' });
    fs.mkdirSync(path.join(tmp, 'ws'));
    const code = await runInCodeServer({
      root, host, workspace: path.join(tmp, 'ws'), verbose, installVsix: vsix,
      extensionDevelopmentPath: path.join(root, 'test', 'host', 'vsix-probe'),
      extensionTestsPath: path.join(path.dirname(path.dirname(testsPath)), 'vsix', 'index.js'),
    });
    results.push({ host: `${host} (.vsix)`, code });
  } catch (e) {
    console.error('[it] .vsix check failed to run:', e);
    results.push({ host: `${host} (.vsix)`, code: 1 });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ONCALL_UPDATE_MEDIA=1: keep the README's screenshots current from the newest host's run.
if (process.env.ONCALL_UPDATE_MEDIA && results.every((r) => r.code === 0)) {
  const host = hosts[hosts.length - 1];
  const from = path.join(root, '.vscode-test', 'screenshots', host);
  const to = path.join(root, 'media', 'screenshots');
  fs.mkdirSync(to, { recursive: true });
  for (const name of ['sidebar', 'oncall-view', 'stack-jump', 'deploys', 'deploy-guard-file', 'disconnected']) {
    const f = path.join(from, `${name}.png`);
    if (fs.existsSync(f)) fs.copyFileSync(f, path.join(to, `${name}.png`));
  }
  console.log(`[it] README screenshots updated in ${to}`);
}
// The closing summary names what failed on each host: CI logs keep only their tail, and the first host's
// output scrolls away under the second's.
for (const r of results) {
  console.log(`[it] VS Code host ${r.host}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`}`);
  if (r.code !== 0) for (const n of (r.notes ?? []).slice(0, 20)) console.log(`[it]   ${n.replace(/\s+/g, ' ').slice(0, 400)}`);
}
console.log(`[it] screenshots in ${path.join(root, '.vscode-test', 'screenshots')}`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
