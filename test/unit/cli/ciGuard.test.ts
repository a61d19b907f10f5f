import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { BridgeServer } from '../../../src/bridge/server';
import { DemoSource } from '../../../src/bridge/sources/demo/demoSource';
import { builtinDemoCommits } from '../../../src/bridge/sources/demo/workspace';
import { ciOverride, ciRunOf, overrideTrailer, parseJsonc, repoGuardSettings } from '../../../src/core/deploy/ciGuard';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';

// The compiled CLI next to this compiled test (any outDir).
const CLI = path.resolve(__dirname, '../../../src/cli/guardCli.js');
/** Friday evening, UTC: inside the default "Fri 15:00 – Mon 08:00" window. */
const FRIDAY_EVENING = '2026-11-27T19:30:00Z';
const TUESDAY_MORNING = '2026-12-01T10:00:00Z';
const TOKEN = 'ci-guard-test-token-0123456789abcdef0123456789';
const SHA = 'c0ffee'.padEnd(40, '0');
const DIEGO = { name: 'Diego Alvarez', email: 'diego.alvarez@acme.example' };

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Only what a CI runner would set: no HOME/.gitconfig of the developer, no ONCALL_* of the machine.
    const child = spawn(process.execPath, [CLI, 'ci', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('deploy guard in CI (guard-cli ci against a real bridge, as GitHub Actions / GitLab CI run it)', () => {
  let server: BridgeServer;
  let base: string;
  let repo: string;
  const logger = new MemoryLogger();

  before(async () => {
    // The bridge's demo world at Friday evening: "you" (you@example.com) are on call for payments, Diego is not.
    const clock = new ManualClock(Date.parse(FRIDAY_EVENING));
    const source = new DemoSource({ commits: builtinDemoCommits(), seed: 42, intervalMs: 3_600_000 });
    server = new BridgeServer({ source, port: 0, demoMode: true, token: TOKEN, clock, logger, heartbeatMs: 86_400_000 });
    await server.start();
    base = `http://127.0.0.1:${server.address().port}`;
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-ci-guard-'));
  });
  after(async () => {
    await server.close();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  function github(event: object, extra: Record<string, string> = {}): Record<string, string> {
    const file = path.join(repo, `event-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(event));
    return {
      GITHUB_ACTIONS: 'true', GITHUB_SHA: SHA, GITHUB_REF_NAME: 'main', GITHUB_EVENT_PATH: file, GITHUB_WORKSPACE: repo,
      ONCALL_BRIDGE_URL: base, ONCALL_BRIDGE_TOKEN: TOKEN, ONCALL_TEST_NOW: FRIDAY_EVENING, ...extra,
    };
  }
  const pushEvent = (message: string, author = DIEGO) => ({ head_commit: { id: SHA, message, author } });

  it('fails the job on a Friday evening when the commit\'s author is not on shift: who gets paged, the safer time, how to override', async () => {
    const r = await run(['--service', 'checkout-api'], github(pushEvent('checkout: retry quotes')));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^::error title=On-Call deploy guard::Deploying c0ffee000000 by Diego Alvarez now is risky\./m);
    assert.match(r.stderr, /gets paged at/);
    assert.match(r.stderr, /Diego Alvarez is not on call/, 'the log speaks of the author, not "you"');
    assert.doesNotMatch(r.stderr, /\byou are not on call|\(your time\)/);
    assert.match(r.stderr, /Safer: .*\(Diego Alvarez's time\)/);
    assert.match(r.stderr, /Deploy-Anyway: <reason>/);
  });

  it('lets the on-call author deploy (they watch it themselves)', async () => {
    const r = await run([], github(pushEvent('checkout: retry quotes', { name: 'You', email: 'you@example.com' })));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /now is fine/);
  });

  it('a Deploy-Anyway trailer overrides: logged, and posted as a note on the open alert of the deployed service', async () => {
    const before = server.world.alerts().filter((a) => a.service === 'checkout-api' && a.status !== 'resolved').map((a) => a.notes?.length ?? 0);
    const r = await run(['--service', 'checkout-api'], github(pushEvent('checkout: fix the coupon crash\n\nDeploy-Anyway: hotfix for the open checkout outage')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /::warning title=On-Call deploy guard::DEPLOY OVERRIDE by Diego Alvarez \(commit trailer Deploy-Anyway\): "hotfix for the open checkout outage"/);
    assert.match(r.stdout, /override posted to the alert source \(a note on \d open alert/);
    const open = server.world.alerts().filter((a) => a.service === 'checkout-api' && a.status !== 'resolved');
    assert.ok(open.some((a, i) => (a.notes?.length ?? 0) > (before[i] ?? 0) && a.notes!.at(-1)!.text.includes('hotfix for the open checkout outage')), 'a note with the reason');
    assert.ok(logger.lines.some((e) => /DEPLOY OVERRIDE in CI by Diego Alvarez/.test(e.message)), 'the bridge logged it');
  });

  it('a PR label deploy-anyway overrides with its description as the reason (author from git when the event has none)', async () => {
    // A pull_request event carries no commit author: the CLI asks git, as after actions/checkout.
    const git = (...a: string[]) => {
      const r = spawnSync('git', a, { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH, GIT_AUTHOR_NAME: DIEGO.name, GIT_AUTHOR_EMAIL: DIEGO.email, GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com', HOME: repo } });
      assert.equal(r.status, 0, r.stderr);
      return String(r.stdout).trim();
    };
    git('init', '-q');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'checkout: fix');
    const sha = git('rev-parse', 'HEAD');
    const event = { pull_request: { number: 42, title: 'Fix the coupon crash', head: { sha }, labels: [{ name: 'deploy-anyway', description: 'customer-facing outage, rollback ready' }] } };
    const r = await run([], github(event, { GITHUB_SHA: sha, HOME: repo }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /DEPLOY OVERRIDE by Diego Alvarez \(PR label deploy-anyway\): "customer-facing outage, rollback ready"/);
  });

  it('GitLab CI: the author from CI_COMMIT_AUTHOR, an MR label or ONCALL_DEPLOY_ANYWAY as the override', async () => {
    const gitlab = { GITLAB_CI: 'true', CI_COMMIT_SHA: SHA, CI_COMMIT_REF_NAME: 'main', CI_COMMIT_AUTHOR: `${DIEGO.name} <${DIEGO.email}>`, CI_COMMIT_MESSAGE: 'checkout: retry', CI_PROJECT_DIR: repo, ONCALL_BRIDGE_URL: base, ONCALL_BRIDGE_TOKEN: TOKEN, ONCALL_TEST_NOW: FRIDAY_EVENING };
    const stopped = await run([], gitlab);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(stopped.stderr, /^on-call deploy guard: Deploying c0ffee000000 by Diego Alvarez now is risky/m);
    const label = await run([], { ...gitlab, CI_MERGE_REQUEST_LABELS: 'backend,deploy-anyway', CI_MERGE_REQUEST_IID: '7', CI_MERGE_REQUEST_TITLE: 'Roll back the coupon change' });
    assert.equal(label.code, 0, label.stderr);
    assert.match(label.stderr, /\(MR label deploy-anyway\): "#7 Roll back the coupon change"/);
    const input = await run([], { ...gitlab, ONCALL_DEPLOY_ANYWAY: 'security patch' });
    assert.equal(input.code, 0, input.stderr);
    assert.match(input.stderr, /\(ONCALL_DEPLOY_ANYWAY\): "security patch"/);
  });

  it('applies the repository\'s own policy file (.vscode/settings.json, with comments), the same the editor reads', async () => {
    fs.mkdirSync(path.join(repo, '.vscode'), { recursive: true });
    const settings = path.join(repo, '.vscode', 'settings.json');
    // A Tuesday-morning freeze: risky on a Tuesday although the default windows say fine.
    fs.writeFileSync(settings, `{
      // the team's release freeze
      "oncall.deployGuard": { "oneOff": [{ "label": "Year-end freeze", "start": "2026-12-01", "end": "2026-12-02", "timeZone": "UTC" }], },
    }`);
    try {
      const r = await run([], github(pushEvent('x'), { ONCALL_TEST_NOW: TUESDAY_MORNING }));
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /Year-end freeze/);
      fs.writeFileSync(settings, '{ "oncall.deployGuard": { "enabled": false } }');
      const off = await run([], github(pushEvent('x')));
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /off in this repository/);
    } finally {
      fs.rmSync(settings);
    }
  });

  it('a wrong token: the job is told, and fails only with --strict', async () => {
    const env = github(pushEvent('x'), { ONCALL_BRIDGE_TOKEN: 'wrong-token-wrong-token-wrong-token-xx' });
    const r = await run([], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /refused the token \(401\).*NOT checked/s);
    const strict = await run(['--strict'], env);
    assert.equal(strict.code, 1, strict.stderr);
    assert.doesNotMatch(r.stderr + strict.stderr, /wrong-token/, 'the token is never printed');
  });

  it('the schedule route needs the token and refuses browser-originated requests even with it', async () => {
    assert.equal(await get(`${base}/v1/schedule`, {}), 401);
    assert.equal(await get(`${base}/v1/schedule`, { authorization: `Bearer ${TOKEN}` }), 200);
    assert.equal(await get(`${base}/v1/schedule`, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }), 403);
    assert.equal(await get(`${base}/v1/schedule`, { authorization: `Bearer ${TOKEN}`, 'sec-fetch-site': 'cross-site' }), 403);
  });
});

describe('CI guard decisions (pure)', () => {
  it('reads GitHub and GitLab runs; overrides in order: job input, trailer, label', () => {
    const gh = ciRunOf({ GITHUB_ACTIONS: 'true', GITHUB_SHA: 'a'.repeat(40), GITHUB_REF_NAME: 'main' }, { pull_request: { number: 3, title: 'T', labels: [{ name: 'Deploy-Anyway' }] } });
    assert.deepEqual(ciOverride(gh, undefined), { via: 'PR label deploy-anyway', reason: '#3 T' });
    assert.deepEqual(ciOverride(gh, 'subject\n\nDeploy-Anyway: from the trailer'), { via: 'commit trailer Deploy-Anyway', reason: 'from the trailer' });
    const withInput = ciRunOf({ GITHUB_ACTIONS: 'true', 'INPUT_DEPLOY-ANYWAY': 'from the input' }, {});
    assert.deepEqual(ciOverride(withInput, 'subject\n\nDeploy-Anyway: from the trailer'), { via: 'the action input deploy-anyway', reason: 'from the input' });
    assert.equal(ciOverride(ciRunOf({}, undefined), 'Deploy-Anyway: a subject line is not a trailer'), undefined);
    assert.equal(overrideTrailer('s\n\nDeploy-Anyway: x'), undefined, 'too short a reason');
    const gl = ciRunOf({ GITLAB_CI: 'true', CI_COMMIT_AUTHOR: 'A B <a@b.example>', CI_COMMIT_SHA: 'b'.repeat(40) });
    assert.deepEqual(gl.author, { name: 'A B', email: 'a@b.example' });
    assert.equal(gl.provider, 'gitlab');
  });

  it('parses settings.json with comments and trailing commas, leaving strings alone', () => {
    assert.deepEqual(parseJsonc('{ // c\n "a": "http://x/*y*/", /* b */ "b": [1, 2,], }'), { a: 'http://x/*y*/', b: [1, 2] });
    assert.deepEqual(repoGuardSettings('{"oncall.deployGuard": {"enabled": false}}').settings, { enabled: false });
    assert.match(repoGuardSettings('{').error ?? '', /not valid JSON/);
    assert.deepEqual(repoGuardSettings(undefined), { settings: {} });
  });
});
