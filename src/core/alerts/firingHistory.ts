/**
 * How often an alert fired recently (protocol 1.1 `snapshot.history`, docs/protocol.md "Firing history"):
 * one `Firing` per time an alert opened, keyed by its rule (Alertmanager's `alertname`, else the title) and
 * service, with when it cleared and the top in-app frame of its stack trace. The bridge keeps it (World) and
 * sends it in every snapshot; a client folds the live alert events into it with the same code, so both agree.
 * Bounded: `HISTORY_LIMITS`.
 */
import { parseStackTrace } from '../stackTrace/parse/index';
import type { Alert, Firing, Severity } from '../protocol/types';

export type { Firing } from '../protocol/types';

export const HISTORY_LIMITS = {
  /** Firings kept in all (the oldest go first). */
  maxFirings: 2000,
  /** Firings kept per rule + service (the oldest go first). */
  maxPerKey: 100,
  /** Firings older than this are dropped. */
  retentionMs: 30 * 24 * 3_600_000,
  /** Characters of a rule name / title / service / frame file kept. */
  maxTextChars: 300,
  /** Characters of a stack trace looked at for the top frame (and kept, ≤ `maxFirings` of them, until the history is read). */
  maxTraceChars: 16 * 1024,
} as const;

const clip = (s: string): string => (s.length > HISTORY_LIMITS.maxTextChars ? s.slice(0, HISTORY_LIMITS.maxTextChars) : s);

/** The rule an alert belongs to: Alertmanager's `alertname` label, else its title. */
export function ruleOf(alert: Pick<Alert, 'labels' | 'title'>): string {
  const name = alert.labels?.alertname;
  return clip(typeof name === 'string' && name.trim() ? name.trim() : alert.title);
}

/** The innermost in-app frame of the alert's trace that names a file and a line (as the runtime printed it). */
export function topFrameOf(stackTrace: string | undefined): { file: string; line: number } | undefined {
  if (!stackTrace) return undefined;
  const trace = parseStackTrace(stackTrace.slice(0, HISTORY_LIMITS.maxTraceChars));
  const f = trace.frames.find((x) => x.inApp !== false && x.file && x.line !== undefined && x.line > 0);
  return f?.file && f.line ? { file: clip(f.file), line: f.line } : undefined;
}

/** The firing an alert opens (its `startedAt`), with its clearing when it is resolved. */
export function firingOf(alert: Alert): Firing {
  const top = topFrameOf(alert.stackTrace);
  return { ...firingWithoutFrame(alert), ...(top ? { topFrame: top } : {}) };
}

function firingWithoutFrame(alert: Alert): Firing {
  return {
    alertId: alert.id,
    rule: ruleOf(alert),
    service: clip(alert.service),
    severity: alert.severity,
    title: clip(alert.title),
    firedAt: alert.startedAt,
    ...(alert.status === 'resolved' && alert.resolvedAt ? { clearedAt: alert.resolvedAt } : {}),
  };
}

/** One firing held, with what the bookkeeping needs so that it is worked out once. */
interface Held {
  readonly f: Firing;
  /** Its rule + service's list (oldest first), which it is in while live. */
  readonly list: Held[];
  /** `firedAt` in ms. */
  readonly at: number;
  live: boolean;
  /**
   * An observed firing's stack trace, its top frame not parsed yet. Parsing is the dearest part of observing
   * an alert, and most firings of a storm are pushed out (`maxFirings`) before anyone reads them, so the
   * frame is found when the history is read (`all()`), for the ≤ `maxFirings` firings still held.
   */
  trace?: string;
}

/**
 * The bounded history. `now` decides retention. Every operation is O(maxPerKey) at most, so an alert storm
 * costs no more per alert than a quiet day (the world and every client observe every upsert).
 */
export class FiringHistory {
  /** Per service, per rule: oldest first (two levels: no key string built per alert observed). */
  private readonly _byKey = new Map<string, Map<string, Held[]>>();
  /** Every firing in the order it was added (a queue; entries no longer live are skipped). */
  private _order: Held[] = [];
  private _head = 0;
  private _count = 0;
  /** alertId → its newest firing. */
  private readonly _byAlert = new Map<string, Held>();

  constructor(private readonly _now: () => number) {}

  get size(): number {
    return this._count;
  }

  /** Everything held, oldest first by when it fired (copies). */
  all(): Firing[] {
    this._expire();
    const oldest = this._now() - HISTORY_LIMITS.retentionMs;
    const out: Held[] = [];
    // One parse per distinct trace in this read (a storm is mostly the same few traces).
    const parsed = new Map<string, Firing['topFrame']>();
    for (const byRule of this._byKey.values()) {
      for (const list of byRule.values()) {
        for (const h of list) {
          if (h.trace !== undefined) {
            const top = parsed.has(h.trace) ? parsed.get(h.trace) : topFrameOf(h.trace);
            parsed.set(h.trace, top);
            if (top) h.f.topFrame = { ...top };
            delete h.trace;
          }
          if (h.at >= oldest) out.push(h);
        }
      }
    }
    return out.sort((x, y) => x.at - y.at).map(({ f }) => ({ ...f, ...(f.topFrame ? { topFrame: { ...f.topFrame } } : {}) }));
  }

  /**
   * Replaces the history with a snapshot's, keeping the bounds. `observed`: a history that observed the
   * snapshot's alerts (a snapshot in parts, as they came), merged in: its firings keep their unparsed traces,
   * so that 100k alerts are not observed a second time at the end, in one go.
   */
  replaceAll(list: readonly Firing[], observed?: FiringHistory): void {
    const items: Array<{ f: Firing; at: number; copy: boolean; trace?: string }> = list.map((f) => ({ f, at: Date.parse(f.firedAt), copy: true }));
    if (observed) {
      for (const h of observed._order.slice(observed._head)) {
        if (h.live) items.push({ f: h.f, at: h.at, copy: false, ...(h.trace !== undefined ? { trace: h.trace } : {}) });
      }
    }
    this._byKey.clear();
    this._byAlert.clear();
    this._order = [];
    this._head = 0;
    this._count = 0;
    // Oldest first, so the bounds keep the newest; a firing both lists hold is added once (`_add` knows it).
    items.sort((a, b) => a.at - b.at);
    for (const x of items) this._add(x.f, x.copy, x.trace);
  }

  /** Adds a firing (a source's past one, or one observed); false when it is already known or too old. */
  add(f: Firing): boolean {
    return this._add(f, true, undefined);
  }

  /** `copy`: the caller's object is not ours to keep (a fresh one from `observeAlert` is, already clipped). */
  private _add(f: Firing, copy: boolean, trace: string | undefined): boolean {
    const at = Date.parse(f.firedAt);
    if (!Number.isFinite(at) || at < this._now() - HISTORY_LIMITS.retentionMs) return false;
    const known = this._byAlert.get(f.alertId);
    if (known && known.f.firedAt === f.firedAt) {
      if (f.clearedAt && !known.f.clearedAt) known.f.clearedAt = f.clearedAt;
      return false;
    }
    const own: Firing = copy ? { ...f, rule: clip(f.rule), service: clip(f.service), title: clip(f.title) } : f;
    let byRule = this._byKey.get(own.service);
    if (!byRule) this._byKey.set(own.service, (byRule = new Map<string, Held[]>()));
    let list = byRule.get(own.rule);
    if (!list) byRule.set(own.rule, (list = []));
    const h: Held = { f: own, list, at, live: true };
    if (trace) h.trace = trace.slice(0, HISTORY_LIMITS.maxTraceChars);
    list.push(h);
    this._order.push(h);
    this._count++;
    if (!known || known.at <= at) this._byAlert.set(f.alertId, h);
    if (list.length > HISTORY_LIMITS.maxPerKey) this._remove(list[0]!);
    while (this._count > HISTORY_LIMITS.maxFirings) this._dropOldestAdded();
    this._expire();
    return true;
  }

  /** An alert as a source sent it: a new firing when it opened (again), its clearing when resolved. */
  observeAlert(alert: Alert): boolean {
    const known = this._byAlert.get(alert.id);
    if (known && known.f.firedAt === alert.startedAt) {
      if (alert.status === 'resolved' && !known.f.clearedAt) {
        known.f.clearedAt = alert.resolvedAt ?? alert.updatedAt;
        return true;
      }
      return false;
    }
    return this._add(firingWithoutFrame(alert), false, alert.stackTrace);
  }

  /** `alertResolved`: the alert's open firing cleared. */
  observeResolved(alertId: string, resolvedAt: string): boolean {
    const known = this._byAlert.get(alertId);
    if (!known || known.f.clearedAt) return false;
    known.f.clearedAt = resolvedAt;
    return true;
  }

  private _remove(h: Held): void {
    if (!h.live) return;
    h.live = false;
    this._count--;
    const list = h.list;
    // The oldest of its rule, nearly always: found at the front.
    const i = list.indexOf(h);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) {
      const byRule = this._byKey.get(h.f.service);
      if (byRule?.get(h.f.rule) === list) byRule.delete(h.f.rule);
      if (byRule?.size === 0) this._byKey.delete(h.f.service);
    }
    if (this._byAlert.get(h.f.alertId) === h) this._byAlert.delete(h.f.alertId);
  }

  private _dropOldestAdded(): void {
    while (this._head < this._order.length) {
      const h = this._order[this._head++]!;
      if (h.live) {
        this._remove(h);
        break;
      }
    }
    this._compact();
  }

  private _compact(): void {
    if (this._head > 1024 && this._head * 2 > this._order.length) {
      this._order = this._order.slice(this._head).filter((h) => h.live);
      this._head = 0;
    }
  }

  /** Drops firings past the retention (checked at the oldest added; a full pass only when one is found). */
  private _expire(): void {
    const oldest = this._now() - HISTORY_LIMITS.retentionMs;
    while (this._head < this._order.length && !this._order[this._head]!.live) this._head++;
    const first = this._order[this._head];
    if (!first || first.at >= oldest) return;
    for (const h of this._order.slice(this._head)) if (h.live && h.at < oldest) this._remove(h);
    this._compact();
    while (this._head < this._order.length && !this._order[this._head]!.live) this._head++;
  }
}

// ---- decisions on a history (pure) ----

export interface RuleStats {
  /** Firings of the rule in the window. */
  fired: number;
  /** Of those, how many cleared. */
  cleared: number;
  windowMs: number;
  lastFiredAt?: string;
  flapping: boolean;
}

export const FLAPPING = {
  /** Look at this much of the recent past. */
  windowMs: 6 * 3_600_000,
  /** At least this many firings in the window … */
  minFirings: 3,
  /** … of which at least this many cleared within `maxOpenMs` of firing (fires and clears, repeatedly). */
  minQuickClears: 2,
  maxOpenMs: 30 * 60_000,
} as const;

/**
 * Is the rule flapping? It is when, in the last `windowMs`, it fired `minFirings` times or more and cleared by
 * itself soon after firing (`maxOpenMs`) at least `minQuickClears` times: a rule that fires once and stays open,
 * or fires three times a month, is not.
 */
export function isFlapping(firings: readonly Pick<Firing, 'firedAt' | 'clearedAt'>[], now: number, p: typeof FLAPPING = FLAPPING): boolean {
  const recent = firings.filter((f) => {
    const at = Date.parse(f.firedAt);
    return at <= now && now - at <= p.windowMs;
  });
  if (recent.length < p.minFirings) return false;
  const quick = recent.filter((f) => f.clearedAt !== undefined && Date.parse(f.clearedAt) - Date.parse(f.firedAt) <= p.maxOpenMs).length;
  return quick >= p.minQuickClears;
}

/** The firings of one rule of one service (undefined service: every service). */
export function firingsOfRule(history: readonly Firing[], rule: string, service?: string): Firing[] {
  return history.filter((f) => f.rule === rule && (service === undefined || f.service === service));
}

/** How often the rule fired in the last `windowMs` (default 24 h), and whether it flaps. */
export function ruleStats(history: readonly Firing[], rule: string, service: string | undefined, now: number, windowMs = 24 * 3_600_000): RuleStats {
  const all = firingsOfRule(history, rule, service);
  const recent = all.filter((f) => now - Date.parse(f.firedAt) <= windowMs && Date.parse(f.firedAt) <= now);
  const last = recent.reduce<string | undefined>((m, f) => (m === undefined || Date.parse(f.firedAt) > Date.parse(m) ? f.firedAt : m), undefined);
  return {
    fired: recent.length,
    cleared: recent.filter((f) => f.clearedAt !== undefined).length,
    windowMs,
    ...(last ? { lastFiredAt: last } : {}),
    flapping: isFlapping(all, now),
  };
}

/** One line of code that was the top frame of recent alerts ("paged here"). */
export interface PagedLine<L> {
  location: L;
  firings: Firing[];
  lastFiredAt: string;
  /** Highest severity among them. */
  severity: Severity;
}

const SEV_RANK: Record<Severity, number> = { critical: 0, high: 1, warning: 2, info: 3 };

/**
 * Groups the firings of the last `windowMs` by where their top frame resolves (`locate`: the frame → a
 * workspace location key, or undefined when it is not in the workspace), newest first within a line.
 */
export function pagedLines<L>(history: readonly Firing[], now: number, windowMs: number, locate: (f: Firing) => { key: string; location: L } | undefined): Array<PagedLine<L>> {
  const by = new Map<string, PagedLine<L>>();
  for (const f of history) {
    const at = Date.parse(f.firedAt);
    if (!f.topFrame || at > now || now - at > windowMs) continue;
    const loc = locate(f);
    if (!loc) continue;
    let e = by.get(loc.key);
    if (!e) by.set(loc.key, (e = { location: loc.location, firings: [], lastFiredAt: f.firedAt, severity: f.severity }));
    e.firings.push(f);
    if (at > Date.parse(e.lastFiredAt)) e.lastFiredAt = f.firedAt;
    if (SEV_RANK[f.severity] < SEV_RANK[e.severity]) e.severity = f.severity;
  }
  for (const e of by.values()) e.firings.sort((a, b) => Date.parse(b.firedAt) - Date.parse(a.firedAt));
  return [...by.values()];
}

/** "paged 3× in 30 days · last Tue" (within the last 6 days: the weekday; today: the time; else the date), in `timeZone`. */
export function pagedHereText(count: number, windowDays: number, lastFiredAt: string, now: number, timeZone: string): string {
  const at = Date.parse(lastFiredAt);
  const day = (t: number): string => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  let when: string;
  if (day(at) === day(now)) when = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
  else if (now - at < 6 * 24 * 3_600_000) when = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at);
  else when = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric' }).format(at);
  return `paged ${count}× in ${windowDays} days · last ${when}`;
}
