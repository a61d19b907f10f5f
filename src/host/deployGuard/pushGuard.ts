import { execFile } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { PushGuardFile, PushGuardRequest, PushGuardResponse } from '../../cli/pushGuardProtocol';
import { tagged, type Logger } from '../../core/util/logger';

export const HOOK_MARKER = '# oncall-push-guard v1';
const CHAINED = 'pre-push.oncall-chained';

export interface RepoPaths {
  root: string;
  gitDir: string;
  hooksDir: string;
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, timeout: 5000, maxBuffer: 64 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout) =>
      err ? reject(new Error(`git ${args[0]} failed in ${cwd}: ${err.message.split('\n')[0]}`)) : resolve(String(stdout).trim()),
    );
  });
}

/** The repo's git dir and hooks dir (honours core.hooksPath); undefined when `folder` is not a git work tree. */
export async function repoPaths(folder: string): Promise<RepoPaths | undefined> {
  try {
    const root = await git(folder, ['rev-parse', '--show-toplevel']);
    const gitDir = path.resolve(folder, await git(folder, ['rev-parse', '--git-dir']));
    const hooksDir = path.resolve(folder, await git(folder, ['rev-parse', '--git-path', 'hooks']));
    return { root, gitDir, hooksDir };
  } catch {
    return undefined;
  }
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hook script: runs a pre-existing hook first (chained), then asks the guard. Fails open if the extension is gone. */
export function hookScript(nodePath: string, cliPath: string): string {
  return `#!/bin/sh
${HOOK_MARKER} — installed by On-Call for VS Code. Remove with "On Call: Remove Push Guard".
# Asks the open editor (or decides from a cached schedule) before a push to a protected branch during a
# risky window. The push waits for the answer. Bypass once with: ONCALL_DEPLOY_ANYWAY="reason" git push
hook_dir=$(dirname "$0")
input=$(cat)
if [ -x "$hook_dir/${CHAINED}" ]; then
  printf '%s\\n' "$input" | "$hook_dir/${CHAINED}" "$@" || exit $?
fi
cli=${shQuote(cliPath)}
[ -f "$cli" ] || { echo "on-call push guard: extension not found, push allowed" >&2; exit 0; }
printf '%s\\n' "$input" | ELECTRON_RUN_AS_NODE=1 ${shQuote(nodePath)} "$cli" pre-push --git-dir "$(git rev-parse --git-dir)" --remote "$1"
`;
}

export function isOurHook(file: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8').includes(HOOK_MARKER);
  } catch {
    return false;
  }
}

export function installHook(paths: RepoPaths, nodePath: string, cliPath: string): 'installed' | 'updated' | 'chained' {
  fs.mkdirSync(paths.hooksDir, { recursive: true });
  const hook = path.join(paths.hooksDir, 'pre-push');
  let result: 'installed' | 'updated' | 'chained' = 'installed';
  if (fs.existsSync(hook)) {
    if (isOurHook(hook)) result = 'updated';
    else {
      // Keep the team's own hook: it runs first, and comes back when the guard is removed.
      fs.renameSync(hook, path.join(paths.hooksDir, CHAINED));
      result = 'chained';
    }
  }
  fs.writeFileSync(hook, hookScript(nodePath, cliPath), { mode: 0o755 });
  fs.chmodSync(hook, 0o755);
  return result;
}

export function removeHook(paths: RepoPaths): boolean {
  const hook = path.join(paths.hooksDir, 'pre-push');
  if (!isOurHook(hook)) return false;
  fs.rmSync(hook);
  const chained = path.join(paths.hooksDir, CHAINED);
  if (fs.existsSync(chained)) fs.renameSync(chained, hook);
  try {
    fs.rmSync(path.join(paths.gitDir, 'oncall'), { recursive: true, force: true });
  } catch {
    // nothing to clean
  }
  return true;
}

export function writeGuardFile(paths: RepoPaths, file: PushGuardFile): void {
  const dir = path.join(paths.gitDir, 'oncall');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `guard.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(file), { mode: 0o600 });
  fs.renameSync(tmp, path.join(dir, 'guard.json'));
}

/**
 * Loopback server the hook asks: POST /push-guard with the window's bearer token. One request at a time
 * per push; the answer comes from `decide` (which may ask the user, so it may take minutes).
 */
export class PushGuardServer {
  readonly token = randomBytes(24).toString('hex');
  private _server: http.Server | undefined;
  private _port: number | undefined;
  private readonly _log: Logger;

  constructor(
    logger: Logger,
    private readonly _decide: (req: PushGuardRequest) => Promise<PushGuardResponse>,
  ) {
    this._log = tagged(logger, 'push-guard');
  }

  get port(): number | undefined {
    return this._port;
  }

  async start(): Promise<number> {
    if (this._port) return this._port;
    const server = http.createServer((req, res) => void this._handle(req, res));
    server.requestTimeout = 0; // the user may take a while to answer
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this._server = server;
    this._port = (server.address() as { port: number }).port;
    return this._port;
  }

  private async _handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: PushGuardResponse): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const auth = String(req.headers.authorization ?? '');
    const given = Buffer.from(auth.replace(/^Bearer /, ''));
    const want = Buffer.from(this.token);
    if (req.method !== 'POST' || req.url !== '/push-guard' || given.length !== want.length || !timingSafeEqual(given, want)) {
      this._log.warn('rejected a push-guard request (wrong path or token)');
      return reply(403, { allow: true, message: 'guard request rejected' });
    }
    let body = '';
    for await (const c of req as AsyncIterable<Buffer>) {
      body += c.toString();
      if (body.length > 64 * 1024) return reply(413, { allow: true, message: 'request too large' });
    }
    let parsed: PushGuardRequest;
    try {
      const v = JSON.parse(body) as Partial<PushGuardRequest>;
      if (!Array.isArray(v.branches) || !v.branches.every((b) => typeof b === 'string' && b.length < 256)) throw new Error('branches');
      parsed = { branches: v.branches.slice(0, 50), remote: String(v.remote ?? '').slice(0, 200), repo: String(v.repo ?? '').slice(0, 4096) };
    } catch {
      return reply(400, { allow: true, message: 'malformed guard request' });
    }
    try {
      reply(200, await this._decide(parsed));
    } catch (e) {
      this._log.error(`push-guard decision failed: ${e instanceof Error ? e.message : String(e)}`);
      reply(500, { allow: true, message: 'the editor could not decide; push allowed' });
    }
  }

  dispose(): void {
    this._server?.close();
    this._server = undefined;
    this._port = undefined;
  }
}
