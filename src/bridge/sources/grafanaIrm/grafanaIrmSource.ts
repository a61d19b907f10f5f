/**
 * Grafana IRM / Grafana OnCall through the bridge, over its public HTTP API (docs/sources/oncall-api-reference
 * of grafana/oncall). It polls with backoff, and — when a webhook secret is configured — also takes OnCall's
 * outgoing webhooks on POST /webhooks/grafana-irm, so changes arrive at once; polling stays as reconcile.
 *
 *   GET  /api/v1/alert_groups/?state=new|acknowledged|silenced   open alert groups (`next` pagination)
 *   GET  /api/v1/alert_groups/{id}/                               one group (after an action)
 *   POST /api/v1/alert_groups/{id}/acknowledge|unacknowledge|resolve
 *   GET  /api/v1/schedules/                                       schedules (name, time zone)
 *   GET  /api/v1/schedules/{id}/final_shifts?start_date&end_date  the shifts as they will happen
 *                                                                 (rotations, overrides and on_call_shifts resolved)
 *   GET  /api/v1/users/, /integrations/, /routes/, /escalation_chains/, /escalation_policies/
 *                                                                 names, and each group's escalation chain
 *
 * Responder actions (protocol 1.1), each where the reference has it:
 *   POST /api/v1/alert_groups/{id}/silence {delay}                snooze: silence for `delay` seconds
 *   POST /api/v1/escalation/ {alert_group_id, users}              escalate / reassign to a person or a step of the
 *                                                                 chain: pages those users on the existing group
 *   POST /api/v1/resolution_notes/ {alert_group_id, text}         note
 *   GET  /api/v1/resolution_notes/?alert_group_id=                a group's notes, read once when it is first seen
 *   POST /api/v1/shift_swaps/ {schedule, swap_start, swap_end, beneficiary}, then
 *   POST /api/v1/shift_swaps/{id}/take {benefactor}               take on-call / cover me (DELETE …/{id}/ rolls
 *                                                                 back a request that could not be taken)
 * Not in the API: moving a group to another escalation chain (reassign to a policy) — refused with that reason.
 *
 * Auth, as the reference's auth section says: `Authorization: <token>` with no scheme, for OnCall API
 * tokens and Grafana service-account tokens alike; a service-account token (the engine recognises them
 * by their `glsa_` prefix — so "Bearer glsa_…" is not one) also needs `X-Grafana-URL: <stack URL>`.
 * `authScheme: 'bearer'` (--grafana-auth-scheme bearer) sends "Bearer <token>" for setups that want it.
 * The engine refuses every alert-group action from a service account (403; the reference marks them
 * "user authentication only"), so with a `glsa_` token no actions are announced, and hello says why.
 *
 * Severity: a `severity` label of the group (or of its last alert's payload: Alertmanager's
 * commonLabels/labels, Grafana alerting's labels) mapped by shared/alertHelpers.severityFromWord;
 * none → high. A silenced group shows as acknowledged (label silenced=true): nobody is being paged.
 * Ack/resolve act as the user who owns the token (the API has no "on behalf of").
 *
 * Freshness: the engine clears `acknowledged_at` on un-acknowledge (and `silenced_at`/`resolved_at` on
 * unsilence/unresolve), so a time derived from them can go backwards; changes are detected by comparing
 * the state, and `updatedAt` never goes backwards (the observation time is used when it would).
 *
 * Escalation: a group's route (`route_id`, else the integration's default route) names its escalation
 * chain; the chain's policies in `position` order become tiers: notify steps are a tier's targets, a
 * `wait` step (`duration` seconds) is the delay before the next tier. The countdown runs from the
 * group's creation, or from the moment it went back to "new" (un-acknowledge, unsilence, unresolve).
 */
import * as v from 'valibot';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Alert, AlertAction, AlertNote, AlertStatus, EscalationPolicy, EscalationTarget, OnCallState, Person, ReassignTarget, Rotation, Severity } from '../../../core/protocol/types';
import { BridgeConfigError } from '../../server';
import { errorText } from '../../../core/util/errors';
import { BoundedSet, extractDetails, isoOf, laterIso, mapLimit, sameJson, severityFromWord, validAlert, validOnCall } from '../shared/alertHelpers';
import { actionError, type ActionErrorHints } from '../shared/actionErrors';
import { escalationOf, tierTargets } from '../shared/escalation';
import { paginateNext } from '../shared/paginate';
import type { PollSpec } from '../shared/pollingSource';
import { VendorHttpError } from '../shared/vendorHttp';
import { VendorPollingSource, type VendorApi, type VendorPollingOptions } from '../shared/vendorSource';
import { SourceActionError, type ActionOutcome, type HttpRequestInfo, type HttpResponseInfo, type OverrideRequest, type Route, type SourceContext } from '../types';

export interface GrafanaIrmOptions extends VendorPollingOptions {
  /** OnCall API base, e.g. https://oncall-prod-us-central-0.grafana.net/oncall (no trailing /api/v1). */
  apiUrl: string;
  token: string;
  /** Grafana stack URL, sent as X-Grafana-URL (needed with a service-account token). */
  grafanaUrl?: string;
  /** 'none' (default, as the reference): `Authorization: <token>`; 'bearer': `Authorization: Bearer <token>`. */
  authScheme?: 'none' | 'bearer';
  /** Shared secret(s) of the outgoing webhooks: enables POST /webhooks/grafana-irm. */
  webhookSecrets?: readonly string[];
  /** Days of shifts fetched ahead. Default 7. */
  daysForward?: number;
  /** Only these schedules (default: all). */
  scheduleIds?: readonly string[];
}

const optStr = v.optional(v.nullable(v.string()));

const LabelSchema = v.object({ key: v.object({ name: v.string() }), value: v.object({ name: v.string() }) });

export const AlertGroupSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  integration_id: optStr,
  route_id: optStr,
  alerts_count: v.optional(v.nullable(v.number())),
  alert_group_number: v.optional(v.nullable(v.number())),
  state: v.string(),
  created_at: v.string(),
  resolved_at: optStr,
  acknowledged_at: optStr,
  silenced_at: optStr,
  acknowledged_by: optStr,
  resolved_by: optStr,
  title: optStr,
  permalinks: v.optional(v.nullable(v.object({ web: optStr, slack: optStr, telegram: optStr }))),
  // The API lists `{key:{name},value:{name}}`; the outgoing webhook's alert_group has a `{key: value}` map.
  labels: v.optional(v.nullable(v.union([v.array(LabelSchema), v.record(v.string(), v.unknown())]))),
  teams: v.optional(v.nullable(v.array(v.string()))),
  last_alert: v.optional(v.nullable(v.object({ id: optStr, created_at: optStr, payload: v.optional(v.unknown()) }))),
});
type AlertGroup = v.InferOutput<typeof AlertGroupSchema>;

const UserSchema = v.object({ id: v.string(), email: optStr, username: optStr, name: optStr, timezone: optStr });
const IntegrationSchema = v.object({ id: v.string(), name: optStr, default_route: v.optional(v.nullable(v.object({ id: optStr, escalation_chain_id: optStr }))) });
const RouteSchema = v.object({ id: v.string(), integration_id: optStr, escalation_chain_id: optStr });
const ChainSchema = v.object({ id: v.string(), name: optStr });
export const EscalationStepSchema = v.object({
  id: v.string(),
  escalation_chain_id: v.string(),
  position: v.optional(v.nullable(v.number())),
  type: optStr,
  duration: v.optional(v.nullable(v.number())),
  persons_to_notify: v.optional(v.nullable(v.array(v.string()))),
  persons_to_notify_next_each_time: v.optional(v.nullable(v.array(v.string()))),
  notify_on_call_from_schedule: optStr,
});
type EscalationStep = v.InferOutput<typeof EscalationStepSchema>;

const WebhookUser = v.optional(v.nullable(v.object({ id: optStr, username: optStr, email: optStr })));
/** An outgoing webhook with "Forward All" (the whole event data, docs/sources/configure/integrations/outgoing-webhooks). */
export const WebhookEventSchema = v.object({
  event: v.object({ type: v.string(), time: optStr }),
  user: WebhookUser,
  alert_group: AlertGroupSchema,
  alert_group_id: optStr,
  alert_payload: v.optional(v.unknown()),
  integration: v.optional(v.nullable(v.object({ id: optStr, name: optStr }))),
  alert_group_acknowledged_by: WebhookUser,
  alert_group_resolved_by: WebhookUser,
});

/** POST /resolution_notes/ answers the note: `{id, alert_group_id, author, source, created_at, text}`. */
const ResolutionNoteSchema = v.object({ id: v.pipe(v.string(), v.minLength(1)), alert_group_id: optStr, author: optStr, source: optStr, created_at: optStr, text: v.string() });
/** A shift swap request (shift_swaps.md): `status` is "open" until someone takes it ("taken"). */
const ShiftSwapSchema = v.object({ id: v.pipe(v.string(), v.minLength(1)), schedule: optStr, status: optStr, beneficiary: optStr, benefactor: optStr, swap_start: optStr, swap_end: optStr });

const ScheduleSchema = v.object({ id: v.string(), name: optStr, time_zone: optStr, team_id: optStr, on_call_now: v.optional(v.nullable(v.array(v.string()))) });
const FinalShiftSchema = v.object({ user_pk: optStr, user_email: optStr, user_username: optStr, shift_start: v.string(), shift_end: v.string() });

const OPEN_STATES = ['new', 'acknowledged', 'silenced'] as const;

export function stateToStatus(state: string): AlertStatus | undefined {
  switch (state) {
    case 'new':
    case 'firing':
      return 'triggered';
    case 'acknowledged':
    case 'silenced':
      return 'acknowledged';
    case 'resolved':
      return 'resolved';
    default:
      return undefined;
  }
}

/** The severity label of the group, else of its last alert's payload (Alertmanager / Grafana alerting shapes). */
function groupLabels(g: AlertGroup): Array<[string, string]> {
  const l = g.labels;
  if (!l) return [];
  if (Array.isArray(l)) return l.map((x) => [x.key.name, x.value.name]);
  return Object.entries(l).flatMap(([k, x]) => (typeof x === 'string' ? [[k, x] as [string, string]] : []));
}

function severityOf(g: AlertGroup): { severity: Severity; service?: string; environment?: string } {
  const labels: Record<string, string> = {};
  for (const [k, x] of groupLabels(g)) labels[k.toLowerCase()] = x;
  const p = g.last_alert?.payload;
  const fromPayload = (k: string): string | undefined => {
    if (!p || typeof p !== 'object') return undefined;
    const o = p as Record<string, unknown>;
    for (const bag of [o.commonLabels, o.labels, (o.alerts as unknown[] | undefined)?.[0] && (o.alerts as Array<Record<string, unknown>>)[0]?.labels]) {
      if (bag && typeof bag === 'object' && typeof (bag as Record<string, unknown>)[k] === 'string') return (bag as Record<string, string>)[k];
    }
    return undefined;
  };
  const sev = severityFromWord(labels.severity ?? fromPayload('severity') ?? labels.priority ?? fromPayload('priority')) ?? 'high';
  const out: { severity: Severity; service?: string; environment?: string } = { severity: sev };
  const service = labels.service_name ?? labels.service ?? fromPayload('service_name') ?? fromPayload('service') ?? fromPayload('job');
  if (service) out.service = service;
  const env = labels.environment ?? labels.env ?? fromPayload('environment') ?? fromPayload('env');
  if (env) out.environment = env;
  return out;
}

export function alertGroupToAlert(g: AlertGroup, prev: Alert | undefined, users: ReadonlyMap<string, Person>, integrationNames: ReadonlyMap<string, string> = new Map()): Alert | undefined {
  const status = stateToStatus(g.state);
  if (!status) return undefined;
  const created = isoOf(g.created_at) ?? prev?.startedAt;
  if (!created) return undefined;
  let updated: string = created;
  for (const t of [g.acknowledged_at, g.resolved_at, g.silenced_at, g.last_alert?.created_at]) updated = laterIso(updated, isoOf(t)) ?? updated;
  const { severity, service, environment } = severityOf(g);
  const labels: Record<string, string> = {};
  for (const [k, x] of groupLabels(g)) labels[k] = x;
  if (g.integration_id) labels.integration_id = g.integration_id;
  const integrationName = g.integration_id ? integrationNames.get(g.integration_id) : undefined;
  if (integrationName) labels.integration = integrationName;
  if (g.alerts_count !== undefined && g.alerts_count !== null) labels.alerts_count = String(g.alerts_count);
  if (g.state === 'silenced') labels.silenced = 'true';
  const a: Alert = {
    id: g.id,
    title: g.title || prev?.title || `Alert group ${g.alert_group_number ?? g.id}`,
    severity,
    status,
    service: service ?? prev?.service ?? integrationName ?? g.integration_id ?? 'unknown service',
    startedAt: created,
    updatedAt: updated,
    assignees: prev?.assignees ?? [],
    labels,
    source: 'grafana-irm',
  };
  if (environment) a.environment = environment;
  const web = g.permalinks?.web;
  if (web && /^https?:\/\//i.test(web)) a.url = web;
  // The group detail (after an action) may come without `last_alert`: keep what an earlier read learned.
  const d = extractDetails(g.last_alert?.payload ?? {});
  const trace = d.stackTrace ?? prev?.stackTrace;
  if (trace) a.stackTrace = trace;
  const release = d.release ?? prev?.release;
  if (release) a.release = release;
  const sha = d.commitSha ?? prev?.commitSha;
  if (sha) a.commitSha = sha;
  const runbook = d.runbookUrl ?? prev?.runbookUrl;
  if (runbook) a.runbookUrl = runbook;
  const env = a.environment ?? d.environment ?? prev?.environment;
  if (env) a.environment = env;
  if (!service && prev?.service) a.service = prev.service;
  const p = g.last_alert?.payload as Record<string, unknown> | undefined;
  const msg = p && typeof p.message === 'string' ? p.message : prev?.description;
  if (msg && msg !== a.title) a.description = msg;
  if (status === 'acknowledged' && g.acknowledged_by) {
    a.acknowledgedBy = users.get(g.acknowledged_by) ?? { id: g.acknowledged_by, name: g.acknowledged_by };
    const at = isoOf(g.acknowledged_at);
    if (at) a.acknowledgedAt = at;
  }
  if (status === 'resolved') a.resolvedAt = isoOf(g.resolved_at) ?? updated;
  // Notes the bridge added (the list of groups carries none); kept while the group lives.
  if (prev?.notes?.length) a.notes = prev.notes;
  return a;
}

/**
 * A chain's steps (sorted by `position`) as tiers: notify steps add targets to the current tier; a
 * `wait` ends it, its `duration` (seconds) being the tier's delay before the next one (consecutive waits
 * add up; waits before the first notify delay the first tier — kept as a first tier without targets).
 * Users are named from /users/; `notify_on_call_from_schedule` targets the schedule's rotation (same id).
 */
export function chainToPolicy(chain: { id: string; name?: string | null }, steps: readonly EscalationStep[], users: ReadonlyMap<string, Person>): EscalationPolicy {
  const sorted = [...steps].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).slice(0, 100);
  const tiers: EscalationPolicy['tiers'] = [];
  let cur: { targets: EscalationTarget[]; delaySec: number; waited: boolean } = { targets: [], delaySec: 0, waited: false };
  const person = (id: string): Person => users.get(id) ?? { id, name: id };
  const close = (): void => {
    tiers.push({ level: tiers.length + 1, delayMinutes: cur.delaySec / 60, targets: cur.targets });
    cur = { targets: [], delaySec: 0, waited: false };
  };
  for (const st of sorted) {
    if (st.type === 'wait') {
      cur.delaySec += Math.max(0, st.duration ?? 0);
      cur.waited = true;
      continue;
    }
    if (cur.waited) close();
    for (const id of [...(st.persons_to_notify ?? []), ...(st.persons_to_notify_next_each_time ?? [])].slice(0, 50)) cur.targets.push({ type: 'person', person: person(id) });
    if (st.notify_on_call_from_schedule) cur.targets.push({ type: 'rotation', rotationId: st.notify_on_call_from_schedule });
  }
  if (cur.targets.length || cur.waited || tiers.length === 0) close();
  // The last tier does not escalate further.
  if (tiers.length) tiers[tiers.length - 1]!.delayMinutes = 0;
  return { id: chain.id, name: chain.name || chain.id, services: [], tiers };
}

const SERVICE_ACCOUNT_REASON =
  'Grafana OnCall does not let service-account tokens act on alert groups (its API reference marks acknowledge, unacknowledge and resolve "user authentication only"). To act from the editor, start the bridge with a user\'s OnCall API token (OnCall → Settings → API tokens) instead of the glsa_ service-account token.';

const WEBHOOK_MAX_BYTES = 1024 * 1024;

/** Constant-time comparison of a presented secret with the configured ones (hashed first: equal lengths). */
function secretMatches(given: string, secrets: readonly string[]): boolean {
  const g = createHash('sha256').update(given).digest();
  let ok = false;
  for (const s of secrets) if (timingSafeEqual(g, createHash('sha256').update(s).digest())) ok = true;
  return ok;
}

const VENDOR = 'Grafana IRM';
const hints = (may: string, notFound: string): ActionErrorHints => ({
  unauthorized: 'it refused the API token: check GRAFANA_IRM_TOKEN / --grafana-irm-token-file',
  forbidden: `this token is read-only here (its user may not ${may}): use the OnCall API token of a user who may`,
  notFound,
});
/** Takes over at most this many people's shifts in one "take on-call". */
const MAX_SWAP_PEOPLE = 5;

type GrafanaIrmPoll = 'groups' | 'oncall';


/** Grafana's escalation API pages people or a chain's step; no operation moves a group to another chain. */
const NO_CHAIN_MOVE = 'Grafana OnCall cannot move an alert group to another escalation chain through its API: reassign to a person, or to a step of its chain';
export class GrafanaIrmSource extends VendorPollingSource<GrafanaIrmPoll> {
  readonly name = 'grafana-irm';
  readonly capabilities: readonly string[];
  readonly unsupportedReassignTargets = { policyId: NO_CHAIN_MOVE };
  readonly actionsUnavailableReason: string | undefined;
  readonly routes: readonly Route[];

  /** OnCall users (id → person), from /users/ and the final shifts. Bounded by the org's size. */
  private readonly _users = new Map<string, Person>();
  private readonly _integrationNames = new Map<string, string>();
  /** route id → escalation chain id (routes, and integrations' default routes); integration id → its default route's chain. */
  private readonly _routeChain = new Map<string, string>();
  private readonly _integrationChain = new Map<string, string>();
  private readonly _policies = new Map<string, EscalationPolicy>();
  /** When a group last (re)started escalating: set when it is seen going back to "new". */
  private readonly _escalationStart = new Map<string, number>();
  /** Until when a group the bridge silenced stays silenced (the group itself does not say); dropped when it is not silenced. */
  private readonly _silencedUntil = new Map<string, string>();
  /** The route and integration of each open group (its escalation chain), bounded by the open groups. */
  private readonly _groupRefs = new Map<string, { route_id: string | null; integration_id: string | null }>();
  private _oncall: OnCallState | undefined;
  private _lastOnCall: unknown;
  private readonly _isServiceAccount: boolean;
  private readonly _secrets: readonly string[];
  private readonly _seenEvents = new BoundedSet(500);
  /** Groups whose resolution notes were read (once per group; later ones are those added from the editor). */
  private readonly _notesRead = new BoundedSet(5000);
  private _rejectedWebhooks = 0;

  constructor(private readonly _opts: GrafanaIrmOptions) {
    super('Grafana IRM', _opts);
    if (!_opts.token.trim()) throw new BridgeConfigError('Grafana IRM: the API token is empty');
    if (!_opts.apiUrl.trim()) throw new BridgeConfigError('Grafana IRM: the OnCall API URL is required (--grafana-irm-url)');
    this._isServiceAccount = _opts.token.trim().startsWith('glsa_');
    if (this._isServiceAccount && !_opts.grafanaUrl) {
      throw new BridgeConfigError('Grafana IRM: a service-account token (glsa_…) also needs the Grafana stack URL: pass --grafana-url https://<your-stack>.grafana.net (sent as X-Grafana-URL)');
    }
    this.capabilities = this._isServiceAccount ? ['oncall'] : ['ack', 'unack', 'resolve', 'oncall', 'snooze', 'reassign', 'escalate', 'note', 'override'];
    this.actionsUnavailableReason = this._isServiceAccount ? SERVICE_ACCOUNT_REASON : undefined;
    this._secrets = (_opts.webhookSecrets ?? []).map((x) => x.trim()).filter((x) => x.length > 0);
    this.routes = this._secrets.length ? [{ method: 'POST', path: '/webhooks/grafana-irm', auth: 'none', maxBodyBytes: WEBHOOK_MAX_BYTES, handle: (req) => this._onWebhook(req) }] : [];
  }

  protected api(): VendorApi {
    const token = this._opts.token.trim();
    const headers: Record<string, string> = { Authorization: this._opts.authScheme === 'bearer' ? `Bearer ${token}` : token };
    if (this._opts.grafanaUrl) headers['X-Grafana-URL'] = this._opts.grafanaUrl;
    return { baseUrl: this._opts.apiUrl, headers };
  }

  protected override prepare(ctx: SourceContext): void {
    super.prepare(ctx);
    if (this._isServiceAccount) ctx.logger.info(`service-account token: reading only (${SERVICE_ACCOUNT_REASON})`);
  }

  /** Schedules, users and escalation chains first: they name the users and escalation of groups. */
  protected polls(): ReadonlyArray<PollSpec<GrafanaIrmPoll>> {
    return [
      { id: 'oncall', name: 'Grafana IRM schedule poll', intervalMs: this.onCallIntervalMs, run: () => this.pollOnCall() },
      { id: 'groups', name: 'Grafana IRM alert group poll', intervalMs: this.pollIntervalMs, run: () => this.pollAlertGroups() },
    ];
  }

  protected override refuseStart(e: unknown): Error | undefined {
    if (!(e instanceof VendorHttpError && e.isAuthError)) return undefined;
    const hint =
      this._opts.authScheme === 'bearer'
        ? ' You set --grafana-auth-scheme bearer; the OnCall API reference sends the token with no scheme (drop the option).'
        : this._isServiceAccount
          ? ' A service-account token needs --grafana-url to be the stack URL it belongs to.'
          : '';
    return new BridgeConfigError(`Grafana IRM rejected the API token (${e.message}). Check GRAFANA_IRM_TOKEN / --grafana-irm-token-file.${hint}`);
  }

  async pollAlertGroups(): Promise<void> {
    const open = new Set<string>();
    const groups: AlertGroup[] = [];
    let complete = true;
    for (const state of OPEN_STATES) {
      const page = await paginateNext(this.http, 'api/v1/alert_groups/', { state }, { maxPages: 50 });
      complete &&= page.complete;
      for (const raw of page.items) {
        const rawId = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
        if (typeof rawId === 'string') open.add(rawId);
        const r = v.safeParse(AlertGroupSchema, raw);
        if (r.success) groups.push(r.output);
        else this.log.warn(`skipped an alert group Grafana IRM sent (${typeof rawId === 'string' ? rawId : 'no id'}): ${r.issues[0]?.message ?? 'invalid'}`);
      }
    }
    for (const g of groups) this._apply(g);
    await this._readNotes(groups);
    if (!complete) {
      this.log.warn('too many open alert groups to list them all: not resolving groups missing from the list');
      return;
    }
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    for (const a of this.ctx.alerts()) {
      if (a.status !== 'resolved' && !open.has(a.id)) {
        this.ctx.resolveAlert(a.id, undefined, nowIso);
        this._escalationStart.delete(a.id);
        this._groupRefs.delete(a.id);
        this._silencedUntil.delete(a.id);
      }
    }
  }

  /**
   * Applies one group as the API (or a webhook) shows it now. Compared by content, not by time: the
   * engine clears acknowledged_at/silenced_at/resolved_at when those are undone, so derived times can
   * go backwards; the updatedAt we publish does not (clients drop older updates).
   */
  private _apply(g: AlertGroup, eventTimeMs?: number): void {
    const prev = this.ctx.getAlert(g.id);
    const now = this.ctx.clock.now();
    const nowIso = new Date(now).toISOString();
    const status = stateToStatus(g.state);
    if (prev && prev.status !== 'triggered' && status === 'triggered') this._escalationStart.set(g.id, eventTimeMs ?? now);
    const alert = alertGroupToAlert(g, prev, this._users, this._integrationNames);
    if (!alert) {
      this.log.debug(`alert group ${g.id}: unknown state ${g.state}`);
      return;
    }
    this._addEscalation(alert, g, now);
    const until = this._silencedUntil.get(g.id);
    if (g.state === 'silenced' && until && Date.parse(until) > now) alert.snoozedUntil = until;
    else this._silencedUntil.delete(g.id);
    if (prev) {
      if (sameJson({ ...prev, updatedAt: '' }, { ...alert, updatedAt: '' })) return;
      if (Date.parse(alert.updatedAt) <= Date.parse(prev.updatedAt)) alert.updatedAt = laterIso(prev.updatedAt, nowIso) ?? nowIso;
    }
    if (alert.status === 'resolved') {
      this._escalationStart.delete(g.id);
      if (prev && prev.status !== 'resolved') {
        const by = g.resolved_by ? (this._users.get(g.resolved_by) ?? { id: g.resolved_by, name: g.resolved_by }) : undefined;
        this.ctx.resolveAlert(g.id, by, alert.resolvedAt);
      }
      return;
    }
    const ok = validAlert(alert, this.log);
    if (ok) this.ctx.upsertAlert(ok);
  }

  private _addEscalation(a: Alert, g: AlertGroup, now: number): void {
    if (a.status === 'resolved') {
      this._groupRefs.delete(g.id);
      return;
    }
    if (g.route_id || g.integration_id) this._groupRefs.set(g.id, { route_id: g.route_id ?? null, integration_id: g.integration_id ?? null });
    const chainId = (g.route_id ? this._routeChain.get(g.route_id) : undefined) ?? (g.integration_id ? this._integrationChain.get(g.integration_id) : undefined);
    const policy = chainId ? this._policies.get(chainId) : undefined;
    if (!policy) return;
    const start = this._escalationStart.get(g.id) ?? Date.parse(a.startedAt);
    const stopped = Date.parse(isoOf(g.acknowledged_at) ?? isoOf(g.silenced_at) ?? '');
    const e = escalationOf(policy, start, now, this._oncall, { active: a.status === 'triggered', ...(Number.isFinite(stopped) ? { stoppedAtMs: stopped } : {}) });
    if (e) a.escalation = e;
  }

  async handleAction(action: AlertAction, alertIds: readonly string[], _actor: Person | undefined): Promise<void> {
    if (this._isServiceAccount) throw new SourceActionError(SERVICE_ACCOUNT_REASON);
    const unknown = alertIds.filter((id) => !this.ctx.getAlert(id));
    if (unknown.length) throw new SourceActionError(`unknown alert group(s): ${unknown.slice(0, 5).join(', ')}`);
    const resolved = alertIds.filter((id) => this.ctx.getAlert(id)?.status === 'resolved');
    if (action !== 'resolve' && resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    const path = action === 'ack' ? 'acknowledge' : action === 'unack' ? 'unacknowledge' : 'resolve';
    const todo = alertIds.filter((id) => this.ctx.getAlert(id)?.status !== 'resolved');
    const failures: string[] = [];
    await mapLimit(todo, 4, async (id) => {
      try {
        await this.http.request('POST', `api/v1/alert_groups/${encodeURIComponent(id)}/${path}`);
      } catch (e) {
        failures.push(`${id}: ${e instanceof VendorHttpError && e.vendorMessage ? e.vendorMessage : errorText(e)}`);
        return;
      }
      try {
        // The action answers without a body: read the group back so clients see the new state now.
        const g = await this.http.request('GET', `api/v1/alert_groups/${encodeURIComponent(id)}/`, { schema: AlertGroupSchema });
        this._apply(g);
      } catch (e) {
        this.log.debug(`could not re-read alert group ${id} after ${path}: ${errorText(e)}`);
        void this.pollNow('groups');
      }
    });
    if (failures.length) {
      throw new SourceActionError(`Grafana IRM could not ${path} ${failures.length} of ${todo.length} alert group(s): ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`);
    }
  }

  /** The chosen groups, known and not resolved; else a refusal naming the ones that are not. */
  private _openGroups(alertIds: readonly string[]): Alert[] {
    if (this._isServiceAccount) throw new SourceActionError(SERVICE_ACCOUNT_REASON);
    const unknown = alertIds.filter((id) => !this.ctx.getAlert(id));
    if (unknown.length) throw new SourceActionError(`unknown alert group(s): ${unknown.slice(0, 5).join(', ')}`);
    const resolved = alertIds.filter((id) => this.ctx.getAlert(id)?.status === 'resolved');
    if (resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    return alertIds.map((id) => this.ctx.getAlert(id)!);
  }

  /** Runs `act` for each group (four at a time); one refusal naming every group that failed. */
  private async _each(alertIds: readonly string[], verb: string, act: (id: string) => Promise<void>): Promise<void> {
    const failures: string[] = [];
    await mapLimit(alertIds, 4, async (id) => {
      try {
        await act(id);
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
    });
    if (failures.length === 1 && alertIds.length === 1) throw new SourceActionError(failures[0]);
    if (failures.length) throw new SourceActionError(`Grafana IRM could not ${verb} ${failures.length} of ${alertIds.length} alert group(s): ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`);
  }

  /** Reads the group back after an action (the actions answer without it), so clients see the new state now. */
  private async _reread(id: string, after: string): Promise<void> {
    try {
      this._apply(await this.http.request('GET', `api/v1/alert_groups/${encodeURIComponent(id)}/`, { schema: AlertGroupSchema }));
    } catch (e) {
      this.log.debug(`could not re-read alert group ${id} after ${after}: ${errorText(e)}`);
      void this.pollNow('groups');
    }
  }

  /** Snooze = POST /alert_groups/{id}/silence with `delay` (seconds; the reference: "the duration of silence in seconds"). */
  async snooze(alertIds: readonly string[], until: number, _actor: Person | undefined): Promise<void> {
    this._openGroups(alertIds);
    const delay = Math.max(1, Math.ceil((until - this.ctx.clock.now()) / 1000));
    const untilIso = new Date(this.ctx.clock.now() + delay * 1000).toISOString();
    await this._each(alertIds, 'silence', async (id) => {
      try {
        await this.http.request('POST', `api/v1/alert_groups/${encodeURIComponent(id)}/silence`, { body: { delay } });
      } catch (e) {
        throw actionError(VENDOR, `silence ${id}`, e, hints('silence alert groups', `alert group ${id} no longer exists in Grafana OnCall`));
      }
      this._silencedUntil.set(id, untilIso);
      await this._reread(id, 'silence');
    });
  }

  /** The Grafana users a step of the group's escalation chain pages now (its persons; who is on call in its schedules). */
  private _stepPeople(a: Alert, level: number): { policy: EscalationPolicy; ids: string[]; names: string[] } {
    const chainId = this._chainOf(a.id);
    const policy = chainId ? this._policies.get(chainId) : undefined;
    if (!policy) throw new SourceActionError(`alert group ${a.id} has no escalation chain the bridge could read: reassign it to a person instead`);
    if (!policy.tiers.some((t) => t.level === level)) throw new SourceActionError(`${policy.name} has steps 1–${policy.tiers.length}; there is no step ${level}`);
    const people = tierTargets(policy, level, this._oncall, this.ctx.clock.now()).filter((p) => !!p.id);
    if (!people.length) throw new SourceActionError(`step ${level} of ${policy.name} pages nobody right now: reassign to a person instead`);
    return { policy, ids: people.map((p) => p.id!), names: people.map((p) => p.name) };
  }

  private _chainOf(alertId: string): string | undefined {
    const g = this._groupRefs.get(alertId);
    return (g?.route_id ? this._routeChain.get(g.route_id) : undefined) ?? (g?.integration_id ? this._integrationChain.get(g.integration_id) : undefined);
  }

  /** POST /api/v1/escalation/ `{alert_group_id, users: [{id, important}]}`: pages these users on the existing group. */
  private async _page(alertIds: readonly string[], usersOf: (id: string) => string[], verb: string): Promise<void> {
    await this._each(alertIds, verb, async (id) => {
      let g: AlertGroup;
      try {
        g = await this.http.request('POST', 'api/v1/escalation/', { body: { alert_group_id: id, users: usersOf(id).map((u) => ({ id: u, important: false })) }, schema: AlertGroupSchema });
      } catch (e) {
        throw actionError(VENDOR, `${verb} ${id}`, e, hints('page people (direct paging)', `alert group ${id} or one of the users no longer exists in Grafana OnCall`));
      }
      this._apply(g);
    });
  }

  /**
   * Reassign: Grafana OnCall pages a person (or a step's people) on the group through its escalation API; it has no
   * way to move a group to another escalation chain, so a policy target is refused.
   */
  async reassign(alertIds: readonly string[], to: ReassignTarget, _actor: Person | undefined): Promise<ActionOutcome | undefined> {
    const alerts = this._openGroups(alertIds);
    if ('policyId' in to) throw new SourceActionError(NO_CHAIN_MOVE);
    if ('userId' in to) {
      if (this._users.size && !this._users.has(to.userId)) throw new SourceActionError(`${to.userId} is not a Grafana OnCall user of this organization`);
      await this._page(alertIds, () => [to.userId], `page ${this._users.get(to.userId)?.name ?? to.userId} on`);
      return { note: `Grafana OnCall paged ${this._users.get(to.userId)?.name ?? to.userId}; the escalation chain goes on as configured` };
    }
    const steps = new Map(alerts.map((a) => [a.id, this._stepPeople(a, to.escalationLevel)]));
    await this._page(alertIds, (id) => steps.get(id)!.ids, `page step ${to.escalationLevel} on`);
    return { note: `Grafana OnCall paged ${[...new Set([...steps.values()].flatMap((x) => x.names))].join(', ')}; the escalation chain goes on as configured` };
  }

  /** Escalate: pages the people of the next step of the group's chain (or of step `level`) through the escalation API. */
  async escalate(alertIds: readonly string[], level: number | undefined, _actor: Person | undefined): Promise<ActionOutcome> {
    const alerts = this._openGroups(alertIds);
    const steps = new Map(
      alerts.map((a) => {
        const current = a.escalation?.level ?? 1;
        const chainId = this._chainOf(a.id);
        const policy = chainId ? this._policies.get(chainId) : undefined;
        if (policy && level === undefined && !policy.tiers.some((t) => t.level === current + 1)) throw new SourceActionError(`alert group ${a.id} is already at the last step (${current}) of ${policy.name}`);
        const want = level ?? current + 1;
        return [a.id, { level: want, ...this._stepPeople(a, want) }] as const;
      }),
    );
    await this._page(alertIds, (id) => steps.get(id)!.ids, 'escalate');
    const what = [...steps].map(([id, x]) => `${id}: step ${x.level} of ${x.policy.name} (${x.names.join(', ')})`).join('; ');
    return { note: `Grafana OnCall paged ${what}` };
  }

  private _toNote(n: v.InferOutput<typeof ResolutionNoteSchema>): AlertNote {
    const note: AlertNote = { id: n.id, text: n.text, at: isoOf(n.created_at) ?? new Date(this.ctx.clock.now()).toISOString() };
    const author = n.author ? (this._users.get(n.author) ?? { id: n.author, name: n.author }) : undefined;
    if (author) note.author = author;
    return note;
  }

  /** Adds notes to the alert (by id, oldest first), confirmed by the source. */
  private _addNotes(alertId: string, notes: readonly AlertNote[]): void {
    const cur = this.ctx.getAlert(alertId);
    if (!cur || !notes.length) return;
    const byId = new Map((cur.notes ?? []).map((n) => [n.id ?? `${n.at}|${n.text}`, n]));
    for (const n of notes) byId.set(n.id ?? `${n.at}|${n.text}`, n);
    const merged = [...byId.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    const ok = validAlert({ ...cur, notes: merged, updatedAt: laterIso(cur.updatedAt, nowIso) ?? nowIso }, this.log);
    if (ok) this.ctx.upsertAlert(ok);
  }

  /** The resolution notes of open groups seen for the first time (GET /resolution_notes/?alert_group_id=), ten a poll. */
  private async _readNotes(groups: readonly AlertGroup[]): Promise<void> {
    const todo = groups.filter((g) => stateToStatus(g.state) !== 'resolved' && !this._notesRead.has(g.id)).slice(0, 10);
    await mapLimit(todo, 2, async (g) => {
      let items: unknown[];
      try {
        items = (await paginateNext(this.http, 'api/v1/resolution_notes/', { alert_group_id: g.id }, { maxPages: 2 })).items;
      } catch (e) {
        if (e instanceof VendorHttpError && e.status === 429) throw e;
        this.log.debug(`could not read the resolution notes of alert group ${g.id}: ${errorText(e)}`);
        this._notesRead.add(g.id);
        return;
      }
      this._notesRead.add(g.id);
      const notes = items.flatMap((x) => {
        const r = v.safeParse(ResolutionNoteSchema, x);
        return r.success && (r.output.alert_group_id ?? g.id) === g.id ? [this._toNote(r.output)] : [];
      });
      this._addNotes(g.id, notes);
    });
  }

  /** A resolution note (POST /api/v1/resolution_notes/); the note the API answers is shown on the alert. */
  async note(alertId: string, text: string, _actor: Person | undefined): Promise<void> {
    if (this._isServiceAccount) throw new SourceActionError(SERVICE_ACCOUNT_REASON);
    const a = this.ctx.getAlert(alertId);
    if (!a) throw new SourceActionError(`unknown alert group ${alertId}`);
    let n: v.InferOutput<typeof ResolutionNoteSchema>;
    try {
      n = await this.http.request('POST', 'api/v1/resolution_notes/', { body: { alert_group_id: alertId, text }, schema: ResolutionNoteSchema });
    } catch (e) {
      throw actionError(VENDOR, `add a resolution note to ${alertId}`, e, hints('add resolution notes', `alert group ${alertId} no longer exists in Grafana OnCall`));
    }
    this._addNotes(alertId, [this._toNote(n)]);
  }

  /** The Grafana OnCall user the actor is: by email, else by handle (user name), from /users/. */
  private _userOf(actor: Person | undefined): string | undefined {
    const email = actor?.email?.trim().toLowerCase();
    const handle = actor?.handle?.replace(/^@/, '').trim().toLowerCase();
    for (const [id, p] of this._users) {
      if ((email && p.email?.toLowerCase() === email) || (handle && p.handle?.toLowerCase() === handle)) return id;
    }
    return undefined;
  }

  /**
   * Take on-call / cover me through shift swaps: for each person on call in the schedule during the range, a swap
   * request with them as `beneficiary` (POST /shift_swaps/), taken at once by the taker as `benefactor`
   * (POST /shift_swaps/{id}/take). A request that could not be taken is deleted again.
   */
  async override(req: OverrideRequest, actor: Person | undefined): Promise<void> {
    if (this._isServiceAccount) throw new SourceActionError(SERVICE_ACCOUNT_REASON);
    const rot = this._oncall?.rotations.find((r) => r.id === req.rotationId);
    if (!rot) throw new SourceActionError(`unknown schedule ${req.rotationId}: refresh the On Call view`);
    let taker: string;
    if (req.userId !== undefined) {
      if (this._users.size && !this._users.has(req.userId)) throw new SourceActionError(`${req.userId} is not a Grafana OnCall user of this organization`);
      taker = req.userId;
    } else {
      const me = this._userOf(actor);
      if (!me) throw new SourceActionError('Grafana IRM needs to know which OnCall user you are: set the email (or handle) in your identity to your Grafana OnCall user\'s');
      taker = me;
    }
    const start = Math.max(req.start, this.ctx.clock.now());
    const end = req.end;
    const covered = new Map<string, { from: number; to: number; name: string }>();
    let takerOnCall = false;
    for (const sh of rot.shifts) {
      const s0 = Date.parse(sh.start);
      const s1 = Date.parse(sh.end);
      if (!(s0 < end && start < s1) || !sh.person.id) continue;
      if (sh.person.id === taker) {
        takerOnCall = true;
        continue;
      }
      const prev = covered.get(sh.person.id);
      covered.set(sh.person.id, { from: Math.min(prev?.from ?? Infinity, Math.max(s0, start)), to: Math.max(prev?.to ?? -Infinity, Math.min(s1, end)), name: sh.person.name });
    }
    const takerName = this._users.get(taker)?.name ?? taker;
    if (!covered.size) throw new SourceActionError(takerOnCall ? `${takerName} is already on call for ${rot.name} then` : `nobody is on call for ${rot.name} then: there is no shift to take`);
    if (covered.size > MAX_SWAP_PEOPLE) throw new SourceActionError(`that range covers the shifts of ${covered.size} people: pick a shorter range (at most ${MAX_SWAP_PEOPLE})`);
    for (const [beneficiary, r] of covered) {
      let swap: v.InferOutput<typeof ShiftSwapSchema>;
      try {
        swap = await this.http.request('POST', 'api/v1/shift_swaps/', {
          body: { schedule: rot.id, swap_start: new Date(r.from).toISOString(), swap_end: new Date(r.to).toISOString(), description: `Taken by ${takerName} from VS Code (On-Call)`, beneficiary },
          schema: ShiftSwapSchema,
        });
      } catch (e) {
        throw actionError(VENDOR, `request a shift swap for ${r.name}`, e, hints('create shift swap requests', `schedule ${rot.id} or user ${beneficiary} no longer exists in Grafana OnCall`));
      }
      let taken: v.InferOutput<typeof ShiftSwapSchema> | undefined;
      let failure: SourceActionError | undefined;
      try {
        taken = await this.http.request('POST', `api/v1/shift_swaps/${encodeURIComponent(swap.id)}/take`, { body: { benefactor: taker }, schema: ShiftSwapSchema });
        if (taken.status !== 'taken') failure = new SourceActionError(`Grafana OnCall did not let ${takerName} take ${r.name}'s shift swap (status: ${taken.status ?? 'none'})`);
      } catch (e) {
        failure = actionError(VENDOR, `let ${takerName} take ${r.name}'s shift`, e, hints('take shift swaps', `the swap request ${swap.id} is gone`));
      }
      if (failure) {
        try {
          await this.http.request('DELETE', `api/v1/shift_swaps/${encodeURIComponent(swap.id)}/`);
        } catch (e2) {
          this.log.warn(`could not delete the shift swap request ${swap.id}: ${errorText(e2)}`);
          throw new SourceActionError(`${failure.message}; the swap request ${swap.id} stays open in Grafana OnCall: delete it there or let someone take it`);
        }
        throw failure;
      }
    }
    void this.pollNow('oncall');
  }

  /**
   * POST /webhooks/grafana-irm: an OnCall outgoing webhook (trigger "Status Change" / "Alert Group
   * Created", "Forward All" on). OnCall sends its configured "Authorization Header" verbatim and the body
   * as JSON; there is no signature, so the header must equal a configured secret (or "Bearer <secret>").
   * Browser-originated requests (Origin / Sec-Fetch-Site) are refused: OnCall's server never sends them.
   */
  private _onWebhook(req: HttpRequestInfo): Promise<HttpResponseInfo> {
    const h = req.headers;
    if (h.origin !== undefined || (h['sec-fetch-site'] !== undefined && h['sec-fetch-site'] !== 'none')) {
      return Promise.resolve({ status: 403, body: { error: 'browser requests are not accepted' } });
    }
    const auth = typeof h.authorization === 'string' ? h.authorization.trim() : '';
    const given = auth.replace(/^Bearer\s+/i, '');
    if (!given || !secretMatches(given, this._secrets)) {
      this._rejectedWebhooks++;
      if (this._rejectedWebhooks === 1 || this._rejectedWebhooks % 100 === 0) {
        this.log.warn(`rejected a Grafana OnCall webhook: ${auth ? 'the Authorization header does not match the webhook secret' : 'no Authorization header'} (${this._rejectedWebhooks} rejected so far; set the webhook's "Authorization Header" to GRAFANA_IRM_WEBHOOK_SECRET)`);
      }
      return Promise.resolve({ status: 401, body: { error: 'invalid authorization' } });
    }
    const ct = String(h['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') return Promise.resolve({ status: 415, body: { error: 'expected Content-Type: application/json' } });
    let json: unknown;
    try {
      json = JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      this.log.warn(`a Grafana OnCall webhook body is not JSON: ${errorText(e)}`);
      return Promise.resolve({ status: 400, body: { error: 'body is not valid JSON' } });
    }
    const r = v.safeParse(WebhookEventSchema, json);
    if (!r.success) {
      const i = r.issues[0];
      const where = i?.path?.map((x) => String(x.key)).join('.') ?? '';
      this.log.warn(`ignored a Grafana OnCall webhook: ${where ? `${where}: ` : ''}${i?.message ?? 'invalid'} (turn on "Forward All" so the webhook sends the whole event)`);
      return Promise.resolve({ status: 400, body: { error: `unexpected webhook body (${where || 'body'}: ${i?.message ?? 'invalid'})` } });
    }
    const ev = r.output;
    const g = ev.alert_group;
    // OnCall retries a webhook it thinks failed: the same event (group, type, time) is applied once.
    const key = ev.event.time ? `${g.id}|${ev.event.type}|${ev.event.time}` : undefined;
    if (key && this._seenEvents.has(key)) return Promise.resolve({ status: 200, body: { ok: true, duplicate: true } });
    if (key) this._seenEvents.add(key);
    for (const u of [ev.user, ev.alert_group_acknowledged_by, ev.alert_group_resolved_by]) {
      if (u?.id && !this._users.has(u.id)) this._users.set(u.id, webhookPerson(u));
    }
    if (ev.integration?.id && ev.integration.name) this._integrationNames.set(ev.integration.id, ev.integration.name);
    const at = Date.parse(isoOf(ev.event.time) ?? '');
    const hadIt = !!this.ctx.getAlert(g.id);
    const withPayload = g.last_alert || ev.alert_payload === undefined ? g : { ...g, last_alert: { payload: ev.alert_payload } };
    this._apply(withPayload, Number.isFinite(at) ? at : undefined);
    // A group resolved before we ever showed it is not news; nothing else to do for it.
    if (!hadIt && stateToStatus(g.state) === 'resolved') this.log.debug(`webhook: alert group ${g.id} resolved before it was shown`);
    return Promise.resolve({ status: 200, body: { ok: true } });
  }

  /** Users, integrations, routes and escalation chains: names and each group's escalation. Failures keep the last copy. */
  private async _pollDirectory(): Promise<void> {
    const list = async (path: string): Promise<unknown[] | undefined> => {
      try {
        const p = await paginateNext(this.http, path, {}, { maxPages: 20 });
        return p.items;
      } catch (e) {
        if (e instanceof VendorHttpError && (e.status === 429 || e.status === 401)) throw e;
        this.log.debug(`could not read ${path}: ${errorText(e)}`);
        return undefined;
      }
    };
    const parse = <T>(schema: v.GenericSchema<unknown, T>, items: unknown[]): T[] => items.flatMap((x) => {
      const r = v.safeParse(schema, x);
      return r.success ? [r.output] : [];
    });
    const users = await list('api/v1/users/');
    for (const u of parse(UserSchema, users ?? [])) {
      const p: Person = { id: u.id, name: u.name || u.username || u.email || u.id };
      if (u.email) p.email = u.email;
      if (u.username) p.handle = u.username;
      if (u.timezone) p.timeZone = u.timezone;
      this._users.set(u.id, p);
    }
    const integrations = await list('api/v1/integrations/');
    if (integrations) {
      this._integrationChain.clear();
      for (const i of parse(IntegrationSchema, integrations)) {
        if (i.name) this._integrationNames.set(i.id, i.name);
        const chain = i.default_route?.escalation_chain_id;
        if (chain) {
          this._integrationChain.set(i.id, chain);
          if (i.default_route?.id) this._routeChain.set(i.default_route.id, chain);
        }
      }
    }
    const routes = await list('api/v1/routes/');
    for (const r of parse(RouteSchema, routes ?? [])) {
      if (r.escalation_chain_id) this._routeChain.set(r.id, r.escalation_chain_id);
      else this._routeChain.delete(r.id);
    }
    const chains = await list('api/v1/escalation_chains/');
    const steps = chains ? await list('api/v1/escalation_policies/') : undefined;
    if (chains && steps) {
      const byChain = new Map<string, EscalationStep[]>();
      for (const st of parse(EscalationStepSchema, steps)) {
        const xs = byChain.get(st.escalation_chain_id) ?? [];
        xs.push(st);
        byChain.set(st.escalation_chain_id, xs);
      }
      this._policies.clear();
      for (const c of parse(ChainSchema, chains).slice(0, 500)) this._policies.set(c.id, chainToPolicy(c, byChain.get(c.id) ?? [], this._users));
    }
  }

  async pollOnCall(): Promise<void> {
    const now = this.ctx.clock.now();
    const page = await paginateNext(this.http, 'api/v1/schedules/', {}, { maxPages: 20 });
    await this._pollDirectory();
    const want = this._opts.scheduleIds?.length ? new Set(this._opts.scheduleIds) : undefined;
    const schedules = page.items.flatMap((x) => {
      const r = v.safeParse(ScheduleSchema, x);
      return r.success && (!want || want.has(r.output.id)) ? [r.output] : [];
    });
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const start = day(now);
    const end = day(now + (this._opts.daysForward ?? 7) * 86_400_000);
    const rotations = await mapLimit(schedules.slice(0, 100), 3, async (s): Promise<Rotation> => {
      const r: Rotation = { id: s.id, name: s.name || s.id, shifts: [] };
      if (s.time_zone) r.timeZone = s.time_zone;
      try {
        const shifts = await paginateNext(this.http, `api/v1/schedules/${encodeURIComponent(s.id)}/final_shifts`, { start_date: start, end_date: end }, { maxPages: 20 });
        for (const raw of shifts.items) {
          const f = v.safeParse(FinalShiftSchema, raw);
          if (!f.success) continue;
          const a = isoOf(f.output.shift_start);
          const b = isoOf(f.output.shift_end);
          if (!a || !b || Date.parse(b) <= now) continue;
          const known = f.output.user_pk ? this._users.get(f.output.user_pk) : undefined;
          const person: Person = known ?? { name: f.output.user_username || f.output.user_email || f.output.user_pk || 'unknown' };
          if (!known) {
            if (f.output.user_pk) person.id = f.output.user_pk;
            if (f.output.user_email) person.email = f.output.user_email;
            if (f.output.user_username) person.handle = f.output.user_username;
            if (f.output.user_pk) this._users.set(f.output.user_pk, person);
          }
          r.shifts.push({ person, start: a, end: b });
        }
      } catch (e) {
        if (e instanceof VendorHttpError && (e.status === 429 || e.isAuthError)) throw e;
        this.log.debug(`could not read the shifts of schedule ${s.id}: ${errorText(e)}`);
      }
      r.shifts.sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
      return r;
    });
    const policies = [...this._policies.values()].filter((p) => p.tiers.some((t) => t.targets.length));
    // Rotation targets must name a rotation the state carries.
    const ids = new Set(rotations.map((r) => r.id));
    for (const p of policies) for (const t of p.tiers) t.targets = t.targets.filter((x) => x.type !== 'rotation' || ids.has(x.rotationId));
    const state: OnCallState = { generatedAt: new Date(now).toISOString(), rotations, policies };
    // The pickers' directory (reassign, take on-call): OnCall user ids.
    if (this._users.size) state.people = [...this._users.values()].filter((p) => !!p.id);
    this._oncall = state;
    const comparable = { rotations, policies, people: state.people };
    if (this._lastOnCall !== undefined && sameJson(this._lastOnCall, comparable)) return;
    const ok = validOnCall(state, this.log);
    if (!ok) return;
    this._lastOnCall = comparable;
    this.ctx.setOnCall(ok);
  }
}

function webhookPerson(u: { id?: string | null; username?: string | null; email?: string | null }): Person {
  const p: Person = { name: u.username || u.email || u.id || 'unknown' };
  if (u.id) p.id = u.id;
  if (u.email) p.email = u.email;
  if (u.username) p.handle = u.username;
  return p;
}
