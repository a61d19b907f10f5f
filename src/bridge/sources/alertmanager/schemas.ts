/**
 * valibot schemas for what Alertmanager (0.25, API v2) sends us: webhook bodies (version "4") and REST
 * answers. Everything from Alertmanager passes through one of these before the module looks at it.
 *
 * Only the fields the bridge uses are kept (`v.object` drops the rest), so a newer Alertmanager that
 * adds fields still validates. Times are parsed into epoch milliseconds here, once: Alertmanager writes
 * Go's RFC 3339 with nanoseconds ("…T12:53:01.786367281Z") and uses "0001-01-01T00:00:00Z" for "no end".
 */
import * as v from 'valibot';

/** A string → string map built on a null prototype, so a label named `__proto__` is just a label. */
export type LabelSet = Readonly<Record<string, string>>;

/** Longest label name/value and annotation we keep; longer values are cut (and the set marked truncated). */
export const MAX_LABEL_CHARS = 64 * 1024;
/** Most labels (or annotations) kept per alert; the rest are left out (and the set marked truncated). */
export const MAX_LABELS = 1000;

/**
 * Label sets that lost something to the caps above. Such an alert is still shown (with what was kept), but an
 * acknowledge cannot build a silence that matches exactly it, so the module refuses to acknowledge it.
 */
const truncatedSets = new WeakMap<object, number>();
export function isTruncatedLabelSet(labels: LabelSet): boolean {
  return truncatedSets.has(labels);
}
/** How many entries of this set were left out here (0 when none, or only values were cut). */
export function droppedLabelCount(labels: LabelSet): number {
  return truncatedSets.get(labels) ?? 0;
}

const stringMap = v.pipe(
  v.custom<Record<string, unknown>>(
    (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
    (issue) => `expected an object of string values, got ${Array.isArray(issue.input) ? 'an array' : issue.received}`,
  ),
  v.check(
    (rec) => Object.keys(rec).every((k) => typeof rec[k] === 'string'),
    (issue) => {
      const rec = issue.input;
      const bad = Object.keys(rec).find((k) => typeof rec[k] !== 'string');
      return `expected string values, but "${bad ?? '?'}" is ${bad === undefined ? '?' : rec[bad] === null ? 'null' : typeof rec[bad]}`;
    },
  ),
  v.transform((rec): LabelSet => {
    // JSON.parse makes "__proto__" an own property; copying onto a null prototype keeps it one.
    const out = Object.create(null) as Record<string, string>;
    let kept = 0;
    let dropped = 0;
    let truncated = false;
    for (const k of Object.keys(rec)) {
      const val = rec[k] as string;
      if (kept >= MAX_LABELS || k.length > MAX_LABEL_CHARS) {
        truncated = true;
        dropped++;
        continue;
      }
      kept++;
      if (val.length > MAX_LABEL_CHARS) {
        truncated = true;
        out[k] = `${val.slice(0, MAX_LABEL_CHARS - 1)}…`;
      } else out[k] = val;
    }
    if (truncated) truncatedSets.set(out, dropped);
    return out;
  }),
);

/** Go's zero time (and anything before 1970) means "not set" in Alertmanager's JSON. */
function parseTime(s: string): number | undefined {
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A required RFC 3339 time → epoch ms. */
const time = v.pipe(
  v.string(),
  v.check((s) => RFC3339.test(s) && parseTime(s) !== undefined, (issue) => `expected an RFC 3339 time, got ${issue.received}`),
  v.transform((s) => parseTime(s) as number),
);

/** An optional time: absent, empty or Go's zero time → undefined. */
const optionalTime = v.pipe(
  v.optional(v.string()),
  v.check((s) => s === undefined || s === '' || (RFC3339.test(s) && parseTime(s) !== undefined), (issue) => `expected an RFC 3339 time, got ${issue.received}`),
  v.transform((s) => {
    if (s === undefined || s === '') return undefined;
    const t = parseTime(s) as number;
    return t <= 0 ? undefined : t;
  }),
);

const fingerprint = v.pipe(
  v.string(),
  v.minLength(1, 'expected a non-empty fingerprint'),
  v.maxLength(256, 'expected a fingerprint of at most 256 characters'),
);

// ---- webhook (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config)

const MAX_WEBHOOK_ALERTS = 100_000;

export const WebhookAlertSchema = v.object({
  status: v.picklist(['firing', 'resolved'], (issue) => `expected firing|resolved, got ${issue.received}`),
  labels: stringMap,
  annotations: v.optional(stringMap),
  startsAt: time,
  endsAt: optionalTime,
  generatorURL: v.optional(v.string()),
  fingerprint,
});

export const WebhookSchema = v.object({
  version: v.literal('4', (issue) => `expected webhook version "4" (Alertmanager >= 0.16), got ${issue.received}`),
  groupKey: v.optional(v.string()),
  truncatedAlerts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  status: v.optional(v.string()),
  receiver: v.optional(v.string()),
  externalURL: v.optional(v.string()),
  alerts: v.pipe(v.array(WebhookAlertSchema), v.maxLength(MAX_WEBHOOK_ALERTS, `expected at most ${MAX_WEBHOOK_ALERTS} alerts`)),
});

/** The envelope alone: the alerts are validated in batches (`WebhookAlertSchema`), yielding in between. */
export const WebhookEnvelopeSchema = v.object({
  ...WebhookSchema.entries,
  alerts: v.pipe(v.array(v.unknown()), v.maxLength(MAX_WEBHOOK_ALERTS, `expected at most ${MAX_WEBHOOK_ALERTS} alerts`)),
});

export type WebhookAlert = v.InferOutput<typeof WebhookAlertSchema>;
export type WebhookBody = v.InferOutput<typeof WebhookSchema>;

// ---- REST API v2 (api/v2/openapi.yaml)

/** `gettableAlert` */
export const ApiAlertSchema = v.object({
  fingerprint,
  labels: stringMap,
  annotations: v.optional(stringMap),
  startsAt: time,
  endsAt: optionalTime,
  updatedAt: optionalTime,
  generatorURL: v.optional(v.string()),
  status: v.object({
    state: v.string(),
    silencedBy: v.nullish(v.array(v.string()), []),
    inhibitedBy: v.nullish(v.array(v.string()), []),
  }),
});
export const ApiAlertsSchema = v.array(ApiAlertSchema);
export type ApiAlert = v.InferOutput<typeof ApiAlertSchema>;

export const MatcherSchema = v.object({
  name: v.string(),
  value: v.string(),
  isRegex: v.boolean(),
  // Absent in silences created before Alertmanager 0.22; it meant "equal" then.
  isEqual: v.optional(v.boolean(), true),
});
export type Matcher = v.InferOutput<typeof MatcherSchema>;

/** `gettableSilence` */
export const ApiSilenceSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  status: v.object({ state: v.string() }),
  matchers: v.array(MatcherSchema),
  startsAt: time,
  endsAt: time,
  updatedAt: optionalTime,
  createdBy: v.string(),
  comment: v.string(),
});
export const ApiSilencesSchema = v.array(ApiSilenceSchema);
export type ApiSilence = v.InferOutput<typeof ApiSilenceSchema>;

export const PostSilenceResponseSchema = v.object({ silenceID: v.pipe(v.string(), v.minLength(1, 'expected a silence id')) });

/** `alertmanagerStatus`: only its start time, to tell a restart (which forgets every alert) from resolutions. */
export const ApiStatusSchema = v.object({ uptime: time });

/** "alerts[2].labels: expected …" — the path is what someone fixing the sender needs. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const path = (first.path ?? [])
    .map((p) => (typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`))
    .join('')
    .replace(/^\./, '');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  // valibot's wording for an absent key ("Invalid key: Expected "x" but received undefined") says less than "missing".
  const message = /^Invalid key: .* but received undefined$/.test(first.message) ? 'missing' : first.message;
  return `${path ? `${path}: ` : ''}${message}${more}`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): Parsed<v.InferOutput<S>> {
  const r = v.safeParse(schema, input);
  return r.success ? { ok: true, value: r.output } : { ok: false, error: describeIssues(r.issues) };
}
