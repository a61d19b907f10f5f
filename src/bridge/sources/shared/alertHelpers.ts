/**
 * Helpers shared by the vendor modules: pulling a stack trace / release / commit out of free-form
 * alert details, validating what a module built before it reaches the world, and small utilities.
 */
import * as v from 'valibot';
import { AlertSchema, OnCallStateSchema, isIsoTime } from '../../../core/protocol/schemas';
import type { Alert, OnCallState, Severity } from '../../../core/protocol/types';
import type { Logger } from '../../../core/util/logger';
import { looksLikeStackTrace } from '../../../core/util/stackTraceText';

/** Keys whose string value is taken as the stack trace, most specific first (compared case-insensitively, `.`/`-`/`_` ignored). */
const TRACE_KEYS = ['stacktrace', 'stack', 'exceptionstacktrace', 'exceptionstack', 'errorstack', 'errorstacktrace', 'backtrace', 'traceback', 'trace', 'exception'];
const RELEASE_KEYS = ['release', 'version', 'serviceversion', 'appversion'];
const COMMIT_KEYS = ['commitsha', 'commit', 'gitsha', 'gitcommit', 'sha', 'revision'];
const ENV_KEYS = ['environment', 'env', 'deploymentenvironment'];
const RUNBOOK_KEYS = ['runbookurl', 'runbook'];

const norm = (k: string): string => k.toLowerCase().replace(/[._\-\s]/g, '');

export interface ExtractedDetails {
  stackTrace?: string;
  release?: string;
  commitSha?: string;
  environment?: string;
  runbookUrl?: string;
}

/**
 * Walks a details object (PagerDuty custom_details, an alert payload, ...) breadth-first, at most
 * `maxDepth` levels and `maxNodes` values, and takes the first match for each field. A string that is
 * itself JSON (PagerDuty wraps some bodies that way) is parsed once.
 */
export function extractDetails(details: unknown, maxDepth = 4, maxNodes = 2000): ExtractedDetails {
  const out: ExtractedDetails = {};
  let fallbackTrace: string | undefined;
  const queue: Array<{ value: unknown; depth: number }> = [{ value: details, depth: 0 }];
  let seen = 0;
  while (queue.length && seen < maxNodes) {
    const { value, depth } = queue.shift()!;
    seen++;
    if (typeof value === 'string') {
      const t = value.trim();
      if ((t.startsWith('{') || t.startsWith('[')) && depth < maxDepth && t.length < 1_000_000) {
        try {
          queue.push({ value: JSON.parse(t) as unknown, depth: depth + 1 });
        } catch {
          // not JSON: plain text
        }
      }
      if (!fallbackTrace && looksLikeStackTrace(value)) fallbackTrace = value;
      continue;
    }
    if (!value || typeof value !== 'object' || depth >= maxDepth) continue;
    const entries = Array.isArray(value) ? value.map((x, i) => [String(i), x] as const) : Object.entries(value as Record<string, unknown>);
    for (const [k, x] of entries) {
      const key = norm(k);
      if (typeof x === 'string' && x.trim()) {
        if (out.stackTrace === undefined && TRACE_KEYS.includes(key) && (looksLikeStackTrace(x) || key.includes('stack') || key.includes('trace'))) out.stackTrace = x;
        else if (out.release === undefined && RELEASE_KEYS.includes(key)) out.release = x.trim();
        else if (out.commitSha === undefined && COMMIT_KEYS.includes(key) && /^[0-9a-f]{7,40}$/i.test(x.trim())) out.commitSha = x.trim().toLowerCase();
        else if (out.environment === undefined && ENV_KEYS.includes(key)) out.environment = x.trim();
        else if (out.runbookUrl === undefined && RUNBOOK_KEYS.includes(key) && /^https?:\/\//i.test(x.trim())) out.runbookUrl = x.trim();
      }
      queue.push({ value: x, depth: depth + 1 });
    }
  }
  if (out.stackTrace === undefined && fallbackTrace !== undefined) out.stackTrace = fallbackTrace;
  return out;
}

/** Severity words used by monitoring tools → ours. */
export function severityFromWord(word: string | undefined): Severity | undefined {
  switch ((word ?? '').trim().toLowerCase()) {
    case 'critical':
    case 'crit':
    case 'fatal':
    case 'emergency':
    case 'disaster':
    case 'p1':
    case 'sev1':
      return 'critical';
    case 'high':
    case 'error':
    case 'err':
    case 'major':
    case 'p2':
    case 'sev2':
      return 'high';
    case 'warning':
    case 'warn':
    case 'minor':
    case 'medium':
    case 'average':
    case 'p3':
    case 'sev3':
      return 'warning';
    case 'info':
    case 'informational':
    case 'information':
    case 'low':
    case 'ok':
    case 'p4':
    case 'p5':
    case 'sev4':
    case 'sev5':
      return 'info';
    default:
      return undefined;
  }
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, warning: 2, info: 3 };
export function maxSeverity(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (!a) return b;
  if (!b) return a;
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}

/**
 * The world trusts its modules, so a module checks what it built: a vendor returning an odd value
 * (a date without offset, an id too long) must cost one alert, logged, not a broken client.
 */
export function validAlert(alert: Alert, logger: Logger): Alert | undefined {
  const r = v.safeParse(AlertSchema, alert);
  if (r.success) return r.output;
  const i = r.issues[0];
  logger.warn(`skipped alert ${alert.id.slice(0, 80)}: ${i?.path?.map((p) => String(p.key)).join('.') ?? ''} ${i?.message ?? 'invalid'}`);
  return undefined;
}

export function validOnCall(state: OnCallState, logger: Logger): OnCallState | undefined {
  const r = v.safeParse(OnCallStateSchema, state);
  if (r.success) return r.output;
  const i = r.issues[0];
  logger.warn(`skipped an on-call update: ${i?.path?.map((p) => String(p.key)).join('.') ?? ''} ${i?.message ?? 'invalid'}`);
  return undefined;
}

/** A vendor time ("2020-05-19T12:37:01.430444Z", epoch ms/s) as our ISO string, or undefined. */
export function isoOf(x: unknown): string | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) {
    const ms = x > 1e11 ? x : x * 1000;
    return new Date(ms).toISOString();
  }
  if (typeof x !== 'string' || !x.trim()) return undefined;
  if (isIsoTime(x)) return x;
  const ms = Date.parse(x);
  // Only strings with an explicit zone: a bare local time would mean different instants per machine.
  if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(x.trim())) return undefined;
  return new Date(ms).toISOString();
}

/** The later of two ISO times (either may be undefined). */
export function laterIso(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** Stable JSON for change detection (key order of our own objects is stable already). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Bounded insertion-ordered set (e.g. webhook event ids already applied: vendors redeliver). */
export class BoundedSet {
  private readonly _set = new Set<string>();
  constructor(private readonly _max: number) {}
  has(k: string): boolean {
    return this._set.has(k);
  }
  add(k: string): void {
    this._set.delete(k);
    this._set.add(k);
    while (this._set.size > this._max) {
      const first = this._set.values().next();
      if (first.done) break;
      this._set.delete(first.value);
    }
  }
}

/** Runs `fn` over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
