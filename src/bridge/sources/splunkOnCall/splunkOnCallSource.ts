/**
 * Splunk On-Call (VictorOps) through the bridge. Its public API has no streaming or webhook-to-us
 * channel for incident state, so this module polls (with backoff) and acts through the REST API:
 *
 *   GET   /api-public/v1/incidents                 open, acknowledged and recently resolved incidents
 *   GET   /api-public/v1/alerts/{uuid}             an incident's last alert (stack trace in its raw JSON)
 *   PATCH /api-public/v1/incidents/ack|resolve     by incident names ("incidentNumber") and user name
 *   GET   /api-public/v1/oncall/current            who is on call now, per team and policy
 *   GET   /api-public/v2/team/{team}/oncall/schedule  upcoming shifts of a team
 *
 * Auth: `X-VO-Api-Id` + `X-VO-Api-Key` (never logged). The API allows about 60 calls a minute per
 * endpoint: the defaults stay far below, and 429/Retry-After is honoured.
 *
 * Severity: `entityState` CRITICAL → critical, WARNING → warning, INFO/OK/RECOVERY → info; none → high
 * (it paged someone). Ack means the incident is acknowledged in Splunk On-Call by the acting user,
 * whose Splunk On-Call user name is the actor's handle or the configured default (--splunk-oncall-user).
 */
import * as v from 'valibot';
import type { Alert, AlertAction, AlertStatus, OnCallState, Person, Rotation, Severity } from '../../../core/protocol/types';
import type { Logger } from '../../../core/util/logger';
import { BridgeConfigError } from '../../server';
import { errorText, extractDetails, isoOf, laterIso, mapLimit, sameJson, severityFromWord, validAlert, validOnCall, type ExtractedDetails } from '../shared/alertHelpers';
import { Poller } from '../shared/poller';
import { VendorHttp, VendorHttpError } from '../shared/vendorHttp';
import { SourceActionError, type SourceContext, type SourceModule } from '../types';

export interface SplunkOnCallOptions {
  apiId: string;
  apiKey: string;
  /** Default https://api.victorops.com. */
  apiUrl?: string;
  /** Splunk On-Call user name for ack/resolve when the acting user has no handle. */
  defaultUser?: string;
  /** Team slugs whose schedules are shown (default: the teams on call now). */
  teams?: readonly string[];
  /** Default 30 s. */
  pollIntervalMs?: number;
  /** Default 5 min. */
  onCallIntervalMs?: number;
  /** Days of schedule fetched ahead. Default 7. */
  daysForward?: number;
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  timeoutMs?: number;
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
const CurrentOnCallSchema = v.object({
  teamsOnCall: v.array(
    v.object({
      team: NameSlug,
      oncallNow: v.optional(
        v.nullable(
          v.array(
            v.object({
              escalationPolicy: v.optional(v.nullable(NameSlug)),
              // The documented key is `onCalluser` (lower-case u); accept the other spelling too.
              users: v.optional(v.nullable(v.array(v.object({ onCalluser: v.optional(v.nullable(UserRef)), onCallUser: v.optional(v.nullable(UserRef)) })))),
            }),
          ),
        ),
      ),
    }),
  ),
});

const RollSchema = v.object({ start: optStr, end: optStr, onCallUser: v.optional(v.nullable(UserRef)), isRoll: v.optional(v.nullable(v.boolean())) });
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
    }),
  ),
});

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

export function voIncidentToAlert(inc: VoIncident, details: ExtractedDetails | undefined, prev: Alert | undefined, nowIso: string): Alert | undefined {
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
  return a;
}

export class SplunkOnCallSource implements SourceModule {
  readonly name = 'splunk-oncall';
  readonly capabilities = ['ack', 'resolve', 'oncall'] as const;

  private _ctx: SourceContext | undefined;
  private _http: VendorHttp | undefined;
  private _incidentPoller: Poller | undefined;
  private _onCallPoller: Poller | undefined;
  /** Details of an incident's last alert, keyed by incident number; refetched when lastAlertId changes. */
  private readonly _details = new Map<string, { alertId: string; details: ExtractedDetails }>();
  private _lastOnCall: unknown;

  constructor(private readonly _opts: SplunkOnCallOptions) {
    if (!_opts.apiId.trim() || !_opts.apiKey.trim()) throw new BridgeConfigError('Splunk On-Call: the API id and API key are both required');
  }

  private get ctx(): SourceContext {
    if (!this._ctx) throw new Error('Splunk On-Call source not started');
    return this._ctx;
  }

  private get log(): Logger {
    return this.ctx.logger;
  }

  private get http(): VendorHttp {
    if (!this._http) throw new Error('Splunk On-Call source not started');
    return this._http;
  }

  async start(ctx: SourceContext): Promise<void> {
    this._ctx = ctx;
    this._http = new VendorHttp({
      vendor: 'Splunk On-Call',
      baseUrl: this._opts.apiUrl ?? 'https://api.victorops.com',
      headers: { 'X-VO-Api-Id': this._opts.apiId, 'X-VO-Api-Key': this._opts.apiKey },
      logger: ctx.logger,
      ...(this._opts.sleep ? { sleep: this._opts.sleep } : {}),
      ...(this._opts.timeoutMs ? { timeoutMs: this._opts.timeoutMs } : {}),
    });
    const common = { clock: ctx.clock, logger: ctx.logger, maxBackoffMs: this._opts.maxBackoffMs, ...(this._opts.random ? { random: this._opts.random } : {}) };
    this._incidentPoller = new Poller({ ...common, name: 'Splunk On-Call incident poll', intervalMs: this._opts.pollIntervalMs ?? 30_000, run: () => this.pollIncidents() });
    this._onCallPoller = new Poller({ ...common, name: 'Splunk On-Call on-call poll', intervalMs: this._opts.onCallIntervalMs ?? 300_000, run: () => this.pollOnCall() });
    for (const p of [this._incidentPoller, this._onCallPoller]) {
      try {
        await p.start();
      } catch (e) {
        // 401 = missing credentials; 403 is "authentication failed OR rate-limited" in this API, so
        // only 401 is treated as a configuration error.
        if (e instanceof VendorHttpError && e.status === 401) {
          this._incidentPoller.stop();
          this._onCallPoller.stop();
          throw new BridgeConfigError(`Splunk On-Call rejected the API credentials (${e.message}). Check SPLUNK_ONCALL_API_ID / SPLUNK_ONCALL_API_KEY.`);
        }
      }
    }
  }

  stop(): Promise<void> {
    this._incidentPoller?.stop();
    this._onCallPoller?.stop();
    return Promise.resolve();
  }

  async idle(): Promise<void> {
    await this._incidentPoller?.idle();
    await this._onCallPoller?.idle();
  }

  async pollIncidents(): Promise<void> {
    const body = await this.http.request('GET', 'api-public/v1/incidents');
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
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    for (const inc of incidents) {
      const prev = this.ctx.getAlert(inc.incidentNumber);
      const alert = voIncidentToAlert(inc, this._details.get(inc.incidentNumber)?.details, prev, nowIso);
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
      const body = await this.http.request('GET', `api-public/v1/alerts/${encodeURIComponent(id)}`, { schema: AlertDetailSchema });
      const d = extractDetails({ raw: body.raw, stateMessage: body.stateMessage });
      this._details.set(inc.incidentNumber, { alertId: id, details: d });
    } catch (e) {
      this.log.debug(`could not read alert ${id} of incident ${inc.incidentNumber}: ${errorText(e)}`);
    }
  }

  async handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<void> {
    if (action === 'unack') throw new SourceActionError('Splunk On-Call has no "un-acknowledge" in its API');
    const user = actor?.handle?.replace(/^@/, '') || this._opts.defaultUser;
    if (!user) {
      throw new SourceActionError('Splunk On-Call needs your Splunk On-Call user name for this: start the bridge with --splunk-oncall-user, or set your handle in your identity');
    }
    const unknown = alertIds.filter((id) => !this.ctx.getAlert(id));
    if (unknown.length) throw new SourceActionError(`unknown incident(s): ${unknown.slice(0, 5).join(', ')}`);
    const resolved = alertIds.filter((id) => this.ctx.getAlert(id)?.status === 'resolved');
    if (action === 'ack' && resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    const names = alertIds.filter((id) => this.ctx.getAlert(id)?.status !== 'resolved');
    if (!names.length) return;
    const verb = action === 'ack' ? 'acknowledge' : 'resolve';
    let res: v.InferOutput<typeof AckResolveResponseSchema>;
    try {
      res = await this.http.request('PATCH', `api-public/v1/incidents/${action === 'ack' ? 'ack' : 'resolve'}`, {
        body: { userName: user, incidentNames: names, message: `${action === 'ack' ? 'Acknowledged' : 'Resolved'} from VS Code (On-Call)` },
        schema: AckResolveResponseSchema,
      });
    } catch (e) {
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
    void this._incidentPoller?.pollNow();
  }

  async pollOnCall(): Promise<void> {
    const now = this.ctx.clock.now();
    const current = await this.http.request('GET', 'api-public/v1/oncall/current', { schema: CurrentOnCallSchema });
    const teams = this._opts.teams?.length ? [...this._opts.teams] : [...new Set(current.teamsOnCall.map((t) => t.team.slug).filter((s): s is string => !!s))];
    const rotations = new Map<string, Rotation>();
    const nowIso = new Date(now).toISOString();
    const schedules = await mapLimit(teams.slice(0, 50), 2, async (team) => {
      try {
        return { team, s: await this.http.request('GET', `api-public/v2/team/${encodeURIComponent(team)}/oncall/schedule`, { query: { daysForward: this._opts.daysForward ?? 7 }, schema: TeamScheduleSchema }) };
      } catch (e) {
        if (e instanceof VendorHttpError && e.status === 429) throw e;
        this.log.debug(`could not read the schedule of team ${team}: ${errorText(e)}`);
        return { team, s: undefined };
      }
    });
    for (const { team, s } of schedules) {
      if (!s) continue;
      for (const pol of s.schedules) {
        for (const entry of pol.schedule ?? []) {
          const name = [s.team?.name ?? team, pol.policy?.name, entry.rotationName ?? entry.shiftName].filter((x) => !!x).join(' / ');
          const id = `${team}/${pol.policy?.slug ?? 'policy'}/${entry.rotationName ?? entry.shiftName ?? 'direct'}`;
          let r = rotations.get(id);
          if (!r) rotations.set(id, (r = { id, name, pair: team, shifts: [] }));
          for (const roll of entry.rolls ?? []) {
            const start = isoOf(roll.start);
            const end = isoOf(roll.end);
            if (!start || !end || !roll.onCallUser) continue;
            r.shifts.push({ person: person(roll.onCallUser.username), start, end });
          }
        }
      }
    }
    // Teams without a schedule entry still show who is on call now (from /oncall/current), as a
    // shift from now to the end of the window: the API does not say when it ends.
    const windowEnd = new Date(now + (this._opts.daysForward ?? 7) * 86_400_000).toISOString();
    for (const t of current.teamsOnCall) {
      for (const oc of t.oncallNow ?? []) {
        const id = `${t.team.slug ?? t.team.name ?? 'team'}/${oc.escalationPolicy?.slug ?? 'policy'}/now`;
        const covered = [...rotations.values()].some((r) => r.id.startsWith(`${t.team.slug ?? ''}/${oc.escalationPolicy?.slug ?? 'policy'}/`) && r.shifts.length);
        if (covered) continue;
        const users = (oc.users ?? []).map((u) => u.onCalluser ?? u.onCallUser).filter((u): u is { username: string } => !!u);
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
    const state: OnCallState = { generatedAt: nowIso, rotations: [...rotations.values()], policies: [] };
    const comparable = state.rotations.map((r) => ({ ...r, shifts: r.shifts.map((s) => (s.start === nowIso ? { ...s, start: '', end: '' } : s)) }));
    if (this._lastOnCall !== undefined && sameJson(this._lastOnCall, comparable)) return;
    const ok = validOnCall(state, this.log);
    if (!ok) return;
    this._lastOnCall = comparable;
    this.ctx.setOnCall(ok);
  }
}
