/**
 * valibot shapes of the PagerDuty REST API v2 and Webhooks v3 payloads we read. Lenient on purpose:
 * only what we use is checked, every field PagerDuty may omit or null is optional, and list pages are
 * validated item by item (one odd incident costs that incident, not the page).
 * Reference: https://developer.pagerduty.com/api-reference/ and docs/webhooks/01-Overview.md of
 * github.com/PagerDuty/developer-docs.
 */
import * as v from 'valibot';

const optStr = v.optional(v.nullable(v.string()));

export const RefSchema = v.object({
  id: v.string(),
  type: optStr,
  summary: optStr,
  html_url: optStr,
  // Full objects (include[]=users) carry these as well.
  name: optStr,
  email: optStr,
  time_zone: optStr,
});
export type PdRef = v.InferOutput<typeof RefSchema>;

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;

/** An incident from GET /incidents, PUT /incidents/{id}, or a webhook's `event.data` (type "incident"). */
export const IncidentSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  incident_number: v.optional(v.nullable(v.number())),
  /** Webhooks call it `number`. */
  number: v.optional(v.nullable(v.number())),
  title: optStr,
  summary: optStr,
  description: optStr,
  status: v.picklist(INCIDENT_STATUSES),
  created_at: v.string(),
  updated_at: optStr,
  last_status_change_at: optStr,
  resolved_at: optStr,
  html_url: optStr,
  incident_key: optStr,
  service: v.optional(v.nullable(RefSchema)),
  assignments: v.optional(v.nullable(v.array(v.object({ at: optStr, assignee: RefSchema })))),
  /** Webhooks list assignees directly. */
  assignees: v.optional(v.nullable(v.array(RefSchema))),
  acknowledgements: v.optional(v.nullable(v.array(v.object({ at: v.string(), acknowledger: RefSchema })))),
  escalation_policy: v.optional(v.nullable(RefSchema)),
  teams: v.optional(v.nullable(v.array(RefSchema))),
  urgency: optStr,
  priority: v.optional(v.nullable(v.object({ id: optStr, summary: optStr, name: optStr }))),
  pending_actions: v.optional(v.nullable(v.array(v.object({ type: v.string(), at: v.string() })))),
  alert_counts: v.optional(v.nullable(v.object({ all: v.optional(v.nullable(v.number())), triggered: v.optional(v.nullable(v.number())) }))),
});
export type PdIncident = v.InferOutput<typeof IncidentSchema>;

export const IncidentEnvelopeSchema = v.object({ incident: IncidentSchema });

/** `PUT /incidents` (updateIncidents) answers `{incidents: [...]}` (validated item by item). */
export const IncidentListEnvelopeSchema = v.object({ incidents: v.array(v.unknown()) });

/** GET /incidents/{id}/alerts items: the Events API v2 `custom_details` arrive in body.details / body.cef_details.details. */
export const PdAlertSchema = v.object({
  id: v.string(),
  summary: optStr,
  severity: optStr,
  status: optStr,
  created_at: optStr,
  body: v.optional(v.nullable(v.object({ details: v.optional(v.unknown()), cef_details: v.optional(v.unknown()), contexts: v.optional(v.unknown()) }))),
});
export type PdAlert = v.InferOutput<typeof PdAlertSchema>;

export const OnCallEntrySchema = v.object({
  user: RefSchema,
  schedule: v.optional(v.nullable(RefSchema)),
  escalation_policy: v.optional(v.nullable(RefSchema)),
  escalation_level: v.optional(v.nullable(v.number())),
  start: optStr,
  end: optStr,
});
export type PdOnCall = v.InferOutput<typeof OnCallEntrySchema>;

export const ScheduleSchema = v.object({ id: v.string(), name: optStr, summary: optStr, time_zone: optStr, html_url: optStr });
export type PdSchedule = v.InferOutput<typeof ScheduleSchema>;

export const EscalationPolicySchema = v.object({
  id: v.string(),
  name: optStr,
  summary: optStr,
  escalation_rules: v.optional(
    v.nullable(
      v.array(
        v.object({
          id: optStr,
          escalation_delay_in_minutes: v.optional(v.nullable(v.number())),
          targets: v.optional(v.nullable(v.array(RefSchema))),
        }),
      ),
    ),
  ),
  services: v.optional(v.nullable(v.array(RefSchema))),
  /** "The number of times the escalation policy will repeat after reaching the end of its escalation" (default 0). */
  num_loops: v.optional(v.nullable(v.number())),
});
export type PdEscalationPolicy = v.InferOutput<typeof EscalationPolicySchema>;

/** Webhooks v3: `{ event: { id, event_type, resource_type, occurred_at, agent, client, data } }`. */
export const WebhookSchema = v.object({
  event: v.object({
    id: v.pipe(v.string(), v.minLength(1)),
    event_type: v.string(),
    resource_type: optStr,
    occurred_at: v.string(),
    agent: v.optional(v.nullable(RefSchema)),
    client: v.optional(v.unknown()),
    data: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  }),
});

/** `createIncidentSnooze` answers 201 `{incident}`. */
export const SnoozeEnvelopeSchema = v.object({ incident: v.unknown() });

/** An `IncidentNote` of `listIncidentNotes` / `createIncidentNote` (only `content` is required by the reference). */
export const IncidentNoteSchema = v.object({
  id: optStr,
  content: v.string(),
  created_at: optStr,
  user: v.optional(v.nullable(RefSchema)),
});
export type PdIncidentNote = v.InferOutput<typeof IncidentNoteSchema>;

/** `listIncidentNotes` answers `{notes: [...]}` (validated item by item). */
export const NoteListSchema = v.object({ notes: v.array(v.unknown()) });
/** `createIncidentNote` answers `{note}`. */
export const NoteEnvelopeSchema = v.object({ note: v.unknown() });

/** `createScheduleOverride` answers 201 with one `{status, errors?, override}` per override asked for. */
export const OverrideResultsSchema = v.array(
  v.object({
    status: v.optional(v.nullable(v.number())),
    errors: v.optional(v.nullable(v.array(v.string()))),
    override: v.optional(v.nullable(v.object({ id: optStr, start: optStr, end: optStr, user: v.optional(v.nullable(RefSchema)) }))),
  }),
);

/** `listUsers` items (to find the PagerDuty user of an email). */
export const UserSchema = v.object({ id: v.string(), name: optStr, email: optStr, time_zone: optStr });

/**
 * A `listIncidentLogEntries` item (`LogEntry` and its kinds: `trigger_log_entry`, `acknowledge_log_entry`,
 * `escalate_log_entry`, `assign_log_entry`, `annotate_log_entry`, `resolve_log_entry`, `snooze_log_entry`,
 * `unacknowledge_log_entry`, `repeat_escalation_path_log_entry`, …). Kinds we do not show are kept for the order only.
 */
export const LogEntrySchema = v.object({
  id: optStr,
  type: v.string(),
  created_at: v.string(),
  summary: optStr,
  /** `AgentReference`: a user, service or integration. */
  agent: v.optional(v.nullable(RefSchema)),
  channel: v.optional(v.nullable(v.object({ type: optStr, summary: optStr }))),
  /** Escalate / assign entries: the users the incident went to. */
  assignees: v.optional(v.nullable(v.array(RefSchema))),
  note: optStr,
});
export type PdLogEntry = v.InferOutput<typeof LogEntrySchema>;

/** A `listChangeEvents` item (`ChangeEvent`). Every field but `id` may be missing. */
export const ChangeEventSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  summary: optStr,
  timestamp: optStr,
  source: optStr,
  services: v.optional(v.nullable(v.array(RefSchema))),
  custom_details: v.optional(v.unknown()),
  links: v.optional(v.nullable(v.array(v.object({ href: optStr, text: optStr })))),
});
export type PdChangeEvent = v.InferOutput<typeof ChangeEventSchema>;
