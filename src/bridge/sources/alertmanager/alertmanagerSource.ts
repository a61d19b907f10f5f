import type { Alert, AlertAction, AlertNote, Person, RequestCapability } from '../../../core/protocol/types';
import { checkBearer } from '../../auth';
import { PollingSource, type PollSpec } from '../shared/pollingSource';
import { SourceActionError, type HttpRequestInfo, type HttpResponseInfo, type Route, type SourceContext } from '../types';
import { AlertmanagerClient, AlertmanagerError } from './client';
import {
  bridgeComment,
  DEFAULT_MAPPING,
  parseBridgeComment,
  silenceNotes,
  formatActor,
  isAckSilenceFor,
  matchersFor,
  parseActor,
  sameAlert,
  toProtocolAlert,
  type AmAlertState,
  type MappingOptions,
} from './mapping';
import { isTruncatedLabelSet, parseWith, WebhookAlertSchema, WebhookEnvelopeSchema, type ApiAlert, type ApiSilence, type LabelSet, type WebhookAlert } from './schemas';
import { errorText } from '../../../core/util/errors';

export const WEBHOOK_PATH = '/webhooks/alertmanager';
/**
 * Default largest webhook body. JSON.parse of one body runs in one go, so the cap is what bounds that stall
 * (about 1 MiB ≈ 10–50 ms on a laptop); bigger groups are sent in parts with webhook_configs.max_alerts
 * (the rest is flagged `truncatedAlerts`, which makes the bridge reconcile at once). See README.
 */
export const DEFAULT_WEBHOOK_MAX_BYTES = 1024 * 1024;
/** Alerts validated or applied between two yields to the event loop. */
const BATCH = 250;
export const RESOLVE_REFUSAL = 'Alertmanager alerts resolve when their condition clears; acknowledge to silence it';

export interface AlertmanagerSourceOptions extends Partial<MappingOptions> {
  /** Alertmanager's base URL (credentials in it are used for basic auth and never logged). */
  url: string;
  /** How long an acknowledge silences the alert. Default 120 minutes. */
  ackSilenceMinutes?: number;
  /** Time between two reconciles with GET /api/v2/alerts. Default 30 s. */
  reconcileIntervalMs?: number;
  /**
   * Alertmanager keeps alerts in memory only: after its restart it knows none until Prometheus sends
   * them again (every evaluation, at most `--rules.alert.resend-delay`, 1 min by default, apart). For this
   * long after Alertmanager started, alerts missing from it are kept, not resolved. Default 180 s.
   */
  restartGraceMs?: number;
  /** Shared secret Alertmanager sends as `Authorization: Bearer` (webhook_configs.http_config.authorization). */
  webhookToken?: string;
  /** Largest webhook body. Default 1 MiB (`DEFAULT_WEBHOOK_MAX_BYTES`). */
  webhookMaxBodyBytes?: number;
  /** Per-request timeout. Default 10 s. */
  requestTimeoutMs?: number;
  /** Longest wait between two attempts while Alertmanager is unreachable. Default 60 s. */
  maxBackoffMs?: number;
}

type Ack = { by: Person; at: number; snoozedUntil?: number };

/**
 * Prometheus Alertmanager as an alert source.
 *
 * Inbound: webhook notifications (version 4) on POST /webhooks/alertmanager, plus a reconcile with
 * GET /api/v2/alerts on start and every `reconcileIntervalMs` — the webhook is fast, the reconcile is
 * the truth (it catches what a lost or truncated webhook missed, silences made in Alertmanager's UI, and
 * alerts that went away). Alert id = Alertmanager's fingerprint.
 *
 * Outbound: ack = a silence with equality matchers on all of the alert's labels (so it silences exactly
 * this alert); unack = expiring that silence; the silence is also expired when the alert resolves.
 * Alertmanager has no "resolve": alerts resolve when their rule stops firing, so the module refuses it.
 */
export class AlertmanagerSource extends PollingSource<'reconcile'> {
  readonly name = 'alertmanager';
  readonly capabilities = ['ack', 'unack', 'snooze', 'note'] as const;
  /** Protocol 1.1: what Alertmanager's API does not have, said where the editor would offer it. */
  readonly unsupportedActions: Partial<Record<RequestCapability, string>> = {
    resolve: RESOLVE_REFUSAL,
    reassign: 'Alertmanager has no assignees: who is notified is decided by its routes and receivers',
    escalate: 'Alertmanager has no escalation levels: its routes notify receivers (a pager service behind it escalates)',
    override: 'Alertmanager has no on-call schedules (the iCal feeds in the On Call view say who is on call)',
    annotate: 'Alertmanager keeps notes only on alerts, as the comment of their silence',
  };
  readonly routes: readonly Route[];
  readonly client: AlertmanagerClient;

  private readonly _mapping: MappingOptions;
  private readonly _ackMs: number;
  private readonly _intervalMs: number;
  private readonly _graceMs: number;
  private readonly _maxBackoffMs: number;

  /** Labels of open alerts exactly as Alertmanager has them (the protocol's copy may leave some out). */
  private readonly _labels = new Map<string, LabelSet>();
  /** Silences suppressing each open alert, as of the last reconcile or local action. */
  private readonly _silencedBy = new Map<string, string[]>();
  /** The silence this bridge created for an alert's acknowledge (recovered from Alertmanager after a restart). */
  private readonly _ackSilence = new Map<string, string>();
  /** Silences by id, fetched once with GET /api/v2/silence/{id}; dropped when nothing refers to them. */
  private readonly _silences = new Map<string, ApiSilence>();
  /** Ack silences of resolved alerts that could not be expired yet (Alertmanager down): retried every reconcile. */
  private readonly _pendingExpiry = new Map<string, string>();

  /**
   * Local changes (webhook, ack, unack) bump `_gen` and stamp the alert; a reconcile skips alerts stamped
   * after it started fetching, so an answer that left Alertmanager before an ack cannot undo the ack.
   */
  private _gen = 0;
  private readonly _touched = new Map<string, number>();

  private _amStartedAt: number | undefined;
  private _graceLogged: number | undefined;
  private _sweptOrphans = false;
  private _flushing = false;
  private _expiryError: string | undefined;
  private _rejectedWebhooks = 0;

  constructor(private readonly _opts: AlertmanagerSourceOptions) {
    super('Alertmanager');
    this._mapping = {
      severityLabel: _opts.severityLabel ?? DEFAULT_MAPPING.severityLabel,
      serviceLabels: _opts.serviceLabels ?? DEFAULT_MAPPING.serviceLabels,
      traceAnnotation: _opts.traceAnnotation ?? DEFAULT_MAPPING.traceAnnotation,
    };
    this._ackMs = (_opts.ackSilenceMinutes ?? 120) * 60_000;
    this._intervalMs = Math.max(100, _opts.reconcileIntervalMs ?? 30_000);
    this._graceMs = _opts.restartGraceMs ?? 180_000;
    this._maxBackoffMs = Math.max(this._intervalMs, _opts.maxBackoffMs ?? 60_000);
    this.client = new AlertmanagerClient({ url: _opts.url, timeoutMs: _opts.requestTimeoutMs ?? 10_000 });
    this.routes = [
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        maxBodyBytes: _opts.webhookMaxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BYTES,
        // Alertmanager cannot be given the bridge's token per client; it sends its own shared secret, checked in
        // _webhook ("self"). Without one (--insecure-unauthenticated-webhooks, loopback only) the route is open: "none".
        auth: _opts.webhookToken !== undefined ? 'self' : 'none',
        handle: (req) => this._webhook(req),
      },
    ];
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  protected override prepare(ctx: SourceContext): void {
    ctx.logger.info(
      `Alertmanager at ${this.client.displayUrl}: webhook POST ${WEBHOOK_PATH} (${this._opts.webhookToken ? 'shared secret required' : 'no shared secret: only reachable from this machine, the bridge listens on loopback'}), ` +
        `reconcile every ${this._intervalMs / 1000} s, an acknowledge silences the alert for ${this._ackMs / 60_000} min`,
    );
  }

  /**
   * The first snapshot should already hold Alertmanager's alerts; if it is down, the bridge starts anyway and
   * retries: from 1 s (quick to notice Alertmanager is back) up to maxBackoff (gentle while it is not).
   */
  protected polls(): ReadonlyArray<PollSpec<'reconcile'>> {
    return [
      {
        id: 'reconcile',
        name: 'Alertmanager reconcile',
        intervalMs: this._intervalMs,
        retryMinMs: 1000,
        maxBackoffMs: this._maxBackoffMs,
        failedText: 'cannot reconcile with Alertmanager',
        failureHint: 'alerts are kept as they are meanwhile',
        failureLevel: 'error',
        recoveredText: `Alertmanager at ${this.client.displayUrl} answers again`,
        run: () => this._reconcileNow(),
      },
    ];
  }

  protected override ready(ok: boolean): void {
    if (ok) this.log.info(`reconciled with Alertmanager: ${this.ctx.alerts().filter((a) => a.status !== 'resolved').length} open alert(s)`);
  }

  // ---- reconcile

  /** Brings the world in line with GET /api/v2/alerts. Never throws; false when Alertmanager could not be read (logged). Calls coalesce. */
  reconcile(): Promise<boolean> {
    return this.pollNow('reconcile');
  }

  /** One reconcile; throws when Alertmanager could not be read (the scheduler logs it and backs off). */
  private async _reconcileNow(): Promise<void> {
    const log = this.ctx.logger;
    const gen = this._gen;
    const amAlerts = await this.client.alerts();
    const referenced = new Set<string>();
    for (const a of amAlerts) for (const id of a.status.silencedBy) referenced.add(id);
    await this._fetchSilences([...referenced].filter((id) => !this._silences.has(id)));

    const now = this.now();
    const open = new Map<string, ApiAlert>();
    const endedInAm: ApiAlert[] = [];
    for (const a of amAlerts) {
      // GET /api/v2/alerts leaves out resolved alerts; one whose end just passed may still slip through.
      if (a.endsAt !== undefined && a.endsAt <= now) endedInAm.push(a);
      else open.set(a.fingerprint, a);
    }
    const listed = new Set(amAlerts.map((a) => a.fingerprint));
    const missing = this.ctx.alerts().filter((a) => a.status !== 'resolved' && !listed.has(a.id));
    const mayResolve = missing.length === 0 || (await this._pastRestartGrace(missing.length));

    // Applied in batches with a yield in between, so a big Alertmanager never stalls the bridge. What changes
    // meanwhile (a webhook, an ack) stamps its alert after `gen`, and stamped alerts are skipped below.
    const t = this.now();
    let n = 0;
    for (const a of open.values()) {
      if (++n % BATCH === 0) await yieldToEventLoop();
      if (this.stopped) return;
      if ((this._touched.get(a.fingerprint) ?? -1) > gen) continue;
      this._labels.set(a.fingerprint, a.labels);
      this._silencedBy.set(a.fingerprint, [...a.status.silencedBy]);
        const state: AmAlertState = { kind: 'firing', ack: this._ackFromSilences(a.fingerprint, a.labels, a.status.silencedBy, a.updatedAt ?? a.startsAt), notes: this._notes(a.status.silencedBy) };
      this._apply(toProtocolAlert(a, state, this._mapping, t));
    }
    for (const a of endedInAm) if ((this._touched.get(a.fingerprint) ?? -1) <= gen) this._resolved(a, a.endsAt ?? t);
    if (mayResolve) {
      // One line per reconcile, not one per alert: 100k alerts posted to the webhook must not become 100k lines.
      const gone: Alert[] = [];
      for (const a of missing) {
        if ((this._touched.get(a.id) ?? -1) > gen) continue;
        if (!this.ctx.getAlert(a.id) || this.ctx.getAlert(a.id)?.status === 'resolved') continue;
        gone.push(a);
        this._resolve(a.id, t);
        if (gone.length % BATCH === 0) await yieldToEventLoop();
      }
      if (gone.length > 0) {
        const names = gone.slice(0, 3).map((a) => `${a.id} (${a.title.slice(0, 80)})`).join(', ');
        log.info(`${gone.length} alert(s) no longer in Alertmanager, resolved: ${names}${gone.length > 3 ? `, and ${gone.length - 3} more` : ''}`);
      }
    }
    // Labels of alerts the world no longer holds (forgotten under its open-alert limit, or gone) are not needed.
    for (const fp of this._labels.keys()) if (!open.has(fp) && !this.ctx.getAlert(fp)) this._labels.delete(fp);
    // Forget silences nothing refers to any more (expired, deleted, or their alert resolved).
    const keep = new Set([...referenced, ...this._ackSilence.values()]);
    for (const id of this._silences.keys()) if (!keep.has(id)) this._silences.delete(id);
    for (const [id, stamp] of this._touched) if (stamp <= gen) this._touched.delete(id);

    await this._flushExpiries();
    if (mayResolve && !this._sweptOrphans) await this._sweepOrphanAckSilences(amAlerts);
  }

  private async _fetchSilences(ids: string[]): Promise<void> {
    // A few at a time: a big silence (one per maintenance window) is referenced by many alerts, but new ids are rare.
    for (let i = 0; i < ids.length; i += 8) {
      const batch = ids.slice(i, i + 8);
      const got = await Promise.all(batch.map((id) => this.client.silence(id)));
      for (const s of got) if (s) this._silences.set(s.id, s);
    }
  }

  /** False (and a log line once per Alertmanager start) while Alertmanager may not have been sent its alerts again since a restart. */
  private async _pastRestartGrace(missingCount: number): Promise<boolean> {
    const started = await this.client.startedAt();
    const log = this.ctx.logger;
    if (this._amStartedAt !== undefined && started !== this._amStartedAt) log.info(`Alertmanager restarted at ${new Date(started).toISOString()}`);
    this._amStartedAt = started;
    const left = started + this._graceMs - this.now();
    if (left <= 0) return true;
    if (this._graceLogged !== started) {
      this._graceLogged = started;
      log.info(
        `Alertmanager started ${Math.round((this.now() - started) / 1000)} s ago and does not have ${missingCount} alert(s) yet (it forgets alerts on restart until Prometheus sends them again): ` +
          `keeping them open for up to ${Math.ceil(left / 1000)} s more`,
      );
    }
    return false;
  }

  /** Who acknowledged, from the alert's active silences: the bridge's own ack silence first (and it is remembered). */
  private _ackFromSilences(fp: string, labels: LabelSet, silencedBy: readonly string[], fallbackAt: number): Ack | undefined {
    const tracked = this._ackSilence.get(fp);
    if (tracked !== undefined && !silencedBy.includes(tracked)) this._ackSilence.delete(fp); // expired or deleted in Alertmanager
    if (silencedBy.length === 0) return undefined;
    const known = silencedBy.map((id) => this._silences.get(id)).filter((s): s is ApiSilence => s !== undefined);
    const ours = known.find((s) => s.id === tracked) ?? known.find((s) => isAckSilenceFor(s, labels));
    if (ours) this._ackSilence.set(fp, ours.id);
    const s = ours ?? known[0];
    // Silenced by an id Alertmanager no longer returns (deleted in between): still silenced, by someone.
    if (!s) return { by: { name: 'a silence in Alertmanager' }, at: fallbackAt };
    // A snooze is our silence with the snooze marker: the alert comes back when it ends (the next reconcile sees that).
    const snoozedUntil = ours && parseBridgeComment(ours.comment)?.kind === 'snooze' ? ours.endsAt : undefined;
    return snoozedUntil !== undefined ? { by: parseActor(s.createdBy), at: s.startsAt, snoozedUntil } : { by: parseActor(s.createdBy), at: s.startsAt };
  }

  /** Protocol 1.1 notes: the comments of the (known) silences on the alert. */
  private _notes(silencedBy: readonly string[]): AlertNote[] {
    return silenceNotes(silencedBy.map((id) => this._silences.get(id)).filter((x): x is ApiSilence => x !== undefined));
  }

  private _apply(alert: Alert): void {
    const cur = this.ctx.getAlert(alert.id);
    if (!cur || !sameAlert(cur, alert)) this.ctx.upsertAlert(alert);
  }

  private _resolved(a: { fingerprint: string; labels: LabelSet; annotations?: LabelSet | undefined; startsAt: number; generatorURL?: string | undefined }, at: number): void {
    const cur = this.ctx.getAlert(a.fingerprint);
    if (cur && cur.status !== 'resolved') this._resolve(a.fingerprint, at);
    // Never seen open (it fired and cleared while the bridge was away): kept as history.
    else if (!cur) this.ctx.upsertAlert(toProtocolAlert(a, { kind: 'resolved', at }, this._mapping, this.now()));
  }

  /** Resolves in the world and queues the expiry of the alert's ack silence. */
  private _resolve(fp: string, at: number): void {
    const cur = this.ctx.getAlert(fp);
    const startedAt = cur ? Date.parse(cur.startedAt) : at;
    this.ctx.resolveAlert(fp, undefined, new Date(Math.max(at, startedAt)).toISOString());
    this._labels.delete(fp);
    this._silencedBy.delete(fp);
    const sid = this._ackSilence.get(fp);
    if (sid !== undefined) {
      this._ackSilence.delete(fp);
      this._pendingExpiry.set(sid, fp);
      void this._flushExpiries();
    }
  }

  /** Expires the ack silences of resolved alerts; what fails stays queued for the next reconcile. */
  private async _flushExpiries(): Promise<void> {
    if (this._flushing || this._pendingExpiry.size === 0) return;
    this._flushing = true;
    try {
      for (const [sid, fp] of [...this._pendingExpiry]) {
        try {
          await this.client.expireSilence(sid);
          this._pendingExpiry.delete(sid);
          this._silences.delete(sid);
          this._expiryError = undefined;
          this.ctx.logger.info(`expired silence ${sid}: alert ${fp} resolved`);
        } catch (e) {
          const msg = errorText(e);
          if (msg !== this._expiryError) this.ctx.logger.warn(`could not expire silence ${sid} of resolved alert ${fp}: ${msg} (retried at the next reconcile)`);
          this._expiryError = msg;
          break;
        }
      }
    } finally {
      this._flushing = false;
    }
  }

  /**
   * After a bridge restart: ack silences (our comment, equality matchers) whose alert is gone resolved
   * while the bridge was away; they would otherwise silence the alert's next firing. Once per run.
   */
  private async _sweepOrphanAckSilences(amAlerts: readonly ApiAlert[]): Promise<void> {
    try {
      // Right after an Alertmanager restart every alert is "missing": nothing can be told to be resolved yet.
      if (this.now() - (await this.client.startedAt()) < this._graceMs) return;
      const silences = await this.client.silences();
      this._sweptOrphans = true;
      for (const s of silences) {
        if (s.status.state !== 'active' || parseBridgeComment(s.comment) === undefined || !s.matchers.every((m) => m.isEqual && !m.isRegex)) continue;
        if (amAlerts.some((a) => isAckSilenceFor(s, a.labels))) continue;
        if ([...this._pendingExpiry.keys()].includes(s.id)) continue;
        this.ctx.logger.info(`silence ${s.id} acknowledged an alert that is no longer in Alertmanager: expiring it`);
        this._pendingExpiry.set(s.id, s.matchers.map((m) => `${m.name}="${m.value}"`).join(','));
      }
      await this._flushExpiries();
    } catch (e) {
      this.ctx.logger.warn(`could not look for leftover acknowledge silences: ${errorText(e)} (tried again at the next reconcile)`);
    }
  }

  // ---- webhook

  private async _webhook(req: HttpRequestInfo): Promise<HttpResponseInfo> {
    if (!this.started) return { status: 503, body: { error: 'starting' } };
    const token = this._opts.webhookToken;
    if (token !== undefined && !checkBearer(req.headers, token)) {
      this._rejected(`unauthorized (${req.headers.authorization === undefined ? 'no Authorization header' : 'wrong token'}; set http_config.authorization.credentials to the --webhook-token-file secret)`);
      return { status: 401, body: { error: 'unauthorized: send the shared secret as "Authorization: Bearer …"' } };
    }
    let json: unknown;
    try {
      // One synchronous parse of a body within the route's size cap (which is what bounds this stall).
      json = JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      const msg = `body is not JSON (${errorText(e)})`;
      this._rejected(msg);
      return { status: 400, body: { error: msg } };
    }
    const env = parseWith(WebhookEnvelopeSchema, json);
    if (!env.ok) {
      const msg = `not an Alertmanager webhook (version 4) body: ${env.error}`;
      this._rejected(msg);
      return { status: 400, body: { error: msg } };
    }
    const body = env.value;
    // Every alert is validated before any is applied (a bad body changes nothing), in batches with a yield
    // in between: thousands of alerts never hold the event loop for long.
    const alerts: WebhookAlert[] = [];
    for (let i = 0; i < body.alerts.length; i++) {
      if (i > 0 && i % BATCH === 0) await yieldToEventLoop();
      const r = parseWith(WebhookAlertSchema, body.alerts[i]);
      if (!r.ok) {
        // "alerts[3].labels: …" like a whole-body parse would say (describeIssues starts with the path when it has one).
        const msg = `not an Alertmanager webhook (version 4) body: alerts[${i}]${/^[\w$]+(?:[.[][^:]*)?: /.test(r.error) ? '.' : ': '}${r.error}`;
        this._rejected(msg);
        return { status: 400, body: { error: msg } };
      }
      alerts.push(r.value);
    }
    let refresh = body.truncatedAlerts !== undefined && body.truncatedAlerts > 0;
    for (let i = 0; i < alerts.length; i++) {
      if (i > 0 && i % BATCH === 0) await yieldToEventLoop();
      if (this.stopped) break;
      if (this._webhookAlert(alerts[i]!)) refresh = true;
    }
    // One line per notification (debug), never one per alert.
    this.ctx.logger.debug(`webhook from receiver ${body.receiver ?? '?'}: ${alerts.length} alert(s), ${body.status ?? '?'}`);
    // Truncated groups, and firing notifications for alerts we think are silenced, are checked against the API now.
    if (refresh) void this.reconcile();
    return { status: 200, body: { ok: true, alerts: alerts.length } };
  }

  /** True when the REST API should be asked (the notification disagrees with what we believe). */
  private _webhookAlert(a: WebhookAlert): boolean {
    const fp = a.fingerprint;
    this._touched.set(fp, ++this._gen);
    const now = this.now();
    if (a.status === 'resolved') {
      this._resolved(a, a.endsAt ?? now);
      return false;
    }
    this._labels.set(fp, a.labels);
    const cur = this.ctx.getAlert(fp);
    // Silenced alerts are not notified, so a firing one should not be acknowledged — unless the silence was just made.
    const keepAck: Ack | undefined =
      cur?.status === 'acknowledged' && cur.acknowledgedBy
        ? { by: cur.acknowledgedBy, at: Date.parse(cur.acknowledgedAt ?? cur.updatedAt), ...(cur.snoozedUntil !== undefined ? { snoozedUntil: Date.parse(cur.snoozedUntil) } : {}) }
        : undefined;
    this._apply(toProtocolAlert(a, { kind: 'firing', ack: keepAck, notes: cur?.notes }, this._mapping, now));
    return keepAck !== undefined;
  }

  private _rejected(reason: string): void {
    this._rejectedWebhooks++;
    const n = this._rejectedWebhooks;
    if (n <= 10 || n % 100 === 0) this.ctx.logger.warn(`rejected a webhook on ${WEBHOOK_PATH}: ${reason}${n === 10 ? ' (further ones logged every 100th)' : ''}`);
  }

  // ---- actions

  async handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<void> {
    if (action === 'resolve') throw new SourceActionError(RESOLVE_REFUSAL);
    const errors: string[] = [];
    for (const id of alertIds) {
      const cur = this.ctx.getAlert(id);
      if (!cur) {
        errors.push(`unknown alert ${id}`);
        continue;
      }
      if (cur.status === 'resolved') {
        errors.push(`"${cur.title}" is already resolved`);
        continue;
      }
      try {
        if (action === 'ack') await this._ack(cur, actor);
        else await this._unack(cur);
      } catch (e) {
        if (e instanceof SourceActionError) errors.push(e.message);
        else if (e instanceof AlertmanagerError) {
          this.ctx.logger.warn(`${action} of ${id} failed: ${e.message}`);
          errors.push(`could not ${action === 'ack' ? 'acknowledge' : 'unacknowledge'} "${cur.title}": ${e.message}`);
        } else throw e;
      }
    }
    if (errors.length > 0) throw new SourceActionError(errors.join('; '));
  }

  private async _ack(cur: Alert, actor: Person | undefined): Promise<void> {
    if (cur.status === 'acknowledged') return; // already silenced (acknowledged or snoozed): acking again changes nothing
    await this._silence(cur, actor, 'ack', this.now() + this._ackMs);
  }

  /**
   * Silences exactly this alert until `endsAt`: an acknowledge (the default duration) or a snooze (the chosen time).
   * A silence this bridge made before for the alert is replaced (its note carried over), so there is one at a time.
   */
  private async _silence(cur: Alert, actor: Person | undefined, kind: 'ack' | 'snooze', endsAt: number): Promise<void> {
    const labels = this._labels.get(cur.id);
    if (labels === undefined || isTruncatedLabelSet(labels)) {
      // A silence on fewer labels than the alert has would silence other alerts too.
      throw new SourceActionError(
        labels === undefined
          ? `"${cur.title}": the bridge does not know this alert's labels yet (it learns them at the next reconcile): try again in a moment`
          : `"${cur.title}" has more (or longer) labels than the bridge keeps, so it cannot be silenced exactly from here: silence it in Alertmanager`,
      );
    }
    const previous = this._ackSilence.get(cur.id);
    const previousNote = previous !== undefined ? parseBridgeComment(this._silences.get(previous)?.comment ?? '')?.note : undefined;
    const createdBy = formatActor(actor);
    const startsAt = this.now();
    const matchers = matchersFor(labels);
    const comment = bridgeComment(kind, previousNote);
    const sid = await this.client.createSilence({ matchers, startsAt, endsAt, createdBy, comment });
    // Alertmanager sets startsAt to its own "now": read it back so the next reconcile finds nothing changed.
    let silence: ApiSilence | undefined;
    try {
      silence = await this.client.silence(sid);
    } catch {
      // The silence exists; the local copy below is close enough until the next reconcile.
    }
    silence ??= { id: sid, status: { state: 'active' }, matchers, startsAt, endsAt, createdBy, comment };
    this._silences.set(sid, silence);
    this._touched.set(cur.id, ++this._gen);
    if (previous !== undefined && previous !== sid) {
      // The snooze replaces the acknowledge (or an earlier snooze): one silence of ours per alert.
      this._pendingExpiry.set(previous, cur.id);
      this._silences.delete(previous);
      void this._flushExpiries();
    }
    const now = this.ctx.getAlert(cur.id);
    if (!now || now.status === 'resolved') {
      // It resolved while the silence was being made: the silence has nothing left to do.
      this._pendingExpiry.set(sid, cur.id);
      void this._flushExpiries();
      return;
    }
    this._ackSilence.set(cur.id, sid);
    const silencedBy = [...(this._silencedBy.get(cur.id) ?? []).filter((x) => x !== sid && x !== previous), sid];
    this._silencedBy.set(cur.id, silencedBy);
    this.ctx.logger.info(`${kind === 'ack' ? 'acknowledged' : 'snoozed'} ${cur.id} (${cur.title}) for ${createdBy}: silence ${sid} until ${new Date(silence.endsAt).toISOString()}`);
    const next: Alert = {
      ...now,
      status: 'acknowledged',
      acknowledgedBy: parseActor(silence.createdBy),
      acknowledgedAt: new Date(silence.startsAt).toISOString(),
      updatedAt: new Date(this.now()).toISOString(),
    };
    if (kind === 'snooze') next.snoozedUntil = new Date(silence.endsAt).toISOString();
    else delete next.snoozedUntil;
    const notes = this._notes(silencedBy);
    if (notes.length > 0) next.notes = notes;
    else delete next.notes;
    this.ctx.upsertAlert(next);
  }

  // ---- protocol 1.1: snooze (a silence until the chosen time) and notes (the silence's comment)

  async snooze(alertIds: readonly string[], until: number, actor: Person | undefined): Promise<void> {
    const errors: string[] = [];
    for (const id of alertIds) {
      const cur = this.ctx.getAlert(id);
      if (!cur) errors.push(`unknown alert ${id}`);
      else if (cur.status === 'resolved') errors.push(`"${cur.title}" is already resolved`);
    }
    if (errors.length > 0) throw new SourceActionError(errors.join('; '));
    for (const id of alertIds) {
      const cur = this.ctx.getAlert(id)!;
      try {
        await this._silence(cur, actor, 'snooze', until);
      } catch (e) {
        if (e instanceof SourceActionError) errors.push(e.message);
        else if (e instanceof AlertmanagerError) {
          this.ctx.logger.warn(`snooze of ${id} failed: ${e.message}`);
          errors.push(`could not snooze "${cur.title}": ${e.message}`);
        } else throw e;
      }
    }
    if (errors.length > 0) throw new SourceActionError(errors.join('; '));
  }

  /**
   * The note becomes the comment of the alert's silence (the one this bridge made for its acknowledge or snooze),
   * with the writer as the silence's creator, as an edit in Alertmanager's UI does. One note per silence: a new one
   * replaces it.
   */
  async note(alertId: string, text: string, actor: Person | undefined): Promise<void> {
    const cur = this.ctx.getAlert(alertId);
    if (!cur) throw new SourceActionError(`unknown alert ${alertId}`);
    if (cur.status === 'resolved') throw new SourceActionError(`"${cur.title}" is resolved: Alertmanager keeps notes as the comment of a silence, and its silence ended with it`);
    const sid = this._ackSilence.get(alertId);
    const s = sid !== undefined ? this._silences.get(sid) : undefined;
    const kind = s ? parseBridgeComment(s.comment)?.kind : undefined;
    if (!s || !kind) {
      throw new SourceActionError(`Alertmanager keeps notes as the comment of a silence, and "${cur.title}" has no silence made from the editor: acknowledge or snooze it first, then add the note`);
    }
    const createdBy = formatActor(actor);
    const comment = bridgeComment(kind, text.trim());
    let newId: string;
    try {
      newId = await this.client.createSilence({ id: s.id, matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, createdBy, comment });
    } catch (e) {
      if (e instanceof AlertmanagerError) throw new SourceActionError(`could not add the note to "${cur.title}": ${e.message}`);
      throw e;
    }
    let silence: ApiSilence | undefined;
    try {
      silence = await this.client.silence(newId);
    } catch {
      // Updated; the local copy below stands in until the next reconcile.
    }
    silence ??= { ...s, id: newId, createdBy, comment };
    if (newId !== s.id) this._silences.delete(s.id); // Alertmanager replaced it (it could not update in place)
    this._silences.set(newId, silence);
    this._ackSilence.set(alertId, newId);
    this._touched.set(alertId, ++this._gen);
    const silencedBy = [...(this._silencedBy.get(alertId) ?? []).filter((x) => x !== s.id && x !== newId), newId];
    this._silencedBy.set(alertId, silencedBy);
    this.ctx.logger.info(`note on ${alertId} (${cur.title}) by ${createdBy}: comment of silence ${newId}`);
    const now = this.ctx.getAlert(alertId);
    if (!now || now.status === 'resolved') return;
    this.ctx.upsertAlert({ ...now, acknowledgedBy: parseActor(silence.createdBy), notes: this._notes(silencedBy), updatedAt: new Date(this.now()).toISOString() });
  }

  private async _unack(cur: Alert): Promise<void> {
    if (cur.status !== 'acknowledged') return;
    const labels = this._labels.get(cur.id) ?? cur.labels;
    const silencedBy = this._silencedBy.get(cur.id) ?? [];
    const sid = this._ackSilence.get(cur.id) ?? silencedBy.find((id) => { const s = this._silences.get(id); return s !== undefined && isAckSilenceFor(s, labels); });
    if (sid === undefined) {
      const other = silencedBy.map((id) => this._silences.get(id)).find((s) => s !== undefined);
      throw new SourceActionError(
        other
          ? `"${cur.title}" is silenced in Alertmanager by ${other.createdBy}'s silence ${other.id} ("${other.comment}"), not by an acknowledge: expire that silence in Alertmanager`
          : `"${cur.title}" is silenced in Alertmanager by a silence that was not made by an acknowledge: expire it in Alertmanager`,
      );
    }
    await this.client.expireSilence(sid); // false = already gone: the result is the same
    this._ackSilence.delete(cur.id);
    this._silences.delete(sid);
    this._touched.set(cur.id, ++this._gen);
    const remaining = silencedBy.filter((id) => id !== sid);
    this._silencedBy.set(cur.id, remaining);
    this.ctx.logger.info(`unacknowledged ${cur.id} (${cur.title}): expired silence ${sid}`);
    const now = this.ctx.getAlert(cur.id);
    if (!now || now.status === 'resolved') return;
    const other = remaining.map((id) => this._silences.get(id)).find((s): s is ApiSilence => s !== undefined && s.endsAt > this.now());
    const next: Alert = { ...now, status: other ? 'acknowledged' : 'triggered', updatedAt: new Date(this.now()).toISOString() };
    delete next.snoozedUntil; // the snooze was our silence: it is gone
    const notes = this._notes(remaining);
    if (notes.length > 0) next.notes = notes;
    else delete next.notes;
    if (other) {
      next.acknowledgedBy = parseActor(other.createdBy);
      next.acknowledgedAt = new Date(other.startsAt).toISOString();
    } else {
      delete next.acknowledgedBy;
      delete next.acknowledgedAt;
    }
    this.ctx.upsertAlert(next);
  }
}

/** Lets timers, sockets and other requests run (setImmediate: after pending I/O, unlike a resolved promise). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
