/**
 * Error text for logs and messages. One home for what was copied across the bridge, the transports and the
 * host (issue 15 §4).
 */

/** The message of an `Error`, or the thrown value as text (a `throw 'x'` or a rejected non-Error). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Node/OpenSSL codes of a certificate the TLS layer did not accept. */
const TLS_CERT_CODES: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A WebSocket `error` event in words the user can act on. `peer` names the other side in the sentence
 * ("the alert source", "ntfy", "Gotify"). `ws` reports an HTTP answer to the upgrade as
 * "Unexpected server response: 401"; 401/403 add "(check the token)" — `AlertClient` recognises the
 * status number in this text to stop retrying with a rejected token, so keep it in.
 */
export function describeSocketError(err: Error, peer = 'the alert source'): string {
  const m = /Unexpected server response: (\d+)/.exec(err.message);
  if (m) return `HTTP ${m[1]} from ${peer}${m[1] === '401' || m[1] === '403' ? ' (check the token)' : ''}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `connection refused (is ${peer} running?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  if (code === 'ETIMEDOUT') return 'connection timed out';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code !== undefined && TLS_CERT_CODES.has(code)) return `${possessive(peer)} TLS certificate is not trusted (${code})`;
  return err.message || code || 'socket error';
}

function possessive(peer: string): string {
  return /s$/i.test(peer) ? `${peer}'` : `${peer}'s`;
}
