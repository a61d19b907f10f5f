/**
 * `redactUrl`: the one way a URL reaches a log line or a message (issue 15 §4; docs/security.md, "Secrets stay
 * secret"). Policy: keep what identifies the endpoint, drop every part that can carry a secret.
 *  - kept: scheme, host, port, path (one trailing `/` is dropped: `http://h:9093/` → `http://h:9093`);
 *  - dropped: user name and password, the whole query (`?token=…`, `?auth=…`; Gotify and ntfy accept
 *    credentials there) and the fragment — not only the parameters whose names look secret: a name list
 *    misses `?sig=`/`?s=`, and a log line never needs a query to say which endpoint failed;
 *  - a string that is not a URL gives `(invalid URL)`, never the string itself (it could be a pasted token).
 * The path stays: it names the Alertmanager route prefix or the ntfy topic, which the user needs to see to
 * fix a wrong URL. urlPolicy refuses URLs with credentials before any connection anyway; this is the second
 * line, for what is logged while refusing and for sources configured outside the editor (the bridge).
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  const path = u.pathname.endsWith('/') ? u.pathname.slice(0, -1) : u.pathname;
  return `${u.protocol}//${u.host}${path}`;
}
