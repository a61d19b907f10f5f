/**
 * valibot schemas for every wire type in `types.ts` (protocol 1, see docs/protocol.md).
 *
 * `v.object` copies only the keys it knows, so unknown extra fields from a newer peer are dropped
 * (forward compatible) and never reach the rest of the extension. Each schema is annotated with the
 * hand-written type from `types.ts`, so the compiler proves the two stay in step.
 */
import * as v from 'valibot';
import {
  ALERT_STATUSES,
  REQUEST_CAPABILITIES,
  REASSIGN_TARGET_KINDS,
  type ReassignTargetKind,
  SEVERITIES,
  type Alert,
  type AlertNote,
  type EscalateMessage,
  type NoteMessage,
  type OverrideMessage,
  type ReassignMessage,
  type ReassignTarget,
  type RequestCapability,
  type SnoozeMessage,
  type TimelineEntry,
  type AlertActionMessage,
  type AlertEventMessage,
  type AlertResolvedMessage,
  type AnnotateMessage,
  type ClientMessage,
  type Deploy,
  type DeployEventMessage,
  type ErrorMessage,
  type Escalation,
  type EscalationPolicy,
  type EscalationTarget,
  type HelloMessage,
  type OnCallEventMessage,
  type OnCallState,
  type Person,
  type ResultMessage,
  type ResumeMessage,
  type Rotation,
  type ServerMessage,
  type SnapshotMessage,
  type SnapshotChunkMessage,
  MAX_SNAPSHOT_CHUNKS,
  type Firing,
} from './types';
import { ALERT_LIMITS, capAlert, capOnCall, clipText, FORBIDDEN_LABEL_KEYS } from './limits';

/** Longest id / requestId / label key we accept: ids are keys in maps and tree-item ids, not prose. */
export const MAX_ID_LENGTH = 1024;
/** Most alert ids one ack/unack/resolve request may name. */
export const MAX_ALERT_IDS_PER_REQUEST = 10_000;
/** Longest note a `note` request may carry (protocol 1.1): refused, not cut, so nobody's words are lost silently. */
export const MAX_NOTE_CHARS = ALERT_LIMITS.maxNoteChars;
/** Most capabilities a hello may list (there are a dozen today). */
export const MAX_CAPABILITIES = 256;
/** Longest reason in `hello.unsupportedActions` / `actionsUnavailableReason` kept (longer ones are cut). */
export const MAX_REASON_CHARS = 1024;

type Schema<T> = v.GenericSchema<unknown, T>;

/** `expected one of a|b|c, got "x"` — the list is what a person fixing the sender needs to see. */
function oneOf<const T extends readonly string[]>(options: T) {
  return v.picklist(options, (issue) => `expected one of ${options.join('|')}, got ${issue.received}`);
}

const id = v.pipe(
  v.string(),
  v.minLength(1, 'expected a non-empty string'),
  v.maxLength(MAX_ID_LENGTH, `expected at most ${MAX_ID_LENGTH} characters`),
);
const str = v.string();

// RFC 3339 profile of ISO-8601: a full date and time with seconds and an explicit offset, so that
// every peer reads the same instant (a bare local time would mean different things per machine).
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * True for an RFC 3339 timestamp that names a real calendar instant (no Feb 30, no hour 25).
 * On the hot path (every alert event has at least two): no allocations, no date parsing.
 */
export function isIsoTime(s: string): boolean {
  if (typeof s !== 'string' || !ISO_RE.test(s)) return false;
  // The regex fixed the positions of the date and time fields: YYYY-MM-DDTHH:MM:SS…
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  // No leap second: Date.parse (which every reader of these times uses) has no instant for :60.
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return false;
  const last = s.charCodeAt(s.length - 1);
  if (last !== 90 /* Z */ && (digits(s, s.length - 5, 2) > 23 || digits(s, s.length - 2, 2) > 59)) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  // With the fields in range and a real day, Date.parse always has the instant (the unit test holds it to that),
  // so it is not called here: it was half of this check's cost, twice per alert event.
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!);
}

/** The decimal number of `n` ASCII digits at `at` (the caller's regex guaranteed they are digits). */
function digits(s: string, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) x = x * 10 + (s.charCodeAt(i) - 48);
  return x;
}

const isoTime = v.pipe(
  v.string(),
  v.check(isIsoTime, (issue) => `expected an ISO-8601 time with offset (e.g. 2025-01-31T09:30:00Z), got ${issue.received}`),
);

/** Hex commit sha, 7–40 chars; upper case is accepted and normalised so shas compare with `===`. */
const sha = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{7,40}$/i, (issue) => `expected a hex commit sha of 7-40 characters, got ${issue.received}`),
  v.toLowerCase(),
);

const seq = v.pipe(
  v.number(),
  v.safeInteger((issue) => `expected a non-negative integer, got ${issue.received}`),
  v.minValue(0, (issue) => `expected a non-negative integer, got ${issue.received}`),
);

const positiveInt = v.pipe(
  v.number(),
  v.safeInteger((issue) => `expected a positive integer, got ${issue.received}`),
  v.minValue(1, (issue) => `expected a positive integer, got ${issue.received}`),
);

/**
 * string → string map. valibot's record already skips `__proto__`, `constructor` and `prototype`;
 * the explicit filter keeps that guarantee should the library change, because assigning
 * `out["__proto__"] = ...` would swap the produced object's prototype. Label names longer than
 * `ALERT_LIMITS.maxLabelNameChars`, and labels beyond `maxLabels`, are left out by `capAlert` (with a
 * marker label), not a reason to reject the alert.
 */
const labels: Schema<Record<string, string>> = v.pipe(
  // valibot's record accepts arrays (index keys); labels must be a JSON object.
  v.custom<Record<string, unknown>>(
    (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
    (issue) => `expected an object of string values, got ${Array.isArray(issue.input) ? 'an array' : issue.received}`,
  ),
  v.record(v.string(), v.string()),
  v.transform((rec) => {
    // valibot's record built `rec` afresh: copied again only when it holds a forbidden key (never, in practice).
    let forbidden = false;
    for (const k of FORBIDDEN_LABEL_KEYS) if (Object.hasOwn(rec, k)) forbidden = true;
    if (!forbidden) return rec;
    const out: Record<string, string> = {};
    for (const k of Object.keys(rec)) if (!FORBIDDEN_LABEL_KEYS.has(k)) out[k] = rec[k]!;
    return out;
  }),
);

export const PersonSchema: Schema<Person> = v.object({
  id: v.optional(str),
  name: str,
  email: v.optional(str),
  handle: v.optional(str),
  timeZone: v.optional(str),
});

export const EscalationSchema: Schema<Escalation> = v.object({
  level: positiveInt,
  policy: v.optional(str),
  nextEscalationAt: v.optional(isoTime),
  targets: v.array(PersonSchema),
});

const nonNegativeInt = v.pipe(
  v.number(),
  v.safeInteger((issue) => `expected a non-negative integer, got ${issue.received}`),
  v.minValue(0, (issue) => `expected a non-negative integer, got ${issue.received}`),
);

/** Protocol 1.1. Long notes are cut by `capAlert`, never a reason to reject the alert. */
export const AlertNoteSchema: Schema<AlertNote> = v.object({
  id: v.optional(str),
  text: str,
  author: v.optional(PersonSchema),
  at: isoTime,
});

/** Protocol 1.1. `kind` is free-form (newer peers may add kinds); its length is capped by `capAlert`. */
export const TimelineEntrySchema: Schema<TimelineEntry> = v.object({
  at: isoTime,
  kind: v.pipe(v.string(), v.minLength(1, 'expected a non-empty string')),
  actor: v.optional(PersonSchema),
  text: v.optional(str),
});

const AlertFieldsSchema: Schema<Alert> = v.object({
  id,
  title: str,
  description: v.optional(str),
  severity: oneOf(SEVERITIES),
  status: oneOf(ALERT_STATUSES),
  service: str,
  environment: v.optional(str),
  startedAt: isoTime,
  updatedAt: isoTime,
  resolvedAt: v.optional(isoTime),
  resolvedBy: v.optional(PersonSchema),
  acknowledgedBy: v.optional(PersonSchema),
  acknowledgedAt: v.optional(isoTime),
  assignees: v.array(PersonSchema),
  escalation: v.optional(EscalationSchema),
  runbookUrl: v.optional(str),
  url: v.optional(str),
  labels,
  stackTrace: v.optional(str),
  release: v.optional(str),
  commitSha: v.optional(sha),
  source: str,
  snoozedUntil: v.optional(isoTime),
  notes: v.optional(v.array(AlertNoteSchema)),
  timeline: v.optional(v.array(TimelineEntrySchema)),
});

/** An alert as the protocol carries it: valid, and within `ALERT_LIMITS` (long fields cut, never rejected for size). */
export const AlertSchema: Schema<Alert> = v.pipe(AlertFieldsSchema, v.transform(capAlert));

const ShiftSchema = v.object({ person: PersonSchema, start: isoTime, end: isoTime });

export const RotationSchema: Schema<Rotation> = v.object({
  id,
  name: str,
  role: v.optional(str),
  pair: v.optional(str),
  timeZone: v.optional(str),
  shifts: v.array(ShiftSchema),
});

const EscalationTargetSchema: Schema<EscalationTarget> = v.variant(
  'type',
  [v.object({ type: v.literal('rotation'), rotationId: id }), v.object({ type: v.literal('person'), person: PersonSchema })],
  (issue) => `expected one of rotation|person, got ${issue.received}`,
);

export const EscalationPolicySchema: Schema<EscalationPolicy> = v.object({
  id,
  name: str,
  services: v.array(str),
  tiers: v.array(
    v.object({
      level: positiveInt,
      delayMinutes: v.pipe(
        v.number(),
        v.finite((issue) => `expected a finite number of minutes >= 0, got ${issue.received}`),
        v.minValue(0, (issue) => `expected a finite number of minutes >= 0, got ${issue.received}`),
      ),
      targets: v.array(EscalationTargetSchema),
    }),
  ),
});

export const OnCallStateSchema: Schema<OnCallState> = v.pipe(
  v.object({
    generatedAt: isoTime,
    rotations: v.array(RotationSchema),
    policies: v.array(EscalationPolicySchema),
    people: v.optional(v.array(PersonSchema)),
  }),
  v.transform(capOnCall),
);

export const DeploySchema: Schema<Deploy> = v.object({
  id,
  service: str,
  environment: str,
  commitSha: sha,
  previousSha: v.optional(sha),
  author: v.object({ name: str, email: v.optional(str) }),
  deployedAt: isoTime,
  url: v.optional(str),
  status: v.optional(oneOf(['started', 'succeeded', 'failed', 'rolledBack'] as const)),
});

// ---- server → client ----

/**
 * name → reason, for names of `known`: names this version does not know are dropped (a newer peer's), reasons are cut.
 * Used by `hello.unsupportedActions` (capabilities) and `hello.unsupportedReassignTargets` (target kinds).
 */
function reasonsByName<K extends string>(known: readonly K[]): Schema<Partial<Record<K, string>>> {
  const names: ReadonlySet<string> = new Set(known);
  return v.pipe(
    v.custom<Record<string, unknown>>(
      (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
      (issue) => `expected an object of string values, got ${Array.isArray(issue.input) ? 'an array' : issue.received}`,
    ),
    v.record(v.string(), v.string()),
    v.transform((rec) => {
      const out: Partial<Record<K, string>> = {};
      for (const k of Object.keys(rec)) if (names.has(k)) out[k as K] = clipText(rec[k]!, MAX_REASON_CHARS);
      return out;
    }),
  );
}

const unsupportedActions = reasonsByName<RequestCapability>(REQUEST_CAPABILITIES);
const unsupportedReassignTargets = reasonsByName<ReassignTargetKind>(REASSIGN_TARGET_KINDS);

export const HelloSchema: Schema<HelloMessage> = v.object({
  type: v.literal('hello'),
  protocol: positiveInt,
  server: str,
  source: str,
  capabilities: v.pipe(v.array(str), v.maxLength(MAX_CAPABILITIES, `expected at most ${MAX_CAPABILITIES} capabilities`)),
  actionsUnavailableReason: v.optional(v.pipe(str, v.transform((r) => clipText(r, MAX_REASON_CHARS)))),
  protocolMinor: v.optional(nonNegativeInt),
  unsupportedActions: v.optional(unsupportedActions),
  unsupportedReassignTargets: v.optional(unsupportedReassignTargets),
});

const MAX_HISTORY = 5000;
const historyText = v.pipe(str, v.minLength(1), v.transform((t) => clipText(t, 300)));
const FiringSchema: Schema<Firing> = v.object({
  alertId: id,
  rule: historyText,
  service: v.pipe(str, v.transform((t) => clipText(t, 300))),
  severity: oneOf(SEVERITIES),
  title: v.pipe(str, v.transform((t) => clipText(t, 300))),
  firedAt: isoTime,
  clearedAt: v.optional(isoTime),
  topFrame: v.optional(v.object({ file: historyText, line: v.pipe(v.number(), v.integer(), v.minValue(1)) })),
});

/**
 * Protocol 1.1 `snapshot.history`: the valid firings (at most MAX_HISTORY, the newest); a malformed entry is
 * left out, never a reason to refuse the snapshot (its alerts matter more than a count).
 */
function validFirings(list: unknown[]): Firing[] {
  const out: Firing[] = [];
  for (const x of list.slice(-MAX_HISTORY)) {
    const r = v.safeParse(FiringSchema, x);
    if (r.success) out.push(r.output);
  }
  return out;
}

/** Open alerts the source holds but does not send (optional on the snapshot and every state event; absent = 0). */
const omitted = v.optional(seq);

export const SnapshotSchema: Schema<SnapshotMessage> = v.object({
  type: v.literal('snapshot'),
  seq,
  alerts: v.array(AlertSchema),
  oncall: v.nullable(OnCallStateSchema),
  deploys: v.array(DeploySchema),
  omitted,
  history: v.optional(v.pipe(v.array(v.unknown()), v.transform(validFirings))),
  chunks: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SNAPSHOT_CHUNKS))),
});

export const SnapshotChunkSchema: Schema<SnapshotChunkMessage> = v.pipe(
  v.object({
    type: v.literal('snapshotChunk'),
    seq,
    index: v.pipe(v.number(), v.integer(), v.minValue(0)),
    count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SNAPSHOT_CHUNKS)),
    alerts: v.array(AlertSchema),
  }),
  v.forward(
    v.check((c) => c.index < c.count, 'expected an index below count'),
    ['index'],
  ),
);

export const AlertEventSchema: Schema<AlertEventMessage> = v.object({ type: v.literal('alert'), seq, alert: AlertSchema, hidden: v.optional(v.boolean()), omitted });

export const AlertResolvedSchema: Schema<AlertResolvedMessage> = v.object({
  type: v.literal('alertResolved'),
  seq,
  alertResolved: v.object({ id, resolvedAt: isoTime, resolvedBy: v.optional(PersonSchema) }),
  omitted,
});

export const OnCallEventSchema: Schema<OnCallEventMessage> = v.object({ type: v.literal('oncall'), seq, oncall: OnCallStateSchema, omitted });

export const DeployEventSchema: Schema<DeployEventMessage> = v.object({ type: v.literal('deploy'), seq, deploy: DeploySchema, omitted });

export const ErrorSchema: Schema<ErrorMessage> = v.object({
  type: v.literal('error'),
  error: v.object({ code: str, message: str }),
});

export const ResultSchema: Schema<ResultMessage> = v.object({
  type: v.literal('result'),
  requestId: id,
  ok: v.boolean(),
  error: v.optional(str),
  note: v.optional(str),
});

// ---- client → server ----

export const ResumeSchema: Schema<ResumeMessage> = v.object({
  type: v.literal('resume'),
  lastSeq: v.pipe(
    v.number(),
    v.safeInteger((issue) => `expected an integer >= -1, got ${issue.received}`),
    v.minValue(-1, (issue) => `expected an integer >= -1, got ${issue.received}`),
  ),
  snapshotChunks: v.optional(v.boolean()),
});

const alertIds = v.pipe(
  v.array(id),
  v.minLength(1, 'expected at least one alert id'),
  v.maxLength(MAX_ALERT_IDS_PER_REQUEST, `expected at most ${MAX_ALERT_IDS_PER_REQUEST} alert ids`),
);

/** A person sent by a client: every field bounded (the server logs it and may pass it on to the vendor). */
const ActorSchema: Schema<Person> = v.object({
  id: v.optional(id),
  name: v.pipe(str, v.maxLength(ALERT_LIMITS.maxShortTextChars, `expected at most ${ALERT_LIMITS.maxShortTextChars} characters`)),
  email: v.optional(v.pipe(str, v.maxLength(ALERT_LIMITS.maxShortTextChars, `expected at most ${ALERT_LIMITS.maxShortTextChars} characters`))),
  handle: v.optional(v.pipe(str, v.maxLength(ALERT_LIMITS.maxShortTextChars, `expected at most ${ALERT_LIMITS.maxShortTextChars} characters`))),
  timeZone: v.optional(v.pipe(str, v.maxLength(ALERT_LIMITS.maxShortTextChars, `expected at most ${ALERT_LIMITS.maxShortTextChars} characters`))),
});

function actionSchema<T extends 'ack' | 'unack' | 'resolve'>(type: T): Schema<AlertActionMessage & { type: T }> {
  return v.object({
    type: v.literal(type),
    requestId: id,
    alertIds,
    actor: v.optional(PersonSchema),
  });
}

export const AnnotateSchema: Schema<AnnotateMessage> = v.object({
  type: v.literal('annotate'),
  requestId: id,
  annotation: v.object({ kind: id, text: str, service: v.optional(str), actor: v.optional(PersonSchema), alertId: v.optional(id) }),
});

// ---- client → server, protocol 1.1 (responder actions)

export const SnoozeSchema: Schema<SnoozeMessage> = v.object({
  type: v.literal('snooze'),
  requestId: id,
  alertIds,
  until: isoTime,
  actor: v.optional(ActorSchema),
});

const REASSIGN_KEYS = REASSIGN_TARGET_KINDS;

/** Exactly one of userId | escalationLevel | policyId (two would be ambiguous: which one did the user mean?). */
export const ReassignTargetSchema: Schema<ReassignTarget> = v.pipe(
  v.object({ userId: v.optional(id), escalationLevel: v.optional(positiveInt), policyId: v.optional(id) }),
  v.check((t) => REASSIGN_KEYS.filter((k) => t[k] !== undefined).length === 1, 'expected exactly one of userId, escalationLevel, policyId'),
  v.transform((t): ReassignTarget => (t.userId !== undefined ? { userId: t.userId } : t.escalationLevel !== undefined ? { escalationLevel: t.escalationLevel } : { policyId: t.policyId! })),
);

export const ReassignSchema: Schema<ReassignMessage> = v.object({
  type: v.literal('reassign'),
  requestId: id,
  alertIds,
  to: ReassignTargetSchema,
  actor: v.optional(ActorSchema),
});

export const EscalateSchema: Schema<EscalateMessage> = v.object({
  type: v.literal('escalate'),
  requestId: id,
  alertIds,
  level: v.optional(positiveInt),
  actor: v.optional(ActorSchema),
});

export const NoteSchema: Schema<NoteMessage> = v.object({
  type: v.literal('note'),
  requestId: id,
  alertId: id,
  text: v.pipe(
    v.string(),
    v.check((t) => t.trim().length > 0, 'expected a non-empty note'),
    v.maxLength(MAX_NOTE_CHARS, (issue) => `expected at most ${MAX_NOTE_CHARS} characters, got ${issue.input.length}`),
  ),
  actor: v.optional(ActorSchema),
});

export const OverrideSchema: Schema<OverrideMessage> = v.pipe(
  v.object({
    type: v.literal('override'),
    requestId: id,
    rotationId: id,
    start: isoTime,
    end: isoTime,
    userId: v.optional(id),
    actor: v.optional(ActorSchema),
  }),
  v.forward(
    v.check((o) => Date.parse(o.end) > Date.parse(o.start), 'expected an end after the start'),
    ['end'],
  ),
);

export const SERVER_MESSAGE_SCHEMAS: Readonly<Record<ServerMessage['type'], Schema<ServerMessage>>> = {
  hello: HelloSchema,
  snapshot: SnapshotSchema,
  snapshotChunk: SnapshotChunkSchema,
  alert: AlertEventSchema,
  alertResolved: AlertResolvedSchema,
  oncall: OnCallEventSchema,
  deploy: DeployEventSchema,
  error: ErrorSchema,
  result: ResultSchema,
};

export const CLIENT_MESSAGE_SCHEMAS: Readonly<Record<ClientMessage['type'], Schema<ClientMessage>>> = {
  resume: ResumeSchema,
  ack: actionSchema('ack'),
  unack: actionSchema('unack'),
  resolve: actionSchema('resolve'),
  annotate: AnnotateSchema,
  snooze: SnoozeSchema,
  reassign: ReassignSchema,
  escalate: EscalateSchema,
  note: NoteSchema,
  override: OverrideSchema,
};
