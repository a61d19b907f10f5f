import * as assert from 'node:assert/strict';
import { decideFixWatch, FIX_LINK_LIMITS, quietOutcome, FixLinkStore, parseFixesAlertTrailers, type FixWatchAlert, type FixWatchDeploy } from '../../../src/core/loop/fixLinks';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { ManualClock } from '../../../src/core/util/clock';
import { BASE, HOUR, RepoWriter } from '../git/fixtureRepo';

const MIN = 60_000;
const T0 = Date.parse('2025-03-14T09:00:00Z');
const SHA = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);
const iso = (t: number): string => new Date(t).toISOString();

function alert(over: Partial<FixWatchAlert> = {}): FixWatchAlert {
  return { status: 'acknowledged', service: 'checkout-api', startedAt: iso(T0 - 60 * MIN), updatedAt: iso(T0 - 30 * MIN), timeline: [{ at: iso(T0 - 60 * MIN), kind: 'triggered' }], ...over };
}
function deploy(over: Partial<FixWatchDeploy> = {}): FixWatchDeploy {
  return { id: 'd-1', commitSha: SHA, time: T0, service: 'checkout-api', containsFix: true, ...over };
}

describe('loop/fix links: the Fixes-Alert trailer (issue 21 item 3)', () => {
  it('reads the ids of the trailer block only, exact key (any case), one id each, no duplicates', () => {
    assert.deepEqual(parseFixesAlertTrailers('fix coupon rounding\n\nbody text\n\nFixes-Alert: a-1\nfixes-alert: PD-Q7\nSigned-off-by: Me <me@x>\nFixes-Alert: a-1'), ['a-1', 'PD-Q7']);
    // Not in the last paragraph (the body) → not a trailer; a look-alike key is not the key.
    assert.deepEqual(parseFixesAlertTrailers('subject\n\nFixes-Alert: a-1 mentioned in the body\n\nSigned-off-by: Me'), []);
    assert.deepEqual(parseFixesAlertTrailers('subject\n\nX-Fixes-Alert: a-1\nFixes-Alerts: a-2'), []);
    // The subject alone is no trailer block; a block with a non-trailer line is none either.
    assert.deepEqual(parseFixesAlertTrailers('Fixes-Alert: a-1'), []);
    assert.deepEqual(parseFixesAlertTrailers('subject\n\nFixes-Alert: a-1\nthis is prose'), []);
    // Two ids in one trailer: neither (an id has no spaces).
    assert.deepEqual(parseFixesAlertTrailers('subject\n\nFixes-Alert: a-1 a-2'), []);
    assert.deepEqual(parseFixesAlertTrailers('subject\r\n\r\nFixes-Alert: a-9\r\n'), ['a-9']);
  });

  it('is bounded: an id over the protocol limit is dropped, at most maxTrailersPerMessage ids, a huge message is cut', () => {
    assert.deepEqual(parseFixesAlertTrailers(`s\n\nFixes-Alert: ${'x'.repeat(1025)}`), []);
    const many = Array.from({ length: 50 }, (_, i) => `Fixes-Alert: a-${i}`).join('\n');
    assert.equal(parseFixesAlertTrailers(`s\n\n${many}`).length, FIX_LINK_LIMITS.maxTrailersPerMessage);
    assert.deepEqual(parseFixesAlertTrailers(`s\n\n${'y'.repeat(FIX_LINK_LIMITS.maxMessageChars)}\n\nFixes-Alert: late`), []);
    assert.deepEqual(parseFixesAlertTrailers(undefined as unknown as string), []);
  });
});

describe('loop/fix links: the bounded store (issue 21 item 3)', () => {
  it('links shas (full, lowercased), keeps the newest per alert, and at most maxLinks alerts (the oldest goes)', () => {
    const clock = new ManualClock(T0);
    const s = new FixLinkStore(() => clock.now());
    assert.throws(() => s.link('a-1', 'abc123', 'command'), /full commit sha/);
    assert.throws(() => s.link('', SHA, 'command'), /invalid alert id/);
    s.link('a-1', SHA.toUpperCase(), 'command', 'checkout 5xx');
    clock.advance(MIN);
    const l = s.link('a-1', SHA2, 'trailer');
    assert.deepEqual(l.shas, [SHA, SHA2]);
    assert.equal(l.linkedAt, T0 + MIN);
    assert.equal(l.title, 'checkout 5xx', 'the title stays');
    for (let i = 0; i < FIX_LINK_LIMITS.maxLinks + 5; i++) s.link(`x-${i}`, SHA, 'command');
    assert.equal(s.size, FIX_LINK_LIMITS.maxLinks);
    assert.equal(s.get('a-1'), undefined, 'the oldest link went first');
    assert.ok(s.get(`x-${FIX_LINK_LIMITS.maxLinks + 4}`));
  });

  it('round-trips through JSON (workspaceState), and drops what is invalid when read back, saying so', () => {
    const s = new FixLinkStore(() => T0);
    s.link('a-1', SHA, 'command', 'checkout 5xx');
    s.answered('a-1', 'd-1');
    const back = FixLinkStore.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), () => T0);
    assert.deepEqual(back.all(), s.all());
    const reports: string[] = [];
    const bad = FixLinkStore.fromJSON(
      { version: 1, links: [{ alertId: 'ok', shas: [SHA], linkedAt: T0, via: 'trailer' }, { alertId: 'x', shas: ['nope'], linkedAt: T0, via: 'command' }, { alertId: 'y', shas: [SHA], linkedAt: 'soon', via: 'command' }, null, 'str', { alertId: 'z', shas: [SHA], linkedAt: T0, via: 'magic' }] },
      () => T0,
      (m) => reports.push(m),
    );
    assert.deepEqual(bad.all().map((l) => l.alertId), ['ok']);
    assert.deepEqual(reports, ['dropped 5 invalid stored fix link(s)']);
    const r2: string[] = [];
    assert.equal(FixLinkStore.fromJSON({ version: 2, links: [] }, () => T0, (m) => r2.push(m)).size, 0);
    assert.equal(r2.length, 1);
    assert.equal(FixLinkStore.fromJSON(undefined, () => T0).size, 0);
  });
});

describe('loop/fix watch decision (issue 21 item 3)', () => {
  const QUIET = 15 * MIN;
  const link = { shas: [SHA] };

  it('waits for a deploy that contains the fix (of the alert\'s service, not in the future)', () => {
    assert.deepEqual(decideFixWatch(link, alert(), [], QUIET, T0), { kind: 'waiting-for-deploy' });
    assert.deepEqual(decideFixWatch(link, alert(), [deploy({ containsFix: false })], QUIET, T0 + MIN), { kind: 'waiting-for-deploy' });
    assert.deepEqual(decideFixWatch(link, alert(), [deploy({ service: 'search' })], QUIET, T0 + MIN), { kind: 'waiting-for-deploy' });
    assert.deepEqual(decideFixWatch(link, alert(), [deploy({ time: T0 + 5 * MIN })], QUIET, T0 + MIN), { kind: 'waiting-for-deploy' });
  });

  it('only a finished deploy of the alert\'s environment runs the fix: started / failed / rolled back, or staging for a production alert, do not count', () => {
    const prod = alert({ environment: 'production' });
    for (const status of ['started', 'failed', 'rolledBack'] as const) {
      assert.deepEqual(decideFixWatch(link, prod, [deploy({ status })], QUIET, T0 + QUIET), { kind: 'waiting-for-deploy' }, status);
    }
    assert.deepEqual(decideFixWatch(link, prod, [deploy({ environment: 'staging', status: 'succeeded' })], QUIET, T0 + QUIET), { kind: 'waiting-for-deploy' });
    // The staging deploy came first; the production one is the fix deploy (the quiet time counts from it).
    const ds = [deploy({ id: 'stg', environment: 'staging', status: 'succeeded', time: T0 - 30 * MIN }), deploy({ id: 'prod', environment: 'production', status: 'succeeded' })];
    assert.deepEqual(decideFixWatch(link, prod, ds, QUIET, T0 + MIN), { kind: 'watching', deploy: ds[1], quietUntil: T0 + QUIET });
    // Unknown on either side (a tag, an alert without an environment) matches.
    assert.equal(decideFixWatch(link, prod, [deploy()], QUIET, T0 + QUIET).kind, 'quiet');
    assert.equal(decideFixWatch(link, alert(), [deploy({ environment: 'staging', status: 'succeeded' })], QUIET, T0 + QUIET).kind, 'quiet');
  });

  it('quiet for N minutes after the fix deployed → quiet (offer Resolve), not a millisecond earlier', () => {
    const clock = new ManualClock(T0);
    const ds = [deploy({ id: 'old', containsFix: false, time: T0 - 90 * MIN }), deploy(), deploy({ id: 'later', time: T0 + 5 * MIN })];
    clock.advance(QUIET - 1);
    assert.deepEqual(decideFixWatch(link, alert(), ds, QUIET, clock.now()), { kind: 'watching', deploy: ds[1], quietUntil: T0 + QUIET });
    clock.advance(1);
    assert.deepEqual(decideFixWatch(link, alert(), ds, QUIET, clock.now()), { kind: 'quiet', deploy: ds[1], minutesSinceDeploy: 15 });
    // A deploy of unknown service (a tag) matches any service.
    assert.equal(decideFixWatch(link, alert(), [deploy({ service: undefined })], QUIET, T0 + QUIET).kind, 'quiet');
  });

  it('fired again after the fix deployed → still firing, with when; resolved → nothing to do', () => {
    const again = alert({ status: 'triggered', timeline: [{ at: iso(T0 - 60 * MIN), kind: 'triggered' }, { at: iso(T0 + 3 * MIN), kind: 'triggered' }] });
    assert.deepEqual(decideFixWatch(link, again, [deploy()], QUIET, T0 + 4 * MIN), { kind: 'still-firing', deploy: deploy(), firedAt: T0 + 3 * MIN });
    // A new alert instance that started after the deploy counts too.
    assert.equal(decideFixWatch(link, alert({ status: 'triggered', startedAt: iso(T0 + MIN), timeline: [] }), [deploy()], QUIET, T0 + 2 * MIN).kind, 'still-firing');
    assert.deepEqual(decideFixWatch(link, alert({ status: 'resolved' }), [deploy()], QUIET, T0 + 2 * MIN), { kind: 'resolved' });
    assert.deepEqual(decideFixWatch(link, undefined, [deploy()], QUIET, T0), { kind: 'gone' });
  });

  it('triggered since before the deploy and never quiet: watched for N minutes, then still firing (never "quiet")', () => {
    const firing = alert({ status: 'triggered' });
    assert.equal(decideFixWatch(link, firing, [deploy()], QUIET, T0 + QUIET - 1).kind, 'watching');
    assert.deepEqual(decideFixWatch(link, firing, [deploy()], QUIET, T0 + QUIET), { kind: 'still-firing', deploy: deploy(), firedAt: T0 });
  });

  it('re-triggered then acknowledged after the deploy: the quiet time counts from that trigger', () => {
    const a = alert({ status: 'acknowledged', timeline: [{ at: iso(T0 + 10 * MIN), kind: 'triggered' }, { at: iso(T0 + 11 * MIN), kind: 'acknowledged' }] });
    assert.equal(decideFixWatch(link, a, [deploy()], QUIET, T0 + 20 * MIN).kind, 'watching');
    assert.equal(decideFixWatch(link, a, [deploy()], QUIET, T0 + 25 * MIN).kind, 'quiet');
  });
});

describe('loop/fix watch: once quiet, ask or resolve (issue 21 item 3, oncall.fixWatch.autoResolve)', () => {
  it('asks by default; resolves by itself only when the user opted in; says why not when the source cannot resolve, setting or not', () => {
    assert.deepEqual(quietOutcome(false, undefined), { kind: 'ask' });
    assert.deepEqual(quietOutcome(true, undefined), { kind: 'auto-resolve' });
    assert.deepEqual(quietOutcome(true, 'this source does not support resolving'), { kind: 'cannot-resolve', whyNot: 'this source does not support resolving', autoResolve: true });
    assert.deepEqual(quietOutcome(false, 'read-only'), { kind: 'cannot-resolve', whyNot: 'read-only', autoResolve: false });
  });
});

describe('loop/fix links: commit messages from git (issue 21 item 3)', () => {
  it('commitMessages lists the newest commits with their full message (bounded); the trailer is found in it', async () => {
    const w = RepoWriter.init('fixlinks-');
    w.write('a.txt', 'one');
    const c1 = w.commit('first', BASE);
    w.write('a.txt', 'two');
    w.git(['add', '-A']);
    w.git(['commit', '-q', '--no-verify', '-m', 'fix coupon rounding', '-m', 'The percent was applied twice.', '-m', 'Fixes-Alert: demo-42'], { at: BASE + HOUR });
    const c2 = w.git(['rev-parse', 'HEAD']);
    w.write('a.txt', 'three');
    const c3 = w.commit('unrelated', BASE + 2 * HOUR);
    const repo = await GitRepository.open(w.dir);
    const all = await repo.commitMessages('HEAD');
    assert.deepEqual(all.map((c) => c.sha), [c3, c2, c1]);
    assert.equal(all[1]!.subject, 'fix coupon rounding');
    assert.deepEqual(parseFixesAlertTrailers(all[1]!.message), ['demo-42']);
    assert.deepEqual(parseFixesAlertTrailers(all[0]!.message), []);
    assert.equal(all[1]!.authorTime, BASE + HOUR);
    // A deploy range (from..to) and the bound.
    assert.deepEqual((await repo.commitMessages(c3, { from: c1 })).map((c) => c.sha), [c3, c2]);
    assert.equal((await repo.commitMessages('HEAD', { max: 1 })).length, 1);
    await assert.rejects(repo.commitMessages('HEAD', { max: 10_000 }), /invalid max/);
    await assert.rejects(repo.commitMessages('--output=/tmp/x'));
  });
});
