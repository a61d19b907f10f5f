import * as assert from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestClient } from './helpers';

// The compiled CLI next to this compiled test (out/ or .tmp/out-*): no bundle needed.
const MAIN = path.join(__dirname, '..', '..', '..', 'src', 'bridge', 'main.js');

/** This process's environment without a bridge token (the CLI treats a set-but-empty one as a mistake). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('ONCALL_BRIDGE_TOKEN' in extra)) delete env.ONCALL_BRIDGE_TOKEN;
  return env;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^oncall-bridge listening (ws:\/\/\S+)\n/m.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => stderr });
    });
  });
}

describe('bridge CLI (process)', function () {
  this.timeout(30_000);

  it('--help prints usage and exits 0; bad arguments exit 2 with a message', () => {
    const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    assert.strictEqual(help.status, 0);
    assert.match(help.stdout, /^Usage: oncall-bridge/);
    const bad = spawnSync(process.execPath, [MAIN, '--demo', '--port', 'x'], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /--port must be an integer/);
    const open = spawnSync(process.execPath, [MAIN, '--demo', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', env: cleanEnv() });
    assert.strictEqual(open.status, 2);
    assert.match(open.stderr, /no token configured/);
    const empty = spawnSync(process.execPath, [MAIN, '--demo', '--port', '0'], { encoding: 'utf8', env: cleanEnv({ ONCALL_BRIDGE_TOKEN: ' ' }) });
    assert.strictEqual(empty.status, 2);
    assert.match(empty.stderr, /set but empty/);
  });

  it('--demo --port 0 --demo-workspace: prints the URL, serves the demo, writes settings, exits 0 on SIGTERM after closing clients with 1001', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-cli-'));
    const ws = path.join(tmp, 'ws');
    const { child, url, stderr } = await startCli(['--demo', '--port', '0', '--demo-workspace', ws, '--seed', '7', '--demo-interval-ms', '600000']);
    try {
      assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
      const settings = JSON.parse(fs.readFileSync(path.join(ws, '.vscode', 'settings.json'), 'utf8'));
      assert.strictEqual(settings['oncall.serverUrl'], url);
      assert.strictEqual(settings['oncall.identity'], 'you@example.com');
      const c = new TestClient(url);
      const snap = await c.handshake(-1);
      assert.ok(snap.type === 'snapshot' && snap.alerts.some((a) => a.id === 'DEMO-1001'));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.strictEqual(await c.closed, 1001);
      assert.strictEqual(await exited, 0);
      assert.match(stderr(), /SIGTERM/);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('with a token file, clients must authenticate', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-cli-'));
    const tokenFile = path.join(tmp, 'token');
    fs.writeFileSync(tokenFile, 'cli-token-123-0123456789abcdefghij\n');
    const { child, url, stderr } = await startCli(['--demo', '--port', '0', '--token-file', tokenFile]);
    try {
      await assert.rejects(new TestClient(url).opened, /401/);
      const c = new TestClient(url, { headers: { Authorization: 'Bearer cli-token-123-0123456789abcdefghij' } });
      assert.strictEqual((await c.handshake(-1)).type, 'snapshot');
      c.ws.terminate();
      assert.ok(!stderr().includes('cli-token-123-0123456789abcdefghij'));
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
