/**
 * Direct connection to ntfy (https://docs.ntfy.sh/subscribe/api/#websockets):
 * `wss://host/<topic>[,<topic>…]/ws`, one JSON event per frame:
 * `{id, time, event: open|keepalive|message|…, topic, message?, title?, tags?, priority? 1–5, click?}`.
 *
 * Each `message` becomes a triggered alert. Severity from priority: 5 (max/urgent) → critical,
 * 4 (high) → high, 3 (default, also when absent) → warning, 1–2 (min/low) → info. The service is the
 * topic; a message body that looks like a stack trace is also the alert's stack trace.
 *
 * Resume: after a reconnect the URL carries `since=<id of the last message seen>`, so ntfy replays
 * what was published while we were away (from its cache); the first connect asks for `since=<initialSince>`
 * (default 12h, ntfy's default cache duration). Duplicates are harmless (same id, same alert).
 *
 * ack/unack/resolve are local to this window (ntfy has no such thing); the result says so.
 * Auth: an access token goes in `Authorization: Bearer` (never in the URL).
 */
import * as v from 'valibot';
import { isIsoTime } from '../protocol/schemas';
import { PROTOCOL_VERSION, type Alert, type HelloMessage, type ResultMessage, type Severity } from '../protocol/types';
import { DirectConnection, later, type DirectConnectionOptions } from './directConnection';
import { looksLikeStackTrace } from '../util/stackTraceText';

export interface NtfyConnectionOptions extends DirectConnectionOptions {
  /** `since` for the first connection: a duration ("12h"), a unix time, a message id, or "all". Default "12h". */
  initialSince?: string;
}

const MAX_TEXT = 64 * 1024;

const NtfyEventSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  time: v.pipe(v.number(), v.finite()),
  event: v.string(),
  topic: v.pipe(v.string(), v.maxLength(1024)),
  message: v.optional(v.pipe(v.string(), v.maxLength(MAX_TEXT))),
  title: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  tags: v.optional(v.array(v.pipe(v.string(), v.maxLength(256)))),
  priority: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5))),
  click: v.optional(v.string()),
});
export type NtfyEvent = v.InferOutput<typeof NtfyEventSchema>;

export function ntfyPriorityToSeverity(p: number | undefined): Severity {
  switch (p) {
    case 5:
      return 'critical';
    case 4:
      return 'high';
    case 1:
    case 2:
      return 'info';
    default:
      return 'warning';
  }
}

export function ntfyToAlert(m: NtfyEvent): Alert {
  const at = new Date(m.time * 1000).toISOString();
  const body = m.message ?? '';
  const firstLine = body.split('\n', 1)[0]?.trim() ?? '';
  const labels: Record<string, string> = { topic: m.topic };
  if (m.tags?.length) labels.tags = m.tags.join(',');
  if (m.priority !== undefined) labels.priority = String(m.priority);
  const a: Alert = {
    id: m.id,
    title: m.title?.trim() || firstLine || `ntfy message on ${m.topic}`,
    severity: ntfyPriorityToSeverity(m.priority),
    status: 'triggered',
    service: m.topic,
    startedAt: at,
    updatedAt: at,
    assignees: [],
    labels,
    source: 'ntfy',
  };
  if (body) a.description = body;
  if (body && looksLikeStackTrace(body)) a.stackTrace = body;
  if (m.click && /^https?:\/\//i.test(m.click)) a.url = m.click;
  return a;
}

export class NtfyConnection extends DirectConnection {
  private _lastId: string | undefined;
  private readonly _helloMsg: HelloMessage = { type: 'hello', protocol: PROTOCOL_VERSION, server: 'ntfy', source: 'ntfy', capabilities: ['ack', 'unack', 'resolve'] };

  constructor(private readonly _ntfy: NtfyConnectionOptions) {
    super(_ntfy, 'ntfy');
  }

  /** The id `since` will carry on the next (re)connect. */
  get lastMessageId(): string | undefined {
    return this._lastId;
  }

  protected get _hello(): HelloMessage {
    return this._helloMsg;
  }

  protected _socketUrl(base: URL): URL {
    const u = new URL(base.toString());
    // Accept "wss://ntfy.sh/mytopic" as well as ".../mytopic/ws".
    if (!/\/ws\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, '')}/ws`;
    const since = this._lastId ?? this._ntfy.initialSince ?? '12h';
    if (since) u.searchParams.set('since', since);
    return u;
  }

  protected _authHeaders(token: string): Record<string, string> {
    return { Authorization: `Bearer ${token}` };
  }

  protected _onText(data: string): void {
    const json = this._parseFrame(data, MAX_TEXT * 2);
    if (json === undefined) return;
    const r = v.safeParse(NtfyEventSchema, json, { abortEarly: true });
    if (!r.success) {
      const i = r.issues[0];
      return this._reject(`${i?.path?.map((p) => String(p.key)).join('.') ?? 'message'}: ${i?.message ?? 'invalid'}`);
    }
    const m = r.output;
    switch (m.event) {
      case 'open':
      case 'keepalive':
        return;
      case 'message': {
        const alert = ntfyToAlert(m);
        if (!isIsoTime(alert.startedAt)) return this._reject(`message ${m.id}: time out of range`);
        this._lastId = m.id;
        const prev = this.store.get(m.id);
        // A replayed message (since=…) must not undo a local ack.
        if (prev) return void this._stats.duplicates++;
        this._upsertAlerts([alert]);
        return;
      }
      default:
        // poll_request, message_delete, message_clear, future events: nothing to show.
        return;
    }
  }

  resolve(alertIds: readonly string[]): Promise<ResultMessage> {
    return this._local('resolve', alertIds, (a, now) => (a.status === 'resolved' ? undefined : { ...a, status: 'resolved', resolvedAt: now, updatedAt: later(a.updatedAt, now) }), 'resolve is local to this window: ntfy messages cannot be resolved, so nobody else sees it');
  }
}
