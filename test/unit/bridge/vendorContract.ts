/**
 * Request contracts for the vendor fakes: every request the bridge sends must match one rule written
 * from the vendor's published API description (method, path, required headers, query parameters, body
 * shape), checked with JSON Schema (ajv). The rules are our reading of the references, not copies.
 */
import Ajv from 'ajv';
import type { Recorded } from './vendorFake';

export interface RequestRule {
  /** What the reference calls it, for messages. */
  name: string;
  method: string;
  path: RegExp;
  /** JSON Schema over the lower-cased headers (required ones, their patterns). */
  headers?: object;
  /** JSON Schema over the query as an object of strings. */
  query?: object;
  /** JSON Schema over the parsed body; absent = the request must have no body. */
  body?: object;
  /**
   * JSON Schemas of the documented responses by status ("200", "429", …; "default" for the rest): the
   * fake's replies are checked too, so fixtures cannot drift from the reference. Absent: not checked.
   */
  responses?: Record<string, object>;
}

const ajv = new Ajv({ allErrors: true });

/** Every request checked; returns one line per problem (empty = all good). */
export function contractViolations(requests: readonly Recorded[], rules: readonly RequestRule[]): string[] {
  const out: string[] = [];
  for (const r of requests) {
    const rule = rules.find((x) => x.method === r.method && x.path.test(r.path));
    const where = `${r.method} ${r.path}${r.query.size ? `?${r.query.toString()}` : ''}`;
    if (!rule) {
      out.push(`${where}: no such operation in the reference`);
      continue;
    }
    const check = (what: string, schema: object | undefined, value: unknown): void => {
      if (!schema) return;
      const validate = ajv.compile(schema);
      if (!validate(value)) out.push(`${where} (${rule.name}) ${what}: ${ajv.errorsText(validate.errors)}`);
    };
    check('headers', rule.headers, r.headers);
    check('query', rule.query ?? { type: 'object', maxProperties: 0 }, queryObject(r.query));
    if (rule.responses && r.reply && !r.reply.malformed) {
      const schema = rule.responses[String(r.reply.status)] ?? rule.responses.default;
      if (!schema) out.push(`${where} (${rule.name}): the fake answered ${r.reply.status}, which the reference does not document`);
      else {
        let reply: unknown;
        try {
          reply = r.reply.body.trim() ? JSON.parse(r.reply.body) : undefined;
        } catch {
          reply = r.reply.body;
        }
        check(`response ${r.reply.status}`, schema, reply);
      }
    }
    if (rule.body) {
      let body: unknown;
      try {
        body = JSON.parse(r.body);
      } catch {
        out.push(`${where} (${rule.name}): body is not JSON`);
        continue;
      }
      if (!String(r.headers['content-type'] ?? '').startsWith('application/json')) out.push(`${where} (${rule.name}): body sent without Content-Type: application/json`);
      check('body', rule.body, body);
    } else if (r.body.length) out.push(`${where} (${rule.name}): sends a body the operation does not take`);
  }
  return out;
}

/** A query as an object: a key given once is a string, a repeated one (`statuses[]=a&statuses[]=b`) an array. */
function queryObject(q: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k of new Set(q.keys())) {
    const all = q.getAll(k);
    out[k] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

const str = { type: 'string', minLength: 1 };

// ---- Splunk On-Call: Swagger "VictorOps 0.0.3" (victorops-api-v1.yaml), policies as go-victorops reads them ----

export function splunkRules(apiId: string, apiKey: string): RequestRule[] {
  const headers = { type: 'object', required: ['x-vo-api-id', 'x-vo-api-key'], properties: { 'x-vo-api-id': { const: apiId }, 'x-vo-api-key': { const: apiKey } } };
  const ackResolve = {
    type: 'object',
    required: ['userName', 'incidentNames'],
    additionalProperties: false,
    properties: { userName: str, incidentNames: { type: 'array', minItems: 1, items: { type: 'string' } }, message: { type: 'string' } },
  };
  const days = { type: 'object', additionalProperties: false, properties: { daysForward: { type: 'string', pattern: '^(\\d|[12]\\d|30)$' }, daysSkip: { type: 'string' }, step: { type: 'string' } } };
  return [
    { name: 'Get current incident information', method: 'GET', path: /^\/api-public\/v1\/incidents$/, headers },
    { name: 'Retrieve alert details', method: 'GET', path: /^\/api-public\/v1\/alerts\/[^/]+$/, headers },
    { name: 'Acknowledge an incident or list of incidents', method: 'PATCH', path: /^\/api-public\/v1\/incidents\/ack$/, headers, body: ackResolve },
    { name: 'Resolve an incident or list of incidents', method: 'PATCH', path: /^\/api-public\/v1\/incidents\/resolve$/, headers, body: ackResolve },
    { name: "Get an organization's on-call users", method: 'GET', path: /^\/api-public\/v1\/oncall\/current$/, headers },
    { name: "Get a team's on-call schedule (v2)", method: 'GET', path: /^\/api-public\/v2\/team\/[^/]+\/oncall\/schedule$/, headers, query: days },
    { name: 'Get escalation policy (go-victorops GetEscalationPolicy)', method: 'GET', path: /^\/api-public\/v1\/policies\/[^/]+$/, headers },
    { name: 'List users', method: 'GET', path: /^\/api-public\/v1\/user$/, headers },
    // Responder actions (issue 16). The document gives its error answers (400, 401, 403 "authentication failed or
    // rate-limit reached", 404, 422, 500) without a body schema; it documents no 429.
    {
      name: 'Reroute one or more incidents (RerouteCollection → RerouteStatusResponse)',
      method: 'POST',
      path: /^\/api-public\/v1\/incidents\/reroute$/,
      headers,
      body: {
        type: 'object',
        required: ['userName', 'reroutes'],
        additionalProperties: false,
        properties: {
          userName: str,
          reroutes: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['incidentNumber', 'targets'],
              additionalProperties: false,
              properties: { incidentNumber: str, targets: { type: 'array', minItems: 1, items: voTarget } },
            },
          },
        },
      },
      responses: {
        200: {
          type: 'object',
          properties: {
            statuses: {
              type: 'array',
              items: {
                type: 'object',
                required: ['incidentNumber', 'success', 'targetStatus'],
                properties: {
                  incidentNumber: { type: 'string' },
                  message: { type: 'string' },
                  success: { type: 'boolean' },
                  targetStatus: { type: 'array', items: { type: 'object', required: ['slug', 'success'], properties: { slug: { type: 'string' }, success: { type: 'boolean' }, message: { type: 'string' } } } },
                },
              },
            },
          },
        },
        ...voErrors,
      },
    },
    {
      name: 'Creates a new scheduled override (ScheduledOverridePayload)',
      method: 'POST',
      path: /^\/api-public\/v1\/overrides$/,
      headers,
      body: {
        type: 'object',
        required: ['username', 'start', 'end'],
        additionalProperties: false,
        properties: { username: str, start: isoUtc, end: isoUtc, timezone: str },
      },
      responses: { 200: { type: 'object', required: ['schedule'], properties: { _selfUrl: { type: 'string' }, schedule: voScheduledOverride } }, ...voErrors, 422: {} },
    },
    {
      name: 'Update the scheduled override assignment (UpdateAssignment → Assignment)',
      method: 'PUT',
      path: /^\/api-public\/v1\/overrides\/[^/]+\/assignments\/[^/]+$/,
      headers,
      body: { type: 'object', required: ['policy'], additionalProperties: false, properties: { policy: str, username: str } },
      responses: { 200: voAssignment, ...voErrors, 422: {} },
    },
    { name: 'Deletes a scheduled override', method: 'DELETE', path: /^\/api-public\/v1\/overrides\/[^/]+$/, headers, responses: { 200: {}, ...voErrors, 422: {} } },
  ];
}

/** `IncidentTarget`: a user name or an escalation policy slug. */
const voTarget = { type: 'object', required: ['type', 'slug'], additionalProperties: false, properties: { type: { enum: ['User', 'EscalationPolicy'] }, slug: str } };
/** "E.g. 2018-09-28'T'05:00:00Z": ISO 8601 in UTC. */
const isoUtc = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' };
const voAssignment = { type: 'object', properties: { _selfUrl: { type: 'string' }, assigned: { type: 'boolean' }, policy: { type: 'string' }, team: { type: 'string' }, user: { type: 'string' } } };
const voScheduledOverride = {
  type: 'object',
  properties: {
    assignments: { type: 'array', items: voAssignment },
    end: { type: 'string' },
    publicId: { type: 'string' },
    start: { type: 'string' },
    timezone: { type: 'string' },
    user: { type: 'object', properties: { firstName: { type: 'string' }, lastName: { type: 'string' }, username: { type: 'string' } } },
  },
};
/** The document's shared error responses: statuses without a body schema. */
const voErrors: Record<string, object> = { 400: {}, 401: {}, 403: {}, 404: {}, 500: {} };

// ---- Grafana OnCall: docs/sources/oncall-api-reference/*.md ----

/** `scheme`: what the Authorization header must be exactly; `grafanaUrl`: X-Grafana-URL when set. */
export function grafanaRules(authorization: string, grafanaUrl?: string): RequestRule[] {
  const headers = {
    type: 'object',
    required: ['authorization', ...(grafanaUrl ? ['x-grafana-url'] : [])],
    properties: { authorization: { const: authorization }, ...(grafanaUrl ? { 'x-grafana-url': { const: grafanaUrl } } : {}) },
  };
  const page = { type: 'string', pattern: '^\\d+$' };
  const list = (extra: Record<string, object> = {}): object => ({ type: 'object', additionalProperties: false, properties: { page, ...extra } });
  return [
    { name: 'List alert groups', method: 'GET', path: /^\/oncall\/api\/v1\/alert_groups\/$/, headers, query: list({ state: { enum: ['new', 'acknowledged', 'resolved', 'silenced'] } }) },
    { name: 'Alert group details', method: 'GET', path: /^\/oncall\/api\/v1\/alert_groups\/[A-Z0-9]+\/?$/, headers },
    { name: 'Acknowledge / unacknowledge / resolve / unresolve / unsilence', method: 'POST', path: /^\/oncall\/api\/v1\/alert_groups\/[A-Z0-9]+\/(acknowledge|unacknowledge|resolve|unresolve|unsilence)$/, headers },
    { name: 'List schedules', method: 'GET', path: /^\/oncall\/api\/v1\/schedules\/$/, headers, query: list() },
    {
      name: "Export a schedule's final shifts",
      method: 'GET',
      path: /^\/oncall\/api\/v1\/schedules\/[A-Z0-9]+\/final_shifts$/,
      headers,
      query: { type: 'object', required: ['start_date', 'end_date'], additionalProperties: false, properties: { page, start_date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, end_date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } } },
    },
    { name: 'List users', method: 'GET', path: /^\/oncall\/api\/v1\/users\/$/, headers, query: list({ username: { type: 'string' } }) },
    { name: 'List integrations', method: 'GET', path: /^\/oncall\/api\/v1\/integrations\/$/, headers, query: list() },
    { name: 'List routes', method: 'GET', path: /^\/oncall\/api\/v1\/routes\/$/, headers, query: list({ integration_id: { type: 'string' } }) },
    { name: 'List escalation chains', method: 'GET', path: /^\/oncall\/api\/v1\/escalation_chains\/$/, headers, query: list() },
    { name: 'List escalation policies', method: 'GET', path: /^\/oncall\/api\/v1\/escalation_policies\/$/, headers, query: list({ escalation_chain_id: { type: 'string' } }) },
    // Responder actions (issue 16): alertgroups.md "Silence an alert group", escalation.md "Escalate to a set of
    // user(s) for an existing Alert Group", resolution_notes.md, shift_swaps.md. The reference gives no error bodies;
    // 429 is its documented rate-limit answer (_index.md "Rate Limits"), 400/401/403/404 the API's refusals.
    {
      name: 'Silence an alert group',
      method: 'POST',
      path: /^\/oncall\/api\/v1\/alert_groups\/[A-Z0-9]+\/silence$/,
      headers,
      body: { type: 'object', required: ['delay'], additionalProperties: false, properties: { delay: { type: 'integer', minimum: -1 } } },
      responses: { 200: {}, ...gfErrors },
    },
    {
      name: 'Escalate to a set of user(s) for an existing Alert Group',
      method: 'POST',
      path: /^\/oncall\/api\/v1\/escalation\/$/,
      headers,
      // `alert_group_id` is mutually exclusive with title, message and source_url; `users` with `team`.
      body: {
        type: 'object',
        required: ['alert_group_id', 'users'],
        additionalProperties: false,
        properties: {
          alert_group_id: gfId,
          users: { type: 'array', minItems: 1, items: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: gfId, important: { type: 'boolean' } } } },
        },
      },
      responses: { 200: gfAlertGroup, ...gfErrors },
    },
    { name: 'List resolution notes', method: 'GET', path: /^\/oncall\/api\/v1\/resolution_notes\/$/, headers, query: list({ alert_group_id: gfId }), responses: { 200: { type: 'object', required: ['results'], properties: { count: { type: 'integer' }, next: { type: ['string', 'null'] }, results: { type: 'array', items: gfNote } } }, ...gfErrors } },
    {
      name: 'Create a resolution note',
      method: 'POST',
      path: /^\/oncall\/api\/v1\/resolution_notes\/$/,
      headers,
      body: { type: 'object', required: ['alert_group_id', 'text'], additionalProperties: false, properties: { alert_group_id: gfId, text: { type: 'string', minLength: 1 } } },
      responses: { 201: gfNote, 200: gfNote, ...gfErrors },
    },
    {
      name: 'Create a shift swap request',
      method: 'POST',
      path: /^\/oncall\/api\/v1\/shift_swaps\/$/,
      headers,
      body: {
        type: 'object',
        required: ['schedule', 'swap_start', 'beneficiary'],
        additionalProperties: false,
        properties: { schedule: gfId, swap_start: gfTime, swap_end: gfTime, description: { type: 'string' }, beneficiary: gfId },
      },
      responses: { 201: gfSwap, 200: gfSwap, ...gfErrors },
    },
    {
      name: 'Take a shift swap request',
      method: 'POST',
      path: /^\/oncall\/api\/v1\/shift_swaps\/[A-Z0-9]+\/take$/,
      headers,
      body: { type: 'object', required: ['benefactor'], additionalProperties: false, properties: { benefactor: gfId } },
      responses: { 200: gfSwap, ...gfErrors },
    },
    { name: 'Delete a shift swap request', method: 'DELETE', path: /^\/oncall\/api\/v1\/shift_swaps\/[A-Z0-9]+\/$/, headers, responses: { 204: {}, 200: {}, ...gfErrors } },
  ];
}

/** OnCall public ids: upper-case letters and digits ("I68T24C13IFW1", "UCGEIXI1MR1NZ", "SSRG1TDNBMJQ1NC"). */
const gfId = { type: 'string', pattern: '^[A-Z0-9]+$' };
/** "Must be a ISO 8601 formatted datetime string." */
const gfTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})$' };
const gfNullableTime = { type: ['string', 'null'] };
const gfAlertGroup = {
  type: 'object',
  required: ['id', 'state', 'created_at'],
  properties: {
    id: gfId,
    integration_id: { type: ['string', 'null'] },
    route_id: { type: ['string', 'null'] },
    alerts_count: { type: 'integer' },
    state: { enum: ['new', 'firing', 'acknowledged', 'resolved', 'silenced'] },
    created_at: { type: 'string' },
    resolved_at: gfNullableTime,
    acknowledged_at: gfNullableTime,
    silenced_at: gfNullableTime,
    acknowledged_by: { type: ['string', 'null'] },
    resolved_by: { type: ['string', 'null'] },
    title: { type: ['string', 'null'] },
    permalinks: { type: 'object' },
  },
};
const gfNote = {
  type: 'object',
  required: ['id', 'alert_group_id', 'text', 'created_at'],
  properties: { id: gfId, alert_group_id: gfId, author: { type: ['string', 'null'] }, source: { type: 'string' }, created_at: { type: 'string' }, text: { type: 'string' } },
};
const gfSwap = {
  type: 'object',
  required: ['id', 'schedule', 'status', 'swap_start', 'beneficiary'],
  properties: {
    id: gfId,
    schedule: gfId,
    status: { enum: ['open', 'taken'] },
    swap_start: { type: 'string' },
    swap_end: { type: ['string', 'null'] },
    beneficiary: gfId,
    benefactor: { anyOf: [gfId, { type: 'null' }] },
    description: { type: ['string', 'null'] },
    shifts: { type: 'array' },
  },
};
const gfErrors: Record<string, object> = { 400: {}, 401: {}, 403: {}, 404: {}, 429: {} };

// ---- PagerDuty REST API v2: PagerDuty/api-schema reference/REST/openapiv3.json ----
// Our reading of the operations the bridge uses (operationId in `name`). Facts taken from it: every
// operation lists the header parameters `Accept` (required, the versioning header
// "application/vnd.pagerduty+json;version=2") and `Content-Type` (required, enum application/json);
// writes add `From` (required, format email); array query parameters are named with brackets
// (`statuses[]`, `include[]`, `service_ids[]`, …, explode: every value repeats the key); list responses
// are `Pagination` (offset, limit, more, total) plus the list; errors are `{error: {code, message,
// errors[]}}` for 400/401/403/404/429; `updateIncidents` takes `{incidents: [{id, type, status, …}]}`
// (id and type required; at most 250).

const int = { type: 'string', pattern: '^\\d+$' };
const bool = { type: 'string', enum: ['true', 'false'] };
const dateTime = { type: 'string', minLength: 10 };
/** An array query parameter (`explode: true`): one value is a string, several an array without repeats. */
const arrayParam = (item: object = { type: 'string', minLength: 1 }): object => ({ anyOf: [item, { type: 'array', items: item, uniqueItems: true, minItems: 2 }] });
const enumParam = (values: string[]): object => arrayParam({ type: 'string', enum: values });
const paging = { limit: int, offset: int, total: bool };
const q = (props: Record<string, object>): object => ({ type: 'object', additionalProperties: false, properties: { ...paging, ...props } });

const pdRef = (types: string[]): object => ({ type: 'object', required: ['id', 'type'], properties: { id: str, type: { enum: types }, summary: { type: ['string', 'null'] } } });
const pdUser = pdRef(['user_reference', 'user']);
const pagination = { offset: { type: 'integer' }, limit: { type: 'integer' }, more: { type: 'boolean' }, total: { type: ['integer', 'null'] } };
const listOf = (key: string, item: object): object => ({ type: 'object', required: [key], properties: { ...pagination, [key]: { type: 'array', items: item } } });
const pdIncident = {
  type: 'object',
  required: ['id', 'type', 'status', 'created_at'],
  properties: {
    id: str,
    type: { enum: ['incident'] },
    incident_number: { type: 'integer' },
    title: { type: 'string' },
    status: { enum: ['triggered', 'acknowledged', 'resolved'] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    urgency: { enum: ['high', 'low'] },
    service: pdRef(['service_reference', 'service']),
    escalation_policy: pdRef(['escalation_policy_reference', 'escalation_policy']),
    assignments: { type: 'array', items: { type: 'object', required: ['at', 'assignee'], properties: { at: { type: 'string', format: 'date-time' }, assignee: pdUser } } },
    acknowledgements: { type: 'array', items: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, acknowledger: { type: 'object', required: ['id', 'type'] } } } },
    alert_counts: { type: 'object', properties: { all: { type: 'integer' }, triggered: { type: 'integer' }, resolved: { type: 'integer' } } },
  },
};
const pdAlert = {
  type: 'object',
  required: ['id', 'type'],
  properties: { id: str, type: { enum: ['alert'] }, status: { enum: ['triggered', 'resolved'] }, severity: { enum: ['info', 'warning', 'error', 'critical'] }, body: { type: 'object' } },
};
const pdOnCall = {
  type: 'object',
  required: ['user', 'escalation_policy', 'escalation_level'],
  properties: {
    user: pdUser,
    schedule: { oneOf: [{ type: 'null' }, pdRef(['schedule_reference', 'schedule'])] },
    escalation_policy: pdRef(['escalation_policy_reference', 'escalation_policy']),
    escalation_level: { type: 'integer', minimum: 1 },
    start: { type: ['string', 'null'] },
    end: { type: ['string', 'null'] },
  },
};
const pdSchedule = { type: 'object', required: ['id', 'type'], properties: { id: str, type: { enum: ['schedule'] }, name: { type: 'string' }, time_zone: { type: 'string' } } };
const pdPolicy = {
  type: 'object',
  required: ['id', 'type'],
  properties: {
    id: str,
    type: { enum: ['escalation_policy'] },
    name: { type: 'string' },
    escalation_rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['escalation_delay_in_minutes', 'targets'],
        properties: { escalation_delay_in_minutes: { type: 'integer' }, targets: { type: 'array', items: pdRef(['user_reference', 'schedule_reference', 'user', 'schedule']) } },
      },
    },
    num_loops: { type: 'integer', minimum: 0 },
  },
};
/** The generic error response of every operation (400, 401, 402, 403, 404, 413, 429). */
export const PD_ERROR = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' }, errors: { type: 'array', items: { type: 'string' } } } } },
};
const errors = (...codes: number[]): Record<string, object> => Object.fromEntries(codes.map((c) => [String(c), PD_ERROR]));

// Protocol 1.1 responder operations. Facts: `createIncidentSnooze` POST /incidents/{id}/snooze, From required, body
// `{duration}` integer 1–604800 (required), 201 `{incident}`; `createIncidentNote` POST /incidents/{id}/notes, From
// required, body `{note: {content}}` (both required), 200 `{note: IncidentNote}` (content required; user a
// user_reference or bot_user_reference); `listIncidentNotes` GET /incidents/{id}/notes, no query, 200 `{notes: [...]}`;
// `createScheduleOverride` POST /schedules/{id}/overrides (the operation lists no From header), body `{overrides:
// [Override]}`, Override `{start, end (date-time), user: UserReference}` all required, 201 an array (minItems 1) of
// `{status, errors[], override}` with override required; `listUsers` GET /users (query, team_ids[], include[]),
// 200 `Pagination` + `users`. A Reference requires `id` and `type`.
const userRef = { type: 'object', required: ['id', 'type'], additionalProperties: false, properties: { id: str, type: { const: 'user_reference' } } };
const policyRef = { type: 'object', required: ['id', 'type'], additionalProperties: false, properties: { id: str, type: { const: 'escalation_policy_reference' } } };
const isoDateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$' };
const pdNote = {
  type: 'object',
  required: ['content'],
  properties: { id: str, content: { type: 'string' }, created_at: isoDateTime, user: pdRef(['user_reference', 'bot_user_reference']), channel: { type: 'object', required: ['summary'] } },
};
const pdOverride = { type: 'object', required: ['start', 'end', 'user'], properties: { id: str, start: isoDateTime, end: isoDateTime, user: pdRef(['user_reference']) } };
const pdUserObj = { type: 'object', required: ['id'], properties: { id: str, type: { enum: ['user'] }, name: { type: 'string' }, email: { type: 'string' }, time_zone: { type: 'string' } } };

// Timeline, countdown, directory and deploys (issue 16). Facts: `listIncidentLogEntries` GET /incidents/{id}/log_entries,
// query limit/offset/total, time_zone, since, until, is_overview (boolean), include[] (incidents, services, channels,
// teams); 200 `Pagination` + `log_entries` (required), each one of the LogEntry kinds: `type` from the LogEntry enum
// (the AcknowledgeLogEntry sub-schema spells its type `acknowledgement_log_entry`), `created_at` date-time, `agent` an
// AgentReference (user_reference, service_reference, integration_reference), `channel` {type, …}, escalate/assign
// entries `assignees` (UserReference); errors 400/401/403/404/429. `listChangeEvents` GET /change_events, query
// limit/offset/total, team_ids[], integration_ids[], since / until (date-time, pattern "YYYY-MM-DDThh:mm:ssZ"); 200
// `{change_events: [ChangeEvent]}` (ChangeEvent: id, type change_event, timestamp date-time, services
// ServiceReference[], summary ≤ 1024 chars, custom_details object, links [{href, text}]); it documents 400/401/403 and
// no 429 — PagerDuty rate-limits every REST call, so our fake's 429 is checked against the generic error shape.
// `EscalationPolicy.num_loops` integer ≥ 0 ("the number of times the escalation policy will repeat after reaching the
// end of its escalation").
const LOG_ENTRY_TYPES = [
  'acknowledge_log_entry',
  'acknowledgement_log_entry',
  'annotate_log_entry',
  'assign_log_entry',
  'delegate_log_entry',
  'escalate_log_entry',
  'exhaust_escalation_path_log_entry',
  'notify_log_entry',
  'reach_ack_limit_log_entry',
  'reach_trigger_limit_log_entry',
  'repeat_escalation_path_log_entry',
  'resolve_log_entry',
  'snooze_log_entry',
  'trigger_log_entry',
  'unacknowledge_log_entry',
  'urgency_change_log_entry',
  'field_value_change_log_entry',
  'custom_field_value_change_log_entry',
];
const pdLogEntry = {
  type: 'object',
  required: ['id', 'type', 'created_at'],
  properties: {
    id: str,
    type: { enum: LOG_ENTRY_TYPES },
    summary: { type: ['string', 'null'] },
    created_at: isoDateTime,
    agent: pdRef(['user_reference', 'service_reference', 'integration_reference']),
    channel: { type: 'object', properties: { type: { type: 'string' } } },
    assignees: { type: 'array', items: pdRef(['user_reference']) },
    incident: pdRef(['incident_reference']),
  },
};
const pdChangeEvent = {
  type: 'object',
  required: ['id'],
  properties: {
    id: str,
    type: { const: 'change_event' },
    timestamp: isoDateTime,
    summary: { type: 'string', maxLength: 1024 },
    source: { type: 'string' },
    services: { type: 'array', items: pdRef(['service_reference']) },
    integration: pdRef(['inbound_integration_reference']),
    custom_details: { type: 'object' },
    links: { type: 'array', items: { type: 'object', properties: { href: { type: 'string' }, text: { type: 'string' } } } },
  },
};
/** listChangeEvents' since/until: date-time written as the reference's pattern YYYY-MM-DDThh:mm:ssZ. */
const pdSecondTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' };

export function pagerdutyRules(token: string): RequestRule[] {
  const headers = {
    type: 'object',
    required: ['accept', 'content-type', 'authorization'],
    properties: { accept: { const: 'application/vnd.pagerduty+json;version=2' }, 'content-type': { const: 'application/json' }, authorization: { const: `Token token=${token}` } },
  };
  const writeHeaders = { ...headers, required: [...headers.required, 'from'], properties: { ...headers.properties, from: { type: 'string', format: 'email' } } };
  const ids = arrayParam();
  const statuses = ['triggered', 'acknowledged', 'resolved'];
  return [
    {
      name: 'listIncidents',
      method: 'GET',
      path: /^\/incidents$/,
      headers,
      query: q({ 'statuses[]': enumParam(statuses), 'service_ids[]': ids, 'team_ids[]': ids, 'user_ids[]': ids, 'urgencies[]': enumParam(['high', 'low']), time_zone: str, since: dateTime, until: dateTime, date_range: { enum: ['all'] }, incident_key: str, sort_by: str }),
      responses: { 200: listOf('incidents', pdIncident), ...errors(400, 401, 402, 403, 429) },
    },
    {
      name: 'updateIncidents',
      method: 'PUT',
      path: /^\/incidents$/,
      headers: writeHeaders,
      query: q({}),
      body: {
        type: 'object',
        required: ['incidents'],
        additionalProperties: false,
        properties: {
          incidents: {
            type: 'array',
            minItems: 1,
            maxItems: 250,
            items: {
              type: 'object',
              required: ['id', 'type'],
              additionalProperties: false,
              properties: {
                id: str,
                type: { enum: ['incident', 'incident_reference'] },
                status: { enum: statuses },
                resolution: { type: 'string' },
                escalation_level: { type: 'integer', minimum: 1 },
                // Protocol 1.1 reassign: `assignments[].assignee` is a UserReference, `escalation_policy` an EscalationPolicyReference.
                assignments: { type: 'array', minItems: 1, items: { type: 'object', required: ['assignee'], additionalProperties: false, properties: { assignee: userRef } } },
                escalation_policy: policyRef,
              },
            },
          },
        },
      },
      responses: { 200: listOf('incidents', pdIncident), ...errors(400, 401, 403, 413, 429) },
    },
    {
      name: 'listIncidentAlerts',
      method: 'GET',
      path: /^\/incidents\/[A-Za-z0-9]+\/alerts$/,
      headers,
      query: q({ 'statuses[]': enumParam(['triggered', 'resolved']), alert_key: str, sort_by: { enum: ['created_at', 'resolved_at', 'created_at:asc', 'created_at:desc', 'resolved_at:asc', 'resolved_at:desc'] }, 'include[]': enumParam(['services', 'first_trigger_log_entries', 'incidents']) }),
      responses: { 200: listOf('alerts', pdAlert), ...errors(400, 401, 403, 429) },
    },
    {
      name: 'listOnCalls',
      method: 'GET',
      path: /^\/oncalls$/,
      headers,
      query: q({ time_zone: str, 'include[]': enumParam(['escalation_policies', 'users', 'schedules']), 'user_ids[]': ids, 'escalation_policy_ids[]': ids, 'schedule_ids[]': ids, since: dateTime, until: dateTime, earliest: bool }),
      responses: { 200: listOf('oncalls', pdOnCall), ...errors(400, 401, 403, 429) },
    },
    {
      name: 'listSchedules',
      method: 'GET',
      path: /^\/schedules$/,
      headers,
      query: q({ query: { type: 'string' }, 'include[]': enumParam(['schedule_layers', 'overrides_subschedule', 'final_schedule']), time_zone: str, since: dateTime, until: dateTime, 'team_ids[]': ids }),
      responses: { 200: listOf('schedules', pdSchedule), ...errors(400, 401, 403, 429) },
    },
    {
      name: 'listEscalationPolicies',
      method: 'GET',
      path: /^\/escalation_policies$/,
      headers,
      query: q({ query: { type: 'string' }, 'user_ids[]': ids, 'team_ids[]': ids, 'include[]': enumParam(['services', 'teams', 'targets', 'escalation_rule_assignment_strategies']), sort_by: { enum: ['name', 'name:asc', 'name:desc'] } }),
      responses: { 200: listOf('escalation_policies', pdPolicy), ...errors(400, 401, 403, 429) },
    },
    {
      name: 'createIncidentSnooze',
      method: 'POST',
      path: /^\/incidents\/[A-Za-z0-9]+\/snooze$/,
      headers: writeHeaders,
      body: { type: 'object', required: ['duration'], additionalProperties: false, properties: { duration: { type: 'integer', minimum: 1, maximum: 604800 } } },
      responses: { 201: { type: 'object', required: ['incident'], properties: { incident: pdIncident } }, ...errors(400, 401, 403, 404, 429) },
    },
    {
      name: 'createIncidentNote',
      method: 'POST',
      path: /^\/incidents\/[A-Za-z0-9]+\/notes$/,
      headers: writeHeaders,
      body: {
        type: 'object',
        required: ['note'],
        additionalProperties: false,
        properties: { note: { type: 'object', required: ['content'], additionalProperties: false, properties: { content: { type: 'string', minLength: 1 } } } },
      },
      responses: { 200: { type: 'object', required: ['note'], properties: { note: pdNote } }, ...errors(400, 401, 403, 404, 429) },
    },
    {
      name: 'listIncidentNotes',
      method: 'GET',
      path: /^\/incidents\/[A-Za-z0-9]+\/notes$/,
      headers,
      query: { type: 'object', maxProperties: 0 },
      responses: { 200: { type: 'object', required: ['notes'], properties: { notes: { type: 'array', items: pdNote } } }, ...errors(400, 401, 403, 404, 429) },
    },
    {
      name: 'createScheduleOverride',
      method: 'POST',
      path: /^\/schedules\/[A-Za-z0-9]+\/overrides$/,
      headers,
      body: {
        type: 'object',
        required: ['overrides'],
        additionalProperties: false,
        properties: {
          overrides: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', required: ['start', 'end', 'user'], additionalProperties: false, properties: { start: isoDateTime, end: isoDateTime, user: userRef } },
          },
        },
      },
      responses: {
        201: { type: 'array', minItems: 1, items: { type: 'object', required: ['override'], properties: { status: { type: 'number' }, errors: { type: 'array', items: { type: 'string' } }, override: pdOverride } } },
        ...errors(400, 401, 403, 404, 429),
      },
    },
    {
      name: 'listUsers',
      method: 'GET',
      path: /^\/users$/,
      headers,
      query: q({ query: { type: 'string' }, 'team_ids[]': ids, 'include[]': enumParam(['contact_methods', 'notification_rules', 'teams', 'subdomains']) }),
      responses: { 200: listOf('users', pdUserObj), ...errors(400, 401, 403, 429) },
    },
    {
      name: 'listIncidentLogEntries',
      method: 'GET',
      path: /^\/incidents\/[A-Za-z0-9]+\/log_entries$/,
      headers,
      query: q({ time_zone: str, since: isoDateTime, until: isoDateTime, is_overview: bool, 'include[]': enumParam(['incidents', 'services', 'channels', 'teams']) }),
      responses: { 200: listOf('log_entries', pdLogEntry), ...errors(400, 401, 403, 404, 429) },
    },
    {
      name: 'listChangeEvents',
      method: 'GET',
      path: /^\/change_events$/,
      headers,
      // since/until are optional in the reference; we require them: every poll is bounded to a window.
      query: { type: 'object', required: ['since', 'until'], additionalProperties: false, properties: { ...paging, 'team_ids[]': ids, 'integration_ids[]': ids, since: pdSecondTime, until: pdSecondTime } },
      responses: { 200: { type: 'object', required: ['change_events'], properties: { ...pagination, change_events: { type: 'array', items: pdChangeEvent } } }, ...errors(400, 401, 403, 429) },
    },
  ];
}
