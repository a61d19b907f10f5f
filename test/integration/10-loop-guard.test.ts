/**
 * Issue 21 items 2, 6 and 7 against the demo bridge in the real VS Code host: the push guard knows about open
 * alerts (a push that changes the top frame of an open alert says so and links to it), the alert's rule in the
 * repository with how often it fired (the bridge's firing history; the demo's stock-reservation rule flaps), and the
 * "paged here" CodeLens. Dialogs are answered through the features' test seams; the server's snapshot is the truth.
 */
import * as assert from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { demoTraces } from '../../src/bridge/sources/demo/traces';
import type { Alert } from '../../src/core/protocol/types';
import { offsetClock, systemClock } from '../../src/core/util/clock';
import type { OnCallApi } from '../../src/extension';
import { DeployGuardFeature } from '../../src/host/deployGuard/deployGuardFeature';
import { activateExtension, requireBridge, screenshot, sleep, waitFor } from './helpers';
import { serverAlert } from './protocolProbe';

const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

const RULES = `# Prometheus alerting rules of the acme shop (a test fixture of the integration suite)
groups:
  - name: checkout
    rules:
      - alert: CheckoutHighErrorRate
        expr: sum(rate(http_requests_total{service="checkout-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="checkout-api"}[5m])) > 0.05
        for: 2m
        labels:
          severity: critical
  - name: inventory
    rules:
      - alert: StockReservationConflicts
        expr: rate(stock_reservation_conflicts_total[5m]) > 0.02
        labels:
          severity: warning
`;

let guard: DeployGuardFeature;
let ownGuard: DeployGuardFeature | undefined;

describe('issue 21 loop: push guard ↔ open alerts, the alert\'s rule, "paged here" (real VS Code host)', function () {
  this.timeout(120_000);
  let api: OnCallApi;
  let ws: string;
  let coupon: Alert;
  const rulesFile = (): string => path.join(ws, 'monitoring', 'prometheus', 'shop.rules.yml');

  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // `isDisposed` is protected: read at run time only to learn whether an earlier suite (05) closed the extension's guard.
    if ((api.deployGuard as unknown as { isDisposed: boolean }).isDisposed) {
      ownGuard = new DeployGuardFeature(api.context, { onCall: api.onCall, deploys: api.deploys, frames: api.stackTraces.traces, fixes: api.fixWatch });
    }
    guard = ownGuard ?? api.deployGuard;
    const trace = demoTraces()['checkout-coupon']!.text;
    coupon = await waitFor('the open demo alert whose top frame is the coupon bug line', () =>
      [...api.connections.connection!.store.values()].find((a) => a.stackTrace === trace && a.status !== 'resolved'),
    );
    await waitFor('the firing history', () => api.connections.connection?.hasHistory === true);
    fs.mkdirSync(path.dirname(rulesFile()), { recursive: true });
    fs.writeFileSync(rulesFile(), RULES);
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar').then(undefined, () => undefined);
  });
  after(async () => {
    guard?.pushAlerts.setResponder(undefined);
    guard?.useClock(systemClock);
    await vscode.workspace.getConfiguration('oncall').update('pagedHere.codeLens', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (ws) fs.rmSync(path.join(ws, 'monitoring'), { recursive: true, force: true });
    ownGuard?.dispose();
  });

  //#region 6. the alert's rule
  it('Open Alerting Rule opens "alert: <alertname>" in the workspace\'s rule file and says how often it fired; the flapping rule is marked', async () => {
    // Open if it still is; an earlier suite (or the demo world) may have resolved it — the rule and its history are the same.
    const all = [...api.connections.connection!.store.values()].filter((a) => a.labels.alertname === 'StockReservationConflicts');
    const flappy = all.find((a) => a.status !== 'resolved') ?? all[0];
    assert.ok(flappy, 'the demo\'s stock-reservation alert');
    const r = await api.alertHistory.openRule(flappy.id);
    assert.strictEqual(r.kind, 'opened', r.message);
    assert.strictEqual(r.uri?.fsPath, rulesFile());
    assert.strictEqual(r.line, RULES.split('\n').findIndex((l) => l.includes('alert: StockReservationConflicts')) + 1);
    const ed = vscode.window.activeTextEditor!;
    assert.strictEqual(ed.document.uri.fsPath, rulesFile());
    assert.strictEqual(ed.selection.active.line + 1, r.line);
    // The demo seeded four past firings in the last three hours, each cleared within minutes, plus the open one.
    assert.ok(r.stats && r.stats.fired >= 5, JSON.stringify(r.stats));
    assert.strictEqual(r.stats.flapping, true);
    assert.match(r.message, /StockReservationConflicts fired \d+× in the last 24 h — flapping/);
    await sleep(500);
    await screenshot('loopb-alert-rule');

    const steady = await api.alertHistory.openRule(coupon.id);
    assert.strictEqual(steady.kind, 'opened', steady.message);
    assert.strictEqual(steady.stats?.flapping, false, 'three firings a week apart are not flapping');
    assert.doesNotMatch(steady.message, /flapping/);
  });

  it('says plainly when no rule file defines the alert', async () => {
    fs.writeFileSync(rulesFile(), RULES.replace('alert: CheckoutHighErrorRate', 'alert: SomethingElse'));
    try {
      const r = await api.alertHistory.openRule(coupon.id);
      assert.strictEqual(r.kind, 'notFound');
      assert.match(r.message, /no rule file in this workspace defines "alert: CheckoutHighErrorRate"/);
    } finally {
      fs.writeFileSync(rulesFile(), RULES);
    }
  });
  //#endregion

  //#region 7. "paged here"
  it('"paged here": the coupon line shows how often it was the top frame (the bridge\'s history), linking to those alerts; the setting turns it off', async () => {
    const top = (await api.stackTraces.resolvedFrames(coupon))[0];
    assert.ok(top, 'the coupon alert\'s top frame resolves to a workspace file');
    const uri = vscode.Uri.file(path.join(top.folder, top.path));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { selection: new vscode.Range(top.line - 1, 0, top.line - 1, 0) });
    const lensAt = async (): Promise<vscode.CodeLens | undefined> => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
      return lenses.find((l) => l.range.start.line === top.line - 1 && /paged \d+× in 30 days/.test(l.command?.title ?? ''));
    };
    const lens = await waitFor('the "paged here" lens on the top frame line', lensAt, 20_000);
    // Three past firings of CheckoutHighErrorRate (the demo's history) and today's open one.
    assert.match(lens.command!.title, /paged 4× in 30 days · last \d\d:\d\d/, lens.command!.title);
    await sleep(800);
    await screenshot('loopb-paged-here');

    // The lens lists those alerts, newest (the open one) first.
    void vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    await waitFor('the list of alerts paged here', () => api.alertHistory.lastPagedHere.length === 4 || undefined);
    assert.deepStrictEqual(api.alertHistory.lastPagedHere[0], { alertId: coupon.id, open: true });
    assert.strictEqual(api.alertHistory.lastPagedHere.filter((x) => x.open).length, 1);
    await sleep(300);
    await screenshot('loopb-paged-here-list');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');

    await vscode.workspace.getConfiguration('oncall').update('pagedHere.codeLens', false, vscode.ConfigurationTarget.Global);
    await waitFor('the lens gone with the setting off', async () => !(await lensAt()));
    await vscode.workspace.getConfiguration('oncall').update('pagedHere.codeLens', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('the lens back', lensAt);
  });
  //#endregion

  //#region 2. the push guard knows about open alerts
  it('a push to main that changes the top frame of an open alert says so in the hook, and links the push to the alert (a note on it)', async () => {
    const frames = await api.stackTraces.resolvedFrames(coupon);
    const top = frames[0]!;
    const file = path.join(top.folder, top.path);
    const repoRel = path.relative(git(ws, 'rev-parse', '--show-toplevel').trim(), file);
    // A deploy window that is fine: the push goes through, and the hook still says what it touches.
    for (let t = Math.ceil(Date.now() / 1_800_000) * 1_800_000; t < Date.now() + 8 * 86_400_000; t += 1_800_000) {
      if (!guard.decide(t).risky) {
        guard.useClock(offsetClock(systemClock, t - Date.now()));
        break;
      }
    }
    assert.strictEqual(guard.decide().risky, false);
    const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-remote-'));
    git(remote, 'init', '-q', '--bare');
    if (git(ws, 'remote').split('\n').includes('loopb')) git(ws, 'remote', 'remove', 'loopb');
    git(ws, 'remote', 'add', 'loopb', remote);
    const head = git(ws, 'rev-parse', 'HEAD').trim();
    const installed = await guard.installPushGuard();
    assert.strictEqual(installed.length, 1);
    const push = (refspec = 'HEAD:refs/heads/main'): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn('git', ['push', 'loopb', refspec], { cwd: ws, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const offered: string[][] = [];
    guard.pushAlerts.setResponder((hits) => {
      offered.push(hits.map((h) => h.alertId));
      return Promise.resolve(true);
    });
    try {
      // main exists on the remote first (created: nothing the remote has yet to compare with, so nothing said).
      const first = await push();
      assert.strictEqual(first.code, 0, first.stderr);
      assert.doesNotMatch(first.stderr, /this push changes/, 'a whole new history shares nothing with the empty remote');
      // The fix: change the top frame's line, commit, push.
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines[top.line - 1] = `${lines[top.line - 1]} // TODO: guard a missing coupon`;
      fs.writeFileSync(file, lines.join('\n'));
      git(ws, '-c', 'user.name=You', '-c', 'user.email=you@example.com', 'commit', '-q', '-am', 'checkout: guard a missing coupon');
      const fix = git(ws, 'rev-parse', 'HEAD').trim();
      const before = guard.pushAlerts.lastOffer;
      const r = await push();
      assert.strictEqual(r.code, 0, r.stderr);
      const base = path.basename(repoRel);
      assert.match(r.stderr, new RegExp(`this push changes ${base.replace('.', '\\.')}:${top.line}, the top frame of (?:open|acknowledged) critical 'checkout-api: 5xx rate`), r.stderr);
      const links = await waitFor('the offer to link the push', () => (guard.pushAlerts.lastOffer !== before ? guard.pushAlerts.lastOffer : undefined));
      assert.deepStrictEqual(offered.at(-1), [coupon.id]);
      assert.deepStrictEqual(
        links.map((l) => [l.alertId, l.shas.at(-1), l.via]),
        [[coupon.id, fix, 'push']],
      );
      assert.ok(api.fixWatch.links.get(coupon.id)?.shas.includes(fix), 'kept in fix → watch → resolve\'s store');
      const onServer = await waitFor('the link as a note at the source', async () => {
        const a = await serverAlert(bridgeUrl, coupon.id);
        return a?.notes?.find((n) => n.text.includes(fix.slice(0, 12)) && /linked as its fix/.test(n.text));
      });
      assert.match(onServer.text, new RegExp(`changes ${repoRel.replace(/[.]/g, '\\.')}:${top.line} \\(the top frame of this alert\\)`));

      // A push that changes none of the open alerts' frames says nothing about them and offers nothing.
      fs.writeFileSync(path.join(ws, 'loopb-unrelated.txt'), 'x\n');
      git(ws, 'add', 'loopb-unrelated.txt');
      git(ws, '-c', 'user.name=You', '-c', 'user.email=you@example.com', 'commit', '-q', '-m', 'docs: unrelated');
      const offers = offered.length;
      const quiet = await push();
      assert.strictEqual(quiet.code, 0, quiet.stderr);
      assert.doesNotMatch(quiet.stderr, /this push changes/);
      await sleep(500);
      assert.strictEqual(offered.length, offers, 'no link offered');

      // A push that creates a protected branch (release/*) has no remote sha: it is compared with what the remote
      // already has (main, just pushed), so changing the top frame again says so too.
      lines[top.line - 1] = `${lines[top.line - 1]} (and log it)`;
      fs.writeFileSync(file, lines.join('\n'));
      git(ws, '-c', 'user.name=You', '-c', 'user.email=you@example.com', 'commit', '-q', '-am', 'checkout: log a missing coupon');
      const fix2 = git(ws, 'rev-parse', 'HEAD').trim();
      const beforeNew = guard.pushAlerts.lastOffer;
      const created = await push('HEAD:refs/heads/release/1.6');
      assert.strictEqual(created.code, 0, created.stderr);
      assert.match(created.stderr, new RegExp(`this push changes ${base.replace('.', '\\.')}:${top.line}, the top frame of (?:open|acknowledged) critical 'checkout-api: 5xx rate`), created.stderr);
      const newLinks = await waitFor('the offer to link the new branch\'s push', () => (guard.pushAlerts.lastOffer !== beforeNew ? guard.pushAlerts.lastOffer : undefined));
      assert.deepStrictEqual(newLinks.map((l) => [l.alertId, l.shas.at(-1)]), [[coupon.id, fix2]]);
      // A new branch at a commit the remote already has adds nothing: nothing said.
      const same = await push('HEAD~1:refs/heads/release/1.5');
      assert.strictEqual(same.code, 0, same.stderr);
      assert.doesNotMatch(same.stderr, /this push changes/);

      // The same push in the terminal, for the README: the hook's lines as the user sees them.
      git(ws, 'update-ref', '-d', 'refs/remotes/loopb/release/1.6');
      const term = vscode.window.createTerminal({ name: 'push', cwd: ws });
      term.show();
      await sleep(1500);
      // Only the picture: what the hook says is asserted above (on a loaded machine the 5 s alert check may give up).
      term.sendText('git push loopb HEAD:refs/heads/release/1.7');
      await waitFor('the terminal push through the hook', () => git(remote, 'for-each-ref', '--format=%(refname)', 'refs/heads/release/1.7').trim() !== '', 30_000);
      await sleep(1500);
      await screenshot('loopb-push-guard-new-branch-terminal');
      term.dispose();
    } finally {
      await guard.removePushGuard();
      git(ws, 'reset', '-q', '--hard', head);
      git(ws, 'remote', 'remove', 'loopb');
      fs.rmSync(remote, { recursive: true, force: true });
    }
  });
  //#endregion

  //#region 8. the guard in CI
  it('the CI guard (guard-cli ci, as a GitLab CI job runs it) against the demo bridge: a Friday-evening deploy by someone off shift fails the job with who gets paged and the safer time', async () => {
    const cli = path.join(api.context.paths.extensionPath, 'dist', 'guard-cli.js');
    assert.ok(fs.existsSync(cli), `the CLI ships with the extension: ${cli}`);
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-ci-project-'));
    // The next Friday, 19:30 UTC: inside the default "Friday afternoon to Monday morning" window, whatever today is.
    const friday = new Date();
    friday.setUTCDate(friday.getUTCDate() + ((5 - friday.getUTCDay() + 7) % 7 || 7));
    friday.setUTCHours(19, 30, 0, 0);
    const env: Record<string, string> = {
      GITLAB_CI: 'true', CI_COMMIT_SHA: 'c0ffee'.padEnd(40, '0'), CI_COMMIT_REF_NAME: 'main',
      CI_COMMIT_AUTHOR: 'Sam Rivera <sam.rivera@acme.example>', CI_COMMIT_MESSAGE: 'checkout: retry quotes', CI_PROJECT_DIR: project,
      ONCALL_BRIDGE_URL: bridgeUrl.replace(/^ws/, 'http').replace(/\/$/, ''), ONCALL_TEST_NOW: friday.toISOString(),
    };
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'ci', '--service', 'checkout-api'], { env: { PATH: process.env.PATH ?? '', ...env, ELECTRON_RUN_AS_NODE: '1' } });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
      assert.strictEqual(r.code, 1, r.out);
      assert.match(r.out, /Deploying c0ffee000000 by Sam Rivera now is risky/);
      assert.match(r.out, /Sam Rivera is not on call/);
      assert.match(r.out, /gets paged at/);
      assert.match(r.out, /Safer: /);
      // The same job in the terminal, for the README.
      const term = vscode.window.createTerminal({ name: 'CI: deploy job', cwd: project, env });
      term.show();
      await sleep(1500);
      term.sendText(`node ${JSON.stringify(cli)} ci --service checkout-api; echo "job exit code: $?"`);
      await sleep(4000);
      await screenshot('loopb-ci-guard-terminal');
      term.dispose();
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
  //#endregion
});
