/**
 * Grafana IRM / Grafana OnCall through the bridge, over its public HTTP API (no push to us, so we
 * poll with backoff):
 *
 *   GET  /api/v1/alert_groups/?state=new|acknowledged|silenced   open alert groups (`next` pagination)
 *   GET  /api/v1/alert_groups/{id}/                               one group (after an action)
 *   POST /api/v1/alert_groups/{id}/acknowledge|unacknowledge|resolve
 *   GET  /api/v1/schedules/                                       schedules (name, time zone)
 *   GET  /api/v1/schedules/{id}/final_shifts?start_date&end_date  the shifts as they will happen
 *                                                                 (rotations, overrides and on_call_shifts resolved)
 *
 * Auth: OSS OnCall takes the API token as-is in `Authorization`; Grafana Cloud IRM takes
 * `Authorization: Bearer <service account token>` plus `X-Grafana-URL: <stack URL>` — chosen by
 * whether a stack URL is configured.
 *
 * Severity: a `severity` label of the group (or of its last alert's payload: Alertmanager's
 * commonLabels/labels, Grafana alerting's labels) mapped by shared/alertHelpers.severityFromWord;
 * none → high. A silenced group shows as acknowledged (label silenced=true): nobody is being paged.
 * Ack/resolve act as the user who owns the token (the API has no "on behalf of").
 */
import * as v from 'valibot';
import type { Alert, AlertAction, AlertStatus, OnCallState, Person, Rotation, Severity } from '../../../core/protocol/types';
import type { Logger } from '../../../core/util/logger';
import { BridgeConfigError } from '../../server';
import { errorText, extractDetails, isoOf, laterIso, mapLimit, sameJson, severityFromWord, validAlert, validOnCall } from '../shared/alertHelpers';
import { paginateNext } from '../shared/paginate';
import { Poller } from '../shared/poller';
import { VendorHttp, VendorHttpError } from '../shared/vendorHttp';
import { SourceActionError, type SourceContext, type SourceModule } from '../types';

export interface GrafanaIrmOptions {
  /** OnCall API base, e.g. https://oncall-prod-us-central-0.grafana.net/oncall (no trailing /api/v1). */
  apiUrl: string;
  token: string;
  /** Grafana Cloud stack URL (sent as X-Grafana-URL; switches Authorization to "Bearer <token>"). */
  grafanaUrl?: string;
  /** Default 30 s. */
  pollIntervalMs?: number;
  /** Default 5 min. */
  onCallIntervalMs?: number;
  /** Days of shifts fetched ahead. Default 7. */
  daysForward?: number;
  /** Only these schedules (default: all). */
  scheduleIds?: readonly string[];
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  timeoutMs?: number;
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
  labels: v.optional(v.nullable(v.array(LabelSchema))),
  teams: v.optional(v.nullable(v.array(v.string()))),
  last_alert: v.optional(v.nullable(v.object({ id: optStr, created_at: optStr, payload: v.optional(v.unknown()) }))),
});
type AlertGroup = v.InferOutput<typeof AlertGroupSchema>;

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
function severityOf(g: AlertGroup): { severity: Severity; service?: string; environment?: string } {
  const labels: Record<string, string> = {};
  for (const l of g.labels ?? []) labels[l.key.name.toLowerCase()] = l.value.name;
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

export function alertGroupToAlert(g: AlertGroup, prev: Alert | undefined, users: ReadonlyMap<string, Person>): Alert | undefined {
  const status = stateToStatus(g.state);
  if (!status) return undefined;
  const created = isoOf(g.created_at) ?? prev?.startedAt;
  if (!created) return undefined;
  let updated: string = created;
  for (const t of [g.acknowledged_at, g.resolved_at, g.silenced_at, g.last_alert?.created_at]) updated = laterIso(updated, isoOf(t)) ?? updated;
  const { severity, service, environment } = severityOf(g);
  const labels: Record<string, string> = {};
  for (const l of g.labels ?? []) labels[l.key.name] = l.value.name;
  if (g.integration_id) labels.integration_id = g.integration_id;
  if (g.alerts_count !== undefined && g.alerts_count !== null) labels.alerts_count = String(g.alerts_count);
  if (g.state === 'silenced') labels.silenced = 'true';
  const a: Alert = {
    id: g.id,
    title: g.title || prev?.title || `Alert group ${g.alert_group_number ?? g.id}`,
    severity,
    status,
    service: service ?? prev?.service ?? g.integration_id ?? 'unknown service',
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
  return a;
}

export class GrafanaIrmSource implements SourceModule {
  readonly name = 'grafana-irm';
  readonly capabilities = ['ack', 'unack', 'resolve', 'oncall'] as const;

  private _ctx: SourceContext | undefined;
  private _http: VendorHttp | undefined;
  private _groupPoller: Poller | undefined;
  private _onCallPoller: Poller | undefined;
  /** Users seen in final shifts (id → person), to name who acknowledged. Bounded by the org's size. */
  private readonly _users = new Map<string, Person>();
  private _lastOnCall: unknown;

  constructor(private readonly _opts: GrafanaIrmOptions) {
    if (!_opts.token.trim()) throw new BridgeConfigError('Grafana IRM: the API token is empty');
    if (!_opts.apiUrl.trim()) throw new BridgeConfigError('Grafana IRM: the OnCall API URL is required (--grafana-irm-url)');
  }

  private get ctx(): SourceContext {
    if (!this._ctx) throw new Error('Grafana IRM source not started');
    return this._ctx;
  }

  private get log(): Logger {
    return this.ctx.logger;
  }

  private get http(): VendorHttp {
    if (!this._http) throw new Error('Grafana IRM source not started');
    return this._http;
  }

  async start(ctx: SourceContext): Promise<void> {
    this._ctx = ctx;
    const headers: Record<string, string> = this._opts.grafanaUrl
      ? { Authorization: `Bearer ${this._opts.token}`, 'X-Grafana-URL': this._opts.grafanaUrl }
      : { Authorization: this._opts.token };
    try {
      this._http = new VendorHttp({
        vendor: 'Grafana IRM',
        baseUrl: this._opts.apiUrl,
        headers,
        logger: ctx.logger,
        ...(this._opts.sleep ? { sleep: this._opts.sleep } : {}),
        ...(this._opts.timeoutMs ? { timeoutMs: this._opts.timeoutMs } : {}),
      });
    } catch (e) {
      throw new BridgeConfigError(errorText(e));
    }
    const common = { clock: ctx.clock, logger: ctx.logger, maxBackoffMs: this._opts.maxBackoffMs, ...(this._opts.random ? { random: this._opts.random } : {}) };
    this._groupPoller = new Poller({ ...common, name: 'Grafana IRM alert group poll', intervalMs: this._opts.pollIntervalMs ?? 30_000, run: () => this.pollAlertGroups() });
    this._onCallPoller = new Poller({ ...common, name: 'Grafana IRM schedule poll', intervalMs: this._opts.onCallIntervalMs ?? 300_000, run: () => this.pollOnCall() });
    // Schedules first: they name the users who acknowledged groups.
    for (const p of [this._onCallPoller, this._groupPoller]) {
      try {
        await p.start();
      } catch (e) {
        if (e instanceof VendorHttpError && e.isAuthError) {
          this._groupPoller.stop();
          this._onCallPoller.stop();
          throw new BridgeConfigError(`Grafana IRM rejected the API token (${e.message}). Check GRAFANA_IRM_TOKEN / --grafana-irm-token-file${this._opts.grafanaUrl ? '' : ' (Grafana Cloud IRM also needs --grafana-url)'}.`);
        }
      }
    }
  }

  stop(): Promise<void> {
    this._groupPoller?.stop();
    this._onCallPoller?.stop();
    return Promise.resolve();
  }

  async idle(): Promise<void> {
    await this._groupPoller?.idle();
    await this._onCallPoller?.idle();
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
    if (!complete) {
      this.log.warn('too many open alert groups to list them all: not resolving groups missing from the list');
      return;
    }
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    for (const a of this.ctx.alerts()) if (a.status !== 'resolved' && !open.has(a.id)) this.ctx.resolveAlert(a.id, undefined, nowIso);
  }

  private _apply(g: AlertGroup): void {
    const prev = this.ctx.getAlert(g.id);
    const alert = alertGroupToAlert(g, prev, this._users);
    if (!alert) {
      this.log.debug(`alert group ${g.id}: unknown state ${g.state}`);
      return;
    }
    if (prev) {
      if (Date.parse(alert.updatedAt) < Date.parse(prev.updatedAt)) return;
      if (sameJson({ ...prev, updatedAt: '' }, { ...alert, updatedAt: '' })) return;
    }
    if (alert.status === 'resolved') {
      if (prev && prev.status !== 'resolved') {
        const by = g.resolved_by ? (this._users.get(g.resolved_by) ?? { id: g.resolved_by, name: g.resolved_by }) : undefined;
        this.ctx.resolveAlert(g.id, by, alert.resolvedAt);
      }
      return;
    }
    const ok = validAlert(alert, this.log);
    if (ok) this.ctx.upsertAlert(ok);
  }

  async handleAction(action: AlertAction, alertIds: readonly string[], _actor: Person | undefined): Promise<void> {
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
        void this._groupPoller?.pollNow();
      }
    });
    if (failures.length) {
      throw new SourceActionError(`Grafana IRM could not ${path} ${failures.length} of ${todo.length} alert group(s): ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`);
    }
  }

  async pollOnCall(): Promise<void> {
    const now = this.ctx.clock.now();
    const page = await paginateNext(this.http, 'api/v1/schedules/', {}, { maxPages: 20 });
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
          const person: Person = { name: f.output.user_username || f.output.user_email || f.output.user_pk || 'unknown' };
          if (f.output.user_pk) person.id = f.output.user_pk;
          if (f.output.user_email) person.email = f.output.user_email;
          if (f.output.user_username) person.handle = f.output.user_username;
          if (f.output.user_pk) this._users.set(f.output.user_pk, person);
          r.shifts.push({ person, start: a, end: b });
        }
      } catch (e) {
        if (e instanceof VendorHttpError && (e.status === 429 || e.isAuthError)) throw e;
        this.log.debug(`could not read the shifts of schedule ${s.id}: ${errorText(e)}`);
      }
      r.shifts.sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
      return r;
    });
    const state: OnCallState = { generatedAt: new Date(now).toISOString(), rotations, policies: [] };
    if (this._lastOnCall !== undefined && sameJson(this._lastOnCall, rotations)) return;
    const ok = validOnCall(state, this.log);
    if (!ok) return;
    this._lastOnCall = rotations;
    this.ctx.setOnCall(ok);
  }
}
