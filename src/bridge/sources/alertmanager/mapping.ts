/**
 * Pure translation between Alertmanager's alerts/silences and the protocol's `Alert` (no I/O, no clock):
 * the module and the unit tests share it.
 */
import { capAlert, LABELS_OMITTED_KEY } from '../../../core/protocol/limits';
import type { Alert, AlertNote, Person, Severity } from '../../../core/protocol/types';
import { droppedLabelCount, type ApiSilence, type LabelSet, type Matcher } from './schemas';

export interface MappingOptions {
  /** Label whose value gives the severity. Default "severity". */
  severityLabel: string;
  /** First of these labels that is set names the service. Default service, job, app. */
  serviceLabels: readonly string[];
  /** Annotation holding a stack trace. Default "stack_trace". */
  traceAnnotation: string;
}

export const DEFAULT_MAPPING: MappingOptions = {
  severityLabel: 'severity',
  serviceLabels: ['service', 'job', 'app'],
  traceAnnotation: 'stack_trace',
};

/** The comment of every silence the bridge creates: how a restarted bridge recognises its own acks. */
export const ACK_COMMENT = 'Acknowledged in VS Code (On-Call)';
/** The comment of a snooze's silence (protocol 1.1): a silence until the time the responder chose. */
export const SNOOZE_COMMENT = 'Snoozed in VS Code (On-Call)';

/**
 * A silence the bridge made: its comment is the marker line, then optionally a newline and the responder's note
 * (protocol 1.1 `note` = the silence's comment). Undefined for anyone else's silence.
 */
export function parseBridgeComment(comment: string): { kind: 'ack' | 'snooze'; note?: string } | undefined {
  for (const [marker, kind] of [[ACK_COMMENT, 'ack'], [SNOOZE_COMMENT, 'snooze']] as const) {
    if (comment === marker) return { kind };
    if (comment.startsWith(`${marker}\n`)) {
      const note = comment.slice(marker.length + 1).trim();
      return note ? { kind, note } : { kind };
    }
  }
  return undefined;
}

export function bridgeComment(kind: 'ack' | 'snooze', note: string | undefined): string {
  const marker = kind === 'ack' ? ACK_COMMENT : SNOOZE_COMMENT;
  return note ? `${marker}\n${note}` : marker;
}

/** The notes of an alert: the comments of the silences on it (a bridge silence's note part; anyone else's whole comment). */
export function silenceNotes(silences: readonly ApiSilence[]): AlertNote[] {
  const out: AlertNote[] = [];
  for (const s of [...silences].sort((a, b) => a.startsAt - b.startsAt)) {
    const ours = parseBridgeComment(s.comment);
    const text = ours ? ours.note : s.comment.trim() || undefined;
    if (text === undefined) continue;
    out.push({ id: s.id, text, author: parseActor(s.createdBy), at: new Date(s.updatedAt ?? s.startsAt).toISOString() });
  }
  return out;
}

/** `createdBy` when the client did not say who acts (Alertmanager requires one). */
export const ANONYMOUS_ACTOR = 'On-Call for VS Code';

const ENV_LABELS = ['env', 'environment'];
const COMMIT_LABELS = ['commit', 'revision', 'commit_sha', 'git_commit', 'sha'];
const RELEASE_LABELS = ['release', 'version'];
/** Label names the protocol's decoder drops (they would change an object's prototype). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Severity words seen in the wild (Prometheus mixins, Grafana, PagerDuty-style P1–P5, syslog) → ours.
 * Unknown or missing → warning: an alert someone routed to a human is at least worth a look.
 */
const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical', crit: 'critical', page: 'critical', p1: 'critical', sev1: 'critical', emergency: 'critical', fatal: 'critical', disaster: 'critical',
  high: 'high', error: 'high', major: 'high', p2: 'high', sev2: 'high',
  warning: 'warning', warn: 'warning', medium: 'warning', minor: 'warning', p3: 'warning', sev3: 'warning', average: 'warning',
  info: 'info', informational: 'info', notice: 'info', low: 'info', none: 'info', debug: 'info', p4: 'info', p5: 'info', sev4: 'info', sev5: 'info', ok: 'info',
};

export function mapSeverity(value: string | undefined): Severity {
  if (value === undefined) return 'warning';
  return SEVERITY_WORDS[value.trim().toLowerCase()] ?? 'warning';
}

/** The common part of a webhook alert and a REST alert. */
export interface AmAlertData {
  fingerprint: string;
  labels: LabelSet;
  annotations?: LabelSet | undefined;
  startsAt: number;
  generatorURL?: string | undefined;
}

/** How the alert stands: open (maybe silenced = acknowledged) or resolved at a time. */
export type AmAlertState =
  | { kind: 'firing'; ack?: { by: Person; at: number; snoozedUntil?: number } | undefined; notes?: AlertNote[] | undefined }
  | { kind: 'resolved'; at: number };

function own(rec: LabelSet | undefined, key: string): string | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

function firstNonEmpty(rec: LabelSet | undefined, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const val = own(rec, k)?.trim();
    if (val) return val;
  }
  return undefined;
}

function httpUrl(s: string | undefined): string | undefined {
  const t = s?.trim();
  if (!t) return undefined;
  try {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? t : undefined;
  } catch {
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * One Alertmanager alert → the protocol's Alert. `updatedAt` is left to the caller (the bridge stamps
 * the time it learned of a change), so two mappings of the same facts compare equal with `sameAlert`.
 */
export function toProtocolAlert(am: AmAlertData, state: AmAlertState, opts: MappingOptions, updatedAt: number): Alert {
  const { labels, annotations } = am;
  const alertname = own(labels, 'alertname')?.trim();
  const title = firstNonEmpty(annotations, ['summary', 'title']) ?? alertname ?? `Alert ${am.fingerprint}`;
  const alert: Alert = {
    id: am.fingerprint,
    title,
    severity: mapSeverity(own(labels, opts.severityLabel)),
    status: state.kind === 'resolved' ? 'resolved' : state.ack ? 'acknowledged' : 'triggered',
    service: firstNonEmpty(labels, opts.serviceLabels) ?? alertname ?? 'unknown',
    startedAt: iso(am.startsAt),
    updatedAt: iso(Math.max(updatedAt, am.startsAt)),
    assignees: [],
    labels: protocolLabels(labels),
    source: 'alertmanager',
  };
  const description = firstNonEmpty(annotations, ['description', 'message']);
  if (description !== undefined) alert.description = description;
  const environment = firstNonEmpty(labels, ENV_LABELS);
  if (environment !== undefined) alert.environment = environment;
  if (state.kind === 'resolved') alert.resolvedAt = iso(Math.max(state.at, am.startsAt));
  else if (state.ack) {
    alert.acknowledgedBy = state.ack.by;
    alert.acknowledgedAt = iso(state.ack.at);
    if (state.ack.snoozedUntil !== undefined) alert.snoozedUntil = iso(state.ack.snoozedUntil);
  }
  if (state.kind === 'firing' && state.notes && state.notes.length > 0) alert.notes = state.notes;
  const runbook = httpUrl(firstNonEmpty(annotations, ['runbook_url', 'runbook']));
  if (runbook !== undefined) alert.runbookUrl = runbook;
  const link = httpUrl(am.generatorURL);
  if (link !== undefined) alert.url = link;
  const trace = own(annotations, opts.traceAnnotation);
  if (trace !== undefined && trace.trim()) alert.stackTrace = trace;
  const release = firstNonEmpty(labels, RELEASE_LABELS);
  if (release !== undefined) alert.release = release;
  for (const k of COMMIT_LABELS) {
    const val = own(labels, k)?.trim();
    if (val && /^[0-9a-f]{7,40}$/i.test(val)) {
      alert.commitSha = val.toLowerCase();
      break;
    }
  }
  // Within the protocol's caps here already (the world would cap it anyway): `sameAlert` then compares like with like.
  return capAlert(alert);
}

/**
 * The labels as the protocol carries them, sorted by name: prototype keys are left out here; names too long
 * and labels beyond the protocol's count are left out by `capAlert` (first by name kept, with its marker).
 */
function protocolLabels(labels: LabelSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) {
    if (FORBIDDEN_KEYS.has(k) || k === LABELS_OMITTED_KEY) continue;
    out[k] = labels[k] as string;
  }
  // Labels already left out when the body was read count too (capAlert adds its own to this).
  const dropped = droppedLabelCount(labels);
  if (dropped > 0) out[LABELS_OMITTED_KEY] = String(dropped);
  return out;
}

/** Equal apart from `updatedAt`: the test for "did anything change" that keeps reconciles from spamming events. */
export function sameAlert(a: Alert, b: Alert): boolean {
  return canonical({ ...a, updatedAt: '' }) === canonical({ ...b, updatedAt: '' });
}

/** JSON with sorted keys: the world may hold the same fields in another order (e.g. after resolveAlert). */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (typeof x === 'object' && x !== null) {
    const rec = x as Record<string, unknown>;
    return `{${Object.keys(rec)
      .filter((k) => rec[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(rec[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x) ?? 'undefined';
}

/** `createdBy` for a silence: "Name <email>" when both are known, so it parses back into a Person. */
export function formatActor(actor: Person | undefined): string {
  const name = actor?.name.trim().replace(/[<>\r\n]/g, '') ?? '';
  const email = actor?.email?.trim().replace(/[<>\s]/g, '') ?? '';
  if (name && email && name !== email) return `${name} <${email}>`;
  return email || name || ANONYMOUS_ACTOR;
}

/** A silence's `createdBy` → who acknowledged. Inverse of `formatActor`; free text stays a name. */
export function parseActor(createdBy: string): Person {
  const s = createdBy.trim();
  const m = /^(.*?)\s*<([^<>\s@]+@[^<>\s]+)>$/.exec(s);
  if (m?.[2]) return { name: m[1]?.trim() || m[2], email: m[2] };
  if (/^[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+$/.test(s)) return { name: s, email: s };
  return { name: s || 'someone in Alertmanager' };
}

/** Equality matchers for every label: the silence matches exactly this alert (its label set = its identity). */
export function matchersFor(labels: LabelSet): Matcher[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name] as string, isRegex: false, isEqual: true }));
}

/** True when the silence's matchers are exactly the equality matchers of these labels. */
export function matchersEqualLabels(matchers: readonly Matcher[], labels: LabelSet): boolean {
  const names = Object.keys(labels);
  if (matchers.length !== names.length) return false;
  return matchers.every((m) => !m.isRegex && m.isEqual && Object.hasOwn(labels, m.name) && labels[m.name] === m.value);
}

/** A silence the bridge made for an acknowledge of the alert with these labels. */
export function isAckSilenceFor(silence: ApiSilence, labels: LabelSet): boolean {
  return parseBridgeComment(silence.comment) !== undefined && matchersEqualLabels(silence.matchers, labels);
}
