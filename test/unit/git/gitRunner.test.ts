import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError, GitRunner, classifyStderr } from '../../../src/core/git/gitRunner';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { LruCache } from '../../../src/core/git/lru';
import { MemoryLogger } from '../../../src/core/util/logger';
import { shopRepo, tmpDir } from './fixtureRepo';

/** A stand-in "git" that never answers (exec, so the kill reaches the sleeping process itself). */
function slowGit(): string {
  const dir = tmpDir('oncall-git-slow-');
  const p = path.join(dir, 'git');
  fs.writeFileSync(p, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  return p;
}

/** A stand-in "git" that prints its environment and arguments. */
function echoGit(): string {
  const dir = tmpDir('oncall-git-echo-');
  const p = path.join(dir, 'git');
  fs.writeFileSync(p, '#!/bin/sh\nprintf "%s\\n" "$@"\necho "PROMPT=$GIT_TERMINAL_PROMPT LC_ALL=$LC_ALL PAGER=$GIT_PAGER LOCKS=$GIT_OPTIONAL_LOCKS DIR=${GIT_DIR:-unset}"\n', { mode: 0o755 });
  return p;
}

describe('git/GitRunner', () => {
  const shop = shopRepo();

  it('times out with a clear error', async () => {
    const runner = new GitRunner({ cwd: shop.dir, gitPath: slowGit(), timeoutMs: 150 });
    const t0 = Date.now();
    await assert.rejects(runner.run(['log']), (e: GitError) => e instanceof GitError && e.code === 'timeout' && e.message === 'git log timed out after 150 ms');
    assert.ok(Date.now() - t0 < 5000);
  });

  it('bounds the output with a clear error', async () => {
    const runner = new GitRunner({ cwd: shop.dir, maxBufferBytes: 64 });
    await assert.rejects(runner.run(['log', '--format=%H %s']), (e: GitError) => e.code === 'output-too-large' && /git log output exceeded 64 bytes/.test(e.message));
    const repo = new GitRepository(new GitRunner({ cwd: shop.dir }));
    await assert.rejects(repo.commitsInRange(shop.sha.c3, shop.sha.c9, { maxBufferBytes: 100 }), (e: GitError) => e.code === 'output-too-large');
  });

  it('is cancelled by an AbortSignal, before or during the call', async () => {
    const runner = new GitRunner({ cwd: shop.dir, gitPath: slowGit() });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(runner.run(['log'], { signal: ac.signal }), (e: GitError) => e.code === 'cancelled' && e.message === 'git log cancelled');
    await assert.rejects(runner.run(['log'], { signal: AbortSignal.abort() }), (e: GitError) => e.code === 'cancelled');
  });

  it('cancels a call still waiting for a slot', async () => {
    const runner = new GitRunner({ cwd: shop.dir, gitPath: slowGit(), maxConcurrent: 1, timeoutMs: 300 });
    const first = runner.run(['log']);
    const ac = new AbortController();
    const second = runner.run(['log'], { signal: ac.signal });
    ac.abort();
    await assert.rejects(second, (e: GitError) => e.code === 'cancelled');
    await assert.rejects(first, (e: GitError) => e.code === 'timeout');
  });

  it('says "git not found"', async () => {
    const runner = new GitRunner({ cwd: shop.dir, gitPath: '/nonexistent/bin/git' });
    await assert.rejects(runner.run(['version']), (e: GitError) => e.code === 'git-not-found' && /^git not found/.test(e.message));
  });

  it('runs only allow-listed read-only subcommands', async () => {
    const runner = new GitRunner({ cwd: shop.dir });
    for (const sub of ['push', 'config', 'checkout', '-c', '--output=/tmp/x', '']) {
      await assert.rejects(runner.run(sub === '' ? [] : [sub]), (e: GitError) => e.code === 'failed' && /not allowed/.test(e.message));
    }
  });

  it('uses no shell, pins the environment and forces safe config', async () => {
    const runner = new GitRunner({ cwd: shop.dir, gitPath: echoGit() });
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = '/elsewhere';
    try {
      const r = await new GitRunner({ cwd: shop.dir, gitPath: echoGit() }).run(['log', '$(touch /tmp/oncall-pwned)', '; ls']);
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, 8), ['--no-pager', '--literal-pathspecs', '-c', 'core.quotepath=off', '-c', 'core.fsmonitor=false', '-c', 'color.ui=false']);
      assert.deepEqual(lines.slice(8, 11), ['log', '$(touch /tmp/oncall-pwned)', '; ls']);
      assert.equal(lines[11], 'PROMPT=0 LC_ALL=C PAGER=cat LOCKS=0 DIR=unset');
      assert.ok(!fs.existsSync('/tmp/oncall-pwned'));
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
    assert.ok(runner);
  });

  it('caches immutable (cacheable) results and not the others', async () => {
    const logger = new MemoryLogger();
    const repo = new GitRepository(new GitRunner({ cwd: shop.dir, logger }));
    const spawned = (): number => logger.lines.filter((l) => l.message.startsWith('git ')).length;
    const a = await repo.commitsInRange(shop.sha.c3, shop.sha.c9);
    const n = spawned();
    const b = await repo.commitsInRange(shop.sha.c3, shop.sha.c9);
    assert.equal(spawned(), n, 'second range query served from cache');
    assert.deepEqual(b, a);
    await repo.blame('src/cart/cart.ts', 1, shop.sha.c9);
    await repo.blame('src/cart/cart.ts', 1, shop.sha.c9);
    assert.equal(spawned(), n + 1);
    await repo.headSha();
    await repo.headSha();
    assert.equal(spawned(), n + 3, 'HEAD is not cached');
    await repo.commitExists(shop.sha.c1);
    await repo.commitExists(shop.sha.c1);
    assert.equal(spawned(), n + 5, 'existence is not cached');
  });

  it('classifies git error text', () => {
    const cases: Array<[string, string[], string, string]> = [
      ['fatal: not a git repository (or any of the parent directories): .git\n', [], 'not-a-repo', 'not a git repository: /r'],
      ["fatal: ambiguous argument 'a1b2c3d..f00': unknown revision or path not in the working tree.\n", ['a1b2c3d', 'f00baa1'], 'unknown-revision', 'unknown revision a1b2c3d — fetch the deployed commits?'],
      ["fatal: bad revision 'f00baa1..a1b2c3d'\n", ['a1b2c3d'], 'unknown-revision', 'unknown revision a1b2c3d — fetch the deployed commits?'],
      ["fatal: invalid object name 'deadbee'.\n", [], 'unknown-revision', 'unknown revision deadbee — fetch the deployed commits?'],
      ["fatal: detected dubious ownership in repository at '/r'\n", [], 'unsafe-repository', ''],
      ['fatal: no such path src/x.ts in HEAD\n', [], 'no-such-path', 'no such path src/x.ts in HEAD'],
      ['fatal: file a.ts has only 3 lines\n', [], 'bad-line', 'a.ts has only 3 lines'],
      ['fatal: something else\n', [], 'failed', 'git log failed (exit 128): something else'],
    ];
    for (const [stderr, revs, code, msg] of cases) {
      const e = classifyStderr(stderr, 'log', revs, { exitCode: 128 }, '/r');
      assert.equal(e.code, code, stderr);
      if (msg !== '') assert.equal(e.message, msg);
    }
  });
});

describe('git/LruCache', () => {
  it('evicts the least recently used by count and by weight', () => {
    const c = new LruCache<string, string>(3, 10, (v) => v.length);
    c.set('a', 'xx');
    c.set('b', 'xx');
    c.set('c', 'xx');
    assert.equal(c.get('a'), 'xx'); // a is now most recent
    c.set('d', 'xx');
    assert.equal(c.has('b'), false);
    assert.deepEqual(['a', 'c', 'd'].map((k) => c.has(k)), [true, true, true]);
    c.set('e', 'xxxxxxx'); // weight 7: total would be 13 > 10
    assert.ok(c.weight <= 10);
    assert.equal(c.has('e'), true);
    c.set('huge', 'x'.repeat(11));
    assert.equal(c.has('huge'), false, 'a value over the whole budget is not cached');
    c.clear();
    assert.equal(c.size, 0);
  });
});
