/**
 * PagerDuty through the bridge: REST API v2 polling (incidents, their alerts' details, on-calls,
 * schedules, escalation policies, incident notes, incident log entries for the timeline and the escalation countdown,
 * the user directory, change events as deploys), ack/resolve with the bulk `PUT /incidents` (`updateIncidents`, at
 * most 250 per request) and the `From` header, the protocol 1.1 responder actions (snooze, reassign / escalate, notes,
 * schedule overrides: each method names its endpoint), and
 * Webhooks v3 on `POST /webhooks/pagerduty` verified with `X-PagerDuty-Signature`.
 *
 * Webhooks make changes show up at once; polling stays on as the safety net (a webhook that was lost,
 * rejected or arrived while the bridge was down is caught by the next poll), so nothing depends on
 * every delivery arriving.
 *
 * Every request carries the headers PagerDuty's OpenAPI description (PagerDuty/api-schema,
 * reference/REST/openapiv3.json) requires of every operation: `Accept: application/vnd.pagerduty+json;version=2`
 * (the versioning header), `Content-Type: application/json` and `Authorization: Token token=…`.
 */
import * as v from 'valibot';
import type { Alert, AlertAction, AlertNote, OnCallState, Person, ReassignTarget, RequestCapability, Severity } from '../../../core/protocol/types';
import { ALERT_LIMITS, ONCALL_LIMITS } from '../../../core/protocol/limits';
import { BridgeConfigError } from '../../server';
import { errorText } from '../../../core/util/errors';
import { extractDetails, isoOf, mapLimit, sameJson, validAlert, validOnCall, type ExtractedDetails } from '../shared/alertHelpers';
import { paginateOffset } from '../shared/paginate';
import type { PollSpec } from '../shared/pollingSource';
import { VendorHttpError } from '../shared/vendorHttp';
import { VendorPollingSource, type VendorApi, type VendorPollingOptions } from '../shared/vendorSource';
import { ReplayGuard, type ReplayVerdict } from '../shared/webhookReplay';
import { SourceActionError, type ActionOutcome, type HttpRequestInfo, type HttpResponseInfo, type OverrideRequest, type Route, type SourceContext } from '../types';
import { alertSeverityOf, buildOnCall, incidentEscalation, incidentToAlert, maxSeverity, personOf } from './mapping';
import { changeEventToDeploy } from './changeEvents';
import { countdownOf, readIncidentLog, type IncidentLog } from './logEntries';
import {
  ChangeEventSchema,
  EscalationPolicySchema,
  IncidentListEnvelopeSchema,
  IncidentNoteSchema,
  IncidentSchema,
  LogEntrySchema,
  NoteEnvelopeSchema,
  NoteListSchema,
  OnCallEntrySchema,
  OverrideResultsSchema,
  PdAlertSchema,
  ScheduleSchema,
  SnoozeEnvelopeSchema,
  UserSchema,
  WebhookSchema,
  type PdIncident,
  type PdIncidentNote,
  type PdOnCall,
} from './schemas';
import { verifyPagerDutySignature } from './signature';

export interface PagerDutyOptions extends VendorPollingOptions {
  /** REST API key (account or user token). Sent as `Authorization: Token token=…`, never logged. */
  token: string;
  /** Default https://api.pagerduty.com. */
  apiUrl?: string;
  /** `From` for ack/resolve when the acting user has no email (must be a PagerDuty user's login email). */
  fromEmail?: string;
  /** Webhooks v3 signing secrets (several while one rotates). Without any, the webhook route is off. */
  webhookSecrets?: readonly string[];
  /** Only incidents of these services / teams (default: all the token can see). */
  serviceIds?: readonly string[];
  teamIds?: readonly string[];
  /** Restrict on-call data to these schedules / escalation policies (default: all). */
  scheduleIds?: readonly string[];
  escalationPolicyIds?: readonly string[];
  /** How far ahead shifts are fetched. Default 7 days. */
  onCallWindowMs?: number;
  /** Poll change events (`listChangeEvents`) as `deploy` events. Default true. */
  changeEvents?: boolean;
}

const STATUS_FOR: Record<'ack' | 'resolve', 'acknowledged' | 'resolved'> = { ack: 'acknowledged', resolve: 'resolved' };
const MAX_INCIDENTS = 10_000; // PagerDuty's classic pagination stops at offset+limit 10,000 anyway
/** PagerDuty drops every webhook larger than 256 KB ("Size Limit", developer-docs docs/webhooks/02-Behavior.md). */
const WEBHOOK_MAX_BYTES = 256 * 1024;
/**
 * Events whose `occurred_at` is older than this are ignored (202, so PagerDuty does not retry them). PagerDuty
 * retries a failed delivery up to 4 times "over the course of about 20 minutes" (02-Behavior.md), so every
 * genuine first or retried delivery arrives inside the window; the poll covers anything later.
 */
export const WEBHOOK_REPLAY_TOLERANCE_MS = 30 * 60_000;
/** How far ahead of our clock an event may claim to be (clock skew between PagerDuty and this machine). */
export const WEBHOOK_FUTURE_SKEW_MS = 5 * 60_000;
/** Event ids remembered within the window (PagerDuty sends one event per webhook). */
const MAX_SEEN_EVENTS = 20_000;
/** `updateIncidents`: "A maximum of 250 incidents may be updated at a time" (else 413). */
const MAX_BULK_UPDATE = 250;
/** The versioning header every operation of the REST API v2 requires. */
export const PAGERDUTY_ACCEPT = 'application/vnd.pagerduty+json;version=2';
/** `createIncidentSnooze`: `duration` is 1–604800 seconds (a week). */
const MAX_SNOOZE_SECONDS = 604_800;
/** Incidents whose notes (`listIncidentNotes`) are read per poll, at most; the rest follow on later polls. */
const MAX_NOTE_READS_PER_POLL = 25;
/** Incidents whose log entries (`listIncidentLogEntries`) are read per poll, at most (triggered ones first). */
const MAX_LOG_READS_PER_POLL = 10;
/** Log entries read per incident, at most (5 pages of 100). */
const MAX_LOG_ENTRIES = 500;
/** The user directory (`listUsers`) is re-read this rarely; the last copy is kept when a read fails. */
const PEOPLE_REFRESH_MS = 6 * 3_600_000;
/** The first change-event poll looks back this far; later ones from the previous poll, overlapping by a little. */
const CHANGE_LOOKBACK_MS = 24 * 3_600_000;
const CHANGE_OVERLAP_MS = 5 * 60_000;
/** Change events read per poll, at most (5 pages of 100); change event ids remembered to de-duplicate. */
const MAX_CHANGE_EVENTS = 500;
const MAX_SEEN_CHANGES = 5000;
const NO_UNACK = 'PagerDuty has no "un-acknowledge" in its API: an acknowledged incident re-triggers by itself when its acknowledgement timeout ends (or snooze it for a chosen time)';

interface DetailCache {
  alertCount: number | undefined;
  details: ExtractedDetails;
  severity?: Severity;
  description?: string;
}

type PagerDutyPoll = 'incidents' | 'oncall' | 'deploys';

/** The cached log of an incident, read again when `key` (status, its change time, assignees) moves or it is stale. */
interface LogCache extends IncidentLog {
  key: string;
  at: number;
  stale: boolean;
}

/** What makes a cached log out of date: a status change, a new status-change time, new assignments (an escalation). */
function logKey(inc: PdIncident): string {
  const who = (inc.assignments?.map((a) => `${a.assignee.id}@${a.at ?? ''}`) ?? inc.assignees?.map((a) => a.id) ?? []).sort().join(',');
  return `${inc.status}|${inc.last_status_change_at ?? ''}|${who}`;
}

export class PagerDutySource extends VendorPollingSource<PagerDutyPoll> {
  readonly name = 'pagerduty';
  readonly capabilities: readonly string[];
  readonly unsupportedActions: Partial<Record<RequestCapability, string>> = {
    unack: NO_UNACK,
    annotate: 'PagerDuty keeps notes on incidents: add a note to the incident instead',
  };
  readonly routes: readonly Route[];

  /** Details from each open incident's alerts, fetched once (again when its alert count changes). */
  private readonly _details = new Map<string, DetailCache>();
  private _replay: ReplayGuard | undefined;
  private _ignoredWebhooks = 0;
  private _lastOnCall: Pick<OnCallState, 'rotations' | 'policies'> | undefined;
  /** The last `/oncalls` entries: their `escalation_level` is where an incident's assignees stand. */
  private _oncalls: readonly PdOnCall[] = [];
  /** The last state of each open incident, to re-derive its escalation when on-call data changes. */
  private readonly _incidents = new Map<string, PdIncident>();
  private _rejectedWebhooks = 0;
  private readonly _secrets: readonly string[];
  /** Until when (epoch ms) each incident was snoozed from here: PagerDuty's incident does not say it is snoozed. */
  private readonly _snoozes = new Map<string, number>();
  /** Each open incident's notes (`listIncidentNotes`), re-read every on-call interval or after a note webhook. */
  private readonly _notes = new Map<string, { notes: AlertNote[]; at: number; stale: boolean }>();
  /** Incidents whose notes are being read (a webhook's quick poll and a timed poll must not both read them). */
  private readonly _notesReading = new Set<string>();
  /** Each open incident's log (`listIncidentLogEntries`): its timeline and when its current level began waiting. */
  private readonly _logs = new Map<string, LogCache>();
  private readonly _logsReading = new Set<string>();
  /** `num_loops` of each escalation policy (the protocol's policy has no place for it). */
  private _loops = new Map<string, number>();
  /** The user directory (`listUsers`), kept when a later read fails. */
  private _people: Person[] | undefined;
  private _peopleAt = Number.NEGATIVE_INFINITY;
  private _peopleFailures = 0;
  /** Where the next change-event poll starts (epoch ms); ids already sent as deploys (oldest first, bounded). */
  private _changeSince: number | undefined;
  private readonly _seenChanges = new Set<string>();
  private _changeFailures = 0;
  /** Service names by id, from incidents (change events carry service references, often without a summary). */
  private readonly _serviceNames = new Map<string, string>();

  constructor(private readonly _opts: PagerDutyOptions) {
    super('PagerDuty', _opts);
    if (!_opts.token.trim()) throw new BridgeConfigError('PagerDuty: the API token is empty');
    this._secrets = (_opts.webhookSecrets ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
    this.capabilities = ['ack', 'resolve', 'oncall', 'snooze', 'reassign', 'escalate', 'note', 'override', ...(_opts.changeEvents === false ? [] : ['deploys'])];
    this.routes = this._secrets.length
      ? [{ method: 'POST', path: '/webhooks/pagerduty', auth: 'self', maxBodyBytes: WEBHOOK_MAX_BYTES, handle: (req) => this._onWebhook(req) }]
      : [];
  }

  protected api(): VendorApi {
    return {
      baseUrl: this._opts.apiUrl ?? 'https://api.pagerduty.com',
      headers: { Authorization: `Token token=${this._opts.token}`, Accept: PAGERDUTY_ACCEPT, 'Content-Type': 'application/json' },
    };
  }

  protected override prepare(ctx: SourceContext): void {
    // Before the first poll: events that occurred before now are superseded by it (see ReplayGuard).
    this._replay = new ReplayGuard({ toleranceMs: WEBHOOK_REPLAY_TOLERANCE_MS, futureSkewMs: WEBHOOK_FUTURE_SKEW_MS, maxIds: MAX_SEEN_EVENTS, now: () => ctx.clock.now() });
    this._replay.start();
    super.prepare(ctx);
  }

  protected polls(): ReadonlyArray<PollSpec<PagerDutyPoll>> {
    return [
      { id: 'incidents', name: 'PagerDuty incident poll', intervalMs: this.pollIntervalMs, run: () => this.pollIncidents() },
      { id: 'oncall', name: 'PagerDuty on-call poll', intervalMs: this.onCallIntervalMs, run: () => this.pollOnCall() },
      ...(this._opts.changeEvents === false ? [] : [{ id: 'deploys' as const, name: 'PagerDuty change-event poll', intervalMs: this.pollIntervalMs, run: () => this.pollChangeEvents() }]),
    ];
  }

  /** A bad token is a configuration error (exit 2 with the reason); anything else is retried while the bridge serves. */
  protected override refuseStart(e: unknown): Error | undefined {
    if (e instanceof VendorHttpError && e.isAuthError) return new BridgeConfigError(`PagerDuty rejected the API token (${e.message}). Check PAGERDUTY_TOKEN / --pagerduty-token-file.`);
    return undefined;
  }

  protected override ready(): void {
    this.log.info(`PagerDuty ready: ${this.ctx.alerts().filter((a) => a.status !== 'resolved').length} open incidents; webhooks ${this._secrets.length ? 'on (/webhooks/pagerduty)' : 'off (no signing secret)'}`);
  }

  // ---- incidents ----

  /** One full poll: every open incident, paginated; incidents no longer open are resolved. */
  async pollIncidents(): Promise<void> {
    const query: Record<string, readonly string[] | string | number> = { 'statuses[]': ['triggered', 'acknowledged'], time_zone: 'UTC' };
    if (this._opts.serviceIds?.length) query['service_ids[]'] = this._opts.serviceIds;
    if (this._opts.teamIds?.length) query['team_ids[]'] = this._opts.teamIds;
    const page = await paginateOffset(this.http, 'incidents', 'incidents', query, { limit: 100, maxItems: MAX_INCIDENTS });
    const open = new Set<string>();
    const incidents: PdIncident[] = [];
    for (const raw of page.items) {
      // Ids of items that fail validation still count as open: never resolve what we could not read.
      const rawId = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
      if (typeof rawId === 'string') open.add(rawId);
      const r = v.safeParse(IncidentSchema, raw);
      if (r.success) incidents.push(r.output);
      else this.log.warn(`skipped an incident PagerDuty sent (${typeof rawId === 'string' ? rawId : 'no id'}): ${r.issues[0]?.message ?? 'invalid'}`);
    }
    await mapLimit(
      incidents.filter((i) => this._needsDetails(i)),
      4,
      (i) => this._fetchDetails(i),
    );
    await mapLimit(
      incidents.filter((i) => i.status !== 'resolved' && this._needsNotes(i)).slice(0, MAX_NOTE_READS_PER_POLL),
      4,
      (i) => this._fetchNotes(i),
    );
    // Log entries: triggered incidents first (their countdown), then acknowledged ones (their timeline), capped.
    const needLog = incidents.filter((i) => i.status !== 'resolved' && this._needsLog(i));
    await mapLimit(
      [...needLog.filter((i) => i.status === 'triggered'), ...needLog.filter((i) => i.status !== 'triggered')].slice(0, MAX_LOG_READS_PER_POLL),
      4,
      (i) => this._fetchLog(i),
    );
    for (const inc of incidents) {
      if (inc.service?.id && inc.service.summary) this._serviceNames.set(inc.service.id, inc.service.summary);
      this._apply(inc);
    }
    if (!page.complete) {
      this.log.warn(`more than ${MAX_INCIDENTS} open incidents: not resolving incidents missing from the list`);
      return;
    }
    const now = new Date(this.ctx.clock.now()).toISOString();
    for (const a of this.ctx.alerts()) {
      if (a.status === 'resolved' || open.has(a.id)) continue;
      // No longer triggered/acknowledged: it was resolved (or merged) in PagerDuty.
      this.ctx.resolveAlert(a.id, undefined, now);
      this._forget(a.id);
    }
  }

  private _needsDetails(inc: PdIncident): boolean {
    const cached = this._details.get(inc.id);
    return !cached || (inc.alert_counts?.all ?? undefined) !== cached.alertCount;
  }

  /** The stack trace and friends live in the incident's alerts' custom_details. Failures are retried next poll. */
  private async _fetchDetails(inc: PdIncident): Promise<void> {
    try {
      const body = await this.http.request('GET', `incidents/${encodeURIComponent(inc.id)}/alerts`, { query: { limit: 25, 'sort_by': 'created_at:asc' } });
      const list = body && typeof body === 'object' ? (body as { alerts?: unknown }).alerts : undefined;
      if (!Array.isArray(list)) throw new VendorHttpError('unexpected response (alerts: expected an array)');
      let details: ExtractedDetails = {};
      let severity: Severity | undefined;
      let description: string | undefined;
      for (const raw of list as unknown[]) {
        const r = v.safeParse(PdAlertSchema, raw);
        if (!r.success) continue;
        severity = maxSeverity(severity, alertSeverityOf(r.output.severity));
        const d = extractDetails(r.output.body ?? {});
        details = { ...d, ...details }; // the first alert that has a field wins
        if (!description && r.output.summary && r.output.summary !== inc.title) description = r.output.summary;
      }
      const entry: DetailCache = { alertCount: inc.alert_counts?.all ?? undefined, details };
      if (severity) entry.severity = severity;
      if (description) entry.description = description;
      this._details.set(inc.id, entry);
    } catch (e) {
      this.log.debug(`could not read the alerts of incident ${inc.id}: ${errorText(e)}`);
    }
  }

  /** Applies an incident unless the world already holds a newer state of it. */
  private _apply(inc: PdIncident, at?: string, agent?: Person): void {
    const prev = this.ctx.getAlert(inc.id);
    const cache = this._details.get(inc.id);
    const alert = incidentToAlert(inc, { ...(cache ? { details: cache.details, ...(cache.severity ? { alertSeverity: cache.severity } : {}), ...(cache.description ? { description: cache.description } : {}) } : {}) }, prev, at);
    if (inc.status === 'resolved') this._incidents.delete(inc.id);
    else this._incidents.set(inc.id, inc);
    const snoozedUntil = this._snoozes.get(inc.id);
    if (snoozedUntil !== undefined && inc.status === 'acknowledged' && snoozedUntil > this.ctx.clock.now()) alert.snoozedUntil = new Date(snoozedUntil).toISOString();
    else this._snoozes.delete(inc.id); // triggered again (the snooze ended) or resolved
    const notes = this._notes.get(inc.id)?.notes;
    if (notes?.length) alert.notes = notes;
    const log = this._logs.get(inc.id);
    if (log?.timeline.length) alert.timeline = log.timeline;
    const escalation = incidentEscalation(inc, this.ctx.clock.now(), this._lastOnCall?.policies ?? [], this._lastOnCall, this._oncalls);
    if (escalation) {
      // The countdown only from a log read for this very state (a webhook's newer state waits for the next read).
      const policy = this._lastOnCall?.policies.find((p) => p.id === inc.escalation_policy?.id);
      if (inc.status === 'triggered' && policy && log && log.key === logKey(inc) && log.restartedAtMs !== undefined) {
        const next = countdownOf(policy, this._loops.get(policy.id) ?? 0, log.loopsDone, escalation.level, log.restartedAtMs, this.ctx.clock.now(), this._lastOnCall);
        if (next?.nextEscalationAt) {
          escalation.nextEscalationAt = next.nextEscalationAt;
          escalation.targets = next.targets;
        }
      }
      alert.escalation = escalation;
    }
    else if (prev?.escalation && !inc.assignments && !inc.assignees) alert.escalation = prev.escalation; // a partial payload
    if (agent && inc.status === 'acknowledged' && !inc.acknowledgements?.length) {
      alert.acknowledgedBy = agent;
      if (at) alert.acknowledgedAt = at;
    }
    if (prev) {
      // A poll that started before a webhook (or an ack) must not roll the alert back.
      if (Date.parse(alert.updatedAt) < Date.parse(prev.updatedAt)) return;
      if (sameJson(stripVolatile(prev), stripVolatile(alert))) return;
    }
    if (alert.status === 'resolved') {
      if (!prev) return; // a resolved incident we never showed is not news
      if (prev.status !== 'resolved') {
        this.ctx.resolveAlert(inc.id, agent, alert.resolvedAt);
        this._forget(inc.id);
      }
      return;
    }
    const ok = validAlert(alert, this.log);
    if (ok) this.ctx.upsertAlert(ok);
  }

  private _forget(id: string): void {
    this._details.delete(id);
    this._incidents.delete(id);
    this._snoozes.delete(id);
    this._notes.delete(id);
    this._logs.delete(id);
  }

  // ---- actions ----

  async handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<void> {
    if (action === 'unack') throw new SourceActionError(NO_UNACK);
    const from = this._from(actor);
    this._known(alertIds);
    const resolved = alertIds.filter((id) => this.ctx.getAlert(id)?.status === 'resolved');
    if (action === 'ack' && resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    const status = STATUS_FOR[action];
    const todo = alertIds.filter((id) => this.ctx.getAlert(id)?.status !== 'resolved' && !(action === 'ack' && this.ctx.getAlert(id)?.status === 'acknowledged'));
    await this._bulkUpdate(
      todo.map((id) => ({ id, type: 'incident_reference', status })),
      from,
      actor,
      action === 'ack' ? 'acknowledge' : 'resolve',
    );
  }

  /** The `From` header of a write: the actor's email, else the configured one. */
  private _from(actor: Person | undefined): string {
    const from = actor?.email?.includes('@') ? actor.email : this._opts.fromEmail;
    if (!from) {
      throw new SourceActionError(
        'PagerDuty needs the email of a PagerDuty user for this (the "From" header): set "oncall.identity" to your PagerDuty login email, or start the bridge with --pagerduty-from',
      );
    }
    return from;
  }

  /** Every id is an incident the bridge holds, else a refusal naming the unknown ones. */
  private _known(alertIds: readonly string[]): Alert[] {
    const unknown = alertIds.filter((id) => !this.ctx.getAlert(id));
    if (unknown.length) throw new SourceActionError(`unknown incident(s): ${unknown.slice(0, 5).join(', ')}`);
    return alertIds.map((id) => this.ctx.getAlert(id)!);
  }

  /**
   * `updateIncidents` (bulk `PUT /incidents`, at most 250 per request, `From` header): each item is
   * `{id, type, …fields}`. Each chunk is all or nothing; the incidents of PagerDuty's answer are shown at once (the
   * next poll or webhook confirms them). Refuses with PagerDuty's reason for every chunk that failed.
   */
  private async _bulkUpdate(items: ReadonlyArray<{ id: string } & Record<string, unknown>>, from: string, actor: Person | undefined, verb: string): Promise<void> {
    const failures: string[] = [];
    let failed = 0;
    for (let i = 0; i < items.length; i += MAX_BULK_UPDATE) {
      const chunk = items.slice(i, i + MAX_BULK_UPDATE);
      try {
        // updateIncidents: PUT /incidents
        const res = await this.http.request('PUT', 'incidents', { headers: { From: from }, body: { incidents: chunk }, schema: IncidentListEnvelopeSchema });
        const who: Person = { name: actor?.name ?? from, email: from };
        const at = new Date(this.ctx.clock.now()).toISOString();
        for (const raw of res.incidents) this._applyAnswer(raw, at, who);
      } catch (e) {
        failed += chunk.length;
        const ids = `${chunk
          .slice(0, 5)
          .map((c) => c.id)
          .join(', ')}${chunk.length > 5 ? ', …' : ''}`;
        failures.push(`${ids}: ${whyRefused(e)}`);
      }
    }
    if (failures.length) {
      throw new SourceActionError(`PagerDuty could not ${verb} ${failed} of ${items.length} incident(s): ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`);
    }
  }

  /** An incident PagerDuty answered a write with: applied at `at`; an unreadable one is left to the next poll. */
  private _applyAnswer(raw: unknown, at: string, who?: Person): void {
    const r = v.safeParse(IncidentSchema, raw);
    if (r.success) this._apply(r.output, at, who);
    else this.log.debug(`PagerDuty answered a write with an incident we could not read: ${r.issues[0]?.message ?? 'invalid'}`);
  }

  /**
   * Protocol 1.1 snooze: `createIncidentSnooze` (`POST /incidents/{id}/snooze` `{duration}` in seconds, `From`), one
   * call per incident. PagerDuty snoozes only acknowledged incidents, so triggered ones are acknowledged first
   * (`updateIncidents`, one bulk request), as its web UI does; the outcome says so.
   */
  async snooze(alertIds: readonly string[], until: number, actor: Person | undefined): Promise<ActionOutcome | undefined> {
    const from = this._from(actor);
    const alerts = this._known(alertIds);
    const resolved = alerts.filter((a) => a.status === 'resolved');
    if (resolved.length) throw new SourceActionError(`PagerDuty cannot snooze a resolved incident: ${resolved.slice(0, 5).map((a) => a.id).join(', ')}`);
    const now = this.ctx.clock.now();
    const duration = Math.min(MAX_SNOOZE_SECONDS, Math.max(1, Math.ceil((until - now) / 1000)));
    const triggered = alerts.filter((a) => a.status === 'triggered').map((a) => a.id);
    if (triggered.length) await this._bulkUpdate(triggered.map((id) => ({ id, type: 'incident_reference', status: 'acknowledged' })), from, actor, 'acknowledge (before snoozing)');
    const failures: string[] = [];
    for (const a of alerts) {
      try {
        // createIncidentSnooze: POST /incidents/{id}/snooze
        const res = await this.http.request('POST', `incidents/${encodeURIComponent(a.id)}/snooze`, { headers: { From: from }, body: { duration }, schema: SnoozeEnvelopeSchema });
        const at = new Date(this.ctx.clock.now()).toISOString();
        this._snoozes.set(a.id, now + duration * 1000);
        this._applyAnswer(res.incident, at);
      } catch (e) {
        failures.push(`${a.id}: ${whyRefused(e)}`);
      }
    }
    if (failures.length) throw new SourceActionError(`PagerDuty could not snooze ${failures.length} of ${alerts.length} incident(s): ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`);
    return triggered.length ? { note: `acknowledged ${triggered.length} triggered incident(s) first: PagerDuty snoozes only acknowledged incidents` } : undefined;
  }

  /**
   * Protocol 1.1 reassign: `updateIncidents` (bulk `PUT /incidents`, `From`) with `assignments` (a user),
   * `escalation_level` (a level of the incident's policy) or `escalation_policy` (another policy).
   */
  async reassign(alertIds: readonly string[], to: ReassignTarget, actor: Person | undefined): Promise<void> {
    if ('escalationLevel' in to) return this.escalate(alertIds, to.escalationLevel, actor);
    const from = this._from(actor);
    const alerts = this._open(alertIds, 'reassign');
    const fields: Record<string, unknown> =
      'userId' in to ? { assignments: [{ assignee: { id: to.userId, type: 'user_reference' } }] } : { escalation_policy: { id: to.policyId, type: 'escalation_policy_reference' } };
    await this._bulkUpdate(
      alerts.map((a) => ({ id: a.id, type: 'incident_reference', ...fields })),
      from,
      actor,
      'reassign',
    );
  }

  /**
   * Protocol 1.1 escalate: `updateIncidents` (bulk `PUT /incidents`, `From`) with `escalation_level` per incident —
   * `level`, or the incident's current level + 1 (from `/oncalls` `escalation_level`).
   */
  async escalate(alertIds: readonly string[], level: number | undefined, actor: Person | undefined): Promise<void> {
    const from = this._from(actor);
    const alerts = this._open(alertIds, 'escalate');
    const items: Array<{ id: string; type: string; escalation_level: number }> = [];
    const problems: string[] = [];
    for (const a of alerts) {
      const target = level ?? (a.escalation ? a.escalation.level + 1 : undefined);
      if (target === undefined) {
        problems.push(`${a.id}: its current escalation level is not known (not assigned through its policy's on-call): pick a level`);
        continue;
      }
      const last = this._lastLevel(a.id);
      if (last !== undefined && target > last) {
        problems.push(`${a.id}: its escalation policy has ${last} level(s)${level === undefined ? ' and it is already at the last one' : ''}: reassign it to someone instead`);
        continue;
      }
      items.push({ id: a.id, type: 'incident_reference', escalation_level: target });
    }
    if (problems.length) throw new SourceActionError(`cannot escalate: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}`);
    await this._bulkUpdate(items, from, actor, 'escalate');
  }

  /** The highest level of the incident's escalation policy, when the on-call poll has it. */
  private _lastLevel(id: string): number | undefined {
    const policyId = this._incidents.get(id)?.escalation_policy?.id;
    const policy = policyId ? this._lastOnCall?.policies.find((p) => p.id === policyId) : undefined;
    return policy?.tiers.length ? Math.max(...policy.tiers.map((t) => t.level)) : undefined;
  }

  private _open(alertIds: readonly string[], verb: string): Alert[] {
    const alerts = this._known(alertIds);
    const resolved = alerts.filter((a) => a.status === 'resolved');
    if (resolved.length) throw new SourceActionError(`cannot ${verb} a resolved incident: ${resolved.slice(0, 5).map((a) => a.id).join(', ')}`);
    return alerts;
  }

  /** Protocol 1.1 note: `createIncidentNote` (`POST /incidents/{id}/notes` `{note: {content}}`, `From`). */
  async note(alertId: string, text: string, actor: Person | undefined): Promise<void> {
    const from = this._from(actor);
    const [alert] = this._known([alertId]);
    let raw: unknown;
    try {
      // createIncidentNote: POST /incidents/{id}/notes
      raw = (await this.http.request('POST', `incidents/${encodeURIComponent(alertId)}/notes`, { headers: { From: from }, body: { note: { content: text } }, schema: NoteEnvelopeSchema })).note;
    } catch (e) {
      throw new SourceActionError(`PagerDuty could not add the note to ${alertId}: ${whyRefused(e)}`);
    }
    const at = new Date(this.ctx.clock.now()).toISOString();
    const r = v.safeParse(IncidentNoteSchema, raw);
    const note = r.success ? noteOf(r.output, at) : { text, at, author: { name: actor?.name ?? from, email: from } };
    const cached = this._notes.get(alertId);
    this._notes.set(alertId, { notes: newest([...(cached?.notes ?? []), note]), at: cached?.at ?? this.ctx.clock.now(), stale: cached?.stale ?? false });
    const inc = this._incidents.get(alertId);
    if (inc) this._apply(inc, at);
    else if (alert) {
      const ok = validAlert({ ...alert, notes: this._notes.get(alertId)!.notes, updatedAt: at }, this.log);
      if (ok) this.ctx.upsertAlert(ok);
    }
  }

  /**
   * Protocol 1.1 override (take on-call / cover me): `createScheduleOverride` (`POST /schedules/{id}/overrides`
   * `{overrides: [{start, end, user: {id, type: 'user_reference'}}]}`). The rotation is the schedule; without a
   * user, the actor — found by email among the on-call users or the directory, else with `listUsers` (`GET /users?query=`).
   */
  async override(req: OverrideRequest, actor: Person | undefined): Promise<ActionOutcome> {
    const rotation = this._lastOnCall?.rotations.find((r) => r.id === req.rotationId);
    if (!rotation) throw new SourceActionError(`${req.rotationId} is not a PagerDuty schedule the bridge knows (the on-call poll lists them): pick a rotation from the On Call view`);
    const userId = req.userId ?? (await this._userIdOf(actor));
    let results: v.InferOutput<typeof OverrideResultsSchema>;
    try {
      // createScheduleOverride: POST /schedules/{id}/overrides
      results = await this.http.request('POST', `schedules/${encodeURIComponent(req.rotationId)}/overrides`, {
        body: { overrides: [{ start: new Date(req.start).toISOString(), end: new Date(req.end).toISOString(), user: { id: userId, type: 'user_reference' } }] },
        schema: OverrideResultsSchema,
      });
    } catch (e) {
      throw new SourceActionError(`PagerDuty could not create the override on ${rotation.name}: ${whyRefused(e)}`);
    }
    const bad = results.filter((x) => typeof x.status === 'number' && (x.status < 200 || x.status >= 300));
    if (bad.length || !results.length) {
      const why = bad.flatMap((x) => x.errors ?? []).join('; ') || `HTTP ${bad[0]?.status ?? 'no result'}`;
      throw new SourceActionError(`PagerDuty refused the override on ${rotation.name}: ${why}`);
    }
    void this.pollNow('oncall'); // the override shows in the schedule's shifts
    const who = results[0]?.override?.user?.summary ?? userId;
    return { note: `${who} is on call for ${rotation.name} from ${new Date(req.start).toISOString()} to ${new Date(req.end).toISOString()} (PagerDuty override)` };
  }

  /** The PagerDuty user id of the actor, by email. */
  private async _userIdOf(actor: Person | undefined): Promise<string> {
    const email = actor?.email?.trim().toLowerCase();
    if (!email?.includes('@')) throw new SourceActionError('PagerDuty needs to know who takes the shift: set "oncall.identity" to your PagerDuty login email, or pick the person');
    const known = this._oncalls.find((o) => o.user.email?.toLowerCase() === email);
    if (known) return known.user.id;
    const listed = this._people?.find((p) => p.email?.toLowerCase() === email);
    if (listed?.id) return listed.id;
    let users: unknown[];
    try {
      // listUsers: GET /users?query=
      users = (await paginateOffset(this.http, 'users', 'users', { query: email }, { limit: 25, maxItems: 100 })).items;
    } catch (e) {
      throw new SourceActionError(`could not look up the PagerDuty user ${email}: ${whyRefused(e)}`);
    }
    for (const raw of users) {
      const r = v.safeParse(UserSchema, raw);
      if (r.success && r.output.email?.toLowerCase() === email) return r.output.id;
    }
    throw new SourceActionError(`no PagerDuty user has the email ${email}: set "oncall.identity" to your PagerDuty login email, or pick the person`);
  }

  // ---- notes (listIncidentNotes, read lazily) ----

  private _needsNotes(inc: PdIncident): boolean {
    if (this._notesReading.has(inc.id)) return false;
    const c = this._notes.get(inc.id);
    return !c || c.stale || this.ctx.clock.now() - c.at >= this.onCallIntervalMs;
  }

  /** `listIncidentNotes` (`GET /incidents/{id}/notes`): the newest `ALERT_LIMITS.maxNotes`. Failures are retried next poll. */
  private async _fetchNotes(inc: PdIncident): Promise<void> {
    this._notesReading.add(inc.id);
    try {
      // listIncidentNotes: GET /incidents/{id}/notes
      const res = await this.http.request('GET', `incidents/${encodeURIComponent(inc.id)}/notes`, { schema: NoteListSchema });
      const at = new Date(this.ctx.clock.now()).toISOString();
      const notes: AlertNote[] = [];
      for (const raw of res.notes) {
        const r = v.safeParse(IncidentNoteSchema, raw);
        if (r.success) notes.push(noteOf(r.output, at));
      }
      notes.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      this._notes.set(inc.id, { notes: newest(notes), at: this.ctx.clock.now(), stale: false });
    } catch (e) {
      this.log.debug(`could not read the notes of incident ${inc.id}: ${errorText(e)}`);
    } finally {
      this._notesReading.delete(inc.id);
    }
  }

  // ---- log entries (listIncidentLogEntries): timeline and countdown ----

  private _needsLog(inc: PdIncident): boolean {
    if (this._logsReading.has(inc.id)) return false;
    const c = this._logs.get(inc.id);
    return !c || c.stale || c.key !== logKey(inc) || this.ctx.clock.now() - c.at >= this.onCallIntervalMs;
  }

  /** `listIncidentLogEntries` (`GET /incidents/{id}/log_entries`), at most `MAX_LOG_ENTRIES`. Failures are retried next poll. */
  private async _fetchLog(inc: PdIncident): Promise<void> {
    this._logsReading.add(inc.id);
    try {
      // listIncidentLogEntries: GET /incidents/{id}/log_entries
      const page = await paginateOffset(this.http, `incidents/${encodeURIComponent(inc.id)}/log_entries`, 'log_entries', { time_zone: 'UTC' }, { limit: 100, maxItems: MAX_LOG_ENTRIES });
      const entries = page.items.flatMap((raw) => {
        const r = v.safeParse(LogEntrySchema, raw);
        return r.success ? [r.output] : [];
      });
      if (!page.complete) this.log.debug(`incident ${inc.id} has more than ${MAX_LOG_ENTRIES} log entries: its timeline shows the ones read`);
      this._logs.set(inc.id, { ...readIncidentLog(entries), key: logKey(inc), at: this.ctx.clock.now(), stale: false });
    } catch (e) {
      this.log.debug(`could not read the log entries of incident ${inc.id}: ${errorText(e)}`);
    } finally {
      this._logsReading.delete(inc.id);
    }
  }

  // ---- change events (listChangeEvents) as deploys ----

  /**
   * `listChangeEvents` (`GET /change_events?since&until`): the change events since the last poll (overlapping by
   * `CHANGE_OVERLAP_MS`, de-duplicated by id), each with a sha sent as a `deploy`. A token that may not read change
   * events (401/403) is logged once and does not stop the bridge; other failures are retried by the poller.
   */
  async pollChangeEvents(): Promise<void> {
    const now = this.ctx.clock.now();
    const since = this._changeSince === undefined ? now - CHANGE_LOOKBACK_MS : this._changeSince - CHANGE_OVERLAP_MS;
    const query: Record<string, string | readonly string[]> = { since: pdTime(since), until: pdTime(now) };
    if (this._opts.teamIds?.length) query['team_ids[]'] = this._opts.teamIds;
    let items: unknown[];
    try {
      // listChangeEvents: GET /change_events
      items = (await paginateOffset(this.http, 'change_events', 'change_events', query, { limit: 100, maxItems: MAX_CHANGE_EVENTS })).items;
    } catch (e) {
      if (!(e instanceof VendorHttpError && e.isAuthError)) throw e;
      this._changeFailures++;
      if (this._changeFailures === 1 || this._changeFailures % 100 === 0) this.log.warn(`PagerDuty refused to list change events (${errorText(e)}): no deploys from PagerDuty until the key may read them`);
      return;
    }
    this._changeSince = now;
    const wantServices = this._opts.serviceIds?.length ? new Set(this._opts.serviceIds) : undefined;
    const fallbackAt = new Date(now).toISOString();
    const fresh: ReturnType<typeof changeEventToDeploy>[] = [];
    let noSha = 0;
    for (const raw of items) {
      const r = v.safeParse(ChangeEventSchema, raw);
      if (!r.success) {
        this.log.debug(`skipped a PagerDuty change event: ${r.issues[0]?.message ?? 'invalid'}`);
        continue;
      }
      const ev = r.output;
      if (this._seenChanges.has(ev.id)) continue;
      if (wantServices && !(ev.services ?? []).some((s) => wantServices.has(s.id))) continue;
      this._seenChanges.add(ev.id);
      if (this._seenChanges.size > MAX_SEEN_CHANGES) this._seenChanges.delete(this._seenChanges.values().next().value!);
      const d = changeEventToDeploy(ev, (id) => this._serviceNames.get(id), fallbackAt);
      if (d) fresh.push(d);
      else noSha++;
    }
    if (noSha) this.log.debug(`${noSha} PagerDuty change event(s) without a commit sha were not sent as deploys`);
    fresh.sort((a, b) => Date.parse(a!.deployedAt) - Date.parse(b!.deployedAt));
    for (const d of fresh) this.ctx.addDeploy(d!);
  }

  // ---- webhooks ----

  private _onWebhook(req: HttpRequestInfo): Promise<HttpResponseInfo> {
    if (!verifyPagerDutySignature(req.body, req.headers['x-pagerduty-signature'], this._secrets)) {
      this._rejectedWebhooks++;
      // Logged once, then every 100th: a misconfigured secret must not flood the log.
      if (this._rejectedWebhooks === 1 || this._rejectedWebhooks % 100 === 0) {
        const why = req.headers['x-pagerduty-signature'] === undefined ? 'no X-PagerDuty-Signature header' : 'the signature does not match any configured secret';
        this.log.warn(`rejected a PagerDuty webhook: ${why} (${this._rejectedWebhooks} rejected so far; check PAGERDUTY_WEBHOOK_SECRETS / --pagerduty-webhook-secret-file)`);
      }
      return Promise.resolve({ status: 401, body: { error: 'invalid signature' } });
    }
    let json: unknown;
    try {
      json = JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      const error = `the body is not valid JSON (${errorText(e)})`;
      this.log.warn(`rejected a PagerDuty webhook: ${error}`);
      return Promise.resolve({ status: 400, body: { error } });
    }
    const r = v.safeParse(WebhookSchema, json, { abortEarly: true });
    if (!r.success) {
      const i = r.issues[0];
      const error = `not a PagerDuty v3 webhook: ${i?.path?.map((p) => String(p.key)).join('.') ?? 'body'}: ${i?.message ?? 'invalid'}`;
      this.log.warn(`rejected a PagerDuty webhook: ${error}`);
      return Promise.resolve({ status: 400, body: { error } });
    }
    const ev = r.output.event;
    const replay = this._replay;
    if (!replay) return Promise.resolve({ status: 503, body: { error: 'starting' } });
    const occurredIso = isoOf(ev.occurred_at);
    const occurredMs = occurredIso === undefined ? Number.NaN : Date.parse(occurredIso);
    const verdict = replay.check(ev.id, occurredMs);
    if (verdict === 'duplicate') return Promise.resolve({ status: 202, body: { ok: true, duplicate: true } });
    if (verdict !== 'ok') {
      // 202, not 4xx: PagerDuty disables a webhook subscription after repeated failed deliveries.
      this._ignored(verdict, ev.event_type, ev.occurred_at);
      return Promise.resolve({ status: 202, body: { ok: true, ignored: verdict } });
    }
    if (!ev.event_type.startsWith('incident.')) return Promise.resolve({ status: 202, body: { ok: true, ignored: ev.event_type } });
    const data = ev.data ?? {};
    if (data.type !== 'incident') {
      // Notes, responders, status updates: they carry a reference, not the incident. A quick poll
      // brings the incident up to date.
      replay.remember(ev.id, occurredMs);
      // incident.annotated carries the note with `data.incident`: re-read that incident's notes.
      const ref = data.incident;
      const noted = ref && typeof ref === 'object' ? (ref as { id?: unknown }).id : undefined;
      const cached = typeof noted === 'string' ? this._notes.get(noted) : undefined;
      if (cached) cached.stale = true;
      const log = typeof noted === 'string' ? this._logs.get(noted) : undefined;
      if (log) log.stale = true;
      void this.pollNow('incidents');
      return Promise.resolve({ status: 202, body: { ok: true } });
    }
    const inc = v.safeParse(IncidentSchema, data, { abortEarly: true });
    if (!inc.success) {
      const i = inc.issues[0];
      const error = `event.data is not a PagerDuty incident: ${i?.path?.map((p) => String(p.key)).join('.') ?? ''}: ${i?.message ?? 'invalid'}`;
      this.log.warn(`rejected a PagerDuty webhook: ${error}`);
      return Promise.resolve({ status: 400, body: { error } });
    }
    replay.remember(ev.id, occurredMs);
    const at = occurredIso ?? new Date(this.ctx.clock.now()).toISOString();
    const agent = ev.agent && (ev.agent.type === 'user_reference' || ev.agent.type === 'user') ? { id: ev.agent.id, name: ev.agent.summary || ev.agent.name || ev.agent.id } : undefined;
    this.log.debug(`webhook ${ev.event_type} for ${inc.output.id}`);
    const incident = inc.output;
    const isNew = !this.ctx.getAlert(incident.id);
    this._apply(incident, at, agent);
    if (isNew && incident.status !== 'resolved') {
      // The stack trace is in the incident's alerts: fetch it in the background and re-apply.
      void this._fetchDetails(incident).then(() => this._apply({ ...incident }, at, agent));
    }
    return Promise.resolve({ status: 202, body: { ok: true } });
  }

  /** A signed event refused for its age: logged once, then every 100th (a replay flood must not flood the log). */
  private _ignored(verdict: Exclude<ReplayVerdict, 'ok' | 'duplicate'>, type: string, occurredAt: string): void {
    this._ignoredWebhooks++;
    const n = this._ignoredWebhooks;
    if (n !== 1 && n % 100 !== 0) return;
    const why =
      verdict === 'stale'
        ? `it occurred more than ${WEBHOOK_REPLAY_TOLERANCE_MS / 60_000} min ago (or has no valid occurred_at)`
        : verdict === 'future'
          ? `it claims to occur more than ${WEBHOOK_FUTURE_SKEW_MS / 60_000} min in the future (check this machine's clock)`
          : 'it occurred before the bridge started (the first poll already has that state)';
    this.log.warn(`ignored a signed PagerDuty webhook (${type.slice(0, 60)}, occurred_at ${occurredAt.slice(0, 40)}): ${why}; a replayed or long-delayed delivery — the poll keeps incidents current (${n} ignored so far)`);
  }

  // ---- on-call ----

  async pollOnCall(): Promise<void> {
    const now = this.ctx.clock.now();
    const until = now + (this._opts.onCallWindowMs ?? 7 * 86_400_000);
    const [schedulesPage, policiesPage, oncallsPage] = await Promise.all([
      paginateOffset(this.http, 'schedules', 'schedules', {}, { maxItems: 2000 }),
      paginateOffset(this.http, 'escalation_policies', 'escalation_policies', {}, { maxItems: 2000 }),
      paginateOffset(
        this.http,
        'oncalls',
        'oncalls',
        {
          since: new Date(now).toISOString(),
          until: new Date(until).toISOString(),
          'include[]': ['users'],
          time_zone: 'UTC',
          ...(this._opts.scheduleIds?.length ? { 'schedule_ids[]': this._opts.scheduleIds } : {}),
          ...(this._opts.escalationPolicyIds?.length ? { 'escalation_policy_ids[]': this._opts.escalationPolicyIds } : {}),
        },
        { maxItems: 10_000 },
      ),
    ]);
    const parse = <T>(schema: v.GenericSchema<unknown, T>, items: unknown[], what: string): T[] =>
      items.flatMap((x) => {
        const r = v.safeParse(schema, x);
        if (r.success) return [r.output];
        this.log.debug(`skipped a PagerDuty ${what}: ${r.issues[0]?.message ?? 'invalid'}`);
        return [];
      });
    const wantS = this._opts.scheduleIds?.length ? new Set(this._opts.scheduleIds) : undefined;
    const wantP = this._opts.escalationPolicyIds?.length ? new Set(this._opts.escalationPolicyIds) : undefined;
    const schedules = parse(ScheduleSchema, schedulesPage.items, 'schedule').filter((s) => !wantS || wantS.has(s.id));
    const policies = parse(EscalationPolicySchema, policiesPage.items, 'escalation policy').filter((p) => !wantP || wantP.has(p.id));
    const oncalls = parse(OnCallEntrySchema, oncallsPage.items, 'on-call entry');
    this._loops = new Map(policies.map((p) => [p.id, Math.max(0, Math.floor(p.num_loops ?? 0))]));
    await this._refreshPeople(now);
    const state = buildOnCall(now, schedules, policies, oncalls);
    if (this._people) state.people = this._people;
    const comparable = { rotations: state.rotations, policies: state.policies, people: state.people };
    const levelsChanged = !sameJson(this._oncalls, oncalls);
    this._oncalls = oncalls;
    if (!this._lastOnCall || !sameJson(this._lastOnCall, comparable)) {
      const ok = validOnCall(state, this.log);
      if (!ok) return;
      this._lastOnCall = comparable;
      this.ctx.setOnCall(ok);
    } else if (!levelsChanged) return;
    // Escalation levels come from these entries: bring the open incidents' levels up to date.
    for (const inc of [...this._incidents.values()]) this._apply(inc);
  }

  /**
   * The people directory: `listUsers` (`GET /users`), every page up to `ONCALL_LIMITS.maxDirectoryPeople`, re-read
   * every `PEOPLE_REFRESH_MS`. A failed read keeps the last copy (logged once, then every 100th) and is retried at
   * the next on-call poll.
   */
  private async _refreshPeople(now: number): Promise<void> {
    if (now - this._peopleAt < PEOPLE_REFRESH_MS) return;
    try {
      // listUsers: GET /users
      const page = await paginateOffset(this.http, 'users', 'users', {}, { limit: 100, maxItems: ONCALL_LIMITS.maxDirectoryPeople });
      const people: Person[] = [];
      for (const raw of page.items) {
        const r = v.safeParse(UserSchema, raw);
        if (r.success) people.push(personOf(r.output));
      }
      this._people = people.slice(0, ONCALL_LIMITS.maxDirectoryPeople);
      this._peopleAt = now;
      this._peopleFailures = 0;
    } catch (e) {
      this._peopleFailures++;
      if (this._peopleFailures === 1 || this._peopleFailures % 100 === 0) {
        this.log.warn(`could not read the PagerDuty user directory (${errorText(e)}): ${this._people ? 'keeping the last copy' : 'pickers show on-call people only'}; retrying at the next on-call poll`);
      }
    }
  }
}

/** A time as listChangeEvents' `since`/`until` pattern spells it: YYYY-MM-DDThh:mm:ssZ (no milliseconds). */
function pdTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** updatedAt moves on every poll of an unchanged incident when PagerDuty bumps it; compare the rest. */
function stripVolatile(a: Alert): Omit<Alert, 'updatedAt'> {
  const { updatedAt: _u, ...rest } = a;
  return rest;
}

/** Why PagerDuty refused a write, and for a key that may not write, what to do. */
function whyRefused(e: unknown): string {
  const said = e instanceof VendorHttpError && e.vendorMessage ? e.vendorMessage : errorText(e);
  if (e instanceof VendorHttpError && e.isAuthError) return `${said} — this PagerDuty key is read-only or lacks access: use a full-access key`;
  return said;
}

function noteOf(n: PdIncidentNote, fallbackAt: string): AlertNote {
  const note: AlertNote = { text: n.content, at: isoOf(n.created_at) ?? fallbackAt };
  if (n.id) note.id = n.id;
  if (n.user) note.author = personOf(n.user);
  return note;
}

/** The newest notes the protocol keeps, oldest first. */
function newest(notes: AlertNote[]): AlertNote[] {
  return notes.length > ALERT_LIMITS.maxNotes ? notes.slice(-ALERT_LIMITS.maxNotes) : notes;
}
