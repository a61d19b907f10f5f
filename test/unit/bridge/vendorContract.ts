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
    check('query', rule.query ?? { type: 'object', maxProperties: 0 }, Object.fromEntries(r.query));
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
  ];
}

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
  ];
}
