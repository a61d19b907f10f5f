// npm run demo — the README's main command. After `npm run build` (done by the npm script) it:
//  1. starts the bridge in demo mode on loopback (an embedded, ever-changing on-call world),
//  2. prepares the demo workspace (demo-workspace/, a small multi-language project with git history),
//  3. opens VS Code on it with the extension loaded: the desktop `code` CLI when present, otherwise
//     code-server from the test-host cache (installed on first use), printing the URL to open.
// Ctrl-C stops everything it started. Env: ONCALL_DEMO_PORT (bridge, default 8787), ONCALL_DEMO_UI_PORT
// (code-server, default 8080), ONCALL_DEMO_NO_OPEN=1 (bridge + workspace only), ONCALL_DEMO_HOST=4.100.3|4.139.1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBridge } from '../test/host/bridgeProcess.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = path.join(root, 'demo-workspace');
const children = [];
let stopping = false;

function say(msg) { console.log(`[demo] ${msg}`); }

async function freePort(preferred) {
  const tryPort = (p) => new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen(p, '127.0.0.1', () => { const port = s.address().port; s.close(() => resolve(port)); });
  });
  return (await tryPort(preferred)) ?? (await tryPort(0));
}

async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const c of children.reverse()) {
    try { if (c.detached) process.kill(-c.pid, 'SIGTERM'); else c.kill('SIGTERM'); } catch { /* already gone */ }
  }
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function hasCodeCli() {
  if (process.env.ONCALL_DEMO_FORCE_CODE_SERVER) return false;
  const r = spawnSync('code', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function installedHost() {
  const wanted = process.env.ONCALL_DEMO_HOST;
  for (const v of wanted ? [wanted] : ['4.139.1', '4.100.3']) {
    if (fs.existsSync(path.join(root, '.vscode-test', `code-server-${v}`, '.ok'))) return v;
  }
  return undefined;
}

const bridgePort = await freePort(Number(process.env.ONCALL_DEMO_PORT || 8787));
const bridge = await startBridge(root, ['--demo', '--port', String(bridgePort), '--demo-workspace', workspace]);
children.push(bridge.child);
bridge.child.on('exit', (c) => { if (!stopping) { say(`the bridge exited (${c}); stopping`); void stopAll(1); } });
say(`demo alert source (bridge) on ${bridge.url}`);
say(`demo workspace: ${workspace}`);

if (process.env.ONCALL_DEMO_NO_OPEN) {
  say('ONCALL_DEMO_NO_OPEN set: not opening VS Code. Ctrl-C to stop.');
} else if (hasCodeCli()) {
  say('opening VS Code (desktop) with the extension loaded…');
  spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${root}`, workspace], { stdio: 'inherit' });
  say('VS Code is open on the demo workspace. Keep this running for the demo feed; Ctrl-C to stop.');
} else {
  let host = installedHost();
  if (!host) {
    host = process.env.ONCALL_DEMO_HOST || '4.100.3';
    say(`no desktop VS Code found: installing code-server ${host} (first run only, about a minute)…`);
    execFileSync('bash', [path.join(root, 'scripts', 'setup-test-host.sh'), host], { stdio: 'inherit' });
  }
  const hostDir = path.join(root, '.vscode-test', `code-server-${host}`);
  const nodeBin = fs.readFileSync(path.join(hostDir, '.ok'), 'utf8').trim() || 'node';
  const entry = path.join(hostDir, 'node_modules/code-server/out/node/entry.js');
  const profile = path.join(root, '.vscode-test', 'demo-profile');
  const vsix = path.join(profile, 'vscode-oncall-demo.vsix');
  fs.mkdirSync(profile, { recursive: true });
  say('packaging the extension for code-server…');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'package.mjs'), vsix], { cwd: root, stdio: 'ignore' });
  const csArgs = (extra) => [entry, '--user-data-dir', path.join(profile, 'user-data'), '--extensions-dir', path.join(profile, 'extensions'), ...extra];
  execFileSync(nodeBin, csArgs(['--install-extension', vsix, '--force']), { stdio: 'ignore' });
  const uiPort = await freePort(Number(process.env.ONCALL_DEMO_UI_PORT || 8080));
  const cs = spawn(nodeBin, csArgs(['--auth', 'none', '--bind-addr', `127.0.0.1:${uiPort}`, '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', workspace]), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(cs);
  cs.on('exit', (c) => { if (!stopping) { say(`code-server exited (${c}); stopping`); void stopAll(1); } });
  await new Promise((resolve) => {
    const onData = (d) => { if (/HTTP server listening/.test(String(d))) resolve(); };
    cs.stdout.on('data', onData);
    cs.stderr.on('data', onData);
  });
  say('');
  say(`open VS Code in your browser:  http://127.0.0.1:${uiPort}/?folder=${encodeURIComponent(workspace)}`);
  say('the On Call view is in the activity bar (bell icon). Ctrl-C stops the demo.');
}
