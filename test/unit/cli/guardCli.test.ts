import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PushGuardFile } from '../../../src/cli/pushGuardProtocol';

// The compiled CLI next to this compiled test (any outDir).
const CLI = path.resolve(__dirname, '../../../src/cli/guardCli.js');
const FRIDAY_EVENING = '2026-11-27T19:30:00Z';
const TUESDAY_MORNING = '2026-11-24T10:00:00Z';
const SHA = 'a'.repeat(40);

function gitDirWithCache(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-guardcli-'));
  fs.mkdirSync(path.join(dir, 'oncall'));
  const file: PushGuardFile = {
    version: 1, // no port/token: no editor to ask, the hook decides from this cache
    updatedAt: '2026-11-23T12:00:00Z',
    cache: {
      identity: 'you@example.com',
      timeZone: 'UTC',
      settings: {},
      rotations: [{
        id: 'primary', name: 'Primary', role: 'primary', timeZone: 'Asia/Tokyo',
        shifts: [{ person: { name: 'Kenji Watanabe', email: 'kenji@example.com', timeZone: 'Asia/Tokyo' }, start: '2026-11-27T09:00:00Z', end: '2026-11-30T09:00:00Z' }],
      }],
      policies: [],
    },
  };
  fs.writeFileSync(path.join(dir, 'oncall', 'guard.json'), JSON.stringify(file));
  return dir;
}

function runHook(gitDir: string, refs: string, env: Record<string, string>): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'pre-push', '--git-dir', gitDir, '--remote', 'origin'], {
    input: refs, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe('push guard CLI without an editor (the pre-push hook decides from the cached schedule)', () => {
  const gitDir = gitDirWithCache();
  after(() => fs.rmSync(gitDir, { recursive: true, force: true }));
  const pushMain = `refs/heads/main ${SHA} refs/heads/main ${'0'.repeat(40)}\n`;

  it('stops a push to main on a Friday evening when I am not on shift, naming who gets paged', () => {
    const r = runHook(gitDir, pushMain, { ONCALL_TEST_NOW: FRIDAY_EVENING });
    assert.strictEqual(r.code, 1, r.stderr);
    assert.match(r.stderr, /risky/);
    assert.match(r.stderr, /Kenji Watanabe gets paged at 04:30/);
    assert.match(r.stderr, /ONCALL_DEPLOY_ANYWAY/);
  });

  it('lets it through with a reason in ONCALL_DEPLOY_ANYWAY', () => {
    const r = runHook(gitDir, pushMain, { ONCALL_TEST_NOW: FRIDAY_EVENING, ONCALL_DEPLOY_ANYWAY: 'rollback of the broken release' });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /deploying anyway/);
  });

  it('lets a push through outside risky windows, and pushes to unprotected branches or deletions any time', () => {
    assert.strictEqual(runHook(gitDir, pushMain, { ONCALL_TEST_NOW: TUESDAY_MORNING }).code, 0);
    assert.strictEqual(runHook(gitDir, `refs/heads/feature/x ${SHA} refs/heads/feature/x ${'0'.repeat(40)}\n`, { ONCALL_TEST_NOW: FRIDAY_EVENING }).code, 0);
    assert.strictEqual(runHook(gitDir, `(delete) ${'0'.repeat(40)} refs/heads/main ${SHA}\n`, { ONCALL_TEST_NOW: FRIDAY_EVENING }).code, 0);
  });

  it('without a cache (guard removed by hand) it still applies the default windows', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-guardcli-empty-'));
    try {
      assert.strictEqual(runHook(empty, pushMain, { ONCALL_TEST_NOW: FRIDAY_EVENING }).code, 1);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
