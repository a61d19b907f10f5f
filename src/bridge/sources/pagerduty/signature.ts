import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies `X-PagerDuty-Signature` (Webhooks v3): one or more comma-separated `v1=<hex HMAC-SHA256 of
 * the raw body>`, one per signing secret while a secret rotates. True when any v1 signature matches
 * any configured secret. The comparison is constant-time (timingSafeEqual over equal-length digests).
 */
export function verifyPagerDutySignature(rawBody: Buffer, header: string | string[] | undefined, secrets: readonly string[]): boolean {
  if (header === undefined || secrets.length === 0) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  const given: Buffer[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*v1=([0-9a-fA-F]{64})\s*$/.exec(part);
    if (m?.[1]) given.push(Buffer.from(m[1].toLowerCase(), 'hex'));
    if (given.length >= 16) break; // a header with hundreds of entries is not PagerDuty
  }
  if (given.length === 0) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // No early exit: every pair is compared so timing does not tell which one matched.
    for (const g of given) if (g.length === expected.length && timingSafeEqual(g, expected)) ok = true;
  }
  return ok;
}

/** The header value PagerDuty would send for these secrets (tests, and documenting the format). */
export function pagerDutySignatureHeader(rawBody: Buffer | string, secrets: readonly string[]): string {
  return secrets.map((s) => `v1=${createHmac('sha256', s).update(rawBody).digest('hex')}`).join(',');
}
