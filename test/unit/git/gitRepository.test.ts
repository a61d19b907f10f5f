import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError, GitRunner, type GitResult, type RunOptions } from '../../../src/core/git/gitRunner';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { mapPositionBackward, mapPositionForward } from '../../../src/core/git/lineMap';
import { GitInputError, WORKING_TREE } from '../../../src/core/git/validate';
import { ALICE, BASE, BOB, HOSTILE_SUBJECT, HOUR, RepoWriter, WEIRD_FILE, shopRepo, tmpDir } from './fixtureRepo';

/** Counts calls that reach the runner: hostile input must be refused before this. */
class CountingRunner extends GitRunner {
  calls: string[][] = [];
  override run(args: readonly string[], opts?: RunOptions): Promise<GitResult> {
    this.calls.push([...args]);
    return super.run(args, opts);
  }
}

describe('git/GitRepository (generated repo)', () => {
  let repo: GitRepository;
  const shop = shopRepo();

  before(async () => {
    repo = await GitRepository.open(path.join(shop.dir, 'src'));
  });

  it('opens from a subfolder at the top level', () => {
    assert.equal(fs.realpathSync(repo.root), fs.realpathSync(shop.dir));
  });

  it('headSha, resolveCommit, commitExists, isAncestor', async () => {
    assert.equal(await repo.headSha(), shop.sha.c9);
    assert.equal(await repo.resolveCommit(shop.sha.c1.slice(0, 8)), shop.sha.c1);
    assert.equal(await repo.commitExists(shop.sha.f1), true);
    assert.equal(await repo.commitExists('abcdef1234567'), false);
    assert.equal(await repo.isAncestor(shop.sha.c3, shop.sha.c9), true);
    assert.equal(await repo.isAncestor(shop.sha.c9, shop.sha.c3), false);
    assert.equal(await repo.isAncestor(shop.sha.f1, shop.sha.c6), false);
  });

  it('lists the range without merges, looking through the merge to the branch commits', async () => {
    const commits = await repo.commitsInRange(shop.sha.c3, shop.sha.c9);
    const shas = commits.map((c) => c.sha);
    assert.ok(!shas.includes(shop.sha.m1), 'merge commit must not be listed');
    assert.ok(shas.includes(shop.sha.f1) && shas.includes(shop.sha.f2), 'branch commits are listed');
    assert.ok(!shas.includes(shop.sha.c3), 'range start is excluded');
    assert.equal(commits.length, 8); // c4 c5 f1 f2 c6 c7 c8 c9
    const bug = commits.find((c) => c.sha === shop.sha.f1)!;
    assert.deepEqual(bug.author, BOB);
    assert.equal(bug.authorTime, BASE + 5 * HOUR);
    assert.equal(bug.subject, 'cart: trim skus before pricing');
    assert.deepEqual(bug.files.map((f) => [f.status, f.path]), [['modified', 'src/cart/cart.ts']]);
    assert.deepEqual(bug.files[0]!.hunks, [{ oldStart: 12, oldLines: 1, newStart: 12, newLines: 1, context: 'export class CartService {' }]);
  });

  it('detects the rename with its hunks, keeps hostile subjects and odd file names as data', async () => {
    const commits = await repo.commitsInRange(shop.sha.c3, shop.sha.c9);
    const mv = commits.find((c) => c.sha === shop.sha.c7)!;
    assert.equal(mv.files.length, 1);
    assert.equal(mv.files[0]!.status, 'renamed');
    assert.equal(mv.files[0]!.oldPath, 'src/legacy/total.ts');
    assert.equal(mv.files[0]!.path, 'src/cart/total.ts');
    assert.equal(mv.files[0]!.hunks[0]!.newStart, 4);
    const hostile = commits.find((c) => c.sha === shop.sha.c9)!;
    assert.equal(hostile.subject, HOSTILE_SUBJECT);
    assert.equal(hostile.files[0]!.path, WEIRD_FILE);
    assert.equal(hostile.files[0]!.status, 'added');
    assert.ok(!fs.existsSync('/tmp/pwned'));
  });

  it('lists files only (-z --name-status) with the same renames', async () => {
    const commits = await repo.commitsInRange(shop.sha.c3, shop.sha.c9, { withHunks: false });
    assert.equal(commits.length, 8);
    const mv = commits.find((c) => c.sha === shop.sha.c7)!;
    assert.deepEqual(mv.files, [{ status: 'renamed', oldPath: 'src/legacy/total.ts', path: 'src/cart/total.ts', binary: false, hunks: [] }]);
    assert.equal(commits.find((c) => c.sha === shop.sha.c9)!.files[0]!.path, WEIRD_FILE);
  });

  it('limits a range to paths', async () => {
    const commits = await repo.commitsInRange(shop.sha.c3, shop.sha.c9, { paths: ['src/cart/cart.ts'] });
    assert.deepEqual(commits.map((c) => c.sha), [shop.sha.c8, shop.sha.f1, shop.sha.c4]);
  });

  it('blames a line (author, mail, time, summary) at a sha and in the working tree', async () => {
    const b = await repo.blame('src/cart/cart.ts', shop.bugLine, shop.sha.c9);
    assert.equal(b.sha, shop.sha.f1);
    assert.deepEqual(b.author, BOB);
    assert.equal(b.authorTime, BASE + 5 * HOUR);
    assert.equal(b.summary, 'cart: trim skus before pricing');
    assert.equal(b.boundary, false);
    assert.equal(b.content, '    const p = price(item.sku.trim()).valueOf();');
    const root = await repo.blame('src/cart/cart.ts', 1, shop.sha.c9);
    assert.equal(root.sha, shop.sha.c1);
    assert.equal(root.boundary, true, 'root commit is a boundary');
    const renamed = await repo.blame('src/cart/total.ts', shop.totalLine, shop.sha.c9);
    assert.equal(renamed.sha, shop.sha.c1);
    assert.equal(renamed.path, 'src/legacy/total.ts');
  });

  it('blames an uncommitted line in the working tree', async () => {
    const w = RepoWriter.init('oncall-git-wt-');
    w.write('a.txt', ['one', 'two']);
    w.commit('a', BASE);
    w.write('a.txt', ['one', 'TWO']);
    const r = await GitRepository.open(w.dir);
    const b = await r.blame('a.txt', 2);
    assert.equal(b.uncommitted, true);
    assert.equal(b.sha, '0'.repeat(40));
    assert.equal((await r.blame('a.txt', 1, WORKING_TREE)).author.name, ALICE.name);
  });

  it('reports a line past the end and a missing path clearly', async () => {
    await assert.rejects(repo.blame('src/cart/cart.ts', 999, shop.sha.c9), (e: GitError) => e.code === 'bad-line' && /has only \d+ lines/.test(e.message));
    await assert.rejects(repo.blame('src/nope.ts', 1, shop.sha.c9), (e: GitError) => e.code === 'no-such-path');
  });

  it('reads annotated and lightweight tags with dates and target commits', async () => {
    const tags = await repo.tags();
    assert.deepEqual(
      tags.map((t) => [t.name, t.annotated, t.targetSha, t.dateSource, new Date(t.date).toISOString()]),
      [
        ['deploy-checkout-prod-1', true, shop.sha.c1, 'tagger', new Date(BASE + 0.5 * HOUR).toISOString()],
        ['release-2024.05', false, shop.sha.c3, 'commit', new Date(BASE + 2 * HOUR).toISOString()],
        ['deploy-search-staging-7', false, shop.sha.c6, 'commit', new Date(BASE + 7 * HOUR).toISOString()],
        ['v1.2.0', true, shop.sha.c9, 'tagger', new Date(BASE + 11.5 * HOUR).toISOString()],
      ],
    );
    assert.deepEqual(tags[0]!.tagger, ALICE);
    assert.equal(tags[0]!.subject, 'deploy checkout to prod');
    assert.deepEqual((await repo.tags(['deploy-*'])).map((t) => t.name), ['deploy-checkout-prod-1', 'deploy-search-staging-7']);
  });

  it('shows a file at a sha, bounded in size', async () => {
    const f = await repo.showFileAt(shop.sha.c1, 'src/legacy/total.ts');
    assert.match(f.content, /computeTotal/);
    assert.equal(f.binary, false);
    await assert.rejects(repo.showFileAt(shop.sha.c1, 'src/legacy/total.ts', { maxBytes: 10 }), (e: GitError) => e.code === 'output-too-large' && /over the 10-byte limit/.test(e.message));
    await assert.rejects(repo.showFileAt(shop.sha.c9, 'src/legacy/total.ts'), (e: GitError) => e.code === 'no-such-path');
  });

  it('diffHunks follows a rename and maps lines from the deployed version', async () => {
    const d = await repo.diffHunks(shop.sha.c3, shop.sha.c9, 'src/legacy/total.ts');
    assert.equal(d.status, 'renamed');
    assert.equal(d.newPath, 'src/cart/total.ts');
    assert.deepEqual(mapPositionForward(d, 12), { path: 'src/cart/total.ts', line: 12, changed: false, deleted: false, fileDeleted: false, binary: false });
    assert.equal(mapPositionForward(d, 4).changed, true);
    const cart = await repo.diffHunks(shop.sha.c3, shop.sha.c9, 'src/cart/cart.ts');
    // c8 inserted three lines near the top: the bug line of c3 (12) is line 15 at c9, changed by f1.
    assert.deepEqual(mapPositionForward(cart, 12), { path: 'src/cart/cart.ts', line: 15, changed: true, deleted: false, fileDeleted: false, binary: false });
    assert.equal(mapPositionForward(cart, 21).line, 24);
    assert.equal(mapPositionBackward(cart, 24).line, 21);
  });

  it('diffHunks against the working tree', async () => {
    const w = RepoWriter.init('oncall-git-wt2-');
    w.write('lib/a.ts', ['l1', 'l2', 'l3', 'l4', 'l5']);
    const deployed = w.commit('a', BASE);
    w.git(['mv', 'lib/a.ts', 'lib/b.ts']);
    w.write('lib/b.ts', ['new0', 'l1', 'l2', 'L3', 'l4', 'l5']);
    const r = await GitRepository.open(w.dir);
    const d = await r.diffHunks(deployed, WORKING_TREE, 'lib/a.ts');
    assert.equal(d.newPath, 'lib/b.ts');
    assert.deepEqual(mapPositionForward(d, 2), { path: 'lib/b.ts', line: 3, changed: false, deleted: false, fileDeleted: false, binary: false });
    assert.equal(mapPositionForward(d, 3).changed, true);
    assert.equal(mapPositionForward(d, 5).line, 6);
  });

  it('maps unknown revisions to "fetch the deployed commits?"', async () => {
    await assert.rejects(repo.commitsInRange('abcdef1', shop.sha.c9), (e: GitError) => e.code === 'unknown-revision' && e.message === 'unknown revision abcdef1 — fetch the deployed commits?');
    await assert.rejects(repo.blame('src/cart/cart.ts', 1, 'abcdef1'), (e: GitError) => e.code === 'unknown-revision' && /abcdef1 — fetch/.test(e.message));
    await assert.rejects(repo.resolveCommit('abcdef1'), (e: GitError) => e.code === 'unknown-revision');
  });

  describe('hostile input is rejected before git runs', () => {
    const hostile: Array<[string, (r: GitRepository) => Promise<unknown>]> = [
      ['sha --output=/tmp/x', (r) => r.commitsInRange('--output=/tmp/x', 'abcdef1')],
      ['range end --output', (r) => r.commitsInRange('abcdef1', '--output=/tmp/oncall-x')],
      ['sha with spaces', (r) => r.commitExists('abcdef1 --all')],
      ['uppercase/other sha text', (r) => r.showFileAt('HEAD~1', 'a')],
      ['path ../../etc/passwd', (r) => r.showFileAt('abcdef1', '../../etc/passwd')],
      ['absolute path', (r) => r.blame('/etc/passwd', 1, 'abcdef1')],
      ['path starting with -', (r) => r.blame('--output=/tmp/x', 1)],
      ['path segment starting with -', (r) => r.diffHunks('abcdef1', 'HEAD', 'src/-rf')],
      ['path with pathspec magic', (r) => r.blame(':(glob)**', 1)],
      ['path with newline', (r) => r.blame('a\nb', 1)],
      ['line 0', (r) => r.blame('a.ts', 0)],
      ['line 1.5', (r) => r.blame('a.ts', 1.5)],
      ['rev --all', (r) => r.blame('a.ts', 1, '--all')],
      ['rev with ..', (r) => r.isAncestor('main..x', 'HEAD')],
      ['tag pattern -x', (r) => r.tags(['--contains=HEAD'])],
      ['tag pattern with ..', (r) => r.tags(['../heads/*'])],
      ['paths filter', (r) => r.commitsInRange('abcdef1', 'abcdef2', { paths: ['../x'] })],
    ];
    for (const [name, call] of hostile) {
      it(name, async () => {
        const runner = new CountingRunner({ cwd: shop.dir });
        const r = new GitRepository(runner);
        await assert.rejects(call(r), GitInputError);
        assert.equal(runner.calls.length, 0, 'git must not have run');
      });
    }
    it('never created /tmp/x', () => {
      assert.ok(!fs.existsSync('/tmp/x') || fs.statSync('/tmp/x').mtimeMs < Date.now() - 3_600_000);
    });
  });

  it('a file whose name looks like pathspec magic is read literally', async () => {
    const w = RepoWriter.init('oncall-git-magic-');
    w.write('*.ts', ['star']);
    w.write('x.ts', ['x']);
    const s = w.commit('stars', BASE);
    const r = await GitRepository.open(w.dir);
    const b = await r.blame('*.ts', 1, s);
    assert.equal(b.content, 'star');
    assert.equal(b.path, '*.ts');
  });

  it('not a git repository', async () => {
    const dir = tmpDir('oncall-git-none-');
    await assert.rejects(GitRepository.open(dir), (e: GitError) => e.code === 'not-a-repo' && /not a git repository/.test(e.message));
  });

  it('commitExists is an error, not "false", outside a repository', async () => {
    const r = new GitRepository(new GitRunner({ cwd: tmpDir('oncall-git-none2-') }));
    await assert.rejects(r.commitExists('abcdef1'), (e: GitError) => e.code === 'not-a-repo');
  });

  it('no commits yet', async () => {
    const w = RepoWriter.init('oncall-git-empty-');
    const r = await GitRepository.open(w.dir);
    await assert.rejects(r.headSha(), (e: GitError) => e.code === 'no-commits');
  });
});
