import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

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
