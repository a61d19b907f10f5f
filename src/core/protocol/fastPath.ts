/**
 * The hot frames, checked without valibot: `alert` and `alertResolved` events and `snapshotChunk` parts, in their plain common
 * shape (every key known, no `undefined`, no forbidden label key). Per alert valibot's object walk cost ~5 µs
 * against JSON.parse's ~3.5 µs, the largest part of ingest (bench/ "ingest throughput") and of a storm's decode.
 *
 * The valibot schemas (schemas.ts) stay the definition. This answers only "accepted, and here is exactly what
 * the schema would have produced", or `undefined`: anything it does not recognise as that common shape (an
 * unknown key from a newer peer, a wrong type, a missing field) goes to valibot, which decides and words the
 * error. So the fast path can only be faster, never more lenient or differently worded; the unit tests hold it
 * to that against the schemas on generated and mutated frames (test/unit/protocol/fastPath.test.ts).
 *
 * It consumes its input: `json` must be freshly parsed and nobody else's (decode.ts passes what JSON.parse
 * returned), because the value it returns reuses those objects rather than copying them (the copies were most
 * of valibot's cost). Nothing is written to the input unless it is accepted.
 */
import { capAlert, FORBIDDEN_LABEL_KEYS } from './limits';
import { isIsoTime, MAX_ID_LENGTH } from './schemas';
import { ALERT_STATUSES, MAX_SNAPSHOT_CHUNKS, SEVERITIES, type Alert, type AlertEventMessage, type AlertResolvedMessage, type ServerMessage, type SnapshotChunkMessage } from './types';

type Obj = Record<string, unknown>;

const ALERT_KEYS: ReadonlySet<string> = new Set([
  'id', 'title', 'description', 'severity', 'status', 'service', 'environment', 'startedAt', 'updatedAt', 'resolvedAt', 'resolvedBy',
  'acknowledgedBy', 'acknowledgedAt', 'assignees', 'escalation', 'runbookUrl', 'url', 'labels', 'stackTrace', 'release', 'commitSha',
  'source', 'snoozedUntil', 'notes', 'timeline',
] satisfies Array<keyof Alert>);
const PERSON_KEYS: ReadonlySet<string> = new Set(['id', 'name', 'email', 'handle', 'timeZone']);
const ESCALATION_KEYS: ReadonlySet<string> = new Set(['level', 'policy', 'nextEscalationAt', 'targets']);
const NOTE_KEYS: ReadonlySet<string> = new Set(['id', 'text', 'author', 'at']);
const TIMELINE_KEYS: ReadonlySet<string> = new Set(['at', 'kind', 'actor', 'text']);
const EVENT_KEYS: ReadonlySet<string> = new Set(['type', 'seq', 'alert', 'hidden', 'omitted']);
const CHUNK_KEYS: ReadonlySet<string> = new Set(['type', 'seq', 'index', 'count', 'alerts']);
const RESOLVED_EVENT_KEYS: ReadonlySet<string> = new Set(['type', 'seq', 'alertResolved', 'omitted']);
const RESOLVED_KEYS: ReadonlySet<string> = new Set(['id', 'resolvedAt', 'resolvedBy']);
const SEVERITY_SET: ReadonlySet<unknown> = new Set(SEVERITIES);
const STATUS_SET: ReadonlySet<unknown> = new Set(ALERT_STATUSES);
const SHA_RE = /^[0-9a-f]{7,40}$/i;
const UPPER_RE = /[A-F]/;

/** A decoded server message when the frame is one of the hot types in its plain shape; otherwise undefined. */
export function fastServerMessage(type: string, json: Obj): ServerMessage | undefined {
  if (type === 'alert') return fastAlertEvent(json);
  if (type === 'alertResolved') return fastAlertResolved(json);
  if (type === 'snapshotChunk') return fastSnapshotChunk(json);
  return undefined;
}

function fastAlertResolved(json: Obj): AlertResolvedMessage | undefined {
  if (!only(json, RESOLVED_EVENT_KEYS) || json.type !== 'alertResolved' || !count(json.seq, 0)) return undefined;
  if (json.omitted !== undefined && !count(json.omitted, 0)) return undefined;
  const r = json.alertResolved;
  if (!only(r, RESOLVED_KEYS) || !isId(r.id) || !iso(r.resolvedAt) || (r.resolvedBy !== undefined && !person(r.resolvedBy))) return undefined;
  return json as unknown as AlertResolvedMessage;
}

function fastAlertEvent(json: Obj): AlertEventMessage | undefined {
  if (!only(json, EVENT_KEYS) || json.type !== 'alert' || !count(json.seq, 0)) return undefined;
  if (json.hidden !== undefined && typeof json.hidden !== 'boolean') return undefined;
  if (json.omitted !== undefined && !count(json.omitted, 0)) return undefined;
  const alert = fastAlert(json.alert);
  if (!alert) return undefined;
  json.alert = alert;
  return json as unknown as AlertEventMessage;
}

function fastSnapshotChunk(json: Obj): SnapshotChunkMessage | undefined {
  if (!only(json, CHUNK_KEYS) || json.type !== 'snapshotChunk' || !count(json.seq, 0)) return undefined;
  const { index, count: parts, alerts } = json;
  if (!Number.isInteger(index) || !Number.isInteger(parts) || (index as number) < 0 || (parts as number) < 1 || (parts as number) > MAX_SNAPSHOT_CHUNKS) return undefined;
  if ((index as number) >= (parts as number) || !Array.isArray(alerts)) return undefined;
  const out: Alert[] = new Array<Alert>(alerts.length);
  for (let i = 0; i < alerts.length; i++) {
    const a = checkedAlert(alerts[i]);
    if (!a) return undefined;
    out[i] = a;
  }
  // Only now that every alert passed is anything written (a bail-out leaves the input as it came, for valibot).
  for (let i = 0; i < out.length; i++) out[i] = finish(out[i]!);
  json.alerts = out;
  return json as unknown as SnapshotChunkMessage;
}

/** One alert as `AlertSchema` would produce it (capped to `ALERT_LIMITS`), or undefined. */
function fastAlert(x: unknown): Alert | undefined {
  const a = checkedAlert(x);
  return a && finish(a);
}

function checkedAlert(x: unknown): Alert | undefined {
  if (!only(x, ALERT_KEYS)) return undefined;
  const a = x;
  if (!isId(a.id)) return undefined;
  if (typeof a.title !== 'string' || typeof a.service !== 'string' || typeof a.source !== 'string') return undefined;
  if (!SEVERITY_SET.has(a.severity) || !STATUS_SET.has(a.status)) return undefined;
  if (!optString(a.description) || !optString(a.environment) || !optString(a.runbookUrl) || !optString(a.url) || !optString(a.stackTrace) || !optString(a.release)) return undefined;
  if (!iso(a.startedAt) || !iso(a.updatedAt) || !optIso(a.resolvedAt) || !optIso(a.acknowledgedAt) || !optIso(a.snoozedUntil)) return undefined;
  if (a.commitSha !== undefined && (typeof a.commitSha !== 'string' || !SHA_RE.test(a.commitSha))) return undefined;
  if (!people(a.assignees) || (a.resolvedBy !== undefined && !person(a.resolvedBy)) || (a.acknowledgedBy !== undefined && !person(a.acknowledgedBy))) return undefined;
  if (!labels(a.labels)) return undefined;
  if (a.escalation !== undefined && !escalation(a.escalation)) return undefined;
  if (a.notes !== undefined && !every(a.notes, note)) return undefined;
  if (a.timeline !== undefined && !every(a.timeline, timelineEntry)) return undefined;
  return a as unknown as Alert;
}

/** What the schema's transforms do to an accepted alert: the sha lower-cased, then `capAlert`. */
function finish(a: Alert): Alert {
  if (a.commitSha !== undefined && UPPER_RE.test(a.commitSha)) a.commitSha = a.commitSha.toLowerCase();
  return capAlert(a);
}

/** A plain object (not an array) whose every key is one of `keys`, none holding `undefined`. */
function only(x: unknown, keys: ReadonlySet<string>): x is Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  for (const k in x) if (!keys.has(k) || (x as Obj)[k] === undefined) return false;
  return true;
}

const isId = (x: unknown): boolean => typeof x === 'string' && x.length >= 1 && x.length <= MAX_ID_LENGTH;
const optString = (x: unknown): boolean => x === undefined || typeof x === 'string';
const iso = (x: unknown): boolean => typeof x === 'string' && isIsoTime(x);
const optIso = (x: unknown): boolean => x === undefined || iso(x);
/** A safe integer ≥ `min` (the schemas' `seq` / `positiveInt`). */
const count = (x: unknown, min: number): boolean => Number.isSafeInteger(x) && (x as number) >= min;

function every(x: unknown, ok: (e: unknown) => boolean): boolean {
  if (!Array.isArray(x)) return false;
  for (const e of x) if (!ok(e)) return false;
  return true;
}

function person(x: unknown): boolean {
  return only(x, PERSON_KEYS) && typeof x.name === 'string' && optString(x.id) && optString(x.email) && optString(x.handle) && optString(x.timeZone);
}

const people = (x: unknown): boolean => every(x, person);

/** String values only; a forbidden key (which the schema's record drops) is left to valibot. */
function labels(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || FORBIDDEN_LABEL_KEYS.has(k) || typeof (x as Obj)[k] !== 'string') return false;
  }
  return true;
}

function escalation(x: unknown): boolean {
  return only(x, ESCALATION_KEYS) && count(x.level, 1) && optString(x.policy) && optIso(x.nextEscalationAt) && people(x.targets);
}

function note(x: unknown): boolean {
  return only(x, NOTE_KEYS) && typeof x.text === 'string' && iso(x.at) && optString(x.id) && (x.author === undefined || person(x.author));
}

function timelineEntry(x: unknown): boolean {
  return only(x, TIMELINE_KEYS) && iso(x.at) && typeof x.kind === 'string' && x.kind.length > 0 && optString(x.text) && (x.actor === undefined || person(x.actor));
}
