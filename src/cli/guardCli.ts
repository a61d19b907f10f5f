// The pre-push hook's worker: `node dist/guard-cli.js pre-push --git-dir DIR --remote NAME` with git's
// ref lines on stdin. Exit 0 lets the push go on, 1 stops it. Plain Node: no `vscode`.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { decideDeploy, isProtectedBranch, validateDeployGuardSettings, DEFAULT_PROTECTED_BRANCHES } from '../core/deploy';
import { Schedule } from '../core/schedule';
import { pushedBranches, type PushGuardFile, type PushGuardResponse } from './pushGuardProtocol';

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

function readGuardFile(gitDir: string): PushGuardFile | undefined {
  try {
    const raw = fs.readFileSync(path.join(gitDir, 'oncall', 'guard.json'), 'utf8');
    const v = JSON.parse(raw) as PushGuardFile;
    return v && v.version === 1 && typeof v.cache === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function askEditor(port: number, token: string, body: unknown): Promise<PushGuardResponse | undefined> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, path: '/push-guard', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(data) }, timeout: 15 * 60_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d.length + text.length > 100_000 ? '' : d));
        res.on('end', () => {
          try {
            const v = JSON.parse(text) as PushGuardResponse;
            resolve(typeof v.allow === 'boolean' ? { allow: v.allow, message: String(v.message ?? '') } : undefined);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.on('error', () => resolve(undefined)); // no editor listening: decide here
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.end(data);
  });
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
  if (process.argv[2] !== 'pre-push') {
    say('usage: guard-cli pre-push --git-dir DIR --remote NAME < refs');
    return 2;
  }
  const gitDir = arg('git-dir') ?? '.git';
  const stdin = await readStdin();
  const file = readGuardFile(gitDir);
  const { config } = validateDeployGuardSettings(file?.cache.settings ?? {});
  const protectedGlobs = protectedBranchesOf(file?.cache.settings);
  const branches = pushedBranches(stdin).filter((b) => isProtectedBranch(b, protectedGlobs));
  if (branches.length === 0 || !config.enabled) return 0;

  if (file?.port && file.token) {
    const answer = await askEditor(file.port, file.token, { branches, remote: arg('remote') ?? '', repo: path.resolve(gitDir, '..') });
    if (answer) {
      if (answer.message) say(answer.message);
      return answer.allow ? 0 : 1;
    }
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

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      // The guard must never break git for reasons of its own: fail open, loudly.
      say(`internal error, letting the push through: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(0);
    },
  );
}
