/**
 * A git remote URL (`git remote get-url`) → the code host it names, and permalinks to a file line at a commit there.
 * Only the public hosts whose URL scheme for a line at a commit is known: GitHub, GitLab, Bitbucket. Anything else
 * (a self-hosted server, a local path, a malformed URL) is not a permalink host: callers fall back to `path@sha`.
 *
 * The remote URL may carry credentials (`https://user:token@github.com/…`): only the host and the repository path
 * are kept, never the user info, the port, a query or a fragment — nothing from it but `owner/repo` leaves.
 */

export type CodeHost = 'github' | 'gitlab' | 'bitbucket';

export interface RemoteRepo {
  host: CodeHost;
  /** e.g. "github.com". */
  hostname: string;
  /** Repository path without `.git`, e.g. "acme/shop" ("group/sub/project" on GitLab). */
  path: string;
}

const HOSTS: Readonly<Record<string, CodeHost>> = {
  'github.com': 'github',
  'www.github.com': 'github',
  'gitlab.com': 'gitlab',
  'www.gitlab.com': 'gitlab',
  'bitbucket.org': 'bitbucket',
  'www.bitbucket.org': 'bitbucket',
};

/** Bound on a remote URL we look at (git prints one line; anything longer is not a URL we understand). */
const MAX_URL = 2048;
/** One repository path segment: what the three hosts allow in owner/group/repo names. */
const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Parses the https, ssh (`ssh://git@host[:port]/owner/repo.git`) and scp-like (`git@host:owner/repo.git`) forms.
 * Undefined for any other host or shape (a path with `..`, empty segments, odd characters).
 */
export function parseRemoteUrl(raw: string): RemoteRepo | undefined {
  const url = raw.trim();
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (url.length === 0 || url.length > MAX_URL || /[\s\u0000-\u001f\u007f]/.test(url)) return undefined;
  let hostname: string;
  let repoPath: string;
  const scp = /^(?:[A-Za-z0-9._-]{1,100}@)?([A-Za-z0-9.-]{1,253}):(?!\/\/)([^\\]+)$/.exec(url);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git+ssh:', 'ssh+git:', 'git:'].includes(u.protocol)) return undefined;
    hostname = u.hostname.toLowerCase();
    repoPath = decodeSafe(u.pathname);
  } else if (scp && !/^[A-Za-z]:/.test(url)) {
    // scp-like syntax; a Windows drive path ("C:\repo", "C:/repo") is a local path, not a host.
    hostname = scp[1]!.toLowerCase();
    repoPath = scp[2]!;
  } else {
    return undefined;
  }
  const host = HOSTS[hostname];
  if (!host) return undefined;
  const segs = repoPath.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '').split('/');
  if (segs.length < 2 || segs.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) return undefined;
  // GitHub and Bitbucket: exactly owner/repo; GitLab: group(s)/project (at most 20 levels).
  if ((host !== 'gitlab' && segs.length !== 2) || segs.length > 20) return undefined;
  return { host, hostname: hostname.replace(/^www\./, ''), path: segs.join('/') };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '\u0000'; // fails the segment check
  }
}

/** A full or short hex sha (what a permalink may name). */
const SHA = /^[0-9a-f]{7,40}$/;

/**
 * `https://<host>/<repo>/…/<sha>/<path>#L<line>` in the host's own form, or undefined when `sha` is not a hex
 * sha or `path` is not a plain repository-relative path. Path segments are percent-encoded.
 */
export function permalink(remote: RemoteRepo, sha: string, filePath: string, line: number): string | undefined {
  const s = sha.toLowerCase();
  if (!SHA.test(s)) return undefined;
  const segs = filePath.split('/');
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (filePath.length === 0 || filePath.length > 1024 || segs.some((x) => x === '' || x === '.' || x === '..') || /[\u0000-\u001f\\]/.test(filePath)) return undefined;
  const p = segs.map(encodeURIComponent).join('/');
  const base = `https://${remote.hostname}/${remote.path}`;
  const l = Number.isSafeInteger(line) && line >= 1 ? line : undefined;
  switch (remote.host) {
    case 'github':
      return `${base}/blob/${s}/${p}${l ? `#L${l}` : ''}`;
    case 'gitlab':
      return `${base}/-/blob/${s}/${p}${l ? `#L${l}` : ''}`;
    case 'bitbucket':
      return `${base}/src/${s}/${p}${l ? `#lines-${l}` : ''}`;
  }
}
