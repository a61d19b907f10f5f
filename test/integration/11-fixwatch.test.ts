/**
 * Issue 21 item 3 (fix → watch → resolve) in the real VS Code host against a demo bridge run in this process (so the
 * test can post deploys to it, as a deploy webhook would): an alert is linked to a fix commit (Link Fix Commit…, or a
 * `Fixes-Alert:` trailer in a deploy's range), a deploy containing the fix arrives, and after the quiet minutes the
 * Resolve offer appears and resolves the alert on the server; an alert still firing after its fix deployed is said so.
 * The fix and deploy commits are made with `git commit-tree` (objects only: the workspace's HEAD and files stay).
 */
import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { BridgeServer } from '../../src/bridge/server';
import { DemoSource } from '../../src/bridge/sources/demo/demoSource';
import { builtinDemoCommits } from '../../src/bridge/sources/demo/workspace';
import type { Alert } from '../../src/core/protocol/types';
import { systemClock, type Clock } from '../../src/core/util/clock';
import { MemoryLogger } from '../../src/core/util/logger';
import type { OnCallApi } from '../../src/extension';
import type { FixWatchOffer } from '../../src/host/loop/fixWatch';
import { activateExtension, requireBridge, screenshot, sleep, waitFor } from './helpers';

const MIN = 60_000;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Fixer', GIT_AUTHOR_EMAIL: 'fixer@example.com', GIT_COMMITTER_NAME: 'Fixer', GIT_COMMITTER_EMAIL: 'fixer@example.com' },
  }).trim();
}
/** A commit object on top of `parent` with `message` (no ref moves). */
const commitTree = (ws: string, parent: string, message: string): string => git(ws, 'commit-tree', `${parent}^{tree}`, '-p', parent, '-m', message);

function movableClock(): Clock & { offset: number } {
  const c = { offset: 0, now: () => Date.now() + c.offset, setTimeout: systemClock.setTimeout, setInterval: systemClock.setInterval };
  return c;
}

describe('issue 21 loop: fix → watch → resolve (real VS Code host)', function () {
  this.timeout(120_000);
  let api: OnCallApi;
  let ws: string;
  let head: string;
  let server: BridgeServer;
  let homeUrl: string;
  const clock = movableClock();
  const offers: FixWatchOffer[] = [];
  let answer: (o: FixWatchOffer, buttons: string[]) => string | undefined = () => undefined;

  const deploy = (a: Alert, sha: string, previousSha: string, id: string): void =>
    server.world.addDeploy({ id, service: a.service, environment: a.environment ?? 'production', commitSha: sha, previousSha, author: { name: 'CI', email: 'ci@example.com' }, deployedAt: new Date().toISOString(), status: 'succeeded' });

  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    head = git(ws, 'rev-parse', 'HEAD');
    homeUrl = api.connections.url ?? '';
    server = new BridgeServer({ source: new DemoSource({ commits: builtinDemoCommits(), seed: 11, intervalMs: 3_600_000 }), port: 0, demoMode: true, clock: systemClock, logger: new MemoryLogger() });
    await server.start();
    await vscode.commands.executeCommand('oncall.connect', { url: server.url, token: '' });
    await waitFor('connected to the test bridge', () => api.connections.connection?.state.state === 'connected' && api.connections.url === server.url, 20000);
    // Links kept in workspaceState by an earlier run (same demo ids) must not answer for this one.
    for (const l of api.fixWatch.links.all()) api.fixWatch.links.remove(l.alertId);
    api.fixWatch.useClock(clock);
    api.fixWatch.setResponder((o, buttons) => {
      offers.push(o);
      // The same text and buttons on screen (not awaited), for the screenshots; the answer comes from the test.
      void (o.kind === 'still-firing' ? vscode.window.showWarningMessage(o.message, ...buttons) : vscode.window.showInformationMessage(o.message, ...buttons));
      return Promise.resolve(answer(o, buttons));
    });
  });
  after(async () => {
    api?.fixWatch.setResponder(undefined);
    api?.fixWatch.setPicker(undefined);
    api?.fixWatch.useClock(systemClock);
    for (const l of api?.fixWatch.links.all() ?? []) api.fixWatch.links.remove(l.alertId);
    if (homeUrl) {
      await vscode.workspace.getConfiguration('oncall').update('serverUrl', homeUrl, vscode.ConfigurationTarget.Workspace);
      await waitFor('back on the demo bridge', () => api.connections.connection?.state.state === 'connected' && api.connections.url === homeUrl, 30000);
    }
    await server?.close();
  });

  it('Link Fix Commit… → a deploy containing the fix → watching → quiet for the quiet minutes → "Resolve?" → resolved on the server', async () => {
    const store = api.connections.connection!.store;
    const a = await waitFor('a triggered demo alert', () => [...store.values()].find((x) => x.status === 'triggered'));
    // Someone acknowledged it and is working on the fix: acknowledged is not firing.
    assert.strictEqual(await api.alerts.runAction('ack', [a.id]), true);
    await waitFor('acknowledged', () => store.get(a.id)?.status === 'acknowledged');

    // The fix is the workspace's HEAD, picked from the recent commits.
    let listed: string[] = [];
    api.fixWatch.setPicker((commits) => ((listed = commits.map((c) => c.sha)), Promise.resolve(head)));
    const link = await vscode.commands.executeCommand<{ shas: string[] } | undefined>('oncall.linkFixCommit', a.id);
    assert.deepStrictEqual(link?.shas, [head]);
    assert.strictEqual(listed[0], head, 'the newest commit first');
    assert.ok(listed.length <= 50, 'bounded');
    // The demo's own deploys of HEAD (a staging rollout still `started`) do not count: nothing has run the fix yet.
    await waitFor('a watch decision for the link', async () => (await api.fixWatch.evaluate(), api.fixWatch.state(a.id)));
    assert.strictEqual(api.fixWatch.state(a.id)?.kind, 'waiting-for-deploy', `state ${JSON.stringify(api.fixWatch.state(a.id))}`);

    // A deploy that does not contain the fix (the HEAD's parent) changes nothing.
    const parent = git(ws, 'rev-parse', 'HEAD^');
    deploy(a, parent, git(ws, 'rev-parse', 'HEAD~2'), 'fixwatch-old');
    await waitFor('the old deploy in the history', () => api.deploys.history.some((d) => d.id === 'fixwatch-old'));
    await api.fixWatch.evaluate();
    assert.strictEqual(api.fixWatch.state(a.id)?.kind, 'waiting-for-deploy');

    // A deploy of a commit on top of the fix: contains it (git says the fix is an ancestor).
    const release = commitTree(ws, head, 'release 1.2.3');
    deploy(a, release, head, 'fixwatch-1');
    const watching = await waitFor('watching after the deploy', async () => {
      await api.fixWatch.evaluate();
      const s = api.fixWatch.state(a.id);
      return s?.kind === 'watching' ? s : undefined;
    });
    const quietMs = api.context.config.value.fixWatchQuietMinutes * MIN;
    assert.strictEqual(watching.deploy.id, 'fixwatch-1');
    assert.ok(Math.abs(watching.quietUntil - (Date.parse(api.deploys.history.find((d) => d.id === 'fixwatch-1')!.deployedAt) + quietMs)) < 1000);
    assert.strictEqual(offers.length, 0, 'nothing offered while watching');

    // The quiet minutes pass with the alert quiet → the offer, answered Resolve → resolved at the source.
    answer = (o, buttons) => (o.kind === 'quiet' && buttons.includes('Resolve') ? 'Resolve' : undefined);
    clock.offset = quietMs + 1000;
    await api.fixWatch.evaluate();
    const offer = await waitFor('the Resolve offer', () => offers.find((o) => o.alertId === a.id));
    assert.strictEqual(offer.kind, 'quiet');
    assert.ok(offer.canResolve);
    assert.match(offer.message, new RegExp(`fix ${head.slice(0, 7)} deployed \\d+ min ago and ".+" stayed quiet: Resolve\\?`));
    await vscode.commands.executeCommand('notifications.showList');
    await sleep(1000);
    await screenshot('loop-fix-resolve-offer');
    await vscode.commands.executeCommand('notifications.clearAll');
    await waitFor('resolved on the server', () => server.world.getAlert(a.id)?.status === 'resolved');
    assert.strictEqual(offer.resolved, true);
    await waitFor('the watch sees it resolved', async () => (await api.fixWatch.evaluate(), api.fixWatch.state(a.id)?.kind === 'resolved'));
    assert.strictEqual(offers.filter((o) => o.alertId === a.id).length, 1, 'offered once');
  });

  it('a Fixes-Alert trailer in a deploy\'s range links the fix; an alert still firing after the fix deployed is said so, with the deploy and the alert', async () => {
    clock.offset = 0;
    const store = api.connections.connection!.store;
    const a = await waitFor('another triggered demo alert', () => [...store.values()].find((x) => x.status === 'triggered' && !api.fixWatch.links.get(x.id)));
    const fix = commitTree(ws, head, `fix the thing\n\nFixes-Alert: ${a.id}`);
    const release = commitTree(ws, fix, 'release 1.2.4');
    answer = (o, buttons) => (o.kind === 'still-firing' ? buttons[0] : undefined);
    deploy(a, release, head, 'fixwatch-2');
    const link = await waitFor('the trailer link', () => api.fixWatch.links.get(a.id), 20000);
    assert.deepStrictEqual(link.shas, [fix]);
    assert.strictEqual(link.via, 'trailer');
    await waitFor('watching', async () => (await api.fixWatch.evaluate(), api.fixWatch.state(a.id)?.kind === 'watching'));
    clock.offset = api.context.config.value.fixWatchQuietMinutes * MIN + 1000;
    await api.fixWatch.evaluate();
    const offer = await waitFor('the still-firing warning', () => offers.find((o) => o.alertId === a.id));
    assert.strictEqual(offer.kind, 'still-firing');
    assert.strictEqual(offer.deployId, 'fixwatch-2');
    assert.match(offer.message, new RegExp(`still firing after fix ${fix.slice(0, 7)} deployed \\(deploy ${release.slice(0, 7)} `));
    assert.strictEqual(offer.answer, 'Show Deploy');
    await waitFor('the deploy row selected', () => api.deploys.view.selection.some((e) => e.kind === 'deploy' && e.record.id === 'fixwatch-2'));
    await sleep(1000);
    await screenshot('loop-fix-still-firing');
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.strictEqual(server.world.getAlert(a.id)?.status, 'triggered', 'nothing was resolved');
  });

  it('with oncall.fixWatch.autoResolve on (user settings): quiet after the fix deployed → resolved at the source by itself, and the user is told so (no Undo: no reopen)', async () => {
    clock.offset = 0;
    const cfg = vscode.workspace.getConfiguration('oncall');
    await cfg.update('fixWatch.autoResolve', true, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the setting read', () => api.context.config.value.fixWatchAutoResolve);
      const store = api.connections.connection!.store;
      const a = await waitFor('a third triggered demo alert', () => [...store.values()].find((x) => x.status === 'triggered' && !api.fixWatch.links.get(x.id)));
      assert.strictEqual(await api.alerts.runAction('ack', [a.id]), true);
      await waitFor('acknowledged', () => store.get(a.id)?.status === 'acknowledged');
      const fix = commitTree(ws, head, 'fix the other thing');
      await api.fixWatch.linkFix(a.id, fix, 'command');
      const release = commitTree(ws, fix, 'release 1.2.5');
      deploy(a, release, head, 'fixwatch-3');
      await waitFor('watching', async () => (await api.fixWatch.evaluate(), api.fixWatch.state(a.id)?.kind === 'watching'));
      let asked: string[] | undefined;
      answer = (o, buttons) => ((asked = o.alertId === a.id ? buttons : asked), undefined);
      clock.offset = api.context.config.value.fixWatchQuietMinutes * MIN + 1000;
      await api.fixWatch.evaluate();
      await waitFor('resolved on the server, without a question', () => server.world.getAlert(a.id)?.status === 'resolved');
      const told = await waitFor('told afterwards', () => offers.find((o) => o.alertId === a.id));
      assert.strictEqual(told.autoResolved, true);
      assert.strictEqual(told.resolved, true);
      assert.match(told.message, new RegExp(`fix ${fix.slice(0, 7)} deployed \\d+ min ago and ".+" stayed quiet, so it was resolved \\(oncall\\.fixWatch\\.autoResolve\\)\\. It cannot be reopened from here`));
      assert.deepStrictEqual(asked, ['Show Alert'], 'told, not asked: no Resolve button');
      await vscode.commands.executeCommand('notifications.showList');
      await sleep(1000);
      await screenshot('loop-fix-auto-resolved');
      await vscode.commands.executeCommand('notifications.clearAll');
      await waitFor('the watch sees it resolved', async () => (await api.fixWatch.evaluate(), api.fixWatch.state(a.id)?.kind === 'resolved'));
      assert.strictEqual(offers.filter((o) => o.alertId === a.id).length, 1, 'told once');
    } finally {
      await cfg.update('fixWatch.autoResolve', undefined, vscode.ConfigurationTarget.Global);
      clock.offset = 0;
    }
  });
});
