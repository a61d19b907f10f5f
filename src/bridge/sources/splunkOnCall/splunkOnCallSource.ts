/**
 * Splunk On-Call (VictorOps) through the bridge. Its public API has no streaming or webhook-to-us
 * channel for incident state, so this module polls (with backoff) and acts through the REST API:
 *
 *   GET   /api-public/v1/incidents                 open, acknowledged and recently resolved incidents
 *   GET   /api-public/v1/alerts/{uuid}             an incident's last alert (stack trace in its raw JSON)
 *   PATCH /api-public/v1/incidents/ack|resolve     by incident names ("incidentNumber") and user name
 *   GET   /api-public/v1/oncall/current            who is on call now, per team and policy
 *   GET   /api-public/v2/team/{team}/oncall/schedule  upcoming shifts of a team (rolls + overrides)
 *   GET   /api-public/v1/policies/{policy}         an escalation policy's steps and their timeouts
 *   GET   /api-public/v1/user                      the org's users (maps the editor's identity to a user name;
 *                                                  the people directory of the pickers)
 *   POST  /api-public/v1/incidents/reroute         reassign / escalate: reroute incidents to users or a policy
 *   POST  /api-public/v1/overrides                 take on-call: a scheduled override for the user on call …
 *   PUT   /api-public/v1/overrides/{id}/assignments/{policy}   … assigned to the user who takes it
 *   DELETE /api-public/v1/overrides/{id}           rolls back an override whose assignment failed
 *
 * Not in the public API (the Swagger document has no such operation), said in `unsupportedActions`: snooze,
 * un-acknowledge, incident notes. "Escalate" has no operation of its own either: it reroutes the incident to the
 * people of the policy's next step (the result says so). The incident's `transitions` are its timeline.
 *
 * Shapes follow the vendor's Swagger document "VictorOps 0.0.3" (victorops-api-v1.yaml); the policy
 * detail, which that document does not describe, as the official Go client victorops/go-victorops
 * reads it: `{name, slug, teamSlug, steps: [{timeout, entries: [{executionType, user, rotationGroup, …}]}]}`.
 *
 * Auth: `X-VO-Api-Id` + `X-VO-Api-Key` (never logged). The API allows about 60 calls a minute per
 * endpoint: the defaults stay far below. Its documented answer when the limit is reached is **403**
 * ("Authentication failed or rate-limit reached"), not 429: a 403 is treated as a rate limit (the poller
 * backs off, at least a minute), never as a configuration error; 429/Retry-After is honoured too.
 *
 * Severity: `entityState` CRITICAL → critical, WARNING → warning, INFO/OK/RECOVERY → info; none → high
 * (it paged someone). Ack means the incident is acknowledged in Splunk On-Call by the acting user:
 * the Splunk On-Call user whose user name is the actor's handle or whose email is the actor's email
 * (from GET /user); else the configured default (--splunk-oncall-user), and the result says so.
 *
 * Escalation: the first paged policy's steps become tiers (a step's `timeout` is the minutes "if still
 * unacked after" before that step pages, so tier N waits the timeout of step N+1); the countdown runs
 * from the incident's last transition to triggered (else its start time).
 */
import * as v from 'valibot';
import { ALERT_LIMITS } from '../../../core/protocol/limits';
import type { Alert, AlertAction, AlertStatus, EscalationPolicy, EscalationTarget, OnCallState, Person, ReassignTarget, RequestCapability, Rotation, Severity, TimelineEntry } from '../../../core/protocol/types';
import { BridgeConfigError } from '../../server';
import { errorText } from '../../../core/util/errors';
import { extractDetails, isoOf, laterIso, mapLimit, sameJson, severityFromWord, validAlert, validOnCall, type ExtractedDetails } from '../shared/alertHelpers';
import { actionError, type ActionErrorHints } from '../shared/actionErrors';
import { escalationOf, tierTargets } from '../shared/escalation';
import type { PollSpec } from '../shared/pollingSource';
import { VendorPollingSource, type VendorApi, type VendorPollingOptions } from '../shared/vendorSource';
import { VendorHttpError, type HttpMethod, type RequestOptions } from '../shared/vendorHttp';
import { SourceActionError, type ActionOutcome, type OverrideRequest } from '../types';

export interface SplunkOnCallOptions extends VendorPollingOptions {
  apiId: string;
  apiKey: string;
  /** Default https://api.victorops.com. */
  apiUrl?: string;
  /** Splunk On-Call user name for ack/resolve when the acting user has no handle. */
  defaultUser?: string;
  /** Team slugs whose schedules are shown (default: the teams on call now). */
  teams?: readonly string[];
  /** Days of schedule fetched ahead. Default 7. */
  daysForward?: number;
}

const optStr = v.optional(v.nullable(v.string()));
const NameSlug = v.object({ name: optStr, slug: optStr });

const IncidentSchema = v.object({
  incidentNumber: v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((x) => String(x)),
    v.minLength(1),
  ),
  startTime: optStr,
  currentPhase: v.string(),
  entityState: optStr,
  entityType: optStr,
  entityId: optStr,
  entityDisplayName: optStr,
  host: optStr,
  service: optStr,
  routingKey: optStr,
  alertCount: v.optional(v.nullable(v.number())),
  lastAlertTime: optStr,
  lastAlertId: optStr,
  monitorName: optStr,
  incidentLink: optStr,
  pagedUsers: v.optional(v.nullable(v.array(v.string()))),
  pagedTeams: v.optional(v.nullable(v.array(v.string()))),
  pagedPolicies: v.optional(v.nullable(v.array(v.object({ policy: v.optional(v.nullable(NameSlug)), team: v.optional(v.nullable(NameSlug)) })))),
  transitions: v.optional(v.nullable(v.array(v.object({ name: optStr, at: optStr, by: optStr, message: optStr, manually: v.optional(v.nullable(v.boolean())) })))),
});
type VoIncident = v.InferOutput<typeof IncidentSchema>;

const AlertDetailSchema = v.object({ stateMessage: optStr, entityDisplayName: optStr, raw: v.optional(v.unknown()) });

const AckResolveResponseSchema = v.object({
  results: v.array(v.object({ incidentNumber: v.optional(v.nullable(v.union([v.string(), v.number()]))), entityId: optStr, cmdAccepted: v.optional(v.nullable(v.boolean())), message: optStr })),
});

const UserRef = v.object({ username: v.string() });
/** `OnCallNowResource`: the document spells it `onCallNow` / `users[].onCallUser`; older answers `oncallNow` / `onCalluser`. */
const OnCallNowSchema = v.object({
  escalationPolicy: v.optional(v.nullable(NameSlug)),
  users: v.optional(v.nullable(v.array(v.object({ onCallUser: v.optional(v.nullable(UserRef)), onCalluser: v.optional(v.nullable(UserRef)) })))),
});
const CurrentOnCallSchema = v.object({
  teamsOnCall: v.array(
    v.object({
      team: NameSlug,
      onCallNow: v.optional(v.nullable(v.array(OnCallNowSchema))),
      oncallNow: v.optional(v.nullable(v.array(OnCallNowSchema))),
    }),
  ),
});

const RollSchema = v.object({ start: optStr, end: optStr, onCallUser: v.optional(v.nullable(UserRef)), isRoll: v.optional(v.nullable(v.boolean())) });
/** `OnCallOverride` of a `PolicySchedule`. */
const OverrideSchema = v.object({ start: optStr, end: optStr, origOnCallUser: v.optional(v.nullable(UserRef)), overrideOnCallUser: v.optional(v.nullable(UserRef)) });
const TeamScheduleSchema = v.object({
  team: v.optional(v.nullable(NameSlug)),
  schedules: v.array(
    v.object({
      policy: v.optional(v.nullable(NameSlug)),
      schedule: v.optional(
        v.nullable(
          v.array(
            v.object({
              onCallType: optStr,
              rotationName: optStr,
              shiftName: optStr,
              onCallUser: v.optional(v.nullable(UserRef)),
              overrideOnCallUser: v.optional(v.nullable(UserRef)),
              rolls: v.optional(v.nullable(v.array(RollSchema))),
            }),
          ),
        ),
      ),
      overrides: v.optional(v.nullable(v.array(OverrideSchema))),
    }),
  ),
});

const StrRecord = v.optional(v.nullable(v.record(v.string(), v.unknown())));
/** GET /api-public/v1/policies/{policy}, as go-victorops's `EscalationPolicy` reads it. */
export const PolicyDetailSchema = v.object({
  name: optStr,
  slug: v.pipe(v.string(), v.minLength(1)),
  teamSlug: optStr,
  steps: v.optional(
    v.nullable(
      v.array(
        v.object({
          timeout: v.optional(v.nullable(v.number())),
          entries: v.optional(v.nullable(v.array(v.object({ executionType: optStr, user: StrRecord, rotationGroup: StrRecord, targetPolicy: StrRecord, webhook: StrRecord, email: StrRecord })))),
        }),
      ),
    ),
  ),
});
type VoPolicy = v.InferOutput<typeof PolicyDetailSchema>;

/** `RerouteStatusResponse`: one `RerouteStatus` per incident, each with its targets' `RerouteTargetStatus`. */
const RerouteResponseSchema = v.object({
  statuses: v.array(
    v.object({
      incidentNumber: v.pipe(v.union([v.string(), v.number()]), v.transform((x) => String(x))),
      success: v.boolean(),
      message: optStr,
      targetStatus: v.optional(v.nullable(v.array(v.object({ slug: optStr, success: v.optional(v.nullable(v.boolean())), message: optStr })))),
    }),
  ),
});

/** `Assignment` of a `ScheduledOverride`: `policy` is the policy slug. */
const AssignmentSchema = v.object({ policy: optStr, team: optStr, user: optStr, assigned: v.optional(v.nullable(v.boolean())) });
/** POST /overrides answers `{_selfUrl, schedule: ScheduledOverride}`. */
const OverrideCreatedSchema = v.object({
  schedule: v.object({ publicId: v.pipe(v.string(), v.minLength(1)), start: optStr, end: optStr, assignments: v.optional(v.nullable(v.array(AssignmentSchema))) }),
});

/** `ListUserResponse` / `V1User`. */
const UserListSchema = v.object({ users: v.optional(v.nullable(v.array(v.object({ username: optStr, email: optStr, firstName: optStr, lastName: optStr })))) });

/** UNACKED/ACKED/RESOLVED in practice; the API description also says triggered/acknowledged/resolved. */
export function phaseToStatus(phase: string): AlertStatus | undefined {
  switch (phase.trim().toUpperCase()) {
    case 'UNACKED':
    case 'TRIGGERED':
      return 'triggered';
    case 'ACKED':
    case 'ACKNOWLEDGED':
      return 'acknowledged';
    case 'RESOLVED':
      return 'resolved';
    default:
      return undefined;
  }
}

function entityStateSeverity(state: string | null | undefined): Severity {
  const s = (state ?? '').toUpperCase();
  if (s === 'CRITICAL') return 'critical';
  if (s === 'WARNING') return 'warning';
  if (s === 'INFO' || s === 'OK' || s === 'RECOVERY') return 'info';
  return severityFromWord(state ?? undefined) ?? 'high';
}

const person = (username: string): Person => ({ id: username, name: username, handle: username });

const str = (x: unknown): string | undefined => (typeof x === 'string' && x.trim() ? x.trim() : undefined);

/**
 * A policy's steps as protocol tiers. Step N's `timeout` is how long the incident stays unacked before
 * step N pages ("If still unacked after N minutes", the timeout types of the Swagger document), so
 * tier N waits step N+1's timeout; the last tier does not escalate. Users become person targets,
 * rotation groups the rotation of that policy with the same name (else every rotation of the policy).
 */
export function voPolicyToEscalation(p: VoPolicy, rotations: readonly Rotation[]): EscalationPolicy {
  const steps = p.steps ?? [];
  const ofPolicy = rotations.filter((r) => r.id.split('/')[1] === p.slug);
  const tiers = steps.slice(0, 20).map((step, i) => {
    const targets: EscalationTarget[] = [];
    for (const e of step.entries ?? []) {
      const type = (e.executionType ?? '').toLowerCase();
      const username = str(e.user?.username);
      if (username) targets.push({ type: 'person', person: person(username) });
      else if (type.startsWith('rotation_group') || e.rotationGroup) {
        const label = str(e.rotationGroup?.label) ?? str(e.rotationGroup?.name) ?? str(e.rotationGroup?.slug);
        const named = ofPolicy.filter((r) => label !== undefined && r.id.split('/').slice(2).join('/') === label);
        for (const r of named.length ? named : ofPolicy) targets.push({ type: 'rotation', rotationId: r.id });
      }
    }
    const next = steps[i + 1];
    return { level: i + 1, delayMinutes: next ? Math.max(0, next.timeout ?? 0) : 0, targets };
  });
  return { id: p.slug, name: p.name || p.slug, services: [], tiers };
}

/**
 * Applies a policy's overrides to a rotation's rolls: the part of a roll of `origOnCallUser` that an
 * override covers goes to `overrideOnCallUser`. The reference does not say whether `rolls` already show
 * overrides (the entry's `overrideOnCallUser` is the current one only), so they are applied here; a roll
 * already given to the overriding user is left as it is.
 */
export function applyOverrides(shifts: Rotation['shifts'], overrides: ReadonlyArray<v.InferOutput<typeof OverrideSchema>>): Rotation['shifts'] {
  let out = shifts;
  for (const o of overrides.slice(0, 200)) {
    const a = Date.parse(isoOf(o.start) ?? '');
    const b = Date.parse(isoOf(o.end) ?? '');
    const from = o.origOnCallUser?.username;
    const to = o.overrideOnCallUser?.username;
    if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a || !to) continue;
    const next: Rotation['shifts'] = [];
    for (const sh of out) {
      const s0 = Date.parse(sh.start);
      const s1 = Date.parse(sh.end);
      if ((from !== undefined && sh.person.id !== from) || s1 <= a || b <= s0) {
        next.push(sh);
        continue;
      }
      if (s0 < a) next.push({ ...sh, end: new Date(a).toISOString() });
      next.push({ person: person(to), start: new Date(Math.max(s0, a)).toISOString(), end: new Date(Math.min(s1, b)).toISOString() });
      if (b < s1) next.push({ ...sh, start: new Date(b).toISOString() });
    }
    out = next;
  }
  return out;
}

/** When the incident last started escalating: its last transition to triggered, else its start. */
function escalationStart(inc: VoIncident): number {
  const t = [...(inc.transitions ?? [])].reverse().find((x) => phaseToStatus(x.name ?? '') === 'triggered');
  return Date.parse(isoOf(t?.at) ?? isoOf(inc.startTime) ?? '');
}

/** A transition's name as a timeline kind (UNACKED/ACKED/RESOLVED in practice; others as they are, lower-cased). */
function transitionKind(name: string): string {
  const n = name.trim().toUpperCase();
  const st = phaseToStatus(n);
  if (st === 'triggered') return 'triggered';
  if (st === 'acknowledged' || n.startsWith('ACK')) return 'acknowledged';
  if (st === 'resolved' || n.startsWith('RESOLVE')) return 'resolved';
  if (n.includes('REROUTE')) return 'reassigned';
  return n.toLowerCase() || 'changed';
}

/** The incident's `transitions` (`IncidentTransition`: name, at, by, message) as its timeline, the newest kept. */
export function voTimeline(inc: Pick<VoIncident, 'transitions'>): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const t of (inc.transitions ?? []).slice(-ALERT_LIMITS.maxTimeline)) {
    const at = isoOf(t.at);
    if (!at) continue;
    const e: TimelineEntry = { at, kind: transitionKind(t.name ?? '') };
    if (t.by) e.actor = person(t.by);
    if (t.message) e.text = t.message;
    out.push(e);
  }
  return out;
}

export function voIncidentToAlert(
  inc: VoIncident,
  details: ExtractedDetails | undefined,
  prev: Alert | undefined,
  nowIso: string,
  esc?: { policies: ReadonlyMap<string, EscalationPolicy>; oncall: OnCallState | undefined },
): Alert | undefined {
  const status = phaseToStatus(inc.currentPhase);
  if (!status) return undefined;
  const started = isoOf(inc.startTime) ?? prev?.startedAt ?? nowIso;
  const transitions = inc.transitions ?? [];
  let updated = laterIso(isoOf(inc.lastAlertTime), started) ?? started;
  for (const t of transitions) updated = laterIso(updated, isoOf(t.at)) ?? updated;
  const labels: Record<string, string> = {};
  if (inc.routingKey) labels.routing_key = inc.routingKey;
  if (inc.entityId) labels.entity_id = inc.entityId;
  if (inc.host) labels.host = inc.host;
  if (inc.monitorName) labels.monitor = inc.monitorName;
  if (inc.pagedTeams?.length) labels.teams = inc.pagedTeams.join(', ');
  const policies = (inc.pagedPolicies ?? []).map((p) => p.policy?.name ?? p.policy?.slug).filter((x): x is string => !!x);
  if (policies.length) labels.escalation_policies = policies.join(', ');
  const a: Alert = {
    id: inc.incidentNumber,
    title: inc.entityDisplayName || inc.entityId || `Incident #${inc.incidentNumber}`,
    severity: entityStateSeverity(inc.entityState),
    status,
    service: inc.service || inc.routingKey || inc.host || inc.pagedTeams?.[0] || 'unknown service',
    startedAt: started,
    updatedAt: updated,
    assignees: (inc.pagedUsers ?? []).map(person),
    labels,
    source: 'splunk-oncall',
  };
  if (inc.incidentLink && /^https?:\/\//i.test(inc.incidentLink)) a.url = inc.incidentLink;
  const timeline = voTimeline(inc);
  if (timeline.length) a.timeline = timeline;
  const d = details;
  if (d?.stackTrace) a.stackTrace = d.stackTrace;
  if (d?.release) a.release = d.release;
  if (d?.commitSha) a.commitSha = d.commitSha;
  if (d?.environment) a.environment = d.environment;
  if (d?.runbookUrl) a.runbookUrl = d.runbookUrl;
  if (status === 'acknowledged') {
    const ack = [...transitions].reverse().find((t) => (t.name ?? '').toUpperCase().startsWith('ACK'));
    if (ack?.by) a.acknowledgedBy = person(ack.by);
    const at = isoOf(ack?.at);
    if (at) a.acknowledgedAt = at;
  }
  if (status === 'resolved') {
    const res = [...transitions].reverse().find((t) => (t.name ?? '').toUpperCase().startsWith('RESOLVE'));
    a.resolvedAt = isoOf(res?.at) ?? updated;
  }
  const slug = inc.pagedPolicies?.find((p) => p.policy?.slug && esc?.policies.has(p.policy.slug))?.policy?.slug;
  const policy = slug ? esc?.policies.get(slug) : undefined;
  if (policy && status !== 'resolved') {
    const nowMs = Date.parse(nowIso);
    const e = escalationOf(policy, escalationStart(inc), nowMs, esc?.oncall, { active: status === 'triggered', stoppedAtMs: Date.parse(a.acknowledgedAt ?? nowIso) });
    if (e) a.escalation = e;
  }
  return a;
}

type SplunkOnCallPoll = 'incidents' | 'oncall';

const VENDOR = 'Splunk On-Call';
const NEED_USER =
  'Splunk On-Call needs your Splunk On-Call user name for this: set your handle in your identity to your Splunk On-Call user name, or start the bridge with --splunk-oncall-user';
const hints = (notFound: string): ActionErrorHints => ({
  unauthorized: 'it refused the API credentials: check SPLUNK_ONCALL_API_ID / SPLUNK_ONCALL_API_KEY',
  // The reference documents one 403 for "authentication failed or rate-limit reached".
  forbidden: 'this key is read-only, or the rate limit was reached (Splunk On-Call answers 403 for both): use an API key with write access, or try again in a minute',
  notFound,
});
/** An incident target of a reroute (`IncidentTarget`). */
type VoTarget = { type: 'User' | 'EscalationPolicy'; slug: string };
/** Overrides at most this many people's shifts in one "take on-call". */
const MAX_OVERRIDE_PEOPLE = 5;

export class SplunkOnCallSource extends VendorPollingSource<SplunkOnCallPoll> {
  readonly name = 'splunk-oncall';
  readonly capabilities = ['ack', 'resolve', 'oncall', 'reassign', 'escalate', 'override'] as const;
  readonly unsupportedActions: Partial<Record<RequestCapability, string>> = {
    snooze: 'Splunk On-Call has no snooze',
    unack: 'Splunk On-Call has no "un-acknowledge" in its API',
    note: "Splunk On-Call's public API has no incident notes (the incident's transitions show as its timeline)",
    annotate: "Splunk On-Call's public API has no incident notes",
  };

  /** Details of an incident's last alert, keyed by incident number; refetched when lastAlertId changes. */
  private readonly _details = new Map<string, { alertId: string; details: ExtractedDetails }>();
  private _lastOnCall: unknown;
  /** Escalation policy details by slug (GET /policies/{slug}), refreshed with the on-call poll. */
  private readonly _rawPolicies = new Map<string, { at: number; policy: VoPolicy }>();
  private readonly _policies = new Map<string, EscalationPolicy>();
  private _oncall: OnCallState | undefined;
  /** The org's users (GET /user), to map the editor's identity to a Splunk On-Call user name. */
  private _users: { at: number; list: Array<{ username: string; email?: string; name?: string }> } | undefined;
  /** The escalation policy (slug) each open incident was paged through, from the last incident poll. */
  private _incidentPolicy = new Map<string, string>();

  constructor(private readonly _opts: SplunkOnCallOptions) {
    super('Splunk On-Call', _opts);
    if (!_opts.apiId.trim() || !_opts.apiKey.trim()) throw new BridgeConfigError('Splunk On-Call: the API id and API key are both required');
  }

  protected api(): VendorApi {
    return { baseUrl: this._opts.apiUrl ?? 'https://api.victorops.com', headers: { 'X-VO-Api-Id': this._opts.apiId, 'X-VO-Api-Key': this._opts.apiKey } };
  }

  /** On-call first: escalation tiers that page a rotation name its people. */
  protected polls(): ReadonlyArray<PollSpec<SplunkOnCallPoll>> {
    return [
      { id: 'oncall', name: 'Splunk On-Call on-call poll', intervalMs: this.onCallIntervalMs, run: () => this.pollOnCall() },
      { id: 'incidents', name: 'Splunk On-Call incident poll', intervalMs: this.pollIntervalMs, run: () => this.pollIncidents() },
    ];
  }

  /**
   * 401 = missing credentials; 403 is "authentication failed OR rate-limited" in this API, so only 401 is
   * treated as a configuration error.
   */
  protected override refuseStart(e: unknown): Error | undefined {
    if (e instanceof VendorHttpError && e.status === 401) return new BridgeConfigError(`Splunk On-Call rejected the API credentials (${e.message}). Check SPLUNK_ONCALL_API_ID / SPLUNK_ONCALL_API_KEY.`);
    return undefined;
  }

  /**
   * Every call goes through here: the documented answer to "rate limit reached" is 403 (the same
   * status as "authentication failed", which cannot be told apart), so a 403 becomes a rate-limit error
   * with a wait of at least a minute (the limits are per minute): the poller backs off instead of
   * hammering, and nobody is told their key is "forbidden" because they polled too often.
   */
  private async _req<T = unknown>(method: HttpMethod, path: string, opts: RequestOptions<T> = {}): Promise<T> {
    try {
      return await this.http.request(method, path, opts);
    } catch (e) {
      if (e instanceof VendorHttpError && e.status === 403) {
        throw new VendorHttpError(
          `Splunk On-Call ${method} /${path.split('?')[0]}: HTTP 403 — its rate limit was reached (or the API credentials were refused); backing off for at least 60 s`,
          403,
          Math.max(e.retryAfterMs ?? 0, 60_000),
          e.vendorMessage,
        );
      }
      throw e;
    }
  }

  async pollIncidents(): Promise<void> {
    const body = await this._req('GET', 'api-public/v1/incidents');
    const list = body && typeof body === 'object' ? (body as { incidents?: unknown }).incidents : undefined;
    if (!Array.isArray(list)) throw new VendorHttpError('Splunk On-Call GET /api-public/v1/incidents: unexpected response (incidents: expected an array)');
    const seen = new Set<string>();
    const incidents: VoIncident[] = [];
    for (const raw of list as unknown[]) {
      const rawId = raw && typeof raw === 'object' ? (raw as { incidentNumber?: unknown }).incidentNumber : undefined;
      if (typeof rawId === 'string' || typeof rawId === 'number') seen.add(String(rawId));
      const r = v.safeParse(IncidentSchema, raw);
      if (r.success) incidents.push(r.output);
      else this.log.warn(`skipped an incident Splunk On-Call sent (${typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : 'no number'}): ${r.issues[0]?.message ?? 'invalid'}`);
    }
    // The last alert's raw JSON carries the stack trace; fetch it for new open incidents only,
    // a few at a time (the alerts endpoint is rate-limited too).
    const needDetails = incidents.filter((i) => i.lastAlertId && phaseToStatus(i.currentPhase) !== 'resolved' && this._details.get(i.incidentNumber)?.alertId !== i.lastAlertId).slice(0, 10);
    await mapLimit(needDetails, 2, (i) => this._fetchDetails(i));
    // Policies an open incident was paged through and we have not read yet (the on-call poll refreshes them).
    const missing = [...new Set(incidents.filter((i) => phaseToStatus(i.currentPhase) !== 'resolved').flatMap((i) => (i.pagedPolicies ?? []).map((p) => p.policy?.slug).filter((x): x is string => !!x)))].filter((slug) => !this._rawPolicies.has(slug));
    if (missing.length) await this._fetchPolicies(missing);
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    const esc = { policies: this._policies, oncall: this._oncall };
    const incidentPolicy = new Map<string, string>();
    for (const inc of incidents) {
      const slugs = (inc.pagedPolicies ?? []).map((p) => p.policy?.slug).filter((x): x is string => !!x);
      const slug = slugs.find((x) => this._policies.has(x)) ?? slugs[0];
      if (slug && phaseToStatus(inc.currentPhase) !== 'resolved') incidentPolicy.set(inc.incidentNumber, slug);
    }
    this._incidentPolicy = incidentPolicy;
    for (const inc of incidents) {
      const prev = this.ctx.getAlert(inc.incidentNumber);
      const alert = voIncidentToAlert(inc, this._details.get(inc.incidentNumber)?.details, prev, nowIso, esc);
      if (!alert) {
        this.log.debug(`incident ${inc.incidentNumber}: unknown phase ${inc.currentPhase}`);
        continue;
      }
      this._applyAlert(alert, prev);
    }
    // The list holds open and *recently* resolved incidents: an open one that vanished was resolved.
    for (const a of this.ctx.alerts()) {
      if (a.status !== 'resolved' && !seen.has(a.id)) {
        this.ctx.resolveAlert(a.id, undefined, nowIso);
        this._details.delete(a.id);
      }
    }
  }

  private _applyAlert(alert: Alert, prev: Alert | undefined): void {
    if (prev) {
      if (Date.parse(alert.updatedAt) < Date.parse(prev.updatedAt)) return;
      if (sameJson({ ...prev, updatedAt: '' }, { ...alert, updatedAt: '' })) return;
    }
    if (alert.status === 'resolved') {
      if (!prev) return; // recently resolved before we ever showed it
      if (prev.status !== 'resolved') {
        this.ctx.resolveAlert(alert.id, alert.acknowledgedBy, alert.resolvedAt);
        this._details.delete(alert.id);
      }
      return;
    }
    const ok = validAlert(alert, this.log);
    if (ok) this.ctx.upsertAlert(ok);
  }

  private async _fetchDetails(inc: VoIncident): Promise<void> {
    const id = inc.lastAlertId;
    if (!id) return;
    try {
      const body = await this._req('GET', `api-public/v1/alerts/${encodeURIComponent(id)}`, { schema: AlertDetailSchema });
      const d = extractDetails({ raw: body.raw, stateMessage: body.stateMessage });
      this._details.set(inc.incidentNumber, { alertId: id, details: d });
    } catch (e) {
      this.log.debug(`could not read alert ${id} of incident ${inc.incidentNumber}: ${errorText(e)}`);
    }
  }

  /** Reads policy details (at most 50, two at a time); a policy that cannot be read keeps its last copy. */
  private async _fetchPolicies(slugs: readonly string[]): Promise<void> {
    const now = this.ctx.clock.now();
    await mapLimit(slugs.slice(0, 50), 2, async (slug) => {
      try {
        const p = await this._req('GET', `api-public/v1/policies/${encodeURIComponent(slug)}`, { schema: PolicyDetailSchema });
        this._rawPolicies.set(slug, { at: now, policy: p });
      } catch (e) {
        if (e instanceof VendorHttpError && (e.status === 403 || e.status === 429)) throw e;
        this.log.debug(`could not read escalation policy ${slug}: ${errorText(e)}`);
        // Not retried every poll: the on-call poll tries again.
        if (!this._rawPolicies.has(slug)) this._rawPolicies.set(slug, { at: now, policy: { slug, name: slug, steps: [] } });
      }
    });
    this._rebuildPolicies();
  }

  private _rebuildPolicies(): void {
    this._policies.clear();
    const rotations = this._oncall?.rotations ?? [];
    for (const [slug, { policy }] of this._rawPolicies) if (policy.steps?.length) this._policies.set(slug, voPolicyToEscalation(policy, rotations));
  }

  /** The org's users (GET /user), cached for an hour; undefined when they cannot be read. */
  private async _loadUsers(): Promise<Array<{ username: string; email?: string; name?: string }> | undefined> {
    const now = this.ctx.clock.now();
    if (!this._users || now - this._users.at > 3_600_000) {
      try {
        const body = await this._req('GET', 'api-public/v1/user', { schema: UserListSchema });
        const list = (body.users ?? [])
          .flatMap((u) => {
            if (!u.username) return [];
            const name = [u.firstName, u.lastName].filter((x) => !!x?.trim()).join(' ');
            return [{ username: u.username, ...(u.email ? { email: u.email } : {}), ...(name ? { name } : {}) }];
          })
          .slice(0, 10_000);
        this._users = { at: now, list };
      } catch (e) {
        this.log.debug(`could not list Splunk On-Call users: ${errorText(e)}`);
      }
    }
    return this._users?.list;
  }

  /** The Splunk On-Call user acting: by handle (user name) or email; else the configured default, with a note saying so. */
  private async _actingUser(actor: Person | undefined, allowDefault = true): Promise<{ user: string; note?: string } | undefined> {
    const handle = actor?.handle?.replace(/^@/, '').trim();
    const email = actor?.email?.trim().toLowerCase();
    const users = handle || email ? await this._loadUsers() : this._users?.list;
    const found =
      (handle && users?.find((u) => u.username.toLowerCase() === handle.toLowerCase())) || (email && users?.find((u) => u.email?.toLowerCase() === email)) || undefined;
    if (found) return { user: found.username };
    // Without the user list (it failed) a handle is still the best guess, as before.
    if (handle && !users) return { user: handle };
    const def = this._opts.defaultUser;
    if (!def || !allowDefault) return undefined;
    const who = actor ? (handle ? `@${handle}` : (email ?? actor.name)) : undefined;
    return { user: def, note: who ? `done as ${def} (--splunk-oncall-user): ${who} is not a Splunk On-Call user` : `done as ${def} (--splunk-oncall-user): set your handle to your Splunk On-Call user name to act as yourself` };
  }

  /**
   * Ack/resolve the chosen incidents as the acting user: `PATCH /incidents/ack|resolve` with `userName`
   * and `incidentNames`. Not `/incidents/byUser/ack|resolve`: those take no incident names and act on
   * every incident the user was paged for, including ones the editor did not show or select.
   */
  async handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<ActionOutcome | undefined> {
    if (action === 'unack') throw new SourceActionError(this.unsupportedActions.unack);
    const acting = await this._actingUser(actor);
    if (!acting) throw new SourceActionError(NEED_USER);
    const user = acting.user;
    const note = acting.note ? { note: acting.note } : undefined;
    const unknown = alertIds.filter((id) => !this.ctx.getAlert(id));
    if (unknown.length) throw new SourceActionError(`unknown incident(s): ${unknown.slice(0, 5).join(', ')}`);
    const resolved = alertIds.filter((id) => this.ctx.getAlert(id)?.status === 'resolved');
    if (action === 'ack' && resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    const names = alertIds.filter((id) => this.ctx.getAlert(id)?.status !== 'resolved');
    if (!names.length) return note;
    const verb = action === 'ack' ? 'acknowledge' : 'resolve';
    let res: v.InferOutput<typeof AckResolveResponseSchema>;
    try {
      res = await this._req('PATCH', `api-public/v1/incidents/${action === 'ack' ? 'ack' : 'resolve'}`, {
        body: { userName: user, incidentNames: names, message: `${action === 'ack' ? 'Acknowledged' : 'Resolved'} from VS Code (On-Call)` },
        schema: AckResolveResponseSchema,
      });
    } catch (e) {
      if (e instanceof VendorHttpError && e.status === 403) {
        throw new SourceActionError(`Splunk On-Call refused to ${verb} (HTTP 403): its rate limit was reached — try again in a minute — or the API key cannot write (read-only keys can't ${verb})`);
      }
      throw new SourceActionError(`Splunk On-Call could not ${verb}: ${e instanceof VendorHttpError && e.vendorMessage ? e.vendorMessage : errorText(e)}`);
    }
    const refused = res.results.filter((r) => r.cmdAccepted !== true);
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    for (const r of res.results) {
      if (r.cmdAccepted !== true || r.incidentNumber === undefined || r.incidentNumber === null) continue;
      const prev = this.ctx.getAlert(String(r.incidentNumber));
      if (!prev) continue;
      // Shown at once; the next poll confirms it.
      if (action === 'resolve') this.ctx.resolveAlert(prev.id, person(user), nowIso);
      else if (prev.status === 'triggered') this.ctx.upsertAlert({ ...prev, status: 'acknowledged', acknowledgedBy: person(user), acknowledgedAt: nowIso, updatedAt: laterIso(prev.updatedAt, nowIso) ?? nowIso });
    }
    if (refused.length) {
      throw new SourceActionError(`Splunk On-Call did not ${verb} ${refused.map((r) => `${String(r.incidentNumber ?? '?')}${r.message ? ` (${r.message})` : ''}`).slice(0, 5).join(', ')}`);
    }
    void this.pollNow('incidents');
    return note;
  }

  /** The chosen incidents, known and open; else a refusal naming the ones that are not. */
  private _openIncidents(alertIds: readonly string[]): Alert[] {
    const unknown = alertIds.filter((id) => !this.ctx.getAlert(id));
    if (unknown.length) throw new SourceActionError(`unknown incident(s): ${unknown.slice(0, 5).join(', ')}`);
    const resolved = alertIds.filter((id) => this.ctx.getAlert(id)?.status === 'resolved');
    if (resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    return alertIds.map((id) => this.ctx.getAlert(id)!);
  }

  /** The people of step `level` of the incident's policy, now (rotation groups: who is on call in them). */
  private _stepTargets(alertId: string, level: number): { policy: EscalationPolicy; targets: VoTarget[]; names: string[] } {
    const slug = this._incidentPolicy.get(alertId);
    const policy = slug ? this._policies.get(slug) : undefined;
    if (!policy) throw new SourceActionError(`incident ${alertId} was paged through no escalation policy the bridge could read: reassign it to a person or a policy instead`);
    const last = Math.max(...policy.tiers.map((t) => t.level));
    if (!policy.tiers.some((t) => t.level === level)) throw new SourceActionError(`${policy.name} has steps 1–${last}; there is no step ${level}`);
    const people = tierTargets(policy, level, this._oncall, this.ctx.clock.now());
    const slugs = [...new Set(people.map((p) => p.id ?? p.handle ?? p.name))];
    if (!slugs.length) throw new SourceActionError(`step ${level} of ${policy.name} pages nobody right now (its rotation has no one on call): reassign to a person instead`);
    return { policy, targets: slugs.map((x) => ({ type: 'User', slug: x })), names: slugs };
  }

  /**
   * POST /api-public/v1/incidents/reroute (`RerouteCollection`: the acting `userName` and one `Reroute` per
   * incident). Resolves when every incident's status says `success`; the new paging shows with the next poll.
   */
  private async _reroute(reroutes: Array<{ incidentNumber: string; targets: VoTarget[] }>, actor: Person | undefined, verb: string): Promise<ActionOutcome | undefined> {
    const acting = await this._actingUser(actor);
    if (!acting) throw new SourceActionError(NEED_USER);
    let res: v.InferOutput<typeof RerouteResponseSchema>;
    try {
      res = await this._req('POST', 'api-public/v1/incidents/reroute', { body: { userName: acting.user, reroutes }, schema: RerouteResponseSchema });
    } catch (e) {
      throw actionError(VENDOR, verb, e, hints(`the incident, user or policy is not known to Splunk On-Call (or ${acting.user} is not a user of this organization)`));
    }
    void this.pollNow('incidents');
    const answered = new Map(res.statuses.map((st) => [st.incidentNumber, st]));
    const failed = reroutes.flatMap((r) => {
      const st = answered.get(r.incidentNumber);
      if (!st) return [`${r.incidentNumber} (no answer for it)`];
      if (st.success) return [];
      const why = st.message ?? (st.targetStatus ?? []).filter((t) => t.success !== true).map((t) => `${t.slug ?? '?'}: ${t.message ?? 'refused'}`).join('; ');
      return [`${r.incidentNumber}${why ? ` (${why})` : ''}`];
    });
    if (failed.length) throw new SourceActionError(`Splunk On-Call did not ${verb}: ${failed.slice(0, 5).join(', ')}`);
    return acting.note ? { note: acting.note } : undefined;
  }

  /** Reassign: reroute to a user, to an escalation policy, or to the people of a step of the incident's policy. */
  async reassign(alertIds: readonly string[], to: ReassignTarget, actor: Person | undefined): Promise<ActionOutcome | undefined> {
    this._openIncidents(alertIds);
    if ('userId' in to) {
      const users = await this._loadUsers();
      if (users && !users.some((u) => u.username === to.userId)) throw new SourceActionError(`${to.userId} is not a Splunk On-Call user of this organization`);
      return this._reroute(alertIds.map((id) => ({ incidentNumber: id, targets: [{ type: 'User', slug: to.userId }] })), actor, `reroute ${alertIds.join(', ')} to ${to.userId}`);
    }
    if ('policyId' in to) {
      return this._reroute(alertIds.map((id) => ({ incidentNumber: id, targets: [{ type: 'EscalationPolicy', slug: to.policyId }] })), actor, `reroute ${alertIds.join(', ')} to policy ${to.policyId}`);
    }
    const steps = alertIds.map((id) => ({ id, ...this._stepTargets(id, to.escalationLevel) }));
    return this._reroute(steps.map((x) => ({ incidentNumber: x.id, targets: x.targets })), actor, `reroute ${alertIds.join(', ')} to step ${to.escalationLevel}`);
  }

  /**
   * Splunk On-Call has no "escalate" operation: the incident is rerouted to the people of the next step of its
   * policy (or of step `level`), and the result says so.
   */
  async escalate(alertIds: readonly string[], level: number | undefined, actor: Person | undefined): Promise<ActionOutcome> {
    const alerts = this._openIncidents(alertIds);
    const steps = alerts.map((a) => {
      const current = a.escalation?.level ?? 1;
      const want = level ?? current + 1;
      const slug = this._incidentPolicy.get(a.id);
      const policy = slug ? this._policies.get(slug) : undefined;
      if (policy && level === undefined && !policy.tiers.some((t) => t.level === want)) throw new SourceActionError(`incident ${a.id} is already at the last step (${current}) of ${policy.name}`);
      return { id: a.id, level: want, ...this._stepTargets(a.id, want) };
    });
    const outcome = await this._reroute(steps.map((x) => ({ incidentNumber: x.id, targets: x.targets })), actor, `escalate ${alertIds.join(', ')}`);
    const what = steps.map((x) => `${x.id} to step ${x.level} of ${x.policy.name} (${x.names.join(', ')})`).join('; ');
    return { note: [`Splunk On-Call has no "escalate": rerouted ${what}`, outcome?.note].filter((x) => !!x).join('; ') };
  }

  /**
   * Take on-call ("cover me" when `userId` is someone else): for each person on call in the rotation during the
   * range, a scheduled override (POST /api-public/v1/overrides: `username` = the one covered, start, end, timezone)
   * whose assignment for the rotation's policy goes to the taker (PUT …/assignments/{policySlug}: `{policy,
   * username}`). An override whose assignment fails is deleted again: left unassigned, nobody would cover it.
   */
  async override(req: OverrideRequest, actor: Person | undefined): Promise<ActionOutcome | undefined> {
    const rot = this._oncall?.rotations.find((r) => r.id === req.rotationId);
    if (!rot) throw new SourceActionError(`unknown rotation ${req.rotationId}: refresh the On Call view`);
    const policySlug = rot.id.split('/')[1];
    if (!policySlug || policySlug === 'policy') throw new SourceActionError(`${rot.name} belongs to no escalation policy the bridge knows: take the shift in Splunk On-Call`);
    let taker: string;
    if (req.userId !== undefined) {
      const users = await this._loadUsers();
      if (users && !users.some((u) => u.username === req.userId)) throw new SourceActionError(`${req.userId} is not a Splunk On-Call user of this organization`);
      taker = req.userId;
    } else {
      const me = await this._actingUser(actor, false);
      if (!me) throw new SourceActionError('Splunk On-Call needs your Splunk On-Call user name to put you on call: set your handle in your identity to your Splunk On-Call user name');
      taker = me.user;
    }
    const start = Math.max(req.start, this.ctx.clock.now());
    const end = req.end;
    const covered = new Map<string, { from: number; to: number }>();
    let takerOnCall = false;
    for (const sh of rot.shifts) {
      const s0 = Date.parse(sh.start);
      const s1 = Date.parse(sh.end);
      if (!(s0 < end && start < s1)) continue;
      const user = sh.person.id ?? sh.person.handle ?? sh.person.name;
      if (user === taker) {
        takerOnCall = true;
        continue;
      }
      const prev = covered.get(user);
      covered.set(user, { from: Math.min(prev?.from ?? Infinity, Math.max(s0, start)), to: Math.max(prev?.to ?? -Infinity, Math.min(s1, end)) });
    }
    if (!covered.size) throw new SourceActionError(takerOnCall ? `${taker} is already on call for ${rot.name} then` : `nobody is on call for ${rot.name} then: there is no shift to take`);
    if (covered.size > MAX_OVERRIDE_PEOPLE) throw new SourceActionError(`that range covers the shifts of ${covered.size} people: pick a shorter range (at most ${MAX_OVERRIDE_PEOPLE})`);
    const notes: string[] = [];
    const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const [user, r] of covered) {
      let created: v.InferOutput<typeof OverrideCreatedSchema>;
      try {
        created = await this._req('POST', 'api-public/v1/overrides', { body: { username: user, start: iso(r.from), end: iso(r.to), timezone: 'Etc/UTC' }, schema: OverrideCreatedSchema });
      } catch (e) {
        throw actionError(VENDOR, `create an override for ${user}`, e, hints(`${user} is not a Splunk On-Call user`));
      }
      const id = created.schedule.publicId;
      try {
        await this._req('PUT', `api-public/v1/overrides/${encodeURIComponent(id)}/assignments/${encodeURIComponent(policySlug)}`, { body: { policy: policySlug, username: taker }, schema: AssignmentSchema });
      } catch (e) {
        const err = actionError(VENDOR, `assign ${user}'s override on ${policySlug} to ${taker}`, e, hints(`${user} has no shift on policy ${policySlug} in that range, or ${taker} is not a user`));
        try {
          await this._req('DELETE', `api-public/v1/overrides/${encodeURIComponent(id)}`);
        } catch (e2) {
          this.log.warn(`could not delete the unassigned override ${id}: ${errorText(e2)}`);
          throw new SourceActionError(`${err.message}; the override ${id} it created could not be removed: delete it in Splunk On-Call (Scheduled Overrides)`);
        }
        throw err;
      }
      const others = (created.schedule.assignments ?? []).map((a) => a.policy).filter((x): x is string => !!x && x !== policySlug);
      if (others.length) notes.push(`${user}'s override also covers ${others.slice(0, 5).join(', ')}: those stay unassigned — assign them in Splunk On-Call`);
    }
    void this.pollNow('oncall');
    return notes.length ? { note: notes.join('; ') } : undefined;
  }

  async pollOnCall(): Promise<void> {
    const now = this.ctx.clock.now();
    const current = await this._req('GET', 'api-public/v1/oncall/current', { schema: CurrentOnCallSchema });
    const onCallNow = (t: v.InferOutput<typeof CurrentOnCallSchema>['teamsOnCall'][number]) => t.onCallNow ?? t.oncallNow ?? [];
    const teams = this._opts.teams?.length ? [...this._opts.teams] : [...new Set(current.teamsOnCall.map((t) => t.team.slug).filter((s): s is string => !!s))];
    const rotations = new Map<string, Rotation>();
    const nowIso = new Date(now).toISOString();
    const policySlugs = new Set<string>();
    const schedules = await mapLimit(teams.slice(0, 50), 2, async (team) => {
      try {
        return { team, s: await this._req('GET', `api-public/v2/team/${encodeURIComponent(team)}/oncall/schedule`, { query: { daysForward: this._opts.daysForward ?? 7 }, schema: TeamScheduleSchema }) };
      } catch (e) {
        if (e instanceof VendorHttpError && (e.status === 429 || e.status === 403)) throw e;
        this.log.debug(`could not read the schedule of team ${team}: ${errorText(e)}`);
        return { team, s: undefined };
      }
    });
    for (const { team, s } of schedules) {
      if (!s) continue;
      for (const pol of s.schedules) {
        if (pol.policy?.slug) policySlugs.add(pol.policy.slug);
        for (const entry of pol.schedule ?? []) {
          const name = [s.team?.name ?? team, pol.policy?.name, entry.rotationName ?? entry.shiftName].filter((x) => !!x).join(' / ');
          const id = `${team}/${pol.policy?.slug ?? 'policy'}/${entry.rotationName ?? entry.shiftName ?? 'direct'}`;
          let r = rotations.get(id);
          if (!r) rotations.set(id, (r = { id, name, pair: team, shifts: [] }));
          const shifts: Rotation['shifts'] = [];
          for (const roll of entry.rolls ?? []) {
            const start = isoOf(roll.start);
            const end = isoOf(roll.end);
            if (!start || !end || !roll.onCallUser) continue;
            shifts.push({ person: person(roll.onCallUser.username), start, end });
          }
          r.shifts.push(...applyOverrides(shifts, pol.overrides ?? []));
        }
      }
    }
    // Teams without a schedule entry still show who is on call now (from /oncall/current), as a
    // shift from now to the end of the window: the API does not say when it ends.
    const windowEnd = new Date(now + (this._opts.daysForward ?? 7) * 86_400_000).toISOString();
    for (const t of current.teamsOnCall) {
      for (const oc of onCallNow(t)) {
        if (oc.escalationPolicy?.slug) policySlugs.add(oc.escalationPolicy.slug);
        const id = `${t.team.slug ?? t.team.name ?? 'team'}/${oc.escalationPolicy?.slug ?? 'policy'}/now`;
        const covered = [...rotations.values()].some((r) => r.id.startsWith(`${t.team.slug ?? ''}/${oc.escalationPolicy?.slug ?? 'policy'}/`) && r.shifts.length);
        if (covered) continue;
        const users = (oc.users ?? []).map((u) => u.onCallUser ?? u.onCalluser).filter((u): u is { username: string } => !!u);
        if (!users.length) continue;
        rotations.set(id, {
          id,
          name: [t.team.name ?? t.team.slug, oc.escalationPolicy?.name].filter((x) => !!x).join(' / '),
          ...(t.team.slug ? { pair: t.team.slug } : {}),
          shifts: users.map((u) => ({ person: person(u.username), start: nowIso, end: windowEnd })),
        });
      }
    }
    for (const r of rotations.values()) r.shifts.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    this._oncall = { generatedAt: nowIso, rotations: [...rotations.values()], policies: [] };
    for (const slug of this._rawPolicies.keys()) policySlugs.add(slug);
    const stale = [...policySlugs].filter((slug) => {
      const got = this._rawPolicies.get(slug);
      return !got || now - got.at >= (this._opts.onCallIntervalMs ?? 300_000);
    });
    if (stale.length) await this._fetchPolicies(stale);
    else this._rebuildPolicies();
    const state: OnCallState = { generatedAt: nowIso, rotations: [...rotations.values()], policies: [...this._policies.values()] };
    // The pickers' directory (reassign, override): user names are this source's user ids.
    const users = await this._loadUsers();
    if (users) state.people = users.map((u) => ({ id: u.username, name: u.name ?? u.username, handle: u.username, ...(u.email ? { email: u.email } : {}) }));
    const comparable = {
      people: state.people,
      rotations: state.rotations.map((r) => ({ ...r, shifts: r.shifts.map((s) => (s.start === nowIso ? { ...s, start: '', end: '' } : s)) })),
      policies: state.policies,
    };
    if (this._lastOnCall !== undefined && sameJson(this._lastOnCall, comparable)) return;
    const ok = validOnCall(state, this.log);
    if (!ok) return;
    this._lastOnCall = comparable;
    this.ctx.setOnCall(ok);
  }
}
