import * as assert from 'node:assert/strict';
import { commitWithFiles, filesBetween, sidesOf } from '../../../src/core/viewModel/deploys/commitFiles';
import { GIT_DOC_SCHEME, decodeGitDocRef, encodeGitDocRef, gitDocKey } from '../../../src/core/viewModel/deploys/gitDocRef';
import { adviceFor, deployInEffectText, deployRowText, fetchAdvice, frameText, newestFirst, suspectText, suspectsHeaderText } from '../../../src/core/viewModel/deploys/text';
import { DEPLOY_CLOCK_SKEW_MS, isMyDeploy, myDeployBefore, nextWindowEnd, openWatchWindows, watchingSummary } from '../../../src/core/viewModel/deploys/watch';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { GitError } from '../../../src/core/git/gitRunner';
import { deployInEffect, mergeDeploys, type DeployRecord } from '../../../src/core/git/deploys';
import type { FrameReport, Suspect, SuspectReport } from '../../../src/core/git/suspects';
import { GitInputError } from '../../../src/core/git/validate';
import type { Alert, Deploy } from '../../../src/core/protocol/types';
import { HOSTILE_SUBJECT, WEIRD_FILE, shopRepo } from '../git/fixtureRepo';

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const ME = { name: 'You', email: 'you@example.com' };
const DANA = { name: 'Dana', email: 'dana@example.com' };

function deploy(id: string, over: Partial<Deploy> = {}): Deploy {
  return { id, service: 'checkout-api', environment: 'production', commitSha: SHA_A, author: ME, deployedAt: iso(NOW - 10 * MIN), status: 'succeeded', ...over };
}

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'A1',
    title: 't',
    severity: 'critical',
    status: 'triggered',
    service: 'checkout-api',
    environment: 'production',
    startedAt: iso(NOW - 5 * MIN),
    updatedAt: iso(NOW - 5 * MIN),
    assignees: [],
    labels: {},
    source: 'demo',
    ...over,
  };
}

describe('deployView/watch: "stick around after your deploy"', () => {
  const W = 30 * MIN;

  it('a deploy is mine by email (any case), handle or name; never for an empty identity', () => {
    assert.ok(isMyDeploy(deploy('d'), 'YOU@example.com'));
    assert.ok(isMyDeploy(deploy('d'), 'You'));
    assert.ok(!isMyDeploy(deploy('d', { author: DANA }), 'you@example.com'));
    assert.ok(!isMyDeploy(deploy('d'), ''));
    assert.ok(!isMyDeploy(deploy('d'), '   '));
  });

  it('the window is [deployedAt, deployedAt + watch): open at the start, closed at the end', () => {
    const d = deploy('d', { deployedAt: iso(NOW) });
    assert.equal(openWatchWindows([d], ME.email, NOW, W).length, 1);
    assert.equal(openWatchWindows([d], ME.email, NOW + W - 1, W).length, 1);
    assert.equal(openWatchWindows([d], ME.email, NOW + W, W).length, 0);
    assert.equal(openWatchWindows([d], ME.email, NOW, 0).length, 0, 'watchMinutes 0 turns it off');
  });

  it('tolerates a deploy clock a little ahead of ours, not a lot', () => {
    assert.equal(openWatchWindows([deploy('d', { deployedAt: iso(NOW + DEPLOY_CLOCK_SKEW_MS) })], ME.email, NOW, W).length, 1);
    assert.equal(openWatchWindows([deploy('d', { deployedAt: iso(NOW + DEPLOY_CLOCK_SKEW_MS + 1) })], ME.email, NOW, W).length, 0);
  });

  it('an alert "started after my deploy": same service (any case), same environment (aliases), inside the window', () => {
    const ds = [deploy('d', { deployedAt: iso(NOW - 10 * MIN) })];
    assert.ok(myDeployBefore(alert(), ds, ME.email, W));
    assert.ok(myDeployBefore(alert({ service: 'Checkout-API', environment: 'prod' }), ds, ME.email, W));
    assert.ok(myDeployBefore(alert({ environment: undefined }), ds, ME.email, W), 'alert without environment: any');
    assert.equal(myDeployBefore(alert({ environment: 'staging' }), ds, ME.email, W), undefined);
    assert.equal(myDeployBefore(alert({ service: 'billing' }), ds, ME.email, W), undefined);
    assert.equal(myDeployBefore(alert({ startedAt: iso(NOW - 11 * MIN) }), ds, ME.email, W), undefined, 'started before the deploy');
    assert.ok(myDeployBefore(alert({ startedAt: iso(NOW - 10 * MIN) }), ds, ME.email, W), 'at the very instant counts');
    assert.equal(myDeployBefore(alert({ startedAt: iso(NOW + 20 * MIN) }), ds, ME.email, W), undefined, 'after the window');
    assert.equal(myDeployBefore(alert(), [deploy('d', { author: DANA })], ME.email, W), undefined, "someone else's deploy");
    assert.equal(myDeployBefore(alert({ startedAt: 'not a time' }), ds, ME.email, W), undefined);
  });

  it('a failed deploy of mine is still watched (a failed rollout is when to stick around)', () => {
    assert.ok(myDeployBefore(alert(), [deploy('d', { status: 'failed' })], ME.email, W));
  });

  it('the newest of my deploys names the watch; new alerts count those started in any open window', () => {
    const ds = [
      deploy('old', { deployedAt: iso(NOW - 20 * MIN), commitSha: SHA_A }),
      deploy('new', { deployedAt: iso(NOW - 5 * MIN), commitSha: SHA_B, service: 'edge' }),
      deploy('other', { deployedAt: iso(NOW - 1 * MIN), author: DANA }),
    ];
    const alerts = [
      alert({ id: '1', startedAt: iso(NOW - 15 * MIN) }),
      alert({ id: '2', startedAt: iso(NOW - 2 * MIN), service: 'edge' }),
      alert({ id: '3', startedAt: iso(NOW - 25 * MIN) }),
      alert({ id: '4', service: 'unrelated' }),
    ];
    const s = watchingSummary(ds, alerts, ME.email, NOW, W);
    assert.deepEqual(s, { sha: SHA_B, newAlerts: 2, msLeft: 25 * MIN });
    assert.equal(nextWindowEnd(ds, ME.email, NOW, W), NOW + 10 * MIN);
    assert.equal(watchingSummary(ds, alerts, ME.email, NOW + 26 * MIN, W), undefined);
    assert.equal(watchingSummary(ds, alerts, '', NOW, W), undefined);
  });
});

describe('deployView/text', () => {
  const rec = (over: Partial<DeployRecord> = {}): DeployRecord => ({
    id: 'd1',
    service: 'checkout-api',
    environment: 'production',
    commitSha: SHA_A,
    author: { name: 'Dana', email: 'dana@example.com' },
    deployedAt: iso(NOW - 2 * 3_600_000),
    time: NOW - 2 * 3_600_000,
    status: 'succeeded',
    origin: 'event',
    tags: [],
    dateSource: 'event',
    ...over,
  });

  it('a deploy row: "service · environment" / "sha · author · age [· status]"', () => {
    const t = deployRowText(rec(), NOW);
    assert.equal(t.label, 'checkout-api · production');
    assert.equal(t.description, 'aaaaaaa · Dana · 2h ago');
    assert.equal(deployRowText(rec(), NOW, { watching: true }).description, 'aaaaaaa · Dana · 2h ago · watching');
    assert.equal(deployRowText(rec({ status: 'failed' }), NOW).description, 'aaaaaaa · Dana · 2h ago · failed');
    assert.equal(deployRowText(rec({ status: 'started' }), NOW).description, 'aaaaaaa · Dana · 2h ago · in progress');
  });

  it('a tag-only deploy is labelled by its tag and says it comes from a tag and a commit time', () => {
    const t = deployRowText(rec({ service: undefined, environment: undefined, author: undefined, origin: 'tag', tags: ['v1.2.0'], status: undefined, dateSource: 'commit' }), NOW);
    assert.equal(t.label, 'v1.2.0');
    assert.equal(t.description, 'aaaaaaa · 2h ago · from tag');
    assert.ok(t.details.some(([k, v]) => k === 'Committed' && v.includes('lightweight tag')));
  });

  it('hostile deploy text is sanitised (ANSI, bidi overrides, newlines, length)', () => {
    const t = deployRowText(rec({ service: 'evil\u001b[31m\u202e-svc\nsecond line', author: { name: 'x'.repeat(5000) } }), NOW);
    assert.equal(t.label, 'evil-svc second line · production');
    assert.ok(t.description.length < 200);
    for (const bad of ['\u001b', '\u202e', '\n']) assert.ok(!t.label.includes(bad) && !t.description.includes(bad), JSON.stringify(bad));
  });

  it('newest first, ties broken by id', () => {
    const list = newestFirst([rec({ id: 'b', time: 1 }), rec({ id: 'c', time: 2 }), rec({ id: 'a', time: 1 })]);
    assert.deepEqual(list.map((r) => r.id), ['c', 'a', 'b']);
  });

  it('deploy in effect: "Deploy in effect: a1b2c3d by Dana" / "2h before the alert · production"', () => {
    const history = mergeDeploys([deploy('d0', { commitSha: SHA_B, deployedAt: iso(NOW - 5 * 3_600_000), author: DANA }), deploy('d1', { deployedAt: iso(NOW - 2 * 3_600_000), author: DANA })]);
    const eff = deployInEffect(alert({ startedAt: iso(NOW) }), history);
    const t = deployInEffectText(eff, iso(NOW));
    assert.equal(t.label, 'Deploy in effect: aaaaaaa by Dana');
    assert.equal(t.description, '2h before the alert · production');
    assert.ok(t.tooltip.some((l) => l.startsWith('shipped bbbbbbb..aaaaaaa')));
    const none = deployInEffectText(deployInEffect(alert({ service: 'nope' }), history), iso(NOW));
    assert.equal(none.label, 'No deploy found before this alert');
    assert.match(none.description ?? '', /no deploy of nope/);
  });

  const suspect: Suspect = {
    sha: SHA_A,
    shortSha: 'aaaaaaa',
    author: { name: 'Diego', email: 'diego@example.com' },
    authoredAt: iso(NOW - 4 * 86_400_000),
    authorTime: NOW - 4 * 86_400_000,
    commitTime: NOW - 4 * 86_400_000,
    subject: `${HOSTILE_SUBJECT}\u202e`,
    score: 100,
    reasons: ['changed line 12 of src/pricing.ts (top frame)', 'changed src/pricing.ts (frame #2)'],
    frameDepth: 0,
    basis: 'deploy-range',
  };

  it('a suspect row says who, when and the best reason; its subject is shown as inert text', () => {
    const t = suspectText(suspect, NOW);
    assert.ok(t.label.startsWith('aaaaaaa --output=/tmp/x $(touch /tmp/pwned)'));
    assert.ok(!t.label.includes('\u202e') && !t.label.includes('\u0001'));
    assert.equal(t.description, 'Diego · 4d ago · changed line 12 of src/pricing.ts (top frame)');
    assert.ok(t.tooltip.includes('Why suspect:'));
  });

  it('the suspects header names the basis: deploy range, or a clearly labelled blame fallback', () => {
    const base: SuspectReport = { basis: 'deploy-range', basisNote: 'n', range: { from: SHA_B, to: SHA_A }, rev: SHA_A, rangeCommitCount: 3, suspects: [suspect], frames: [], warnings: [] };
    assert.equal(suspectsHeaderText(base).label, 'Suspect commits (deploy range bbbbbbb..aaaaaaa)');
    assert.equal(suspectsHeaderText(base).description, '1 of 3 in the deploy');
    const fb = suspectsHeaderText({ ...base, basis: 'blame-fallback', range: undefined });
    assert.equal(fb.label, 'Suspect commits (blame fallback — deploy range unknown)');
    assert.match(fb.description ?? '', /git blame, may predate the deploy/);
  });

  it('a frame row: blame, "changed in this deploy", and where the line is after local edits', () => {
    const f: FrameReport = {
      depth: 0,
      path: 'src/cart/pricing.ts',
      line: 12,
      function: 'applyDiscount',
      changedInThisDeploy: true,
      blame: { sha: SHA_A, shortSha: 'aaaaaaa', author: { name: 'Diego', email: 'd@x' }, authoredAt: iso(NOW), ageDays: 4, summary: 's', boundary: false, uncommitted: false },
    };
    const plain = frameText(f);
    assert.equal(plain.label, 'pricing.ts:12 applyDiscount');
    assert.equal(plain.description, 'Diego · aaaaaaa · 4d · changed in this deploy');
    const moved = frameText(f, { drifted: true, workingLine: 15, workingPath: f.path, lineChanged: false, fileDeleted: false });
    assert.match(moved.description ?? '', /now line 15$/);
    const edited = frameText(f, { drifted: true, workingLine: 12, workingPath: f.path, lineChanged: true, fileDeleted: false });
    assert.match(edited.description ?? '', /line changed locally$/);
    const gone = frameText(f, { drifted: true, workingLine: 12, workingPath: f.path, lineChanged: true, fileDeleted: true });
    assert.match(gone.description ?? '', /file gone locally$/);
    const failed = frameText({ depth: 1, path: 'a/b.ts', line: 3, error: 'no such path' });
    assert.equal(failed.description, 'no blame');
  });

  it('errors become rows that say what to do', () => {
    assert.deepEqual(adviceFor(new GitError('unknown-revision', 'x'), SHA_A), {
      label: 'Deployed commit aaaaaaa is not in this clone',
      action: `fetch the deployed commits: git fetch origin ${SHA_A}`,
    });
    assert.match(adviceFor(new GitError('not-a-repo', 'x')).action, /open the service's repository/);
    assert.match(adviceFor(new GitError('git-not-found', 'x')).action, /install git/);
    assert.match(adviceFor(new GitInputError('invalid commit sha "--x"')).label, /invalid commit sha/);
    assert.match(adviceFor(new Error('boom')).action, /Show Logs/);
    const fetch = fetchAdvice([SHA_A, SHA_B, SHA_A]);
    assert.equal(fetch.label, 'Deployed commits aaaaaaa, bbbbbbb are not in this clone');
    assert.equal(fetch.action, `fetch the deployed commits: git fetch origin ${SHA_A} ${SHA_B}`, 'full shas: servers do not resolve abbreviations');
  });
});

describe('deployView/gitDocRef: oncall-git document URIs', () => {
  const ref = { root: '/repo', sha: SHA_A, path: 'src/a b/ü.ts' };

  it('round-trips a ref, including the empty side of an added file', () => {
    const { path, query } = encodeGitDocRef(ref);
    assert.equal(path, '/src/a b/ü.ts');
    assert.deepEqual(decodeGitDocRef(path, query), ref);
    const empty = { ...ref, sha: 'empty' };
    assert.deepEqual(decodeGitDocRef(encodeGitDocRef(empty).path, encodeGitDocRef(empty).query), empty);
    assert.notEqual(gitDocKey(ref), gitDocKey(empty));
    assert.equal(GIT_DOC_SCHEME, 'oncall-git');
  });

  it('refuses anything else before git could see it', () => {
    const q = (o: object): string => JSON.stringify(o);
    const bad: Array<[string, string]> = [
      ['/src/a.ts', 'not json'],
      ['/src/a.ts', q({ sha: 'abc1234', root: '/r' })], // abbreviated: not a stable name
      ['/src/a.ts', q({ sha: SHA_A.toUpperCase(), root: '/r' })],
      ['/src/a.ts', q({ sha: '--output=/tmp/x', root: '/r' })],
      ['/src/a.ts', q({ sha: SHA_A })],
      ['/src/a.ts', q({ sha: SHA_A, root: '' })],
      ['/../etc/passwd', q({ sha: SHA_A, root: '/r' })],
      ['//etc/passwd', q({ sha: SHA_A, root: '/r' })],
      ['/-rf', q({ sha: SHA_A, root: '/r' })],
      ['/:(glob)*', q({ sha: SHA_A, root: '/r' })],
      ['src/a.ts', q({ sha: SHA_A, root: '/r' })],
      ['/src/a\u0000.ts', q({ sha: SHA_A, root: '/r' })],
    ];
    for (const [p, query] of bad) assert.throws(() => decodeGitDocRef(p, query), Error, `${p} ${query}`);
  });
});

describe('deployView/commitFiles (git)', () => {
  const shop = shopRepo();
  let repo: GitRepository;
  before(async () => {
    repo = await GitRepository.open(shop.dir);
  });

  it('one commit with its parent and files; the hostile subject comes back as data', async () => {
    const c = await commitWithFiles(repo, shop.sha.c9.slice(0, 10));
    assert.equal(c.sha, shop.sha.c9);
    assert.equal(c.parents.length, 1);
    assert.equal(c.subject, HOSTILE_SUBJECT);
    assert.deepEqual(c.files.map((f) => [f.status, f.path]), [['added', WEIRD_FILE]]);
  });

  it('a merge lists what it brought in (against its first parent); a root commit lists every file as added', async () => {
    const m = await commitWithFiles(repo, shop.sha.m1);
    assert.equal(m.parents.length, 2);
    assert.deepEqual(m.files.map((f) => f.path).sort(), ['README.md', 'src/cart/cart.ts']);
    const root = await commitWithFiles(repo, shop.sha.c1);
    assert.equal(root.parents.length, 0);
    assert.ok(root.files.length >= 4 && root.files.every((f) => f.status === 'added'));
  });

  it('files between two deploys, with renames', async () => {
    const files = await filesBetween(repo, shop.sha.c3, shop.sha.c9);
    const renamed = files.find((f) => f.status === 'renamed');
    assert.deepEqual(renamed && [renamed.oldPath, renamed.path], ['src/legacy/total.ts', 'src/cart/total.ts']);
    assert.deepEqual(sidesOf(renamed!), { oldPath: 'src/legacy/total.ts', newPath: 'src/cart/total.ts' });
    assert.ok(files.some((f) => f.path === WEIRD_FILE && f.status === 'added'));
  });

  it('refuses hostile revisions before git runs, and says when a commit is unknown', async () => {
    await assert.rejects(commitWithFiles(repo, '--output=/tmp/x'), GitInputError);
    await assert.rejects(filesBetween(repo, 'HEAD', shop.sha.c9), GitInputError);
    await assert.rejects(commitWithFiles(repo, 'f'.repeat(40)), (e: unknown) => e instanceof GitError && e.code === 'unknown-revision');
  });

  it('sides of a change: added and deleted files have one side', () => {
    assert.deepEqual(sidesOf({ status: 'added', path: 'a', binary: false, hunks: [] }), { newPath: 'a' });
    assert.deepEqual(sidesOf({ status: 'deleted', path: 'a', oldPath: 'a', binary: false, hunks: [] }), { oldPath: 'a' });
  });
});
