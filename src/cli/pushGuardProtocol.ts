import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EscalationPolicy, Rotation } from '../core/protocol/types';

/**
 * What the extension writes to `<git-dir>/oncall/guard.json` for the pre-push hook (and to its
 * storage folder for the terminal's deploy-command wrappers): where to ask the running editor (loopback
 * port + a random per-window token) and a cached copy of the policy inputs so the hook can decide by
 * itself when no editor is running. Port and token are removed again when the window closes.
 */
export interface PushGuardFile {
  version: 1;
  /** The editor's loopback guard server, while a window with this repo is open. */
  port?: number;
  token?: string;
  updatedAt: string;
  cache: {
    identity: string;
    timeZone: string;
    /** Raw `oncall.deployGuard` settings (validated again by the hook). */
    settings: unknown;
    rotations: Rotation[];
    policies: EscalationPolicy[];
  };
}

export interface PushGuardRequest {
  branches: string[];
  /** What each protected branch's push changes: remote sha (all zeros: a new branch) → local sha. */
  ranges?: PushedRange[];
  remote: string;
  repo: string;
}

export interface PushedRange {
  branch: string;
  localSha: string;
  remoteSha: string;
}

/** A wrapped deploy tool asking before it runs (the terminal's PATH wrappers). */
export interface CommandGuardRequest {
  tool: string;
  args: string[];
  cwd: string;
  /** Second round, after the terminal prompt: the user's reason to run it anyway … */
  reason?: string;
  /** … or that the user cancelled. */
  cancelled?: boolean;
}

export interface PushGuardResponse {
  allow: boolean;
  message: string;
  /** Command requests only: risky now — hold the command and ask in the terminal (allow is false). */
  ask?: boolean;
}

/**
 * The handshake (the hook never trusts whoever listens on the port in guard.json — the file can outlive its
 * window, and any local program can take a freed port):
 *  1. `POST /push-guard/hello {nonce}` → `{proof: HMAC-SHA256(token, "oncall-guard-hello\n" + nonce)}`.
 *     The CLI checks the proof before it sends the token anywhere.
 *  2. `POST /push-guard` (or `/push-guard/command`) with `Authorization: Bearer <token>` and the same nonce
 *     in the body; the answer carries `x-oncall-proof: HMAC-SHA256(token, "oncall-guard-answer\n" + nonce +
 *     "\n" + body)`, so an answer that did not come from the token's owner is ignored.
 */
export const GUARD_PATHS = { hello: '/push-guard/hello', push: '/push-guard', command: '/push-guard/command' } as const;
export const PROOF_HEADER = 'x-oncall-proof';
export const NONCE_RE = /^[0-9a-f]{32,128}$/;

export function helloProof(token: string, nonce: string): string {
  return createHmac('sha256', token).update(`oncall-guard-hello\n${nonce}`).digest('hex');
}

export function answerProof(token: string, nonce: string, body: string): string {
  return createHmac('sha256', token).update(`oncall-guard-answer\n${nonce}\n${body}`).digest('hex');
}

/** Constant-time comparison of two hex strings (false for different lengths or non-strings). */
export function sameProof(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Exit code of `guard-cli wrap` when the user cancelled the held command (the wrapper then does not run it). */
export const WRAP_CANCELLED = 3;

/** Parses git's pre-push stdin: "<local ref> <local sha> <remote ref> <remote sha>" per line. */
export function pushedBranches(stdin: string): string[] {
  const out = new Set<string>();
  for (const line of stdin.split('\n').slice(0, 1000)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 4) continue;
    const [, localSha, remoteRef] = parts as [string, string, string, string];
    if (/^0+$/.test(localSha)) continue; // a branch deletion deploys nothing
    const m = /^refs\/heads\/(.{1,250})$/.exec(remoteRef);
    if (m?.[1]) out.add(m[1]);
  }
  return [...out];
}

/** The pushed ranges of git's pre-push stdin (branch updates and creations; deletions push nothing). */
export function pushedRanges(stdin: string): PushedRange[] {
  const out: PushedRange[] = [];
  for (const line of stdin.split('\n').slice(0, 1000)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 4) continue;
    const [, localSha, remoteRef, remoteSha] = parts as [string, string, string, string];
    if (!/^[0-9a-f]{40,64}$/.test(localSha) || !/^[0-9a-f]{40,64}$/.test(remoteSha) || /^0+$/.test(localSha)) continue;
    const m = /^refs\/heads\/(.{1,250})$/.exec(remoteRef);
    if (m?.[1] && out.length < 50) out.push({ branch: m[1], localSha, remoteSha });
  }
  return out;
}
