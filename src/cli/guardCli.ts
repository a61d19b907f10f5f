// The pre-push hook's worker: `node dist/guard-cli.js pre-push --git-dir DIR --remote NAME` with git's
// ref lines on stdin. Exit 0 lets the push go on, 1 stops it. Plain Node: no `vscode`.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { decideDeploy, isProtectedBranch, validateDeployGuardSettings, DEFAULT_PROTECTED_BRANCHES } from '../core/deploy';
import { Schedule } from '../core/schedule';
import { runCi } from './ciGuardCli';
import { answerProof, GUARD_PATHS, helloProof, PROOF_HEADER, pushedBranches, pushedRanges, sameProof, WRAP_CANCELLED, type PushGuardFile, type PushGuardResponse } from './pushGuardProtocol';
import { errorText } from '../core/util/errors';

const say = (s: string): void => void process.stderr.write(`on-call push guard: ${s}\n`);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 1_000_000) break;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readGuardFile(file: string): PushGuardFile | undefined {
  try {
    const raw = fs.readFileSync(file, 'utf8');
    if (raw.length > 5_000_000) return undefined;
    const v = JSON.parse(raw) as PushGuardFile;
    if (!v || v.version !== 1 || typeof v.cache !== 'object' || v.cache === null) return undefined;
    const port = Number.isInteger(v.port) && v.port! > 0 && v.port! < 65536 ? v.port : undefined;
    const token = typeof v.token === 'string' && /^[0-9a-f]{16,256}$/.test(v.token) ? v.token : undefined;
    const { port: _p, token: _t, ...rest } = v;
    return { ...rest, ...(port && token ? { port, token } : {}) };
  } catch {
    return undefined;
  }
}

type Ask = { kind: 'answer'; answer: PushGuardResponse } | { kind: 'unreachable'; why: string } | { kind: 'unverified'; why: string };

function post(port: number, route: string, body: object, timeoutMs: number, token?: string): Promise<{ status: number; text: string; proof: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request({ host: '127.0.0.1', port, path: route, method: 'POST', headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (text.length > 100_000) req.destroy(new Error('answer too large'));
      });
      res.on('end', () => {
        const p = res.headers[PROOF_HEADER];
        resolve({ status: res.statusCode ?? 0, text, proof: typeof p === 'string' ? p : undefined });
      });
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.end(data);
  });
}

/**
 * Asks the editor's guard server, trusting only an answer from the token's owner: first a hello whose
 * HMAC proof shows the server knows the token (the token itself is sent only after that), then the request,
 * whose answer must carry its own proof over this nonce and body.
 */
export async function askGuard(port: number, token: string, route: string, body: object, timeoutMs: number): Promise<Ask> {
  const nonce = randomBytes(32).toString('hex');
  const hello = await post(port, GUARD_PATHS.hello, { nonce }, 5000);
  if ('error' in hello) return { kind: 'unreachable', why: hello.error };
  let proof: unknown;
  try {
    proof = (JSON.parse(hello.text) as { proof?: unknown }).proof;
  } catch {
    proof = undefined;
  }
  if (hello.status !== 200 || !sameProof(proof, helloProof(token, nonce))) {
    return { kind: 'unverified', why: `whatever listens on port ${port} did not prove it is your editor's guard (a guard file left by a closed window, or another program on that port)` };
  }
  const r = await post(port, route, { ...body, nonce }, timeoutMs, token);
  if ('error' in r) return { kind: 'unreachable', why: r.error };
  if (!sameProof(r.proof, answerProof(token, nonce, r.text))) return { kind: 'unverified', why: `the answer from port ${port} carries no valid proof` };
  try {
    const v = JSON.parse(r.text) as Partial<PushGuardResponse>;
    if (r.status !== 200 || typeof v.allow !== 'boolean') return { kind: 'unreachable', why: `the guard answered ${r.status}` };
    return { kind: 'answer', answer: { allow: v.allow, message: String(v.message ?? '').slice(0, 2000), ...(v.ask === true ? { ask: true } : {}) } };
  } catch {
    return { kind: 'unreachable', why: 'unreadable answer' };
  }
}

/** The `protectedBranches` of the raw settings, or the defaults. */
export function protectedBranchesOf(settings: unknown): string[] {
  const raw = settings && typeof settings === 'object' ? (settings as { protectedBranches?: unknown }).protectedBranches : undefined;
  if (!Array.isArray(raw)) return [...DEFAULT_PROTECTED_BRANCHES];
  return raw.filter((b): b is string => typeof b === 'string' && b.length > 0 && b.length < 200);
}

/** Now — or, for tests only, the instant in ONCALL_TEST_NOW (the same variable the extension honours). */
function now(): number {
  const t = process.env.ONCALL_TEST_NOW ? Date.parse(process.env.ONCALL_TEST_NOW) : NaN;
  return Number.isFinite(t) ? t : Date.now();
}

export async function main(): Promise<number> {
  if (process.argv[2] === 'wrap') return wrap();
  if (process.argv[2] === 'ci') return runCi(process.argv.slice(3), process.env, { out: (t) => void process.stdout.write(`${t}\n`), err: (t) => void process.stderr.write(`${t}\n`) }, now());
  if (process.argv[2] !== 'pre-push') {
    say('usage: guard-cli pre-push --git-dir DIR --remote NAME < refs | guard-cli wrap --guard-file FILE --tool NAME -- ARGS… | guard-cli ci [--bridge URL] [--service NAME] [--repo DIR] [--strict]');
    return 2;
  }
  const gitDir = arg('git-dir') ?? '.git';
  const stdin = await readStdin();
  const file = readGuardFile(path.join(gitDir, 'oncall', 'guard.json'));
  const { config } = validateDeployGuardSettings(file?.cache.settings ?? {});
  const protectedGlobs = protectedBranchesOf(file?.cache.settings);
  const branches = pushedBranches(stdin).filter((b) => isProtectedBranch(b, protectedGlobs));
  if (branches.length === 0 || !config.enabled) return 0;
  const ranges = pushedRanges(stdin).filter((r) => branches.includes(r.branch));

  if (file?.port && file.token) {
    const r = await askGuard(file.port, file.token, GUARD_PATHS.push, { branches, ranges, remote: arg('remote') ?? '', repo: path.resolve(gitDir, '..') }, 15 * 60_000);
    if (r.kind === 'answer') {
      if (r.answer.message) say(r.answer.message);
      return r.answer.allow ? 0 : 1;
    }
    if (r.kind === 'unverified') say(`${r.why}: not asking it; deciding from the cached schedule`);
  }
  // No editor to ask: the same policy, from the cached schedule.
  const identity = file?.cache.identity ?? '';
  const decision = decideDeploy({
    at: now(),
    author: identity,
    ...(file?.cache.timeZone ? { authorTimeZone: file.cache.timeZone } : {}),
    schedule: new Schedule(file?.cache.rotations ?? [], file?.cache.policies ?? []),
    config,
  });
  if (!decision.risky) return 0;
  say(`pushing ${branches.join(', ')} now is risky: ${decision.summary}`);
  const reason = (process.env.ONCALL_DEPLOY_ANYWAY ?? '').trim();
  if (reason.length >= 3) {
    say(`deploying anyway: "${reason.slice(0, 200)}" (ONCALL_DEPLOY_ANYWAY)`);
    return 0;
  }
  say('push stopped. To deploy anyway, give a reason: ONCALL_DEPLOY_ANYWAY="why" git push …');
  return 1;
}

/** The controlling terminal, for the prompt (never stdin: `cat x.yaml | kubectl apply -f -` keeps its input). */
function openTty(): number | undefined {
  if (process.env.ONCALL_GUARD_TTY === 'none') return undefined; // tests: behave as without a terminal
  try {
    return fs.openSync(process.env.ONCALL_GUARD_TTY || '/dev/tty', 'r+');
  } catch {
    return undefined;
  }
}

function readTtyLine(fd: number): string | undefined {
  const buf = Buffer.alloc(1024);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return undefined;
    }
    if (n === 0) return line.length ? line : undefined; // Ctrl-D
    line += buf.subarray(0, n).toString('utf8');
    const nl = line.indexOf('\n');
    if (nl >= 0) return line.slice(0, nl).replace(/\r$/, '');
    if (line.length > 2000) return line;
  }
}

/**
 * `guard-cli wrap --guard-file FILE --tool kubectl -- ARGS…`, run by the terminal's wrapper script before
 * the real tool. Exit 0: run it; WRAP_CANCELLED: the user cancelled it. No guard to ask (window closed, guard
 * off, anything unexpected): exit 0 — a wrapper never breaks a command.
 */
async function wrap(): Promise<number> {
  const tool = arg('tool') ?? '';
  const sep = process.argv.indexOf('--');
  const args = sep >= 0 ? process.argv.slice(sep + 1) : [];
  const file = readGuardFile(arg('guard-file') ?? '');
  if (!file?.port || !file.token || !/^[\w.+-]{1,64}$/.test(tool)) return 0;
  const body = { tool, args, cwd: process.cwd() };
  const first = await askGuard(file.port, file.token, GUARD_PATHS.command, body, 30_000);
  if (first.kind === 'unverified') say(`${first.why}; running ${tool} without asking`);
  if (first.kind !== 'answer' || first.answer.allow) return 0;
  if (!first.answer.ask) {
    say(first.answer.message);
    return WRAP_CANCELLED;
  }
  const finish = async (extra: { reason: string } | { cancelled: true }): Promise<number> => {
    const r = await askGuard(file.port!, file.token!, GUARD_PATHS.command, { ...body, ...extra }, 30_000);
    if ('cancelled' in extra) {
      say(`cancelled: ${tool} did not run.`);
      return WRAP_CANCELLED;
    }
    if (r.kind !== 'answer') return 0; // the editor went away after the user gave a reason: run it
    if (r.answer.message) say(r.answer.message);
    return r.answer.allow ? 0 : WRAP_CANCELLED;
  };
  const envReason = (process.env.ONCALL_DEPLOY_ANYWAY ?? '').trim();
  if (envReason.length >= 3) {
    say(`${first.answer.message}\non-call deploy guard: running it anyway: "${envReason.slice(0, 200)}" (ONCALL_DEPLOY_ANYWAY)`);
    return finish({ reason: envReason.slice(0, 500) });
  }
  const tty = openTty();
  if (tty === undefined) {
    say(`${first.answer.message}\non-call deploy guard: ${tool} was not run (no terminal to ask in). To run it anyway, give a reason: ONCALL_DEPLOY_ANYWAY="why" ${tool} …`);
    return finish({ cancelled: true });
  }
  try {
    const out = (s: string): void => void fs.writeSync(tty, s);
    out(`\non-call deploy guard: ${first.answer.message}\n`);
    for (let i = 0; i < 3; i++) {
      out(`Type a reason to run "${tool}" anyway (it is logged), or press Enter to cancel: `);
      const line = readTtyLine(tty)?.trim();
      if (!line) return await finish({ cancelled: true });
      if (line.length >= 3) return await finish({ reason: line.slice(0, 500) });
      out('Give a short reason (3 characters or more).\n');
    }
    return await finish({ cancelled: true });
  } finally {
    fs.closeSync(tty);
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      // The guard must never break git for reasons of its own: fail open, loudly.
      say(`internal error, letting it through: ${errorText(e)}`);
      process.exit(0);
    },
  );
}
