// Runs the integration suites inside a real VS Code extension host served by code-server (installed by
// scripts/setup-test-host.sh into .vscode-test/), driven by Debian's headless Chromium through playwright-core.
// Resolves with the suites' exit code. Tests can ask for named screenshots of the workbench through a loopback
// HTTP endpoint whose URL is passed in ONCALL_TEST_SCREENSHOT_URL (GET ?name=sidebar → .vscode-test/screenshots/<host>/sidebar.png).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { writeHostUserSettings } from './hostSettings.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * @param {{ root: string, host: string, extensionDevelopmentPath: string, extensionTestsPath: string,
 *   workspace: string, env?: Record<string,string>, timeoutSec?: number, verbose?: boolean, installVsix?: string,
 *   notes?: string[] }} o   notes: receives the failed tests and the reason a run failed (for the closing summary)
 */
export async function runInCodeServer(o) {
  const hostDir = path.join(o.root, '.vscode-test', `code-server-${o.host}`);
  const okFile = path.join(hostDir, '.ok');
  if (!fs.existsSync(okFile)) throw new Error(`test host ${o.host} is not installed: run scripts/setup-test-host.sh ${o.host}`);
  const nodeBin = fs.readFileSync(okFile, 'utf8').trim() || 'node';
  const entry = path.join(hostDir, 'node_modules/code-server/out/node/entry.js');
  const shotDir = path.join(o.root, '.vscode-test', 'screenshots', o.host);
  fs.mkdirSync(shotDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-host-'));
  const log = (...a) => console.log(`[host ${o.host}]`, ...a);
  let server, ctx, page, shotServer;
  let finished = false;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));

  async function finish(code, why) {
    if (finished) return;
    finished = true;
    log(why, '→ exit', code);
    if (code !== 0) o.notes?.push(why);
    try { if (ctx) await ctx.close(); } catch { /* already gone */ }
    try { shotServer?.close(); } catch { /* ignore */ }
    try { if (server) { server.removeAllListeners('exit'); process.kill(-server.pid, 'SIGTERM'); } } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 500));
    try { if (server) process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
    try { fs.rmSync(tmp, { recursive: true, force: true }); } catch { /* ignore */ }
    resolveDone(code);
  }
  const timer = setTimeout(() => void finish(2, `timeout after ${o.timeoutSec ?? 600}s`), (o.timeoutSec ?? 600) * 1000);
  timer.unref();

  try {
    const t0 = Date.now();
    fs.mkdirSync(path.join(tmp, 't'));
    // Test terminals start bash without the machine's ~/.bashrc (see hostSettings.mjs).
    writeHostUserSettings(path.join(tmp, 'ud'), path.join(tmp, 'home'));
    // Screenshot endpoint for the tests (loopback only).
    // ?profile=start / ?profile=stop&name=x: a CPU profile of the workbench (renderer) page, for the bench's
    // BENCH_RENDERER_PROFILE (saved as <screenshots>/<name>.cpuprofile).
    let cdp;
    shotServer = http.createServer(async (req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const name = (q.get('name') ?? 'shot').replace(/[^a-z0-9_-]/gi, '_');
      try {
        if (q.get('profile') === 'start') {
          cdp ??= await page.context().newCDPSession(page);
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
          await cdp.send('Profiler.start');
          res.end('started');
          return;
        }
        if (q.get('profile') === 'stop') {
          const { profile } = await cdp.send('Profiler.stop');
          const file = path.join(shotDir, `${name}.cpuprofile`);
          fs.mkdirSync(shotDir, { recursive: true });
          fs.writeFileSync(file, JSON.stringify(profile));
          res.end(file);
          return;
        }
        const file = path.join(shotDir, `${name}.png`);
        await page.screenshot({ path: file });
        res.end(file);
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
    });
    await new Promise((r) => shotServer.listen(0, '127.0.0.1', r));
    const shotUrl = `http://127.0.0.1:${shotServer.address().port}/`;

    // Keep code-server/Chromium state out of $HOME and /tmp; env passes through to the extension host.
    const env = {
      ...process.env, ...o.env,
      ONCALL_TEST_SCREENSHOT_URL: shotUrl,
      // Where the host writes its log files, the extension's "On Call" channel among them (tests read it).
      ONCALL_TEST_LOGS_DIR: path.join(tmp, 'ud', 'logs'),
      TMPDIR: path.join(tmp, 't'), XDG_CONFIG_HOME: path.join(tmp, 'cfg'), XDG_DATA_HOME: path.join(tmp, 'data'), XDG_CACHE_HOME: path.join(tmp, 'cache'),
    };
    if (o.installVsix) {
      // The real install path a user takes: code-server --install-extension x.vsix.
      const r = spawnSync(nodeBin, [entry, '--user-data-dir', path.join(tmp, 'ud'), '--extensions-dir', path.join(tmp, 'exts'), '--install-extension', o.installVsix], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`--install-extension failed: ${r.stderr || r.stdout}`);
      log(`installed ${path.basename(o.installVsix)}`);
    }
    server = spawn(nodeBin, [entry, '--auth', 'none', '--bind-addr', '127.0.0.1:0',
      '--user-data-dir', path.join(tmp, 'ud'), '--extensions-dir', path.join(tmp, 'exts'),
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--log', process.env.CS_LOG || 'info'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server.on('exit', (c, s) => void finish(3, `code-server exited (${c ?? s})`));
    const port = await new Promise((resolve, reject) => {
      const onData = (d) => {
        const s = d.toString();
        if (o.verbose) process.stdout.write('[server] ' + s);
        const m = s.match(/HTTP server listening on http:\/\/[^:]+:(\d+)/);
        if (m) resolve(Number(m[1]));
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      setTimeout(() => reject(new Error('code-server did not start within 60 s')), 60000).unref();
    });
    log(`code-server up on port ${port} after ${Date.now() - t0} ms`);

    ctx = await chromium.launchPersistentContext(path.join(tmp, 'chrome'), {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 }, env,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
        // The workbench HTML is served through page.route (to inject enableSmokeTestDriver); Chromium then treats the
        // page as public and blocks its WebSocket to 127.0.0.1 unless Local Network Access checks are off.
        '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults'],
    });
    page = ctx.pages()[0] || (await ctx.newPage());
    if (o.verbose) page.on('console', (m) => console.log('[browser]', m.type(), m.text().slice(0, 500)));
    page.on('pageerror', (e) => { if (o.verbose) console.log('[pageerror]', e.message); });
    // The workbench forwards its own console here too; offline it is noisy (marketplace lookups, sockets).
    const noise = /ENOTFOUND|workbench\.js|Creating a socket|connection token|builtin extensions cache|Service Worker|ChatSession|AgentHost|AccountPolicyGate|open-vsx|^\s+at /;
    await page.exposeFunction('codeAutomationLog', (type, a) => {
      const first = typeof a[0] === 'string' ? a[0] : '';
      // The suites print one "integration failure: <test>: <error>" line per failed test; keep them for the summary.
      if (first.startsWith('integration failure: ')) o.notes?.push(first.slice('integration failure: '.length));
      if (!o.verbose && noise.test(first) && !/Error|assert|failing|passing/i.test(a.map(String).join(' '))) return;
      (console[type] || console.log)(...a);
    });
    await page.exposeFunction('codeAutomationExit', async (code, logs) => {
      if (code !== 0) { try { await page.screenshot({ path: path.join(shotDir, 'exit-failed.png') }); } catch { /* ignore */ } }
      if (process.env.PRINT_EXTHOST_LOGS && Array.isArray(logs)) for (const l of logs) console.log(`[log ${l.relativePath}]\n${l.contents}`);
      log(`suites finished in ${Date.now() - t0} ms`);
      await finish(code, `extension host test run exited with code ${code}`);
    });
    // Newer VS Code honours extensionDevelopmentPath/extensionTestsPath in the URL payload only with
    // developmentOptions.enableSmokeTestDriver; code-server has no flag for it, so inject it into the served HTML.
    await page.route((u) => u.searchParams.has('payload'), async (route) => {
      if (route.request().resourceType() !== 'document') return route.continue();
      const resp = await route.fetch();
      let body = await resp.text();
      const before = body.length;
      body = body.replace('&quot;developmentOptions&quot;:{', '&quot;developmentOptions&quot;:{&quot;enableSmokeTestDriver&quot;:true,');
      if (body.length === before) log('WARNING: could not inject enableSmokeTestDriver');
      await route.fulfill({ response: resp, body });
    });
    const authority = `127.0.0.1:${port}`;
    const remote = (p) => `vscode-remote://${authority}${p.split(path.sep).join('/')}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(o.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(o.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ]);
    await page.goto(`http://${authority}/?folder=${encodeURIComponent(o.workspace)}&payload=${encodeURIComponent(payload)}`, { timeout: 120_000 });
  } catch (e) {
    console.error(e);
    await finish(1, 'runner error');
  }
  const code = await done;
  clearTimeout(timer);
  return code;
}
