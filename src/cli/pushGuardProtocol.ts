import type { EscalationPolicy, Rotation } from '../core/protocol/types';

/**
 * What the extension writes to `<git-dir>/oncall/guard.json` for the pre-push hook: where to ask the
 * running editor (loopback port + a random per-window token) and a cached copy of the policy inputs so the
 * hook can decide by itself when no editor is running.
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
  remote: string;
  repo: string;
}

export interface PushGuardResponse {
  allow: boolean;
  message: string;
}

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
