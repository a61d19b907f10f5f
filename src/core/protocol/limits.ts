/**
 * Size caps of one alert (docs/protocol.md, "Limits"). A source can put anything in an alert; one with a
 * million labels or a 10 MB title must cost a bounded amount of memory and CPU everywhere it travels, and
 * must still arrive: over-long fields are cut (and marked), never a reason to drop the alert.
 *
 * `capAlert` is applied by the bridge's world to everything a source hands it, by source mappings that
 * compare what they built with what the world holds, and by the client's decoder (a peer other than this
 * bridge may send anything). It is idempotent: capping a capped alert changes nothing.
 */
import type { Alert, AlertNote, Escalation, OnCallState, Person, TimelineEntry } from './types';

export const ALERT_LIMITS = {
  /** Labels kept per alert (plus the marker below). Prometheus alerts carry 5–30. */
  maxLabels: 100,
  /** Longer label names are left out (they are identifiers, a cut one would be a different label). */
  maxLabelNameChars: 1024,
  /** Longer label values are cut to this, ending in "…". */
  maxLabelValueChars: 1024,
  maxTitleChars: 1024,
  maxDescriptionChars: 16 * 1024,
  /** Stack traces: plenty for "jump to the line"; the trace parser looks at most at 2 MiB anyway. */
  maxStackTraceChars: 128 * 1024,
  /** service, environment, release, source, person fields, escalation policy. */
  maxShortTextChars: 1024,
  /** A longer url/runbookUrl is left out: a cut URL would open the wrong page. */
  maxUrlChars: 8 * 1024,
  /** Assignees, and escalation targets. */
  maxPeople: 50,
  /** Protocol 1.1: notes kept per alert (the newest). */
  maxNotes: 50,
  /** Protocol 1.1: characters of one note (a `note` request longer than this is refused, a longer note from a source is cut). */
  maxNoteChars: 4000,
  /** Protocol 1.1: timeline entries kept per alert (the newest). */
  maxTimeline: 100,
  /** Protocol 1.1: characters of a timeline entry's text and kind. */
  maxTimelineTextChars: 1024,
} as const;

export const ONCALL_LIMITS = {
  /** Protocol 1.1: people in the on-call directory (`oncall.people`), in the order the source gave them. */
  maxDirectoryPeople: 5000,
} as const;

/**
 * Label added when labels were left out; its value says how many. Prometheus label names cannot contain
 * ".", so it never collides with a real Alertmanager label.
 */
export const LABELS_OMITTED_KEY = 'oncall.labelsOmitted';

/** Label names that would change an object's prototype when assigned. */
export const FORBIDDEN_LABEL_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `s` cut to at most `max` UTF-16 units ending in "…", never splitting a surrogate pair. */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  const c = s.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return `${s.slice(0, end)}…`;
}

/**
 * Labels within the caps: at most `maxLabels` of them (in the order given), names too long or forbidden left
 * out, values cut; when any was left out, `LABELS_OMITTED_KEY` says how many. Returns the input object itself
 * when nothing needed changing. Non-string values are not expected here (the schemas reject them first).
 */
export function capLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const L = ALERT_LIMITS;
  const keys = Object.keys(labels);
  const prior = Object.hasOwn(labels, LABELS_OMITTED_KEY) ? Number(labels[LABELS_OMITTED_KEY]) : 0;
  const priorOk = Number.isSafeInteger(prior) && prior >= 0;
  // Fast path (a handful of short labels): nothing to change, nothing allocated.
  if (keys.length <= L.maxLabels + (Object.hasOwn(labels, LABELS_OMITTED_KEY) ? 1 : 0) && priorOk && keys.every((k) => !FORBIDDEN_LABEL_KEYS.has(k) && k.length <= L.maxLabelNameChars && (labels[k]?.length ?? 0) <= L.maxLabelValueChars)) {
    return labels;
  }
  const out: Record<string, string> = {};
  let kept = 0;
  let omitted = 0;
  for (const k of keys) {
    // Prototype keys are dropped silently, as they always were (docs/protocol.md): not a label anyone set on purpose.
    if (k === LABELS_OMITTED_KEY || FORBIDDEN_LABEL_KEYS.has(k)) continue;
    if (k.length > L.maxLabelNameChars || kept >= L.maxLabels) {
      omitted++;
      continue;
    }
    kept++;
    const val = labels[k]!;
    out[k] = val.length > L.maxLabelValueChars ? clipText(val, L.maxLabelValueChars) : val;
  }
  // An alert capped once already says how many were left out; capping it again keeps that number.
  const total = omitted + (priorOk ? prior : 0);
  if (total > 0) out[LABELS_OMITTED_KEY] = String(total);
  return out;
}

function capPerson(p: Person): Person {
  const n = ALERT_LIMITS.maxShortTextChars;
  if (p.name.length <= n && (p.id?.length ?? 0) <= n && (p.email?.length ?? 0) <= n && (p.handle?.length ?? 0) <= n && (p.timeZone?.length ?? 0) <= n) return p;
  const out: Person = { name: clipText(p.name, n) };
  if (p.id !== undefined) out.id = clipText(p.id, n);
  if (p.email !== undefined) out.email = clipText(p.email, n);
  if (p.handle !== undefined) out.handle = clipText(p.handle, n);
  if (p.timeZone !== undefined) out.timeZone = clipText(p.timeZone, n);
  return out;
}

function capPeople(list: readonly Person[]): Person[] {
  const cut = list.length > ALERT_LIMITS.maxPeople ? list.slice(0, ALERT_LIMITS.maxPeople) : list;
  let changed = cut !== list;
  const out = cut.map((p) => {
    const c = capPerson(p);
    if (c !== p) changed = true;
    return c;
  });
  return changed ? out : (list as Person[]);
}

function capNote(n: AlertNote): AlertNote {
  const author = n.author && capPerson(n.author);
  const long = n.text.length > ALERT_LIMITS.maxNoteChars || (n.id?.length ?? 0) > ALERT_LIMITS.maxShortTextChars;
  if (!long && author === n.author) return n;
  const out: AlertNote = { ...n, text: clipText(n.text, ALERT_LIMITS.maxNoteChars) };
  if (n.id !== undefined) out.id = clipText(n.id, ALERT_LIMITS.maxShortTextChars);
  if (author) out.author = author;
  return out;
}

function capTimelineEntry(e: TimelineEntry): TimelineEntry {
  const n = ALERT_LIMITS.maxTimelineTextChars;
  const actor = e.actor && capPerson(e.actor);
  if (e.kind.length <= n && (e.text?.length ?? 0) <= n && actor === e.actor) return e;
  const out: TimelineEntry = { ...e, kind: clipText(e.kind, n) };
  if (e.text !== undefined) out.text = clipText(e.text, n);
  if (actor) out.actor = actor;
  return out;
}

/** The newest `max` items (the list is oldest first), each capped; the same array when nothing changed. */
function capNewest<T>(list: readonly T[], max: number, cap: (x: T) => T): T[] {
  const cut = list.length > max ? list.slice(list.length - max) : list;
  let changed = cut !== list;
  const out = cut.map((x) => {
    const c = cap(x);
    if (c !== x) changed = true;
    return c;
  });
  return changed ? out : (list as T[]);
}

/** Appends a timeline entry, keeping the newest `maxTimeline` (for sources building an alert's timeline). */
export function withTimelineEntry(timeline: readonly TimelineEntry[] | undefined, entry: TimelineEntry): TimelineEntry[] {
  return capNewest([...(timeline ?? []), entry], ALERT_LIMITS.maxTimeline, capTimelineEntry);
}

/** The on-call state within `ONCALL_LIMITS` (the people directory cut to its cap, each person's fields capped). */
export function capOnCall(s: OnCallState): OnCallState {
  if (!s.people) return s;
  const people = capNewest(s.people.length > ONCALL_LIMITS.maxDirectoryPeople ? s.people.slice(0, ONCALL_LIMITS.maxDirectoryPeople) : s.people, Infinity, capPerson);
  return people === s.people ? s : { ...s, people };
}

function capEscalation(e: Escalation): Escalation {
  const targets = capPeople(e.targets);
  const policy = e.policy !== undefined && e.policy.length > ALERT_LIMITS.maxShortTextChars ? clipText(e.policy, ALERT_LIMITS.maxShortTextChars) : e.policy;
  if (targets === e.targets && policy === e.policy) return e;
  const out: Escalation = { ...e, targets };
  if (policy !== undefined) out.policy = policy;
  return out;
}

/**
 * The alert within `ALERT_LIMITS`: the same object when it already is (the common case), otherwise a copy
 * with long text cut ("…"), labels and people beyond the caps left out, and over-long URLs dropped.
 */
export function capAlert(a: Alert): Alert {
  const L = ALERT_LIMITS;
  let out: Alert | undefined;
  const set = <K extends keyof Alert>(k: K, val: Alert[K] | undefined): void => {
    out ??= { ...a };
    if (val === undefined) delete out[k];
    else out[k] = val;
  };
  const text = (k: 'title' | 'service' | 'source' | 'description' | 'environment' | 'stackTrace' | 'release', max: number): void => {
    const s = a[k];
    if (typeof s === 'string' && s.length > max) set(k, clipText(s, max));
  };
  text('title', L.maxTitleChars);
  text('service', L.maxShortTextChars);
  text('source', L.maxShortTextChars);
  text('environment', L.maxShortTextChars);
  text('release', L.maxShortTextChars);
  text('description', L.maxDescriptionChars);
  text('stackTrace', L.maxStackTraceChars);
  if (a.url !== undefined && a.url.length > L.maxUrlChars) set('url', undefined);
  if (a.runbookUrl !== undefined && a.runbookUrl.length > L.maxUrlChars) set('runbookUrl', undefined);
  const labels = capLabels(a.labels);
  if (labels !== a.labels) set('labels', labels);
  const assignees = capPeople(a.assignees);
  if (assignees !== a.assignees) set('assignees', assignees);
  if (a.acknowledgedBy) {
    const p = capPerson(a.acknowledgedBy);
    if (p !== a.acknowledgedBy) set('acknowledgedBy', p);
  }
  if (a.escalation) {
    const e = capEscalation(a.escalation);
    if (e !== a.escalation) set('escalation', e);
  }
  if (a.notes) {
    const notes = capNewest(a.notes, L.maxNotes, capNote);
    if (notes !== a.notes) set('notes', notes);
  }
  if (a.timeline) {
    const timeline = capNewest(a.timeline, L.maxTimeline, capTimelineEntry);
    if (timeline !== a.timeline) set('timeline', timeline);
  }
  return out ?? a;
}
