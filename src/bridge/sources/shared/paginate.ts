/**
 * The two pagination styles of our vendors, with hard caps so a misbehaving API cannot make the
 * bridge loop or grow without bound:
 *  - classic offset/limit/more (PagerDuty);
 *  - `next` URLs (Grafana OnCall, Django REST framework style), followed on the same origin only.
 * Items are returned raw (`unknown`): the caller validates them one by one.
 */
import { VendorHttpError, type VendorHttp } from './vendorHttp';

export interface Page {
  items: unknown[];
  /** False when the cap was reached before the last page: callers must not infer "gone" from absence. */
  complete: boolean;
}

export async function paginateOffset(
  http: VendorHttp,
  path: string,
  key: string,
  query: Record<string, string | number | boolean | readonly string[] | undefined>,
  opts: { limit?: number; maxItems?: number } = {},
): Promise<Page> {
  const limit = opts.limit ?? 100;
  const maxItems = opts.maxItems ?? 10_000;
  const items: unknown[] = [];
  let offset = 0;
  for (;;) {
    const body = await http.request('GET', path, { query: { ...query, limit, offset } });
    const list = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(list)) throw new VendorHttpError(`${http.vendor} GET /${path.replace(/^\//, '')}: unexpected response (${key}: expected an array)`);
    items.push(...(list as unknown[]));
    const more = (body as { more?: unknown }).more === true;
    if (!more || list.length === 0) return { items, complete: true };
    if (items.length >= maxItems) return { items, complete: false };
    offset += list.length;
  }
}

export async function paginateNext(
  http: VendorHttp,
  path: string,
  query: Record<string, string | number | boolean | readonly string[] | undefined>,
  opts: { maxPages?: number } = {},
): Promise<Page> {
  const maxPages = opts.maxPages ?? 100;
  const items: unknown[] = [];
  let next: string | null = path;
  let first = true;
  for (let page = 0; next; page++) {
    if (page >= maxPages) return { items, complete: false };
    const body: unknown = await http.request('GET', next, first ? { query } : {});
    first = false;
    const results = body && typeof body === 'object' ? (body as Record<string, unknown>).results : undefined;
    if (!Array.isArray(results)) throw new VendorHttpError(`${http.vendor} GET ${next}: unexpected response (results: expected an array)`);
    items.push(...(results as unknown[]));
    const n: unknown = (body as { next?: unknown }).next;
    next = typeof n === 'string' && n ? n : null;
  }
  return { items, complete: true };
}
