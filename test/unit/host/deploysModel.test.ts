// The deploys model on plain Node (no vscode): watch windows driven by a manual clock, the connection scope,
// settings validation and the tag read. The view (DeploysFeature) only renders what this decides.
import * as assert from 'node:assert';
import type { TagInfo } from '../../../src/core/git';
import type { Alert, Deploy } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { DisposableStore, toDisposable, type IDisposable } from '../../../src/core/util/disposable';
import { Emitter } from '../../../src/core/util/event';
import type { Logger } from '../../../src/core/util/logger';
import { DeploysModel, type DeploysConnections, type DeploysModelPeers } from '../../../src/host/deploys/deploysModel';
import { readSettings } from '../../../src/core/config/settings';

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 27, 16, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const ME = 'you@example.com';

function deploy(id: string, over: Partial<Deploy> = {}): Deploy {
  return { id, service: 'checkout-api', environment: 'production', commitSha: 'a'.repeat(40), author: { name: 'You', email: ME }, deployedAt: iso(NOW), status: 'succeeded', ...over };
}

function alert(startedAt: number, over: Partial<Alert> = {}): Alert {
  return { id: `A${startedAt}`, title: 't', severity: 'critical', status: 'triggered', service: 'checkout-api', environment: 'production', startedAt: iso(startedAt), updatedAt: iso(startedAt), assignees: [], labels: {}, source: 'demo', ...over };
}

/** A connection as the model sees it: deploys that change, alerts in a store. */
class FakeConnection {
  readonly changed = new Emitter<readonly Deploy[]>();
  readonly onDidChangeDeploys = this.changed.event;
  alerts: Alert[] = [];
  readonly store = { values: (): Iterable<Alert> => this.alerts } as never;
  constructor(public deploys: Deploy[] = []) {}
  push(d: Deploy): void {
    this.deploys = [...this.deploys, d];
    this.changed.fire(this.deploys);
  }
}

/** ConnectionFeature's whileConnected, reduced to what it promises: one scope per connection. */
class FakeConnections implements DeploysConnections {
  connection: FakeConnection | undefined;
  private readonly _runs = new Set<() => void>();
  whileConnected(fn: Parameters<DeploysConnections['whileConnected']>[0]): IDisposable {
    const scope = new DisposableStore();
    const run = (): void => {
      scope.clear();
      fn(this.connection, scope);
    };
    this._runs.add(run);
    run();
    return toDisposable(() => {
      this._runs.delete(run);
      scope.dispose();
    });
  }
  replace(c: FakeConnection | undefined): void {
    this.connection = c;
    for (const r of this._runs) r();
  }
}

const warnings: string[] = [];
const log: Logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };

/** The settings as the extension reads them (core/config/settings.ts), problems reported to the log like Config does. */
function settingsFrom(values: Record<string, unknown>) {
  return readSettings({ get: (k) => values[k], inspect: () => undefined, trusted: true }, (m) => log.warn(m));
}
const tagRulesFrom = (v: unknown) => settingsFrom({ 'deploys.tagPatterns': v }).deployTagRules;

function model(over: Partial<DeploysModelPeers> = {}) {
  const clock = new ManualClock(NOW);
  const connections = new FakeConnections();
  const conn = new FakeConnection();
  connections.connection = conn;
  const m = new DeploysModel({
    connections,
    clock,
    log,
    identity: () => ME,
    watchMinutes: () => 30,
    tagRules: () => tagRulesFrom(undefined),
    isTrusted: () => true,
    readTags: () => Promise.resolve(undefined),
    ...over,
  });
  let watchingChanges = 0;
  m.onDidChangeWatching(() => watchingChanges++);
  return { m, clock, connections, conn, changes: () => watchingChanges };
}

describe('host/deploys DeploysModel (manual clock)', () => {
  beforeEach(() => (warnings.length = 0));

  it('watches my deploy for oncall.deploys.watchMinutes, then ends the watch by itself when the window closes', () => {
    const { m, clock, conn, changes } = model();
    conn.push(deploy('d1'));
    assert.deepStrictEqual(m.watching(), { sha: 'a'.repeat(40), newAlerts: 0, msLeft: 30 * MIN });
    assert.deepStrictEqual([...m.watchingIds()], ['d1']);
    const before = changes();
    clock.advance(29 * MIN);
    assert.strictEqual(m.watching()?.msLeft, 1 * MIN, '"1 min left" a minute before the end');
    assert.strictEqual(changes(), before, 'nothing fires while the window is open');
    clock.advance(1 * MIN + 50);
    assert.strictEqual(m.watching(), undefined, 'the watch is over');
    assert.strictEqual(changes(), before + 1, 'the model said so when the window closed (the status bar re-reads then)');
    assert.strictEqual(clock.pendingTimers, 0, 'no timer left once no window is open');
    m.dispose();
  });

  it('counts alerts that started in the window as "started after your deploy" — same service only, not after the window', () => {
    const { m, conn } = model();
    conn.push(deploy('d1'));
    conn.alerts = [alert(NOW + 5 * MIN), alert(NOW + 6 * MIN, { service: 'search' })];
    assert.strictEqual(m.watching()?.newAlerts, 1);
    assert.strictEqual(m.startedAfterMyDeploy(alert(NOW + 5 * MIN)), true);
    assert.deepStrictEqual(m.myDeployBefore(alert(NOW + 5 * MIN)), { sha: 'a'.repeat(40), minutesAfter: 5 });
    assert.strictEqual(m.startedAfterMyDeploy(alert(NOW + 5 * MIN, { service: 'search' })), false);
    assert.strictEqual(m.startedAfterMyDeploy(alert(NOW + 31 * MIN)), false);
    m.dispose();
  });

  it("does not watch someone else's deploy, nor keep a timer for it", () => {
    const { m, clock, conn } = model();
    conn.push(deploy('d2', { author: { name: 'Dana', email: 'dana@example.com' } }));
    assert.strictEqual(m.watching(), undefined);
    assert.strictEqual(m.history.length, 1, 'it is in the history all the same');
    assert.strictEqual(m.isMine(m.history[0]!), false);
    assert.strictEqual(clock.pendingTimers, 0);
    m.dispose();
  });

  it('falls back to 30 minutes for an invalid oncall.deploys.watchMinutes (read through the settings table), and 0 turns the watch off', () => {
    for (const [v, ms] of [[-1, 30 * MIN], ['20', 30 * MIN], [1441, 30 * MIN], [Number.NaN, 30 * MIN], [10, 10 * MIN]] as const) {
      const { m } = model({ watchMinutes: () => settingsFrom({ 'deploys.watchMinutes': v }).deployWatchMinutes });
      assert.strictEqual(m.watchMs, ms, `watchMinutes ${String(v)}`);
      m.dispose();
    }
    const { m, conn, clock } = model({ watchMinutes: () => 0 });
    conn.push(deploy('d1'));
    assert.strictEqual(m.watching(), undefined);
    assert.strictEqual(clock.pendingTimers, 0);
    m.dispose();
  });

  it('follows the connection scope: a replaced connection stops feeding the history; the new one does', () => {
    const { m, connections, conn } = model();
    conn.push(deploy('old'));
    const next = new FakeConnection([deploy('new', { deployedAt: iso(NOW - 5 * MIN) })]);
    connections.replace(next);
    assert.deepStrictEqual(m.history.map((h) => h.id), ['new'], 'the new connection is read at once');
    conn.push(deploy('late'));
    assert.deepStrictEqual(m.history.map((h) => h.id), ['new'], "the old connection's events no longer reach the model");
    next.push(deploy('newer'));
    assert.deepStrictEqual(m.history.map((h) => h.id).sort(), ['new', 'newer']);
    connections.replace(undefined);
    assert.deepStrictEqual(m.history, []);
    assert.strictEqual(m.watching(), undefined);
    m.dispose();
  });

  it('git tags: none in a restricted workspace (and says why); a git failure becomes advice, not an exception', async () => {
    let asked = 0;
    const restricted = model({ isTrusted: () => false, readTags: () => (asked++, Promise.resolve(undefined)) });
    await restricted.m.loadTags();
    assert.deepStrictEqual(restricted.m.tagProblem, { kind: 'restricted' });
    assert.strictEqual(asked, 0, 'git is never run in a restricted workspace');
    restricted.m.dispose();

    const failing = model({ readTags: () => Promise.reject(new Error('fatal: not a git repository')) });
    await failing.m.loadTags();
    assert.strictEqual(failing.m.tagProblem?.kind, 'error');
    assert.ok(warnings.some((w) => w.includes('could not read git tags: fatal: not a git repository')), warnings.join('\n'));
    failing.m.dispose();
  });

  it('merges tags with deploy events; invalid tag patterns are logged and the defaults used', async () => {
    const tag: TagInfo = { name: 'v1.4.0', annotated: false, targetSha: 'b'.repeat(40), date: NOW - 60 * MIN, dateSource: 'commit' };
    let globs: string[] = [];
    const { m, conn } = model({ tagRules: () => tagRulesFrom('deploy/*'), readTags: (g) => ((globs = g), Promise.resolve({ root: '/repo', tags: [tag] })) });
    await m.loadTags();
    m.remerge();
    assert.ok(warnings.some((w) => w.includes('oncall.deploys.tagPatterns must be a list of globs')), warnings.join('\n'));
    assert.deepStrictEqual(globs, ['deploy-*', 'release-*', 'v*'], 'the default patterns were used');
    conn.push(deploy('d1'));
    assert.strictEqual(m.history.length, 2, JSON.stringify(m.history.map((h) => h.id)));
    assert.ok(m.history.some((h) => h.origin === 'tag'));
    m.dispose();
  });
});
