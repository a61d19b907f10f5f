// npm run demo — the README's main command. It:
//  0. builds the bundles (esbuild, as `npm run build`),
//  1. starts the bridge in demo mode on loopback (an embedded, ever-changing on-call world),
//  2. prepares the demo workspace (demo-workspace/, a small multi-language project with git history),
//  3. opens VS Code on it with the extension loaded: the desktop `code` CLI when present, otherwise
//     code-server from the test-host cache (installed on first use), printing the URL to open.
// It prints every process it started. SIGINT, SIGTERM or SIGHUP to it — or to `npm` above it, which forwards
// SIGINT/SIGTERM, or the death of `npm` (SIGHUP when its terminal closes) — stops all of them: each child runs in
// its own process group, which is signalled as a whole (code-server's terminals and helpers too), SIGKILL after 3 s.
// Env: ONCALL_DEMO_PORT (bridge, default 8787), ONCALL_DEMO_UI_PORT (code-server, default 8080),
// ONCALL_DEMO_NO_OPEN=1 or --no-open (bridge + workspace only), ONCALL_DEMO_HOST=4.100.3|4.139.1,
// ONCALL_DEMO_FORCE_CODE_SERVER=1 (code-server even where the desktop `code` CLI exists), ONCALL_DEMO_WORKSPACE=<dir>
// (default demo-workspace/), --no-build.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBridge } from '../test/host/bridgeProcess.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = path.resolve(process.env.ONCALL_DEMO_WORKSPACE || path.join(root, 'demo-workspace'));
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

/** @type {Array<{ what: string, child: import('node:child_process').ChildProcess }>} */
const started = [];
function track(what, child) {
  started.push({ what, child });
  say(`started ${what} (pid ${child.pid}, process group ${child.pid})`);
}
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
function signalGroup(pid, sig) {
  try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* already gone */ } }
}

async function stopAll(code = 0, why = '') {
  if (stopping) return;
  stopping = true;
  say(`stopping${why ? ` (${why})` : ''}: ${started.map((s) => `${s.what} (pid ${s.child.pid})`).join(', ') || 'nothing started yet'}`);
  for (const { child } of [...started].reverse()) if (child.pid) signalGroup(child.pid, 'SIGTERM');
  const deadline = Date.now() + 3000;
  // A process group is gone when no member is left: probe its leader's group with signal 0.
  const groupAlive = (pid) => { try { process.kill(-pid, 0); return true; } catch { return alive(pid); } };
  while (Date.now() < deadline && started.some((s) => s.child.pid && groupAlive(s.child.pid))) await new Promise((r) => setTimeout(r, 100));
  for (const { what, child } of started) {
    if (child.pid && groupAlive(child.pid)) {
      say(`${what} did not stop within 3 s: SIGKILL`);
      signalGroup(child.pid, 'SIGKILL');
    }
  }
  say('stopped.');
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void stopAll(0, sig));

// `npm run demo` runs this under npm (and possibly a shell). When npm dies — SIGHUP when its terminal closes,
// SIGKILL — nothing would tell us: watch the ancestors we started under and stop with them.
function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    const r = spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' });
    return Number(r.stdout?.trim()) || 0;
  }
}
const ancestors = [];
for (let p = process.ppid, i = 0; p > 1 && i < 3; p = parentOf(p), i++) ancestors.push(p);
setInterval(() => {
  const gone = ancestors.find((p) => !alive(p));
  if (gone !== undefined || process.ppid === 1) void stopAll(0, `the process that started the demo (pid ${gone ?? process.ppid}) is gone`);
}, 1000).unref();

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

const noOpen = !!process.env.ONCALL_DEMO_NO_OPEN || process.argv.includes('--no-open');
if (!process.argv.includes('--no-build')) {
  say('building the extension and the bridge…');
  execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs')], { cwd: root, stdio: 'inherit' });
}
const bridgePort = await freePort(Number(process.env.ONCALL_DEMO_PORT || 8787));
const bridge = await startBridge(root, ['--demo', '--port', String(bridgePort), '--demo-workspace', workspace], { detached: true });
track('the demo bridge', bridge.child);
bridge.child.on('exit', (c) => { if (!stopping) void stopAll(1, `the bridge exited (${c})`); });
say(`demo alert source (bridge) on ${bridge.url}`);
say(`demo workspace: ${workspace}`);
guardScene();

/**
 * A moment where the deploy guard speaks, whatever the hour: the demo's "you" is on call for another 4–5 hours,
 * so a simulated change freeze around now with a 5-hour watch window makes a deploy risky ("…, and you go off call
 * at 00:00"): open k8s/checkout-api/deployment.yaml or run `kubectl apply` in the terminal. Written only when the
 * demo workspace does not set the guard itself (delete the setting to go back to the defaults).
 */
function guardScene() {
  const file = path.join(workspace, '.vscode', 'settings.json');
  try {
    const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    const prev = settings['oncall.deployGuard'];
    if (prev && !(prev.oneOff ?? []).some((r) => r?.id === 'demo-freeze')) return;
    const now = Date.now();
    settings['oncall.deployGuard'] = {
      watchWindowMinutes: 300,
      oneOff: [{ id: 'demo-freeze', label: 'the demo change freeze', start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 12 * 3_600_000).toISOString() }],
    };
    fs.writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
    say('deploy guard scene: a simulated change freeze for the next 12 h — open k8s/checkout-api/deployment.yaml to see the guard');
  } catch (e) {
    say(`could not write the deploy guard scene: ${e instanceof Error ? e.message : e}`);
  }
}

if (noOpen) {
  say('not opening VS Code (ONCALL_DEMO_NO_OPEN / --no-open). Ctrl-C to stop.');
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
    // The demo workspace is generated by this script, so it is trusted (git features on).
    '--disable-getting-started-override', '--disable-workspace-trust', workspace]), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  track(`code-server ${host}`, cs);
  cs.on('exit', (c) => { if (!stopping) void stopAll(1, `code-server exited (${c})`); });
  await new Promise((resolve) => {
    const onData = (d) => { if (/HTTP server listening/.test(String(d))) resolve(); };
    cs.stdout.on('data', onData);
    cs.stderr.on('data', onData);
  });
  say('');
  say(`open VS Code in your browser:  http://127.0.0.1:${uiPort}/?folder=${encodeURIComponent(workspace)}`);
  say('the On Call view is in the activity bar (bell icon). Ctrl-C stops the demo.');
}
