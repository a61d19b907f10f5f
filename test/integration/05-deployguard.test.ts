import * as assert from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { offsetClock, systemClock } from '../../src/core/util/clock';
import type { OnCallApi } from '../../src/extension';
import type { GuardPrompt } from '../../src/host/deployGuard/deployGuardFeature';
import { activateExtension, screenshot, sleep, waitFor } from './helpers';

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

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

describe('deploy guard (real VS Code host)', function () {
  let api: OnCallApi;
  let ws: string;
  const prompts: GuardPrompt[] = [];

  before(async function () {
    if (!process.env.ONCALL_TEST_BRIDGE_URL) this.skip();
    api = await activateExtension();
    await waitFor('connected', () => api.connections.connection?.state.state === 'connected', 20000);
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const friday = fridayEveningOffShift(api);
    api.deployGuard.useClock(offsetClock(systemClock, friday - Date.now()));
  });
  after(() => {
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

  it('a deploy command run in the terminal (shell integration) shows the warning once', async function () {
    this.timeout(60_000);
    prompts.length = 0;
    api.deployGuard.setResponder((p) => {
      prompts.push(p);
      return Promise.resolve({ choice: 'dismiss' });
    });
    const terminal = vscode.window.createTerminal({ name: 'oncall-deploy', shellPath: '/bin/bash' });
    try {
      terminal.show();
      const si = await waitFor('shell integration in the terminal', () => terminal.shellIntegration, 30_000);
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
    assert.match(diags[0]!.message, /risky/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    assert.ok(lenses.some((l) => /Deploying now is risky/.test(l.command?.title ?? '')), 'a CodeLens explains it');
    await sleep(800);
    await screenshot('deploy-guard-file');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file);
  });
});
