/**
 * Which alert-source URLs we connect to. Alerts (and the bearer token) must not cross a network in
 * clear text unless the user opted in, so ws:// is only for this machine by default.
 */
export type UrlCheck = { ok: true; url: URL } | { ok: false; error: string };

export const INSECURE_SETTING = 'oncall.allowInsecureConnections';

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form) and "localhost" never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return h.split('.').every((p) => Number(p) <= 255);
  // WHATWG URL normalises ::ffff:127.0.0.1 to ::ffff:7f00:1; 7f00:0000–7fff:ffff is 127.0.0.0/8.
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h);
}

/** Pure check of a configured URL; the error is written for the person who typed it. */
export function checkServerUrl(raw: string, allowInsecure = false): UrlCheck {
  const text = raw.trim();
  if (!text) return { ok: false, error: 'No alert source URL is set. Use a wss:// URL such as wss://oncall-bridge.example.com/.' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${clip(text)}" is not a valid URL. Use a wss:// URL such as wss://oncall-bridge.example.com/.` };
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return { ok: false, error: `The alert source URL must start with wss:// (or ws:// for this machine), not ${url.protocol}//.` };
  }
  if (url.username || url.password) {
    return { ok: false, error: 'Remove the user name/password from the alert source URL: the token is kept in your OS keychain and sent in a header.' };
  }
  for (const key of url.searchParams.keys()) {
    if (/token|secret|password|passwd|api[-_]?key|auth/i.test(key)) {
      return { ok: false, error: `Remove "${clip(key, 40)}" from the alert source URL: tokens in URLs end up in logs. The token is kept in your OS keychain and sent in a header.` };
    }
  }
  if (url.protocol === 'ws:' && !allowInsecure && !isLoopbackHost(url.hostname)) {
    return {
      ok: false,
      error: `ws://${url.host} is unencrypted: alerts and your token would cross the network in clear text. Use wss:// instead, or set "${INSECURE_SETTING}" to true if you trust this network.`,
    };
  }
  return { ok: true, url };
}

function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
