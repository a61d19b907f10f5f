import * as assert from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { offsetClock, systemClock } from '../../src/core/util/clock';
import type { OnCallApi } from '../../src/extension';
import type { PushGuardFile } from '../../src/cli/pushGuardProtocol';
import type { GuardPrompt } from '../../src/host/deployGuard/deployGuardFeature';
import { removeHook, repoPaths } from '../../src/host/deployGuard/pushGuard';
import { activateExtension, screenshot, sleep, waitFor, requireBridge } from './helpers';
import { serverSnapshot } from './protocolProbe';

/**
 * A late-Friday instant (the coming Friday 15:30–23:30 in the author's zone, else early Saturday) at which
 * I am not on shift but someone else is — the demo's shifts move with the real clock, so pick from them.
 */
function fridayEveningOffShift(api: OnCallApi): number {
  const zone = api.onCall.timeZone;
  const s = api.onCall.schedule;
  const me = api.connections.connection!.store ? 'you@example.com' : '';
  const now = Date.now();
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  for (let t = Math.ceil(now / 1_800_000) * 1_800_000; t < now + 8 * 86_400_000; t += 1_800_000) {
    const parts = Object.fromEntries(fmt.formatToParts(t).map((p) => [p.type, p.value]));
    const late = (parts.weekday === 'Fri' && Number(parts.hour) >= 15) || parts.weekday === 'Sat';
    if (late && !s.isOnCall(me, t) && s.onCallNow(t).some((g) => g.rotations.some((r) => r.people.length > 0))) return t;
  }
  throw new Error('no late-Friday instant in the demo schedule');
}

/** An instant (from now on, in half hours) at which deploying is not risky. */
function safeInstant(api: OnCallApi): number {
  for (let t = Math.ceil(Date.now() / 1_800_000) * 1_800_000; t < Date.now() + 8 * 86_400_000; t += 1_800_000) if (!api.deployGuard.decide(t).risky) return t;
  throw new Error('no safe instant in the next 8 days');
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

describe('deploy guard (real VS Code host)', function () {
  let api: OnCallApi;
  let ws: string;
  const prompts: GuardPrompt[] = [];
  let disposed = false;
  let friday = 0;
  const warnings: string[] = [];
  let restoreWarn: (() => void) | undefined;

  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('connected', () => api.connections.connection?.state.state === 'connected', 20000);
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // The schedule arrives a moment after the connection (run alone, no earlier suite waited for it).
    await waitFor('the demo schedule', () => api.onCall.schedule.rotations.length > 0, 20000);
    friday = fridayEveningOffShift(api);
    api.deployGuard.useClock(offsetClock(systemClock, friday - Date.now()));
    const warn = api.logger.warn.bind(api.logger);
    api.logger.warn = (m: string, ...a: unknown[]) => {
      warnings.push(m);
      warn(m, ...a);
    };
    restoreWarn = () => (api.logger.warn = warn);
  });
  after(() => {
    restoreWarn?.();
    if (disposed) return;
    api?.deployGuard.setResponder(undefined);
    api?.deployGuard.useClock(systemClock);
  });

  it('says deploying on a Friday evening is risky, naming who gets paged instead', () => {
    const d = api.deployGuard.decide();
    assert.strictEqual(d.risky, true, d.summary);
    assert.ok(d.rules.some((r) => r.kind === 'weekly'), 'the Friday-to-Monday window fired');
    assert.ok(d.pagedInstead && d.pagedInstead.length > 0, `someone is paged instead: ${d.summary}`);
    assert.match(d.pagedInstead[0]!.text, /gets paged at \d\d:\d\d/);
  });

  it('starting a deploy task shows the warning; "Stop" stops the task', async () => {
    prompts.length = 0;
    api.deployGuard.setResponder((p) => {
      prompts.push(p);
      return Promise.resolve({ choice: 'stop' });
    });
    const folder = vscode.workspace.workspaceFolders![0]!;
    const task = new vscode.Task({ type: 'shell' }, folder, 'deploy production', 'oncall-test', new vscode.ShellExecution('sleep 60; kubectl apply -f k8s/'));
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.name === 'deploy production') {
          sub.dispose();
          resolve();
        }
      });
    });
    const t0 = Date.now();
    await vscode.tasks.executeTask(task);
    await waitFor('the guard to warn', () => prompts.length > 0);
    assert.match(prompts[0]!.what, /Deploy task "deploy production"/);
    assert.match(prompts[0]!.decision.summary, /paged/);
    await ended;
    assert.ok(Date.now() - t0 < 30_000, 'the task was stopped, not left to run its 60 s');
    await screenshot('deploy-guard-task');
  });

  it('a deploy command no wrapper asked about (helm is not installed here) still gets the warning from shell integration, once', async function () {
    this.timeout(120_000);
    prompts.length = 0;
    api.deployGuard.setResponder((p) => {
      prompts.push(p);
      return Promise.resolve({ choice: 'dismiss' });
    });
    const terminal = vscode.window.createTerminal({ name: 'oncall-deploy', shellPath: '/bin/bash' });
    try {
      terminal.show();
      // A shell can take long to start on a loaded machine.
      const si = await waitFor('shell integration in the terminal', () => terminal.shellIntegration, 90_000);
      si.executeCommand('helm upgrade --install checkout ./chart --dry-run 2>/dev/null || true');
      await waitFor('the guard to warn about the terminal command', () => prompts.length > 0, 20_000);
      assert.match(prompts[0]!.what, /"helm upgrade" in the terminal/);
      await sleep(1000);
      assert.strictEqual(prompts.length, 1, 'one warning, not one per detector');
    } finally {
      terminal.dispose();
    }
  });

  it('the pre-push hook holds a push to main until answered: stop blocks it, "deploy anyway" with a reason lets it through', async function () {
    this.timeout(90_000);
    const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-remote-'));
    git(remote, 'init', '-q', '--bare');
    if (git(ws, 'remote').split('\n').includes('guardtest')) git(ws, 'remote', 'remove', 'guardtest');
    git(ws, 'remote', 'add', 'guardtest', remote);
    const installed = await api.deployGuard.installPushGuard();
    assert.strictEqual(installed.length, 1, 'installed in the demo repo');
    const hook = path.join(ws, '.git', 'hooks', 'pre-push');
    assert.ok(fs.readFileSync(hook, 'utf8').includes('oncall-push-guard'));

    const push = (): Promise<{ code: number | null; at: number; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn('git', ['push', 'guardtest', 'HEAD:refs/heads/main'], { cwd: ws, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, at: Date.now(), stderr }));
      });

    // 1) The user answers "stop" after 2 s: the push must wait for it, then fail.
    let answeredAt = 0;
    prompts.length = 0;
    api.deployGuard.setResponder(async (p) => {
      prompts.push(p);
      await sleep(2000);
      answeredAt = Date.now();
      return { choice: 'stop' };
    });
    const stopped = await push();
    assert.notStrictEqual(stopped.code, 0, `push should be blocked: ${stopped.stderr}`);
    assert.ok(prompts.length === 1 && /Push to main/.test(prompts[0]!.what), 'asked about the push to main');
    assert.ok(stopped.at >= answeredAt, 'the push waited for the answer');
    assert.match(stopped.stderr, /push stopped in the editor/);
    assert.throws(() => git(remote, 'rev-parse', '--verify', 'refs/heads/main'), 'nothing reached the remote');

    // 2) "Deploy anyway" with a reason: the push goes through and the override is logged.
    api.deployGuard.setResponder(() => Promise.resolve({ choice: 'anyway', reason: 'hotfix for the checkout outage, I stay online' }));
    const allowed = await push();
    assert.strictEqual(allowed.code, 0, allowed.stderr);
    assert.ok(git(remote, 'rev-parse', '--verify', 'refs/heads/main').trim().length === 40, 'main reached the remote');
    assert.strictEqual(api.deployGuard.warnings.at(-1)?.choice, 'anyway');

    // 3) Removing the guard removes the hook.
    await api.deployGuard.removePushGuard();
    assert.ok(!fs.existsSync(hook), 'hook removed');
    git(ws, 'remote', 'remove', 'guardtest');
  });

  it('"Deploy anyway" posts its reason as a note on the open alerts of the services this repository deploys (the demo has notes)', async () => {
    // (before() set the guard's clock to a Friday evening: risky.)
    assert.strictEqual(api.deployGuard.decide().risky, true);
    // The demo deploys commits of this workspace's repository: those deploys name its services.
    const services = await waitFor('the services this repository deploys', async () => {
      const s = await api.deploys.servicesOfWorkspace();
      return s.length ? s : undefined;
    });
    const demoServices = new Set(api.connections.connection!.deploys.map((d) => d.service));
    for (const s of services) assert.ok(demoServices.has(s), `${s} is a deployed service`);
    const reason = `hotfix for the outage ${Date.now().toString(36)}`;
    api.deployGuard.setResponder(() => Promise.resolve({ choice: 'anyway', reason }));
    try {
      const folder = vscode.workspace.workspaceFolders![0]!;
      await vscode.tasks.executeTask(new vscode.Task({ type: 'shell' }, folder, 'deploy production (responder)', 'oncall-test', new vscode.ShellExecution('true')));
      const noted = await waitFor(
        'the override as a note on the server',
        async () => {
          const snap = await serverSnapshot(requireBridge().url);
          const hits = snap.alerts.filter((x) => x.notes?.some((n) => n.text.includes(reason) && /Deploy guard overridden/.test(n.text)));
          return hits.length ? hits : undefined;
        },
        20_000,
      );
      assert.ok(noted.length >= 1 && noted.length <= 3, `on 1 to 3 alerts, not every open one: ${noted.length}`);
      assert.ok(noted.every((x) => x.status !== 'resolved'), 'on open alerts');
      assert.ok(noted.every((x) => services.includes(x.service)), `on alerts of ${services.join(', ')}: ${noted.map((x) => `${x.id} ${x.service}`).join(', ')}`);
    } finally {
      api.deployGuard.setResponder(undefined);
    }
  });

  it('deploy files show a warning diagnostic and a CodeLens while the risky window is open', async () => {
    const file = path.join(ws, 'deploy-prod.sh');
    fs.writeFileSync(file, '#!/bin/sh\nkubectl apply -f k8s/\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor('a deploy-window diagnostic', () => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'On Call');
      return d.length ? d : undefined;
    });
    assert.strictEqual(diags[0]!.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(diags[0]!.message, /^Risky deploy: /);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    assert.ok(lenses.some((l) => /Deploying now is risky/.test(l.command?.title ?? '')), 'a CodeLens explains it');
    await sleep(800);
    await screenshot('deploy-guard-file');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file);
  });

  it('a terminal kubectl during a risky window is held by its PATH wrapper until answered; runs unchanged after a reason; outside it runs at once', async function () {
    this.timeout(300_000);
    prompts.length = 0;
    api.deployGuard.setResponder((p) => {
      prompts.push(p);
      return Promise.resolve({ choice: 'dismiss' });
    });
    api.deployGuard.useClock(offsetClock(systemClock, friday - Date.now()));
    // A fake kubectl first on the terminal's own PATH, recording each run's arguments.
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-fakebin-'));
    const record = path.join(fake, 'ran.log');
    const pathFile = path.join(fake, 'path.txt');
    fs.writeFileSync(path.join(fake, 'kubectl'), `#!/bin/sh\nprintf 'ran' >> '${record}'\nfor a in "$@"; do printf ' [%s]' "$a" >> '${record}'; done\necho >> '${record}'\n`, { mode: 0o755 });
    const ran = (): string[] => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean) : []);
    const terminal = vscode.window.createTerminal({ name: 'oncall-wrapper', shellPath: '/bin/bash', env: { PATH: `${fake}:${process.env.PATH ?? ''}` } });
    const lastWarning = (): (typeof api.deployGuard.warnings)[number] | undefined => api.deployGuard.warnings.at(-1);
    try {
      terminal.show();
      await sleep(1500);
      terminal.sendText(`printf '%s' "$PATH" > '${pathFile}'`);
      const termPath = await waitFor('the terminal\'s PATH', () => (fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8') : undefined), 90_000);
      // The collection prepends the wrapper folder to the PATH the terminal was created with (the shell's
      // own startup files may put more in front; what matters is that it comes before the real tool).
      const entries = termPath.split(':');
      const wrapDir = entries.find((e) => /guard-bin$/.test(e)) ?? '';
      assert.ok(wrapDir && entries.indexOf(wrapDir) < entries.indexOf(fake), `the wrapper folder comes before the real kubectl: ${termPath.slice(0, 400)}`);
      assert.ok(fs.existsSync(path.join(wrapDir, 'kubectl')), 'a kubectl wrapper is there');

      // 1) Risky window: held, nothing runs until answered; a reason runs it with its arguments unchanged.
      const n = api.deployGuard.warnings.length;
      terminal.sendText(`kubectl apply -f 'k8s/a b.yaml' --dry-run=client`);
      await waitFor('the wrapper to hold the command', () => api.deployGuard.warnings.length > n && lastWarning()?.choice === 'held', 60_000);
      assert.match(lastWarning()!.what, /"kubectl apply" in the terminal/);
      await sleep(2500);
      assert.deepStrictEqual(ran(), [], 'kubectl has not run while the question is open');
      await screenshot('deploy-guard-terminal-held');
      terminal.sendText('hotfix for the checkout outage, I stay online');
      await waitFor('kubectl to run after the reason', () => ran().length === 1, 30_000);
      assert.deepStrictEqual(ran(), ['ran [apply] [-f] [k8s/a b.yaml] [--dry-run=client]'], 'run once, arguments unchanged');
      assert.strictEqual(lastWarning()?.choice, 'anyway', 'the override was recorded');

      // 2) Cancel (Enter on an empty reason): it never runs.
      const m = api.deployGuard.warnings.length;
      terminal.sendText('kubectl rollout restart deploy/checkout');
      await waitFor('held again', () => api.deployGuard.warnings.length > m && lastWarning()?.choice === 'held', 30_000);
      terminal.sendText('');
      await waitFor('the cancel to reach the editor', () => lastWarning()?.choice === 'stop', 60_000);
      await sleep(1500);
      assert.strictEqual(ran().length, 1, 'the cancelled command did not run');

      // 3) Outside a risky window: runs at once, unchanged, without a question.
      api.deployGuard.useClock(offsetClock(systemClock, safeInstant(api) - Date.now()));
      const k = api.deployGuard.warnings.length;
      terminal.sendText('kubectl apply -f k8s/');
      await waitFor('kubectl to run at once', () => ran().length === 2, 30_000);
      assert.strictEqual(ran()[1], 'ran [apply] [-f] [k8s/]');
      assert.strictEqual(api.deployGuard.warnings.length, k, 'no question outside a risky window');
      await sleep(6000); // longer than the after-the-fact detector waits for a wrapper
      assert.deepStrictEqual(prompts.map((p) => p.what), [], 'no after-the-fact warning for commands the wrapper asked about');
    } finally {
      terminal.dispose();
      api.deployGuard.useClock(offsetClock(systemClock, friday - Date.now()));
    }
  });

  it('installing the push guard refuses a core.hooksPath outside the git folder (global or tracked .husky/), naming it, and writes nothing there', async () => {
    const global = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-global-hooks-'));
    try {
      git(ws, 'config', 'core.hooksPath', global);
      const before = warnings.length;
      assert.deepStrictEqual(await api.deployGuard.installPushGuard(), [], 'not installed');
      assert.deepStrictEqual(fs.readdirSync(global), [], 'nothing written to the global hooks folder');
      const said = warnings.slice(before).join('\n');
      assert.ok(said.includes(global), `the message names the folder: ${said}`);
      assert.match(said, /every repository/);
      assert.match(said, /unset core\.hooksPath|pre-push hook in/);

      fs.mkdirSync(path.join(ws, '.husky'), { recursive: true });
      fs.writeFileSync(path.join(ws, '.husky', 'pre-push'), 'npm test\n');
      git(ws, 'config', 'core.hooksPath', '.husky');
      const before2 = warnings.length;
      assert.deepStrictEqual(await api.deployGuard.installPushGuard(), []);
      assert.strictEqual(fs.readFileSync(path.join(ws, '.husky', 'pre-push'), 'utf8'), 'npm test\n', 'the team\'s tracked hook is untouched');
      assert.match(warnings.slice(before2).join('\n'), /tracked in the repository/);
    } finally {
      git(ws, 'config', '--unset', 'core.hooksPath');
      fs.rmSync(path.join(ws, '.husky'), { recursive: true, force: true });
      fs.rmSync(global, { recursive: true, force: true });
    }
  });

  // Last: disposes the guard (as closing the window does).
  it('when the window closes, guard.json and the wrappers\' guard file lose their port and token (a later listener on that port learns nothing)', async function () {
    this.timeout(60_000);
    const installed = await api.deployGuard.installPushGuard();
    assert.strictEqual(installed.length, 1);
    const file = path.join(ws, '.git', 'oncall', 'guard.json');
    const read = (f: string): PushGuardFile => JSON.parse(fs.readFileSync(f, 'utf8')) as PushGuardFile;
    const open = read(file);
    assert.ok(open.port && open.token, 'while the window is open the hook knows where to ask');
    const wrapperFile = api.deployGuard.wrapperGuardFile;
    assert.ok(wrapperFile && read(wrapperFile).token, 'the terminal wrappers have a guard file too');
    api.deployGuard.dispose();
    disposed = true;
    const closed = read(file);
    assert.strictEqual(closed.port, undefined, 'no port left behind');
    assert.strictEqual(closed.token, undefined, 'no token left behind');
    assert.strictEqual(closed.cache.identity, open.cache.identity, 'the cached schedule stays for offline decisions');
    assert.strictEqual(read(wrapperFile).token, undefined, 'the wrappers\' file is cleared too');
    assert.strictEqual(read(wrapperFile).port, undefined);
    const paths = await repoPaths(ws);
    removeHook(paths!);
    assert.ok(!fs.existsSync(path.join(ws, '.git', 'hooks', 'pre-push')));
  });
});
