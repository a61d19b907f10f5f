import * as assert from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandGuardRequest, PushGuardFile, PushGuardRequest, PushGuardResponse } from '../../../src/cli/pushGuardProtocol';
import { MemoryLogger } from '../../../src/core/util/logger';
import { foreignHooksDir, installHook, PushGuardServer, releaseGuardFile, repoPaths } from '../../../src/host/deployGuard/pushGuard';
import { wrappedTools, writeWrappers } from '../../../src/host/deployGuard/terminalWrappers';
import { defaultDeployCommandPatterns } from '../../../src/core/deploy';

const CLI = path.resolve(__dirname, '../../../src/cli/guardCli.js');
const FRIDAY_EVENING = '2026-11-27T19:30:00Z';
const SHA = 'a'.repeat(40);
const PUSH_MAIN = `refs/heads/main ${SHA} refs/heads/main ${'0'.repeat(40)}\n`;

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function guardFile(port?: number, token?: string): PushGuardFile {
  return {
    version: 1,
    ...(port && token ? { port, token } : {}),
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
}

function gitDirWith(file: PushGuardFile): string {
  const dir = tmp('oncall-handshake-');
  fs.mkdirSync(path.join(dir, 'oncall'));
  fs.writeFileSync(path.join(dir, 'oncall', 'guard.json'), JSON.stringify(file));
  return dir;
}

function run(cmd: string, args: string[], input: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
    child.stdin.end(input);
  });
}

const hook = (gitDir: string, env: Record<string, string> = {}): ReturnType<typeof run> =>
  run(process.execPath, [CLI, 'pre-push', '--git-dir', gitDir, '--remote', 'origin'], PUSH_MAIN, { ONCALL_TEST_NOW: FRIDAY_EVENING, ...env });

/** Something else on the port guard.json names: answers every request with "allow", records what it got. */
async function squatter(): Promise<{ port: number; seen: http.IncomingHttpHeaders[]; bodies: string[]; close(): void }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      bodies.push(b);
      res.writeHead(200, { 'content-type': 'application/json', 'x-oncall-proof': 'f'.repeat(64) });
      res.end(JSON.stringify({ allow: true, message: 'all good, push away', proof: 'f'.repeat(64) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, seen, bodies, close: () => server.close() };
}

describe('push guard handshake (the hook trusts only the editor that holds the token)', function () {
  this.timeout(30_000);
  const pushes: PushGuardRequest[] = [];
  const commands: CommandGuardRequest[] = [];
  let pushAnswer: PushGuardResponse = { allow: false, message: 'push stopped in the editor: test' };
  const log = new MemoryLogger();
  const server = new PushGuardServer(log, {
    push: (r) => {
      pushes.push(r);
      return Promise.resolve(pushAnswer);
    },
    command: (r) => {
      commands.push(r);
      if (r.cancelled) return Promise.resolve({ allow: false, message: '' });
      if (r.reason) return Promise.resolve({ allow: true, message: 'running it anyway (override logged).' });
      return Promise.resolve(r.args.includes('apply') ? { allow: false, ask: true, message: 'kubectl apply now is risky. Kenji Watanabe gets paged.' } : { allow: true, message: '' });
    },
  });
  let port = 0;
  before(async () => {
    port = await server.start();
  });
  after(() => server.dispose());

  it('asks the real editor server and follows its answer', async () => {
    const gitDir = gitDirWith(guardFile(port, server.token));
    pushAnswer = { allow: false, message: 'push stopped in the editor: test' };
    const stopped = await hook(gitDir);
    assert.strictEqual(stopped.code, 1, stopped.stderr);
    assert.match(stopped.stderr, /push stopped in the editor/);
    assert.deepStrictEqual(pushes.at(-1)?.branches, ['main']);
    pushAnswer = { allow: true, message: 'deploying anyway' };
    assert.strictEqual((await hook(gitDir)).code, 0);
  });

  it('a squatter on the port that answers "allow" without the HMAC proof is not believed, and never gets the token', async () => {
    const sq = await squatter();
    try {
      const gitDir = gitDirWith(guardFile(sq.port, 'ab'.repeat(24)));
      const r = await hook(gitDir);
      assert.strictEqual(r.code, 1, `the cached schedule decides (risky Friday evening): ${r.stderr}`);
      assert.match(r.stderr, /did not prove it is your editor's guard/);
      assert.match(r.stderr, /Kenji Watanabe gets paged/);
      assert.ok(sq.seen.length >= 1, 'the squatter was challenged');
      assert.ok(sq.seen.every((h) => h.authorization === undefined), 'no request carried the token');
      assert.ok(sq.bodies.every((b) => !b.includes('ab'.repeat(24))), 'the token is in no body either');
    } finally {
      sq.close();
    }
  });

  it('an answer whose proof is over another nonce or body is refused too (a replayed or altered answer)', async () => {
    // A proxy that passes the hello through to the real server but swaps the decision for "allow".
    const proxy = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => {
        const up = http.request({ host: '127.0.0.1', port, path: req.url, method: 'POST', headers: { ...req.headers, host: `127.0.0.1:${port}` } }, (ur) => {
          let t = '';
          ur.on('data', (d: Buffer) => (t += d.toString()));
          ur.on('end', () => {
            const forged = req.url === '/push-guard' ? JSON.stringify({ allow: true, message: 'forged' }) : t;
            res.writeHead(ur.statusCode ?? 500, { 'content-type': 'application/json', ...(ur.headers['x-oncall-proof'] ? { 'x-oncall-proof': ur.headers['x-oncall-proof'] } : {}) });
            res.end(forged);
          });
        });
        up.end(b);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      pushAnswer = { allow: false, message: 'push stopped in the editor: test' };
      const r = await hook(gitDirWith(guardFile((proxy.address() as AddressInfo).port, server.token)));
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, /carries no valid proof/);
      assert.doesNotMatch(r.stderr, /forged/);
    } finally {
      proxy.close();
    }
  });

  function raw(headers: http.OutgoingHttpHeaders, body: string, route = '/push-guard'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: route, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('refuses browser requests, DNS rebinding, non-JSON bodies and any token not sent as "Authorization: Bearer"', async () => {
    const nonce = 'c'.repeat(64);
    const body = JSON.stringify({ nonce, branches: ['main'], remote: 'origin', repo: '/x' });
    const before = pushes.length;
    const good = { authorization: `Bearer ${server.token}`, host: `127.0.0.1:${port}` };
    assert.strictEqual((await raw(good, body)).status, 200, 'the control request passes');
    const bad: Array<[string, http.OutgoingHttpHeaders]> = [
      ['rebinding Host', { ...good, host: `evil.example:${port}` }],
      ['Host with another port', { ...good, host: `127.0.0.1:${port + 1}` }],
      ['Origin', { ...good, origin: 'https://evil.example' }],
      ['Origin null', { ...good, origin: 'null' }],
      ['Sec-Fetch-Site cross-site', { ...good, 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site same-site', { ...good, 'sec-fetch-site': 'same-site' }],
      ['text/plain', { ...good, 'content-type': 'text/plain' }],
      ['token without Bearer', { ...good, authorization: server.token }],
      ['Basic', { ...good, authorization: `Basic ${server.token}` }],
      ['wrong token', { ...good, authorization: `Bearer ${'0'.repeat(server.token.length)}` }],
    ];
    for (const [name, h] of bad) {
      const r = await raw(h, body);
      assert.ok(r.status >= 400, `${name}: ${r.status}`);
      assert.doesNotMatch(r.body, /"allow"/, `${name}: a refusal is no decision`);
    }
    // The hello, too, refuses a browser.
    assert.strictEqual((await raw({ host: `127.0.0.1:${port}`, origin: 'https://evil.example' }, JSON.stringify({ nonce }), '/push-guard/hello')).status, 403);
    assert.strictEqual(pushes.length, before + 1, 'only the control request reached the decision');
    assert.ok(log.lines.filter((l) => /refused a push-guard request/.test(l.message)).length <= 2, 'refusals are summarised, not one line each');
  });

  it('the guard file loses its port and token when the window closes (only if it is still ours)', () => {
    const dir = gitDirWith(guardFile(port, server.token));
    const f = path.join(dir, 'oncall', 'guard.json');
    assert.strictEqual(releaseGuardFile(f, 'other-window-token'), 'not ours');
    assert.strictEqual((JSON.parse(fs.readFileSync(f, 'utf8')) as PushGuardFile).port, port);
    assert.strictEqual(releaseGuardFile(f, server.token), 'released');
    const after = JSON.parse(fs.readFileSync(f, 'utf8')) as PushGuardFile;
    assert.strictEqual(after.port, undefined);
    assert.strictEqual(after.token, undefined);
    assert.strictEqual(after.cache.identity, 'you@example.com', 'the cache stays for offline decisions');
  });

  it('concurrent starts share one listener and one token; nothing listens after dispose', async () => {
    const s2 = new PushGuardServer(log, { push: () => Promise.resolve(pushAnswer), command: () => Promise.resolve(pushAnswer) });
    const [a, b] = await Promise.all([s2.start(), s2.start()]);
    assert.strictEqual(a, b);
    const token = s2.token;
    assert.strictEqual(await s2.start(), a);
    assert.strictEqual(s2.token, token, 'the token written to guard files stays valid');
    s2.dispose();
    await assert.rejects(s2.start());
  });

  describe('terminal wrappers (sh script → guard-cli wrap → the real tool)', () => {
    const wrapDir = path.join(tmp('oncall-wrap-'), 'guard-bin');
    const realDir = tmp('oncall-real-');
    const record = path.join(realDir, 'ran.log');
    const file = path.join(path.dirname(wrapDir), 'deploy-guard.json');
    before(() => {
      // A fake kubectl that records its arguments, one per line.
      fs.writeFileSync(path.join(realDir, 'kubectl'), `#!/bin/sh\nprintf 'ran' >> '${record}'\nfor a in "$@"; do printf ' [%s]' "$a" >> '${record}'; done\necho >> '${record}'\n`, { mode: 0o755 });
      writeWrappers(wrappedTools(defaultDeployCommandPatterns()), { wrapDir, nodePath: process.execPath, cliPath: CLI, guardFile: file });
    });
    const kubectl = (args: string[], env: Record<string, string> = {}): ReturnType<typeof run> =>
      run('kubectl', args, '', { PATH: `${wrapDir}:${realDir}:/usr/bin:/bin`, ONCALL_GUARD_TTY: 'none', ...env });
    const ran = (): string => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '');
    beforeEach(() => fs.rmSync(record, { force: true }));

    it('only tools named by the built-in patterns get a wrapper (not git: the pre-push hook covers it)', () => {
      const names = fs.readdirSync(wrapDir).filter((n) => !n.startsWith('.'));
      for (const t of ['kubectl', 'helm', 'terraform', 'npm']) assert.ok(names.includes(t), t);
      assert.ok(!names.includes('git'));
      assert.deepStrictEqual([...wrappedTools([]).keys()], []);
    });

    it('a non-deploy subcommand runs the real tool at once with its arguments unchanged', async () => {
      fs.writeFileSync(file, JSON.stringify(guardFile(port, server.token)));
      const n = commands.length;
      const r = await kubectl(['get', 'pods', 'a b', '*', '$HOME']);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(ran(), 'ran [get] [pods] [a b] [*] [$HOME]\n');
      assert.strictEqual(commands.length, n, 'the guard was not even asked');
    });

    it('a deploy subcommand in a risky window is held: with no terminal to ask it does not run', async () => {
      fs.writeFileSync(file, JSON.stringify(guardFile(port, server.token)));
      const r = await kubectl(['apply', '-f', 'k8s/']);
      assert.strictEqual(r.code, 1, r.stderr);
      assert.strictEqual(ran(), '', 'kubectl did not run');
      assert.match(r.stderr, /risky/);
      assert.deepStrictEqual(commands.at(-2)?.args, ['apply', '-f', 'k8s/']);
      assert.strictEqual(commands.at(-1)?.cancelled, true, 'the editor heard it was not run');
    });

    it('with a reason (ONCALL_DEPLOY_ANYWAY) it runs, unchanged, and the reason reaches the editor', async () => {
      fs.writeFileSync(file, JSON.stringify(guardFile(port, server.token)));
      const r = await kubectl(['apply', '-f', 'k8s/'], { ONCALL_DEPLOY_ANYWAY: 'hotfix, I stay online' });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(ran(), 'ran [apply] [-f] [k8s/]\n');
      assert.strictEqual(commands.at(-1)?.reason, 'hotfix, I stay online');
    });

    it('falls through to the real tool when no guard answers: no file, a closed port, a squatter, a missing CLI', async () => {
      fs.rmSync(file, { force: true });
      assert.strictEqual((await kubectl(['apply', '-f', 'x'])).code, 0);
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const closedPort = (closed.address() as AddressInfo).port;
      closed.close();
      fs.writeFileSync(file, JSON.stringify(guardFile(closedPort, server.token)));
      assert.strictEqual((await kubectl(['apply', '-f', 'x'])).code, 0);
      const sq = await squatter();
      try {
        fs.writeFileSync(file, JSON.stringify(guardFile(sq.port, server.token)));
        const r = await kubectl(['apply', '-f', 'x']);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, /did not prove/);
        assert.ok(sq.seen.every((h) => h.authorization === undefined), 'the squatter never saw the token');
      } finally {
        sq.close();
      }
      // An editor update moved the CLI away: the wrapper still runs the tool.
      const staleDir = path.join(tmp('oncall-wrap-stale-'), 'guard-bin');
      writeWrappers(wrappedTools(defaultDeployCommandPatterns()), { wrapDir: staleDir, nodePath: process.execPath, cliPath: '/nonexistent/guard-cli.js', guardFile: file });
      fs.writeFileSync(file, JSON.stringify(guardFile(port, server.token)));
      assert.strictEqual((await run('kubectl', ['apply', '-f', 'x'], '', { PATH: `${staleDir}:${realDir}:/usr/bin:/bin` })).code, 0);
      assert.strictEqual(ran().split('\n').filter(Boolean).length, 4, 'ran every time');
    });

    it('finds the real tool after the wrapper folder, and says "command not found" when there is none', async () => {
      const r = await run('kubectl', ['version'], '', { PATH: `${wrapDir}:${tmp('oncall-empty-')}` });
      assert.strictEqual(r.code, 127);
      assert.match(r.stderr, /kubectl: command not found/);
    });
  });
});

describe('core.hooksPath outside the repository: the push guard never writes there', function () {
  this.timeout(30_000);
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });
  const repo = (): string => {
    const d = tmp('oncall-hookspath-');
    git(d, 'init', '-q');
    return d;
  };

  it('the default hooks folder and a hooksPath inside .git are fine', async () => {
    const d = repo();
    assert.strictEqual(foreignHooksDir((await repoPaths(d))!), undefined);
    git(d, 'config', 'core.hooksPath', '.git/myhooks');
    assert.strictEqual(foreignHooksDir((await repoPaths(d))!), undefined);
  });

  it('a global hooks folder is refused (it would guard every repository on the machine)', async () => {
    const d = repo();
    const global = tmp('oncall-global-hooks-');
    git(d, 'config', 'core.hooksPath', global);
    const p = (await repoPaths(d))!;
    assert.deepStrictEqual(foreignHooksDir(p), { dir: global, tracked: false });
    assert.throws(() => installHook(p, process.execPath, CLI), /core\.hooksPath points outside/);
    assert.deepStrictEqual(fs.readdirSync(global), [], 'nothing written');
  });

  it('a tracked .husky/ folder is refused (it would rewrite the team\'s hook with local paths)', async () => {
    const d = repo();
    fs.mkdirSync(path.join(d, '.husky'));
    fs.writeFileSync(path.join(d, '.husky', 'pre-push'), 'npm test\n');
    git(d, 'config', 'core.hooksPath', '.husky');
    const p = (await repoPaths(d))!;
    assert.strictEqual(foreignHooksDir(p)?.tracked, true);
    assert.throws(() => installHook(p, process.execPath, CLI));
    assert.strictEqual(fs.readFileSync(path.join(d, '.husky', 'pre-push'), 'utf8'), 'npm test\n');
  });

  it('a linked worktree uses the main repository\'s hooks folder, which is fine', async () => {
    const d = repo();
    git(d, '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'x');
    const wt = path.join(tmp('oncall-wt-'), 'wt');
    git(d, 'worktree', 'add', '-q', wt);
    assert.strictEqual(foreignHooksDir((await repoPaths(wt))!), undefined);
  });
});
