import { isLoopbackHost } from '../transport/urlPolicy';
import { errorText } from '../util/errors';

/**
 * Fetching an iCal feed with every hop checked. Feed URLs usually carry a secret token, so no message here
 * ever contains a URL. Plain Node (global fetch; in the extension host it follows VS Code's proxy settings).
 */

export type FeedFetchErrorCode = 'badUrl' | 'insecure' | 'redirect' | 'tooManyRedirects' | 'tooLarge' | 'http' | 'network' | 'timeout';

export type FeedFetchResult = { ok: true; text: string } | { ok: false; code: FeedFetchErrorCode; message: string };

export interface FeedFetchOptions {
  /** Stop reading past this many bytes, with or without a content-length. Default 5 MiB. */
  maxBytes?: number;
  /** Redirects followed (each one re-checked). Default 5. */
  maxRedirects?: number;
  /** Whole fetch, redirects and body included. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const FEED_MAX_BYTES = 5 * 1024 * 1024;

/** webcal:// and webcals:// are https:// by convention. */
export function normalizeFeedUrl(url: string): string {
  return url.trim().replace(/^webcals?:\/\//i, 'https://');
}

/** Only https; plain http only to this machine (local test servers). */
export function feedUrlProblem(url: string): 'badUrl' | 'insecure' | undefined {
  let u: URL;
  try {
    u = new URL(normalizeFeedUrl(url));
  } catch {
    return 'badUrl';
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  return 'insecure';
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const fail = (code: FeedFetchErrorCode, message: string): FeedFetchResult => ({ ok: false, code, message });

export async function fetchFeedText(url: string, opts: FeedFetchOptions = {}): Promise<FeedFetchResult> {
  const maxBytes = opts.maxBytes ?? FEED_MAX_BYTES;
  const maxRedirects = opts.maxRedirects ?? 5;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const doFetch = opts.fetch ?? fetch;
  const problem = feedUrlProblem(url);
  if (problem === 'badUrl') return fail('badUrl', 'The feed URL is not a URL.');
  if (problem) return fail('insecure', 'The feed URL must be https:// (or webcal://); plain http only to this machine.');

  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  try {
    let current = new URL(normalizeFeedUrl(url));
    for (let hop = 0; ; hop++) {
      // redirect: 'manual' so that every hop passes the same policy as the URL the user gave.
      const res = await doFetch(current, { signal: ac.signal, redirect: 'manual', headers: { accept: 'text/calendar, text/plain;q=0.5, */*;q=0.1' } });
      if (REDIRECTS.has(res.status)) {
        void res.body?.cancel().catch(() => undefined);
        if (hop >= maxRedirects) return fail('tooManyRedirects', `The feed redirected more than ${maxRedirects} times.`);
        const location = res.headers.get('location');
        let next: URL;
        try {
          next = new URL(location ?? '', current);
        } catch {
          return fail('redirect', `The feed answered HTTP ${res.status} without a valid Location.`);
        }
        if (!location) return fail('redirect', `The feed answered HTTP ${res.status} without a Location.`);
        if (next.protocol !== current.protocol) return fail('redirect', `The feed redirected from ${current.protocol} to ${next.protocol.slice(0, 20)}; refused.`);
        if (feedUrlProblem(next.href)) return fail('redirect', 'The feed redirected to a URL that is not https:// (plain http only to this machine); refused.');
        current = next;
        continue;
      }
      if (!res.ok) {
        void res.body?.cancel().catch(() => undefined);
        return fail('http', `HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (declared > maxBytes) {
        void res.body?.cancel().catch(() => undefined);
        return fail('tooLarge', `The feed is larger than ${formatBytes(maxBytes)}.`);
      }
      return await readCapped(res, maxBytes, ac);
    }
  } catch (e) {
    if (timedOut) return fail('timeout', `The feed did not answer within ${Math.round(timeoutMs / 1000)} s.`);
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return fail('network', `Could not fetch the feed (${errorText(e)}${cause}).`.slice(0, 300));
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the body counting bytes; past the cap it aborts the request, whatever the server declared. */
async function readCapped(res: Response, maxBytes: number, ac: AbortController): Promise<FeedFetchResult> {
  if (!res.body) return { ok: true, text: '' };
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      ac.abort();
      void reader.cancel().catch(() => undefined);
      return fail('tooLarge', `The feed is larger than ${formatBytes(maxBytes)}.`);
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}
