import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DemoSource } from '../../../src/bridge/sources/demo/demoSource';
import { demoTraces } from '../../../src/bridge/sources/demo/traces';
import { ensureDemoWorkspace, NotADemoWorkspaceError, type DemoCommits } from '../../../src/bridge/sources/demo/workspace';
import { BUG_LINE, COMMIT_KEYS, DEMO_COMMIT_SHAS, DEMO_TAGS, demoHistoryDir, DemoFilesError, demoWorkspaceFiles, HISTORY, PRICING_TS } from '../../../src/bridge/sources/demo/workspaceFiles';
import { World } from '../../../src/bridge/world';
import type { Deploy } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { nullLogger } from '../../../src/core/util/logger';
import { repoRoot } from '../../testUtil/paths';
import { T0 } from './helpers';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('demo workspace', function () {
  this.timeout(60_000);
  let tmp: string;
  let dir: string;
  let commits: DemoCommits;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-demo-ws-'));
    dir = path.join(tmp, 'workspace');
    const r = await ensureDemoWorkspace(dir, { port: 45678 });
    assert.strictEqual(r.created, true);
    commits = r.commits;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('has the history: authors, fixed dates, a merge, the tags; shas as precomputed', () => {
    for (const k of COMMIT_KEYS) assert.strictEqual(commits[k].sha, DEMO_COMMIT_SHAS[k], `sha of ${k} (update DEMO_COMMIT_SHAS after editing the history)`);
    const authors = new Set(git(dir, 'log', '--all', '--format=%ae').split('\n'));
    assert.ok(authors.size >= 5 && authors.has('you@example.com'), [...authors].join(','));
    assert.strictEqual(git(dir, 'rev-list', '--count', '--merges', 'HEAD'), '1');
    assert.strictEqual(git(dir, 'rev-parse', `${commits.merge.sha}^2`), commits.locking.sha, 'the merge brings in the feature branch');
    assert.deepStrictEqual(git(dir, 'tag', '--list').split('\n').sort(), [...DEMO_TAGS].sort());
    assert.strictEqual(git(dir, 'rev-parse', 'deploy-2026-11-20^{commit}'), commits.routeLimits.sha);
    assert.strictEqual(git(dir, 'rev-parse', 'release-1.4.0^{commit}'), commits.merge.sha);
    assert.strictEqual(git(dir, 'config', 'user.email'), 'you@example.com');
    assert.strictEqual(git(dir, 'status', '--porcelain'), '', 'a clean working tree');
    for (const [rel, content] of Object.entries(demoWorkspaceFiles())) assert.strictEqual(fs.readFileSync(path.join(dir, rel), 'utf8'), content, rel);
  });

  it('builds exactly the recorded history: every commit, tree, blob, ref and the local config (UPDATE_DEMO_FIXTURE=1 rewrites it)', () => {
    // The record was taken from the demo as it was built before its files moved out of TypeScript into demo/:
    // a change here means the demo workspace (and the shas every demo deploy and alert carries) changed.
    const record = [
      git(dir, 'log', '--all', '--topo-order', '--raw', '--no-abbrev', '--format=commit %H%nparents %P%nauthor %an <%ae> %aI%ncommitter %cn <%ce> %cI%n%n%B'),
      '--- refs',
      git(dir, 'show-ref', '--heads', '--tags'),
      `HEAD ${git(dir, 'symbolic-ref', 'HEAD')}`,
      '--- HEAD tree',
      git(dir, 'ls-tree', '-r', '--full-tree', 'HEAD'),
      '--- config',
      `user ${git(dir, 'config', 'user.name')} <${git(dir, 'config', 'user.email')}>`,
      // Only what the demo appends: the rest is the local git's template.
      `info/exclude ends with ${JSON.stringify(fs.readFileSync(path.join(dir, '.git', 'info', 'exclude'), 'utf8').slice(-10))}`,
      `status ${JSON.stringify(git(dir, 'status', '--porcelain', '--untracked-files=all', '--ignored'))}`,
    ].join('\n') + '\n';
    const file = path.join(repoRoot, 'test', 'fixtures', 'demo', 'history.txt');
    if (process.env.UPDATE_DEMO_FIXTURE) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, record);
    }
    assert.strictEqual(record, fs.readFileSync(file, 'utf8'));
  });

  it('the bug commit introduces exactly the line the checkout trace top frame points at', () => {
    const top = demoTraces()['checkout-coupon']!.frames[0]!;
    assert.strictEqual(top.file, PRICING_TS);
    assert.strictEqual(top.code, BUG_LINE.trim());
    const blame = git(dir, 'blame', '--porcelain', '-L', `${top.line},${top.line}`, 'HEAD', '--', top.file);
    assert.strictEqual(blame.split(' ')[0], commits.bug.sha);
    const diff = git(dir, 'show', '--format=', '-U0', commits.bug.sha, '--', top.file);
    assert.ok(diff.includes(`+${BUG_LINE}\n`), diff);
    assert.ok(git(dir, 'merge-base', '--is-ancestor', commits.bug.sha, 'deploy-2026-11-20') === '');
    assert.ok(demoTraces()['checkout-coupon']!.text.includes(`/app/src/cart/pricing.ts:${top.line}:`));
  });

  it('every demo trace in-app frame points at an existing file and line with the expected code', () => {
    for (const t of Object.values(demoTraces())) {
      assert.ok(t.frames.length >= 2, t.id);
      for (const f of t.frames) {
        const lines = fs.readFileSync(path.join(dir, f.file), 'utf8').split('\n');
        assert.strictEqual(lines[f.line - 1]?.trim(), f.code, `${t.id}: ${f.file}:${f.line}`);
        const base = path.basename(f.file);
        assert.ok(new RegExp(`${base.replace('.', '\\.')}(:|", line )${f.line}\\b`).test(t.text), `${t.id} mentions ${base}:${f.line}`);
      }
    }
  });

  it('traces use each runtime\'s format and deployment paths', () => {
    const text = (id: string) => demoTraces()[id]!.text;
    assert.match(text('checkout-coupon'), /^TypeError: .*\n {4}at applyDiscount \(\/app\/src\/cart\/pricing\.ts:\d+:\d+\)/);
    assert.match(text('billing-division'), /^Traceback \(most recent call last\):\n {2}File "\/usr\/local\/lib\/python3\.12\/site-packages\/.*\n.*\n {2}File "\/srv\/billing-worker\/billing\/worker\.py", line \d+, in process_job/);
    assert.match(text('inventory-lock'), /^java\.lang\.IllegalStateException: .*\n\tat com\.acme\.inventory\.StockService\.reserve\(StockService\.java:\d+\)/);
    assert.match(text('inventory-lock'), /\nCaused by: org\.springframework\.orm\.ObjectOptimisticLockingFailureException: .*\n(\tat .*\n)+\t\.\.\. \d+ more/);
    assert.match(text('gateway-index'), /^panic: runtime error: index out of range \[2\] with length 2\n\ngoroutine 1 \[running\]:\ngithub\.com\/acme\/edge-gateway\/ratelimit\.\(\*Limiter\)\.bucketFor\(\.\.\.\)\n\t\/go\/src\/github\.com\/acme\/edge-gateway\/ratelimit\/limiter\.go:\d+\n/);
  });

  it('is reused when it exists (even after the user commits), and never written over when it is not ours', async () => {
    fs.writeFileSync(path.join(dir, 'NOTES.md'), 'mine\n');
    git(dir, 'add', 'NOTES.md');
    execFileSync('git', ['commit', '-q', '-m', 'my notes'], { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 'You', GIT_COMMITTER_NAME: 'You', GIT_AUTHOR_EMAIL: 'you@example.com', GIT_COMMITTER_EMAIL: 'you@example.com' } });
    const again = await ensureDemoWorkspace(dir, { port: 45679 });
    assert.strictEqual(again.created, false);
    assert.deepStrictEqual(again.commits, commits);
    assert.strictEqual(git(dir, 'log', '-1', '--format=%s'), 'my notes');
    const settings = JSON.parse(fs.readFileSync(path.join(dir, '.vscode', 'settings.json'), 'utf8'));
    assert.deepStrictEqual(settings, { 'oncall.identity': 'you@example.com', 'oncall.serverUrl': 'ws://127.0.0.1:45679/' });

    const foreign = path.join(tmp, 'someone-elses-project');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'important.txt'), 'do not touch');
    await assert.rejects(ensureDemoWorkspace(foreign), NotADemoWorkspaceError);
    assert.deepStrictEqual(fs.readdirSync(foreign), ['important.txt']);
  });

  it('demo deploys and alerts reference real commits of the workspace, some deployed by you', async () => {
    const world = new World({ replayBufferSize: 1000 });
    const clock = new ManualClock(T0);
    const source = new DemoSource({ commits, seed: 3, intervalMs: 1000 });
    await source.start({
      clock, logger: nullLogger,
      upsertAlert: (a) => world.upsertAlert(a), resolveAlert: (id, by, at) => world.resolveAlert(id, at ?? '', by), getAlert: (id) => world.getAlert(id),
      alerts: () => world.alerts(), setOnCall: (s) => world.setOnCall(s), addDeploy: (d) => world.addDeploy(d),
    });
    clock.advance(200_000); // 200 changes of the world
    await source.stop();
    const all = new Set(git(dir, 'rev-list', '--all').split('\n'));
    const deploys: Deploy[] = world.snapshot().deploys;
    assert.ok(deploys.length >= 8);
    for (const d of deploys) {
      assert.ok(all.has(d.commitSha), `deploy ${d.id} commit ${d.commitSha}`);
      if (d.previousSha) assert.ok(all.has(d.previousSha), `deploy ${d.id} previous ${d.previousSha}`);
    }
    assert.ok(deploys.some((d) => d.author.email === 'you@example.com'));
    for (const a of world.alerts()) if (a.commitSha) assert.ok(all.has(a.commitSha), a.id);
  });

  it('each commit writes exactly the files of its demo/history/ directory; there is no other directory', () => {
    const root = path.join(repoRoot, 'demo', 'history');
    assert.strictEqual(demoHistoryDir(), root, 'the compiled code finds the repository\'s demo/history/');
    const commitSteps = HISTORY.flatMap((s) => (s.op === 'commit' ? [s] : []));
    assert.deepStrictEqual(fs.readdirSync(root).sort(), commitSteps.map((s) => s.dir).sort());
    for (const step of commitSteps) {
      const sha = commits[step.key as keyof DemoCommits].sha;
      const changed = git(dir, 'diff-tree', '--no-commit-id', '--name-only', '-r', '--root', sha).split('\n').sort();
      const files: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(path.join(d, e.name));
          else files.push(path.relative(path.join(root, step.dir), path.join(d, e.name)).split(path.sep).join('/'));
        }
      };
      walk(path.join(root, step.dir));
      assert.deepStrictEqual(files.sort(), changed, `${step.dir} holds what commit ${step.key} changes`);
      for (const f of files) assert.strictEqual(execFileSync('git', ['show', `${sha}:${f}`], { cwd: dir, encoding: 'utf8' }), fs.readFileSync(path.join(root, step.dir, f), 'utf8'), `${step.dir}/${f}`);
    }
  });

  it('says where it looked when demo/history/ is missing', () => {
    const lonely = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-demo-nofiles-'));
    try {
      assert.throws(() => demoHistoryDir(path.join(lonely, 'dist')), (e: unknown) => e instanceof DemoFilesError && e.message.includes(path.join(lonely, 'dist')) && /demo\/history/.test(e.message));
    } finally {
      fs.rmSync(lonely, { recursive: true, force: true });
    }
  });
});
