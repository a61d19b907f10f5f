import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { deployInEffect, loadDeployHistory } from '../../../src/core/git/deploys';
import { DEFAULT_MAX_COMMITS, completeFrameBlames, findSuspects, inferFunctionRange, simpleFunctionName, sortSuspects, type Suspect, type SuspectFrameInput } from '../../../src/core/git/suspects';
import { BASE, BOB, HOUR, RepoWriter, shopRepo } from './fixtureRepo';

describe('git/suspects', () => {
  const shop = shopRepo();
  let repo: GitRepository;
  const now = BASE + 30 * 24 * HOUR;
  let frames: SuspectFrameInput[];

  before(async () => {
    repo = await GitRepository.open(shop.dir);
    frames = [
      { path: 'node_modules/lib/index.js', line: 10, function: 'lib', inApp: false },
      { path: 'src/cart/cart.ts', line: shop.bugLine, function: 'CartService.addItem' },
      { path: 'src/cart/total.ts', line: shop.totalLine, function: 'computeTotal' },
      { path: 'src/other/util.ts', line: 2, function: 'fmt' },
    ];
  });

  it('ranks the commit that changed the top frame line first, looking through the merge', async () => {
    const history = await loadDeployHistory(repo, shop.events);
    const eff = deployInEffect({ service: 'checkout', environment: 'production', startedAt: new Date(BASE + 12 * HOUR).toISOString() }, history);
    assert.ok(eff.found && eff.range !== undefined);
    const report = await findSuspects(repo, { frames, range: eff.range, now });
    assert.equal(report.basis, 'deploy-range');
    assert.deepEqual(report.range, { from: shop.sha.c3, to: shop.sha.c9 });
    assert.equal(report.rangeCommitCount, 8);
    const top = report.suspects[0]!;
    assert.equal(top.sha, shop.sha.f1);
    assert.deepEqual(top.author, BOB);
    assert.equal(top.subject, 'cart: trim skus before pricing');
    assert.equal(top.reasons[0], `changed line ${shop.bugLine} of src/cart/cart.ts (top frame)`);
    assert.equal(top.frameDepth, 0);
    assert.ok(!report.suspects.some((s) => s.sha === shop.sha.m1), 'the merge commit is never a suspect');
    assert.ok(top.score >= 100);
  });

  it('gives the other commits their reasons and a deterministic order', async () => {
    const report = await findSuspects(repo, { frames, range: { from: shop.sha.c3, to: shop.sha.c9 }, now });
    const by = new Map(report.suspects.map((s) => [s.sha, s]));
    assert.ok(by.get(shop.sha.c7)!.reasons.includes('changed function computeTotal in src/cart/total.ts (frame #2)'), by.get(shop.sha.c7)!.reasons.join('; '));
    assert.ok(by.get(shop.sha.c4)!.reasons.includes('changed src/cart/cart.ts (top frame)'));
    assert.ok(by.get(shop.sha.c8)!.reasons.includes('changed src/cart/cart.ts (top frame)'));
    // price() is called on the failing line: its change ranks as a callee change, not a folder neighbour.
    assert.equal(by.get(shop.sha.c5)!.reasons[0], `changed \`price\` (src/cart/price.ts), called at src/cart/cart.ts:${shop.bugLine} (top frame)`);
    assert.deepEqual(by.get(shop.sha.c6)!.reasons, ['changed line 2 of src/other/util.ts (frame #3)']);
    // Every commit of the range is listed; the README-only one last, saying why.
    assert.equal(report.suspects.length, report.rangeCommitCount);
    assert.equal(report.suspects.at(-1)!.sha, shop.sha.f2);
    assert.deepEqual(by.get(shop.sha.f2)!.reasons, ['in the deploy range; changes none of the code in the stack trace (README.md)']);
    assert.equal(by.get(shop.sha.f2)!.score, 0);
    // c8 and c4 score the same: the newer one comes first.
    const order = report.suspects.map((s) => s.sha);
    // The top frame's line (100) > the third frame's line (100 × 1/2) > a function the failing line calls (45)
    // > the second frame's function (25 × 2/3).
    assert.deepEqual(order.slice(0, 4), [shop.sha.f1, shop.sha.c6, shop.sha.c5, shop.sha.c7]);
    assert.ok(order.indexOf(shop.sha.c8) < order.indexOf(shop.sha.c4));
    for (let i = 1; i < report.suspects.length; i++) assert.ok(report.suspects[i - 1]!.score >= report.suspects[i]!.score);
    // Same input, same output.
    const again = await findSuspects(repo, { frames, range: { from: shop.sha.c3, to: shop.sha.c9 }, now });
    assert.deepEqual(again, report);
  });

  it('reports per-frame blame and whether the deploy changed the line', async () => {
    const report = await findSuspects(repo, { frames, range: { from: shop.sha.c3, to: shop.sha.c9 }, now });
    assert.equal(report.frames.length, 3, 'library frame dropped');
    // The ranking blames only the deploy range: a line it did not change has no blame yet.
    assert.equal(report.frames[1]!.blame, undefined);
    assert.equal(report.frames[0]!.blame!.sha, shop.sha.f1);
    await completeFrameBlames(repo, report, { now });
    const [cart, total, util] = report.frames;
    assert.equal(cart!.depth, 0);
    assert.equal(cart!.blame!.sha, shop.sha.f1);
    assert.equal(cart!.blame!.ageDays, 29);
    assert.equal(cart!.changedInThisDeploy, true);
    assert.equal(total!.blame!.sha, shop.sha.c1);
    assert.equal(total!.changedInThisDeploy, false);
    assert.equal(util!.blame!.sha, shop.sha.c6);
    assert.equal(util!.changedInThisDeploy, true);
  });

  it('falls back to blame, clearly labelled, when the range is unknown', async () => {
    const report = await findSuspects(repo, { frames, rev: shop.sha.c9, now, rangeUnavailableReason: 'no earlier deploy of checkout known' });
    assert.equal(report.basis, 'blame-fallback');
    assert.match(report.basisNote, /^no earlier deploy of checkout known: suspects are the commits that last changed each frame's line \(git blame at [0-9a-f]{7}\)/);
    assert.equal(report.suspects[0]!.sha, shop.sha.f1);
    assert.equal(report.suspects[0]!.basis, 'blame-fallback');
    assert.match(report.suspects[0]!.reasons[0]!, /^last changed line \d+ of src\/cart\/cart\.ts \(top frame\) — blame, deploy range unknown$/);
    assert.ok(report.suspects.every((s) => s.basis === 'blame-fallback'));
    assert.ok(report.frames.every((f) => f.changedInThisDeploy === undefined));
    const boundary = report.suspects.find((s) => s.sha === shop.sha.c1)!;
    assert.match(boundary.reasons[0]!, /boundary commit, the line may be older/);
  });

  it('falls back to blame when the previous deploy commit is not in the clone, and says so', async () => {
    const report = await findSuspects(repo, { frames, range: { from: 'abcdef1234', to: shop.sha.c9 }, now });
    assert.equal(report.basis, 'blame-fallback');
    assert.match(report.warnings.join('\n'), /previous deploy commit abcdef1 is not in this clone — fetch the deployed commits\?/);
    assert.equal(report.suspects[0]!.sha, shop.sha.f1);
  });

  it('falls back to blame at HEAD when the deployed commit is missing', async () => {
    const report = await findSuspects(repo, { frames, range: { from: shop.sha.c3, to: 'abcdef1234' }, now });
    assert.equal(report.basis, 'blame-fallback');
    assert.equal(report.rev, 'HEAD');
    assert.match(report.warnings.join('\n'), /deployed commit abcdef1 is not in this clone/);
  });

  it('treats a rollback range as "no new commits"', async () => {
    const report = await findSuspects(repo, { frames, range: { from: shop.sha.c9, to: shop.sha.c3 }, now });
    assert.equal(report.basis, 'blame-fallback');
    assert.match(report.basisNote, /rolled back/);
  });

  it('warns about the commit cap only when the range holds more commits than it', async () => {
    const exact = await findSuspects(repo, { frames, range: { from: shop.sha.c3, to: shop.sha.c9 }, now, maxCommits: 8 });
    assert.equal(exact.rangeCommitCount, 8);
    assert.ok(!exact.warnings.some((w) => /more than/.test(w)), exact.warnings.join('\n'));
    const capped = await findSuspects(repo, { frames, range: { from: shop.sha.c3, to: shop.sha.c9 }, now, maxCommits: 7 });
    assert.equal(capped.rangeCommitCount, 7);
    assert.equal(capped.suspects.length, 7);
    assert.ok(capped.warnings.includes('the deploy range has more than 7 commits; only the newest 7 were analysed'), capped.warnings.join('\n'));
  });

  it('ranks every commit of a deploy larger than a few hundred commits by default', async function () {
    this.timeout(60_000);
    const w = RepoWriter.init('oncall-big-range-');
    w.write('src/app.js', ['function run() {', '  return 0;', '}']);
    const from = w.commit('initial', BASE);
    // 400 commits in one fast-import stream, each changing src/app.js's second line.
    let script = '';
    for (let i = 1; i <= 400; i++) {
      const body = `function run() {\n  return ${i};\n}\n`;
      const msg = `change ${i}`;
      const when = Math.floor(BASE / 1000) + i * 60;
      script += `commit refs/heads/main\ncommitter Bob <bob@example.com> ${when} +0000\ndata ${msg.length}\n${msg}\n${i === 1 ? `from ${from}\n` : ''}M 100644 inline src/app.js\ndata ${body.length}\n${body}\n`;
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: w.dir, input: script, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', HOME: w.dir } });
    const to = w.git(['rev-parse', 'main']);
    const big = await GitRepository.open(w.dir);
    const report = await findSuspects(big, { frames: [{ path: 'src/app.js', line: 2, function: 'run' }], range: { from, to }, now });
    assert.equal(report.rangeCommitCount, 400);
    assert.equal(report.suspects.length, 400);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.suspects[0]!.sha, to);
    assert.equal(report.suspects[0]!.reasons[0], 'changed line 2 of src/app.js (top frame)');
    assert.ok(DEFAULT_MAX_COMMITS >= 1000);
  });

  it('ranks a range whose start is not an ancestor of its end, and says so', async () => {
    // f2 is on the feature branch, merged after c6: not an ancestor of it.
    const report = await findSuspects(repo, { frames, range: { from: shop.sha.f2, to: shop.sha.c6 }, now });
    assert.deepEqual(report.suspects.map((s) => s.sha), [shop.sha.c6]);
    assert.equal(report.basis, 'deploy-range');
    assert.match(report.warnings.join('\n'), /is not an ancestor of/);
  });

  it('drops hostile frames with a warning and never runs git on them', async () => {
    const report = await findSuspects(repo, {
      frames: [
        { path: '../../etc/passwd', line: 1 },
        { path: '-rf', line: 1 },
        { path: 'src/cart/cart.ts', line: shop.bugLine },
      ],
      range: { from: shop.sha.c3, to: shop.sha.c9 },
      now,
    });
    assert.equal(report.frames.length, 1);
    assert.equal(report.frames[0]!.depth, 2);
    assert.equal(report.warnings.filter((w) => w.startsWith('ignored frame')).length, 2);
    assert.equal(report.suspects[0]!.sha, shop.sha.f1);
    assert.equal(report.suspects[0]!.reasons[0], `changed line ${shop.bugLine} of src/cart/cart.ts (frame #3)`);
    await assert.rejects(findSuspects(repo, { frames, range: { from: '--output=/tmp/x', to: shop.sha.c9 } }), /invalid range start sha/);
    await assert.rejects(findSuspects(repo, { frames, rev: '--all' }), /invalid revision "--all"/);
  });

  it('a deeper frame whose line changed still beats a file-level hit on the top frame', async () => {
    const report = await findSuspects(repo, {
      frames: [
        { path: 'src/cart/cart.ts', line: 1 },
        { path: 'src/cart/cart.ts', line: shop.bugLine, function: 'addItem' },
      ],
      range: { from: shop.sha.c3, to: shop.sha.c9 },
      now,
    });
    assert.equal(report.suspects[0]!.sha, shop.sha.f1);
    assert.equal(report.suspects[0]!.frameDepth, 1);
    assert.equal(report.suspects[0]!.reasons[0], `changed line ${shop.bugLine} of src/cart/cart.ts (frame #2)`);
  });

  it('returns an empty report when no frame is usable', async () => {
    const report = await findSuspects(repo, { frames: [{ path: 'x.js', line: 1, inApp: false }], range: { from: shop.sha.c3, to: shop.sha.c9 } });
    assert.deepEqual([report.suspects, report.frames], [[], []]);
    assert.match(report.basisNote, /no in-app frame/);
  });

  it('honours cancellation', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(findSuspects(repo, { frames, range: { from: shop.sha.c3, to: shop.sha.c9 }, signal: ac.signal }), (e: Error) => /cancelled/.test(e.message));
  });

  describe('helpers', () => {
    it('simpleFunctionName', () => {
      const cases: Array<[string | undefined, string | undefined]> = [
        ['CartService.addItem', 'addItem'],
        ['async CartService.addItem', 'addItem'],
        ['Object.<anonymous>', undefined],
        ['cart.addItem [as add]', 'addItem'],
        ['main.(*Cart).Add', 'Add'],
        ['Cart#add', 'add'],
        ['shop::cart::add', 'add'],
        ['com.shop.Cart.add', 'add'],
        ['<lambda>', undefined],
        [undefined, undefined],
      ];
      for (const [input, want] of cases) assert.equal(simpleFunctionName(input), want, String(input));
    });

    it('inferFunctionRange (braces, python, arrow, not found)', () => {
      const ts = ['class A {', '  foo(x: number) {', '    if (x) {', '      return 1;', '    }', '    return 2;', '  }', '  bar() {}', '}'].join('\n');
      assert.deepEqual(inferFunctionRange(ts, 4, 'foo'), { start: 2, end: 7 });
      assert.equal(inferFunctionRange(ts, 4, 'bar'), undefined);
      const py = ['def outer():', '    x = 1', '', '    return x', 'def other():', '    pass'].join('\n');
      assert.deepEqual(inferFunctionRange(py, 4, 'outer'), { start: 1, end: 4 });
      const arrow = ['export const handler = async (req) => {', '  return go(req);', '};'].join('\n');
      assert.deepEqual(inferFunctionRange(arrow, 2, 'handler'), { start: 1, end: 3 });
      assert.equal(inferFunctionRange(arrow, 2, 'a.b(c)'), undefined, 'non-identifiers are refused');
    });

    it('sortSuspects: score, then depth, then newest, then sha', () => {
      const mk = (sha: string, score: number, frameDepth: number, commitTime: number): Suspect => ({
        sha,
        shortSha: sha.slice(0, 7),
        author: { name: 'x', email: 'x' },
        authoredAt: '',
        authorTime: commitTime,
        commitTime,
        subject: '',
        score,
        reasons: [],
        frameDepth,
        basis: 'deploy-range',
      });
      const list = [mk('b'.repeat(40), 10, 0, 1), mk('a'.repeat(40), 10, 0, 1), mk('c'.repeat(40), 10, 0, 2), mk('d'.repeat(40), 10, 1, 9), mk('e'.repeat(40), 50, 3, 0)];
      sortSuspects(list);
      assert.deepEqual(list.map((s) => s.sha[0]), ['e', 'c', 'a', 'b', 'd']);
    });
  });
});
