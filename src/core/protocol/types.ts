/**
 * Wire types of the On-Call alert protocol (see docs/protocol.md). These are the *validated* shapes:
 * everything received is checked by `decode.ts` before it becomes one of these.
 * Times are ISO-8601 strings with an offset or `Z` (validated to parse).
 */

export const PROTOCOL_VERSION = 1;
/**
 * Minor version of protocol 1 this code speaks (sent as `hello.protocolMinor`; absent = 0). Minor versions are
 * additive: new optional fields, and new client requests a server offers only through `hello.capabilities`, so a
 * 1.0 peer on either side keeps working (docs/protocol.md, "Versioning").
 */
export const PROTOCOL_MINOR = 1;

/**
 * Responder actions of protocol 1.1, each a client request answered by `result` and offered only when the source
 * lists it in `hello.capabilities`.
 */
export const RESPONDER_ACTIONS = ['snooze', 'reassign', 'escalate', 'note', 'override'] as const;
export type ResponderAction = (typeof RESPONDER_ACTIONS)[number];
/** Every request a client may send besides `resume` (the capability names that gate them). */
export const REQUEST_CAPABILITIES = ['ack', 'unack', 'resolve', 'annotate', ...RESPONDER_ACTIONS] as const;
export type RequestCapability = (typeof REQUEST_CAPABILITIES)[number];

export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Where an alert came from. Free-form beyond the known ones so new bridge modules need no protocol change. */
export type SourceKind = 'demo' | 'alertmanager' | 'pagerduty' | 'splunk-oncall' | 'grafana-irm' | 'ntfy' | 'gotify' | (string & {});

export interface Person {
  /** Stable id in the source, when it has one. */
  id?: string;
  name: string;
  email?: string;
  /** Chat/pager handle, e.g. "@carol". */
  handle?: string;
  /** IANA zone, e.g. "Europe/Berlin": used for "Carol gets paged at 02:10 her time". */
  timeZone?: string;
}

export interface Escalation {
  /** Current tier, 1-based. */
  level: number;
  /** Name of the escalation policy. */
  policy?: string;
  /** When the alert escalates to the next tier if nobody acks (ISO). Absent when this is the last tier. */
  nextEscalationAt?: string;
  /** Who gets paged at the next tier. */
  targets: Person[];
}

/** A note on an alert (a PagerDuty incident note, an Alertmanager silence's comment, …). */
export interface AlertNote {
  /** The source's id of the note, when it has one. */
  id?: string;
  text: string;
  author?: Person;
  at: string;
}

/** Kinds of timeline entries the bridge sends; other strings may come from newer peers (shown as they are). */
export const TIMELINE_KINDS = ['triggered', 'acknowledged', 'unacknowledged', 'snoozed', 'unsnoozed', 'escalated', 'reassigned', 'note', 'resolved'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One thing that happened to an alert: a state change, an escalation, a reassignment, a note. */
export interface TimelineEntry {
  at: string;
  kind: TimelineKind | (string & {});
  /** Who did it (absent: the source itself, e.g. an escalation timeout). */
  actor?: Person;
  /** Short human text, e.g. "escalated to level 2 (Priya Raman)". */
  text?: string;
}

export interface Alert {
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  status: AlertStatus;
  service: string;
  environment?: string;
  startedAt: string;
  updatedAt: string;
  resolvedAt?: string;
  /** Who resolved it, when the source says (from `alertResolved.resolvedBy`, or the alert itself). */
  resolvedBy?: Person;
  acknowledgedBy?: Person;
  acknowledgedAt?: string;
  assignees: Person[];
  escalation?: Escalation;
  /** Only http(s) URLs are ever opened, and only after a click. */
  runbookUrl?: string;
  /** The alert in its source (PagerDuty incident page, Alertmanager generatorURL, ...). */
  url?: string;
  labels: Record<string, string>;
  /** Raw stack trace text as the service printed it. */
  stackTrace?: string;
  /** Release name/version the failing service runs. */
  release?: string;
  /** Commit sha the failing service runs (hex, 7–40). */
  commitSha?: string;
  source: SourceKind;
  /** Protocol 1.1: snoozed (status `acknowledged`) until this time, when it triggers again by itself. */
  snoozedUntil?: string;
  /** Protocol 1.1: notes, oldest first (the newest `ALERT_LIMITS.maxNotes` kept). */
  notes?: AlertNote[];
  /** Protocol 1.1: what happened to the alert, oldest first (the newest `ALERT_LIMITS.maxTimeline` kept). */
  timeline?: TimelineEntry[];
}

/** One person's turn on a rotation. */
export interface Shift {
  person: Person;
  start: string;
  end: string;
}

export interface Rotation {
  id: string;
  name: string;
  /** e.g. "primary", "secondary", "dev", "ops". */
  role?: string;
  /** Rotations with the same `pair` value are paired (e.g. a dev and an ops rotation for one team). */
  pair?: string;
  /** Zone the rotation is defined in (hand-offs happen at local times there). */
  timeZone?: string;
  /** Shifts covering at least now and the next ones known, in time order. */
  shifts: Shift[];
}

export type EscalationTarget =
  | { type: 'rotation'; rotationId: string }
  | { type: 'person'; person: Person };

export interface EscalationTier {
  /** 1-based. */
  level: number;
  /** Minutes an alert waits unacked at this tier before escalating to the next. */
  delayMinutes: number;
  targets: EscalationTarget[];
}

export interface EscalationPolicy {
  id: string;
  name: string;
  /** Services this policy pages for (empty = all). */
  services: string[];
  tiers: EscalationTier[];
}

export interface OnCallState {
  generatedAt: string;
  rotations: Rotation[];
  policies: EscalationPolicy[];
  /**
   * Protocol 1.1: the people a responder may pick (reassign, override): id, name, email, time zone. Bounded
   * (`ONCALL_LIMITS.maxPeople`); absent when the source has no directory.
   */
  people?: Person[];
}

export interface DeployAuthor {
  name: string;
  email?: string;
}

export interface Deploy {
  id: string;
  service: string;
  environment: string;
  /** Hex sha, 7–40 chars. */
  commitSha: string;
  previousSha?: string;
  author: DeployAuthor;
  deployedAt: string;
  url?: string;
  status?: 'started' | 'succeeded' | 'failed' | 'rolledBack';
}

// ---- server → client ----

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  server: string;
  source: SourceKind;
  /** e.g. "ack", "unack", "resolve", "oncall", "deploys", "annotate". */
  capabilities: string[];
  /** Why actions the source would otherwise offer are missing from `capabilities` (shown to the user). */
  actionsUnavailableReason?: string;
  /** Protocol 1.1: the minor version the server speaks (absent = 0, a 1.0 server). */
  protocolMinor?: number;
  /**
   * Protocol 1.1: why each request the source does not offer is missing, by capability name
   * (e.g. `{"snooze": "Splunk On-Call has no snooze"}`); the editor says so instead of failing late.
   */
  unsupportedActions?: Partial<Record<RequestCapability, string>>;
  /**
   * Protocol 1.1: when `reassign` is offered, why a kind of target is not (e.g. `{"policyId": "Grafana OnCall cannot
   * move an alert group to another escalation chain"}`); absent = every kind works.
   */
  unsupportedReassignTargets?: Partial<Record<ReassignTargetKind, string>>;
}

/**
 * Carried by the snapshot and every state event: how many open alerts the source holds but does not send
 * (over its open-alert limit), as of this seq. Absent means 0. See docs/protocol.md, "Open-alert limit".
 */
interface OmittedCount {
  omitted?: number;
}

/** Protocol 1.1: the capability (in `hello.capabilities`) of a server that sends large snapshots in parts. */
export const SNAPSHOT_CHUNKS_CAPABILITY = 'snapshotChunks';
/** Most parts one snapshot may come in (a bound for the client; 10k alerts a part would be 100M alerts). */
export const MAX_SNAPSHOT_CHUNKS = 10_000;

export interface SnapshotMessage extends OmittedCount {
  type: 'snapshot';
  seq: number;
  /** With `chunks`: only the alerts not sent in the parts (usually none). */
  alerts: Alert[];
  /**
   * Protocol 1.1, only to a client that asked for parts (`resume.snapshotChunks`): this snapshot's alerts came
   * before it in `chunks` `snapshotChunk` messages with the same seq (index 0 … chunks − 1). The snapshot ends
   * the set; a client treats it as complete only then. See docs/protocol.md, "Chunked snapshots".
   */
  chunks?: number;
  oncall: OnCallState | null;
  deploys: Deploy[];
  /**
   * Protocol 1.1: the recent firings the bridge remembers (bounded, oldest first; see docs/protocol.md, "Firing
   * history"). Live alert events extend it on the client. Absent: the server keeps no history.
   */
  history?: Firing[];
}

/** Protocol 1.1: one part of a snapshot's alerts (see `SnapshotMessage.chunks`). */
export interface SnapshotChunkMessage {
  type: 'snapshotChunk';
  /** The seq of the snapshot this part belongs to. */
  seq: number;
  /** 0-based; parts come in order. */
  index: number;
  /** How many parts the snapshot has. */
  count: number;
  alerts: Alert[];
}

/** Protocol 1.1: one time an alert opened (fired), per rule and service. */
export interface Firing {
  alertId: string;
  /** Alertmanager's `alertname` label, else the alert's title. */
  rule: string;
  service: string;
  severity: Severity;
  title: string;
  /** The alert's `startedAt`. */
  firedAt: string;
  /** When it resolved; absent while open (or when the bridge never saw it clear). */
  clearedAt?: string;
  /** The innermost in-app frame of its stack trace, as the runtime printed it. */
  topFrame?: { file: string; line: number };
}

export interface AlertEventMessage extends OmittedCount {
  type: 'alert';
  seq: number;
  alert: Alert;
  /**
   * True: the source set this open alert aside under its open-alert limit (counted in `omitted`); a client
   * removes it from its list. It is still open at the source.
   */
  hidden?: boolean;
}

export interface AlertResolvedMessage extends OmittedCount {
  type: 'alertResolved';
  seq: number;
  alertResolved: { id: string; resolvedAt: string; resolvedBy?: Person };
}

export interface OnCallEventMessage extends OmittedCount {
  type: 'oncall';
  seq: number;
  oncall: OnCallState;
}

export interface DeployEventMessage extends OmittedCount {
  type: 'deploy';
  seq: number;
  deploy: Deploy;
}

/** Per-connection; carries no state, so it has no seq and is never replayed. */
export interface ErrorMessage {
  type: 'error';
  error: { code: string; message: string };
}

export interface ResultMessage {
  type: 'result';
  requestId: string;
  ok: boolean;
  error?: string;
  /** With ok: something the user should know although it worked ("done as the configured user"). */
  note?: string;
}

export type StateEvent = AlertEventMessage | AlertResolvedMessage | OnCallEventMessage | DeployEventMessage;
export type ServerMessage = HelloMessage | SnapshotMessage | SnapshotChunkMessage | StateEvent | ErrorMessage | ResultMessage;

// ---- client → server ----

export interface ResumeMessage {
  type: 'resume';
  /** The last seq the client applied; -1 (or absent state) asks for a fresh snapshot. */
  lastSeq: number;
  /**
   * Protocol 1.1: a snapshot may come in parts (`snapshotChunk` messages, then the `snapshot`). Sent only to a
   * server whose hello lists `snapshotChunks`; absent: one `snapshot` frame, as in 1.0.
   */
  snapshotChunks?: boolean;
}

export type AlertAction = 'ack' | 'unack' | 'resolve';

export interface AlertActionMessage {
  type: AlertAction;
  requestId: string;
  alertIds: string[];
  /** Who acts (from the user's configured identity); the server may override it from the token. */
  actor?: Person;
}

/** A free-form event sent to the source, e.g. a "deploy anyway" override with its reason. */
export interface AnnotateMessage {
  type: 'annotate';
  requestId: string;
  /** Protocol 1.1: with `alertId`, the same as `note {alertId, text}` on a source that has notes (an alias). */
  annotation: { kind: string; text: string; service?: string; actor?: Person; alertId?: string };
}

/** Protocol 1.1: snooze alerts (they stop paging) until a time; they trigger again by themselves then. */
export interface SnoozeMessage {
  type: 'snooze';
  requestId: string;
  alertIds: string[];
  until: string;
  actor?: Person;
}

/** Whom to reassign to: a person (by the source's user id), an escalation level of the alert's policy, or another policy. */
export type ReassignTarget = { userId: string } | { escalationLevel: number } | { policyId: string };

/** The kinds of reassign target, by their key. */
export const REASSIGN_TARGET_KINDS = ['userId', 'escalationLevel', 'policyId'] as const;
export type ReassignTargetKind = (typeof REASSIGN_TARGET_KINDS)[number];

/** Which kind of target `to` is. */
export function reassignTargetKind(to: ReassignTarget): ReassignTargetKind {
  return 'userId' in to ? 'userId' : 'escalationLevel' in to ? 'escalationLevel' : 'policyId';
}

/** Protocol 1.1: reassign alerts. */
export interface ReassignMessage {
  type: 'reassign';
  requestId: string;
  alertIds: string[];
  to: ReassignTarget;
  actor?: Person;
}

/** Protocol 1.1: escalate alerts to `level` (default: the next level of their policy). */
export interface EscalateMessage {
  type: 'escalate';
  requestId: string;
  alertIds: string[];
  level?: number;
  actor?: Person;
}

/** Protocol 1.1: add a note to an alert (at most `MAX_NOTE_CHARS`). */
export interface NoteMessage {
  type: 'note';
  requestId: string;
  alertId: string;
  text: string;
  actor?: Person;
}

/** Protocol 1.1: put someone (default: the actor, "take on-call") on call for a rotation from `start` to `end`. */
export interface OverrideMessage {
  type: 'override';
  requestId: string;
  rotationId: string;
  start: string;
  end: string;
  /** The person who takes the shift (the source's user id); absent = the actor ("me"). */
  userId?: string;
  actor?: Person;
}

export type ResponderMessage = SnoozeMessage | ReassignMessage | EscalateMessage | NoteMessage | OverrideMessage;

export type ClientMessage = ResumeMessage | AlertActionMessage | AnnotateMessage | ResponderMessage;
