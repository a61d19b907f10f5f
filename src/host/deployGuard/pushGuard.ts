import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import {
  answerProof,
  GUARD_PATHS,
  helloProof,
  NONCE_RE,
  PROOF_HEADER,
  sameProof,
  type CommandGuardRequest,
  type PushGuardFile,
  type PushGuardRequest,
  type PushGuardResponse,
} from '../../cli/pushGuardProtocol';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { errorText } from '../../core/util/errors';

export const HOOK_MARKER = '# oncall-push-guard v1';
const CHAINED = 'pre-push.oncall-chained';

export interface RepoPaths {
  root: string;
  gitDir: string;
  /** The repository's common git dir (differs from gitDir in a linked worktree, where hooks live). */
  commonDir: string;
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
    const commonDir = path.resolve(folder, await git(folder, ['rev-parse', '--git-common-dir']));
    const hooksDir = path.resolve(folder, await git(folder, ['rev-parse', '--git-path', 'hooks']));
    return { root, gitDir, commonDir, hooksDir };
  } catch {
    return undefined;
  }
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    // Not there yet: resolve the nearest existing parent, keep the rest as written.
    const parent = path.dirname(p);
    return parent === p ? p : path.join(real(parent), path.basename(p));
  }
}

function isInside(dir: string, child: string): boolean {
  const rel = path.relative(dir, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Where `core.hooksPath` sends this repository's hooks when that is outside its own git directory — a
 * global hooks folder shared by every repository, or a folder tracked in the work tree (`.husky/`) that the
 * team shares — else undefined. The guard never writes there: its hook holds this machine's absolute paths.
 */
export function foreignHooksDir(paths: RepoPaths): { dir: string; tracked: boolean } | undefined {
  const hooks = real(paths.hooksDir);
  if (isInside(real(paths.commonDir), hooks) || isInside(real(paths.gitDir), hooks)) return undefined;
  return { dir: paths.hooksDir, tracked: isInside(real(paths.root), hooks) };
}

/** The line a user can put into their own pre-push hook to call the guard. */
export function hookCallLine(nodePath: string, cliPath: string): string {
  return `ELECTRON_RUN_AS_NODE=1 ${shQuote(nodePath)} ${shQuote(cliPath)} pre-push --git-dir "$(git rev-parse --git-dir)" --remote "$1"`;
}

export function shQuote(s: string): string {
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
  const foreign = foreignHooksDir(paths);
  if (foreign) throw new Error(`core.hooksPath points outside the repository's git directory (${foreign.dir}); not writing a hook there`);
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
 * Removes this window's port and token from a guard file it wrote (the cache stays for the hook's offline
 * decisions). Another window may have written the file since: then it is left alone. Synchronous, so it
 * can run in dispose().
 */
export function releaseGuardFile(file: string, token: string): 'released' | 'not ours' | 'missing' {
  let v: PushGuardFile;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8')) as PushGuardFile;
  } catch {
    return 'missing';
  }
  if (!v || typeof v !== 'object' || v.token !== token) return 'not ours';
  const { port: _port, token: _token, ...rest } = v;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...rest, updatedAt: new Date().toISOString() }), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return 'released';
}

export interface GuardHandlers {
  push(req: PushGuardRequest): Promise<PushGuardResponse>;
  command(req: CommandGuardRequest): Promise<PushGuardResponse>;
}

const MAX_BODY = 64 * 1024;
const str = (x: unknown): string => (typeof x === 'string' ? x : '');

/**
 * Loopback server the pre-push hook and the terminal's deploy wrappers ask (see pushGuardProtocol.ts for
 * the handshake). Unauthenticated requests get only the hello proof; everything from a browser (an `Origin`
 * header, `Sec-Fetch-Site` other than `none`, a `Host` that is not this loopback address — DNS rebinding —
 * or a body that is not `application/json`) is refused before anything else. The answer may take minutes
 * (the user is asked).
 */
export class PushGuardServer {
  private _token = randomBytes(24).toString('hex');
  private _server: http.Server | undefined;
  private _port: number | undefined;
  private readonly _log: Logger;
  private _lastWarn = 0;
  private _suppressed = 0;
  private _starting: Promise<number> | undefined;
  private _disposed = false;

  constructor(
    logger: Logger,
    private readonly _handlers: GuardHandlers,
  ) {
    this._log = tagged(logger, 'push-guard');
  }

  get port(): number | undefined {
    return this._port;
  }

  /** This run's shared secret (a new one each start()). */
  get token(): string {
    return this._token;
  }

  /** Starts listening (once; concurrent callers share the start). Fails after dispose(). */
  start(): Promise<number> {
    if (this._disposed) return Promise.reject(new Error('the push-guard server is disposed'));
    this._starting ??= this._listen().catch((e: unknown) => {
      this._starting = undefined;
      throw e;
    });
    return this._starting;
  }

  private async _listen(): Promise<number> {
    const token = randomBytes(24).toString('hex');
    const server = http.createServer((req, res) => void this._handle(req, res).catch((e: unknown) => {
      this._log.error(`push-guard request failed: ${errorText(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
    }));
    server.requestTimeout = 0; // the user may take a while to answer
    server.headersTimeout = 10_000;
    server.maxConnections = 64;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    if (this._disposed) {
      server.close();
      throw new Error('the push-guard server was disposed while starting');
    }
    this._token = token;
    this._server = server;
    this._port = (server.address() as { port: number }).port;
    return this._port;
  }

  /** One warning line per 10 s at most (a local flood must not flood the log). */
  private _refused(why: string): void {
    const now = Date.now();
    if (now - this._lastWarn < 10_000) {
      this._suppressed++;
      return;
    }
    const more = this._suppressed ? ` (and ${this._suppressed} more refused since the last report)` : '';
    this._lastWarn = now;
    this._suppressed = 0;
    this._log.warn(`refused a push-guard request: ${why}${more}`);
  }

  private async _handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: object, nonce?: string): void => {
      const text = JSON.stringify(body);
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      if (nonce) headers[PROOF_HEADER] = answerProof(this._token, nonce, text);
      res.writeHead(status, headers);
      res.end(text);
    };
    const refuse = (status: number, why: string): void => {
      this._refused(why);
      res.setHeader('connection', 'close');
      send(status, { error: why });
    };
    const host = String(req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${this._port}` && host !== `localhost:${this._port}`) return refuse(403, `Host "${displayText(host, 80)}" is not this loopback server (DNS rebinding?)`);
    if (req.headers.origin !== undefined) return refuse(403, 'a browser request (Origin header)');
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'none') return refuse(403, `a browser request (Sec-Fetch-Site: ${displayText(String(site), 40)})`);
    if (req.method !== 'POST') return refuse(405, `method ${displayText(req.method, 10)}`);
    const route = req.url;
    if (route !== GUARD_PATHS.hello && route !== GUARD_PATHS.push && route !== GUARD_PATHS.command) return refuse(404, `unknown path ${displayText(route, 80)}`);
    if (!/^application\/json\s*(;|$)/i.test(String(req.headers['content-type'] ?? ''))) return refuse(415, 'Content-Type is not application/json');
    let body = '';
    for await (const c of req as AsyncIterable<Buffer>) {
      body += c.toString();
      if (body.length > MAX_BODY) return refuse(413, 'request too large');
    }
    let v: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      v = parsed as Record<string, unknown>;
    } catch {
      return refuse(400, 'malformed JSON');
    }
    const nonce = v.nonce;
    if (typeof nonce !== 'string' || !NONCE_RE.test(nonce)) return refuse(400, 'missing or malformed nonce');
    if (route === GUARD_PATHS.hello) return send(200, { proof: helloProof(this._token, nonce) });

    // Only `Authorization: Bearer <token>`, nothing else.
    const m = /^Bearer ([0-9a-f]{1,256})$/.exec(String(req.headers.authorization ?? ''));
    if (!m || !sameProof(m[1], this._token)) return refuse(401, 'missing or wrong token');
    try {
      if (route === GUARD_PATHS.push) {
        if (!Array.isArray(v.branches) || !v.branches.every((b) => typeof b === 'string' && b.length < 256)) return refuse(400, 'malformed push request');
        const ranges = Array.isArray(v.ranges)
          ? v.ranges.slice(0, 50).flatMap((x: unknown) => {
              const o = x && typeof x === 'object' ? (x as Record<string, unknown>) : {};
              const sha = (k: string): string | undefined => (typeof o[k] === 'string' && /^[0-9a-f]{40,64}$/.test(o[k]) ? o[k] : undefined);
              const localSha = sha('localSha');
              const remoteSha = sha('remoteSha');
              return typeof o.branch === 'string' && o.branch.length < 256 && localSha && remoteSha ? [{ branch: o.branch, localSha, remoteSha }] : [];
            })
          : [];
        const r: PushGuardRequest = { branches: (v.branches as string[]).slice(0, 50), ranges, remote: str(v.remote).slice(0, 200), repo: str(v.repo).slice(0, 4096) };
        return send(200, await this._handlers.push(r), nonce);
      }
      if (typeof v.tool !== 'string' || !/^[\w.+-]{1,64}$/.test(v.tool) || !Array.isArray(v.args) || !v.args.every((a) => typeof a === 'string')) return refuse(400, 'malformed command request');
      const r: CommandGuardRequest = {
        tool: v.tool,
        args: v.args.slice(0, 200).map((a) => a.slice(0, 1000)),
        cwd: str(v.cwd).slice(0, 4096),
        ...(typeof v.reason === 'string' ? { reason: v.reason.slice(0, 500) } : {}),
        ...(v.cancelled === true ? { cancelled: true } : {}),
      };
      return send(200, await this._handlers.command(r), nonce);
    } catch (e) {
      this._log.error(`push-guard decision failed: ${errorText(e)}`);
      return send(200, { allow: true, message: 'the editor could not decide; allowed' }, nonce);
    }
  }

  dispose(): void {
    this._disposed = true;
    this._server?.close();
    this._server?.closeAllConnections?.();
    this._server = undefined;
    this._port = undefined;
  }
}
