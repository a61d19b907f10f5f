import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Checks `Authorization: Bearer <token>` in constant time. Both sides are hashed first so the
 * comparison has equal lengths and its timing does not reveal the token's length either.
 */
export function checkBearer(headers: IncomingHttpHeaders, token: string): boolean {
  const h = headers.authorization;
  if (typeof h !== 'string') return false;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h);
  if (!m?.[1]) return false;
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** Reads a token file: the first line, trimmed. Rejects an empty file (a typo must not mean "no auth"). */
export async function readTokenFile(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8');
  const token = (text.split(/\r?\n/)[0] ?? '').trim();
  if (!token) throw new Error(`token file ${file} is empty`);
  if (/\s/.test(token)) throw new Error(`token file ${file}: the token must not contain whitespace`);
  return token;
}

/** 127.0.0.0/8, ::1 and "localhost": only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Shortest bearer token or webhook secret the bridge accepts (32 bytes: beyond guessing even without a rate limit). */
export const MIN_TOKEN_BYTES = 32;

/** Why `token` is too weak to run with, or undefined when it is long enough. `what` names it ("the bridge token"). */
export function weakTokenReason(token: string, what: string): string | undefined {
  const n = Buffer.byteLength(token, 'utf8');
  if (n >= MIN_TOKEN_BYTES) return undefined;
  return `${what} is ${n} byte(s) long; at least ${MIN_TOKEN_BYTES} are required. Generate one with "node dist/bridge.js --generate-token FILE" (writes a random token to FILE, readable only by you).`;
}

/** 32 random bytes, base64url: 43 characters, no whitespace, safe in a header and a YAML file. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Writes a new secret file readable only by its owner (0600, created exclusively: an existing file is never
 * overwritten, so a token editors already hold keeps working). The parent directory is created 0700.
 */
export async function writeNewSecretFile(file: string, secret: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const h = await fs.open(file, 'wx', 0o600);
  try {
    await h.writeFile(`${secret}\n`, 'utf8');
    // The mode given to open() is filtered by the umask; 0600 must hold whatever the umask is.
    await h.chmod(0o600);
  } finally {
    await h.close();
  }
}

/** Where the bridge keeps state of its own (the generated webhook secret): $XDG_STATE_HOME/oncall-bridge, else ~/.local/state/oncall-bridge. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'oncall-bridge');
}

export const WEBHOOK_SECRET_FILE = 'webhook-secret';

/**
 * The webhook secret in `stateDir`: read when the file exists, generated (0600) on first run. A file that
 * others can read is refused rather than silently trusted or rewritten.
 */
export async function loadOrCreateWebhookSecret(stateDir: string): Promise<{ file: string; secret: string; created: boolean }> {
  const file = path.join(stateDir, WEBHOOK_SECRET_FILE);
  let created = false;
  try {
    await writeNewSecretFile(file, generateToken());
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (process.platform !== 'win32') {
    const st = await fs.stat(file);
    if ((st.mode & 0o077) !== 0) throw new Error(`${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}): run "chmod 600 ${file}"`);
  }
  const secret = await readTokenFile(file);
  const weak = weakTokenReason(secret, `the webhook secret in ${file}`);
  if (weak) throw new Error(weak);
  return { file, secret, created };
}

/**
 * A request a web browser made on behalf of a page: browsers send `Origin` on every cross-origin request and on
 * every POST, and `Sec-Fetch-Site` on every request (only "none" for one the user typed or bookmarked). Alertmanager,
 * PagerDuty, curl and the extension's own client send neither.
 */
export function isBrowserRequest(headers: IncomingHttpHeaders): boolean {
  if (headers.origin !== undefined) return true;
  const site = headers['sec-fetch-site'];
  return site !== undefined && String(site).trim().toLowerCase() !== 'none';
}

/** The host name of a `Host` header value ("[::1]:8787" → "::1", "Example.COM." → "example.com"); undefined when malformed. */
export function hostHeaderName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const m = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(v) ?? /^([^:[\]\s/@]+)(?::\d{1,5})?$/.exec(v);
  if (!m?.[1]) return undefined;
  return m[1].toLowerCase().replace(/\.$/, '');
}

/**
 * DNS rebinding defence: a page on evil.example whose name is made to resolve to the bridge's address still sends
 * `Host: evil.example`. Safe names are IP literals (a page can only be served from that address by the bridge itself),
 * "localhost" and "*.localhost" (browsers resolve those to loopback themselves, never through DNS), and the names the
 * operator declared with --public-host.
 */
export function isAllowedHostHeader(value: string | undefined, publicHosts: readonly string[]): boolean {
  const name = hostHeaderName(value);
  if (name === undefined) return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return publicHosts.includes(name);
}

/** Normalises a --public-host value: a bare host name (no port, scheme or path), lower case. Undefined when it is not one. */
export function normalisePublicHost(raw: string): string | undefined {
  const v = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(v) || v.length > 253) return undefined;
  return v;
}
