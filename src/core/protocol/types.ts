/**
 * Wire types of the On-Call alert protocol (see docs/protocol.md). These are the *validated* shapes:
 * everything received is checked by `decode.ts` before it becomes one of these.
 * Times are ISO-8601 strings with an offset or `Z` (validated to parse).
 */

export const PROTOCOL_VERSION = 1;

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
}

/**
 * Carried by the snapshot and every state event: how many open alerts the source holds but does not send
 * (over its open-alert limit), as of this seq. Absent means 0. See docs/protocol.md, "Open-alert limit".
 */
interface OmittedCount {
  omitted?: number;
}

export interface SnapshotMessage extends OmittedCount {
  type: 'snapshot';
  seq: number;
  alerts: Alert[];
  oncall: OnCallState | null;
  deploys: Deploy[];
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
export type ServerMessage = HelloMessage | SnapshotMessage | StateEvent | ErrorMessage | ResultMessage;

// ---- client → server ----

export interface ResumeMessage {
  type: 'resume';
  /** The last seq the client applied; -1 (or absent state) asks for a fresh snapshot. */
  lastSeq: number;
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
  annotation: { kind: string; text: string; service?: string; actor?: Person };
}

export type ClientMessage = ResumeMessage | AlertActionMessage | AnnotateMessage;
