import { firingOf } from '../../../core/alerts/firingHistory';
import { withTimelineEntry } from '../../../core/protocol/limits';
import type { Alert, AlertAction, AnnotateMessage, Deploy, DeployAuthor, OnCallState, Person, ReassignTarget, Rotation, TimelineEntry } from '../../../core/protocol/types';
import type { IDisposable } from '../../../core/util/disposable';
import { SourceActionError, type OverrideRequest, type SourceContext, type SourceModule } from '../types';
import { ALERTS_BASE, DEPLOYS_BASE, GIT_BASE, mulberry32, RUNBOOK_BASE, SERVICES, TEMPLATES, type AlertTemplate } from './catalog';
import { buildOnCall as buildBaseOnCall, CAROL, DIRECTORY, KENJI, currentShiftStart, nextHandoff, policyFor, tierPeople, YOU_PERSON } from './people';
import { demoTrace } from './traces';
import type { CommitKey } from './workspaceFiles';
import type { DemoCommits } from './workspace';

export interface DemoSourceOptions {
  /** Real commits of the demo workspace (or the built-in table when there is none). */
  commits: DemoCommits;
  /** PRNG seed: same seed + same clock = same world. */
  seed: number;
  /** Time between two changes of the world. Default 20 s. */
  intervalMs?: number;
  /** Open alerts above this make the next change a resolve, so the world stays readable. Default 25. */
  maxOpenAlerts?: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Ids and titles of the initial world (stable: UI tests can look for them). */
export const INITIAL_ALERT_IDS = ['DEMO-1001', 'DEMO-1002', 'DEMO-1003', 'DEMO-1004', 'DEMO-1005', 'DEMO-1006', 'DEMO-1007'] as const;

/**
 * The embedded demo alert source: a deterministic initial world (alerts in every state, shifts with
 * "you" on call now, recent deploys of real workspace commits), then one change every `intervalMs`
 * (new alert, auto-resolve, deploy, re-fire), escalation of unacked alerts on their policy's delays,
 * and ack/unack/resolve from clients.
 */
export class DemoSource implements SourceModule {
  readonly name = 'demo';
  readonly capabilities = ['ack', 'unack', 'resolve', 'oncall', 'deploys', 'annotate', 'snooze', 'reassign', 'escalate', 'note', 'override'] as const;

  private _ctx: SourceContext | undefined;
  private readonly _rand: () => number;
  private readonly _timers: IDisposable[] = [];
  private readonly _escalations = new Map<string, IDisposable>();
  /** Snoozed alerts' wake-up timers. */
  private readonly _snoozes = new Map<string, IDisposable>();
  /** Alerts moved to another policy by `reassign {policyId}`. */
  private readonly _policyOf = new Map<string, string>();
  /** Overrides ("take on-call"), newest last; bounded, ended ones dropped. */
  private readonly _overrides: Array<{ rotationId: string; start: number; end: number; person: Person }> = [];
  private _nextNote = 1;
  private _overrideTimers: IDisposable[] = [];
  private _nextAlert = 2001;
  private _nextDeploy = 101;
  private _anchor = 0;
  /** The sha each (service, environment) runs, for deploys' previousSha and alerts' commitSha. */
  private readonly _running = new Map<string, CommitKey>();
  /** Recent annotations (e.g. "deploy anyway" overrides), bounded; the demo only logs them. */
  readonly annotations: Array<AnnotateMessage['annotation'] & { at: string }> = [];

  constructor(private readonly _opts: DemoSourceOptions) {
    this._rand = mulberry32(_opts.seed);
  }

  private get ctx(): SourceContext {
    if (!this._ctx) throw new Error('demo source not started');
    return this._ctx;
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  private iso(t = this.now()): string {
    return new Date(t).toISOString();
  }

  start(ctx: SourceContext): Promise<void> {
    this._ctx = ctx;
    return this.lead();
  }

  /** Clustered mode: actions only; the demo world runs on the leader (`lead`). */
  standby(ctx: SourceContext): Promise<void> {
    this._ctx = ctx;
    return Promise.resolve();
  }

  /** Clustered mode: this replica lost the lease; its timers stop (the new leader's demo world takes over). */
  follow(): Promise<void> {
    return this.stop();
  }

  /** Starts the demo world: on-call, deploys, alerts, then a change every interval. */
  lead(): Promise<void> {
    const ctx = this.ctx;
    const now = ctx.clock.now();
    this._anchor = currentShiftStart(now);
    ctx.setOnCall(this._onCall(now));
    this._scheduleHandoff();
    this._initialDeploys(now);
    this._initialHistory(now);
    this._initialAlerts(now);
    const every = Math.max(10, this._opts.intervalMs ?? 20_000);
    this._timers.push(ctx.clock.setInterval(() => this.tick(), every));
    ctx.logger.info(`demo world ready: ${ctx.alerts().length} alerts, a change every ${every} ms, seed ${this._opts.seed}`);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const t of this._timers.splice(0)) t.dispose();
    for (const t of this._escalations.values()) t.dispose();
    this._escalations.clear();
    for (const t of this._snoozes.values()) t.dispose();
    this._snoozes.clear();
    for (const t of this._overrideTimers.splice(0)) t.dispose();
    return Promise.resolve();
  }

  // ---- client requests

  handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<void> {
    const ctx = this.ctx;
    // All or nothing: check every id before changing anything.
    const alerts = alertIds.map((id) => ({ id, alert: ctx.getAlert(id) }));
    const unknown = alerts.filter((a) => !a.alert).map((a) => a.id);
    if (unknown.length) return Promise.reject(new SourceActionError(`unknown alert id(s): ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`));
    const resolved = alerts.filter((a) => a.alert!.status === 'resolved').map((a) => a.id);
    if (resolved.length && action !== 'resolve') return Promise.reject(new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`));
    const who = actor ?? YOU_PERSON;
    const now = this.iso();
    for (const { alert } of alerts) {
      const a = alert!;
      if (action === 'resolve') {
        if (a.status !== 'resolved') this._resolve(a.id, who);
      } else if (action === 'ack') {
        if (a.status === 'triggered' || a.snoozedUntil !== undefined) {
          // Acknowledging a snoozed alert ends the snooze: it stays acknowledged, with no wake-up.
          this._cancelEscalation(a.id);
          this._cancelSnooze(a);
          a.status = 'acknowledged';
          a.acknowledgedBy = who;
          a.acknowledgedAt = now;
          a.updatedAt = now;
          if (a.escalation) delete a.escalation.nextEscalationAt;
          this._log(a, { at: now, kind: 'acknowledged', actor: who });
          ctx.upsertAlert(a);
        }
      } else if (a.status === 'acknowledged') {
        this._cancelSnooze(a);
        a.status = 'triggered';
        delete a.acknowledgedBy;
        delete a.acknowledgedAt;
        a.updatedAt = now;
        this._armEscalation(a, this.now());
        this._log(a, { at: now, kind: 'unacknowledged', actor: who });
        ctx.upsertAlert(a);
      }
    }
    return Promise.resolve();
  }

  annotate(annotation: AnnotateMessage['annotation']): Promise<void> {
    this.annotations.push({ ...annotation, at: this.iso() });
    if (this.annotations.length > 100) this.annotations.shift();
    this.ctx.logger.info(`annotation (${annotation.kind})${annotation.service ? ` on ${annotation.service}` : ''} by ${annotation.actor?.name ?? 'someone'}: ${annotation.text.slice(0, 200)}`);
    return Promise.resolve();
  }

  // ---- protocol 1.1 responder actions

  /** The open alerts with these ids, or a SourceActionError naming the unknown / resolved ones (all or nothing). */
  private _openAlerts(alertIds: readonly string[]): Alert[] {
    const found = alertIds.map((id) => ({ id, alert: this.ctx.getAlert(id) }));
    const unknown = found.filter((a) => !a.alert).map((a) => a.id);
    if (unknown.length) throw new SourceActionError(`unknown alert id(s): ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`);
    const resolved = found.filter((a) => a.alert!.status === 'resolved').map((a) => a.id);
    if (resolved.length) throw new SourceActionError(`already resolved: ${resolved.slice(0, 5).join(', ')}`);
    return found.map((a) => a.alert!);
  }

  snooze(alertIds: readonly string[], until: number, actor: Person | undefined): Promise<void> {
    const alerts = this._openAlerts(alertIds);
    const who = actor ?? YOU_PERSON;
    const now = this.iso();
    for (const a of alerts) {
      this._cancelEscalation(a.id);
      this._cancelSnooze(a);
      a.status = 'acknowledged';
      a.acknowledgedBy = who;
      a.acknowledgedAt = now;
      a.snoozedUntil = this.iso(until);
      a.updatedAt = now;
      if (a.escalation) delete a.escalation.nextEscalationAt;
      this._log(a, { at: now, kind: 'snoozed', actor: who, text: `snoozed until ${a.snoozedUntil}` });
      const id = a.id;
      this._snoozes.set(id, this.ctx.clock.setTimeout(() => this._wake(id), Math.max(0, until - this.now())));
      this.ctx.upsertAlert(a);
    }
    return Promise.resolve();
  }

  /** The snooze ended: the alert triggers again and escalates from now, like PagerDuty's. */
  private _wake(id: string): void {
    this._snoozes.delete(id);
    const a = this.ctx.getAlert(id);
    if (!a || a.status === 'resolved' || a.snoozedUntil === undefined) return;
    const now = this.now();
    delete a.snoozedUntil;
    delete a.acknowledgedBy;
    delete a.acknowledgedAt;
    a.status = 'triggered';
    a.updatedAt = this.iso(now);
    this._log(a, { at: this.iso(now), kind: 'unsnoozed', text: 'snooze ended: triggered again' });
    this._armEscalation(a, now);
    this.ctx.upsertAlert(a);
  }

  private _cancelSnooze(a: Alert): void {
    this._snoozes.get(a.id)?.dispose();
    this._snoozes.delete(a.id);
    delete a.snoozedUntil;
  }

  reassign(alertIds: readonly string[], to: ReassignTarget, actor: Person | undefined): Promise<void> {
    const alerts = this._openAlerts(alertIds);
    const who = actor ?? YOU_PERSON;
    const now = this.now();
    if ('userId' in to) {
      const person = DIRECTORY.find((p) => p.id === to.userId);
      if (!person) throw new SourceActionError(`no one with id "${to.userId}" in the demo directory (ids: ${DIRECTORY.map((p) => p.id).join(', ')})`);
      for (const a of alerts) {
        a.assignees = [person];
        a.updatedAt = this.iso(now);
        this._log(a, { at: this.iso(now), kind: 'reassigned', actor: who, text: `reassigned to ${person.name}` });
        this.ctx.upsertAlert(a);
      }
      return Promise.resolve();
    }
    if ('policyId' in to) {
      const policy = this._onCall(now).policies.find((p) => p.id === to.policyId);
      if (!policy) throw new SourceActionError(`no escalation policy "${to.policyId}" (the demo has ${this._onCall(now).policies.map((p) => p.id).join(', ')})`);
      for (const a of alerts) {
        this._policyOf.set(a.id, policy.id);
        this._moveTo(a, 1, now, who, 'reassigned', `reassigned to ${policy.name}`);
      }
      return Promise.resolve();
    }
    const level = to.escalationLevel;
    for (const a of alerts) this._checkLevel(a, level);
    for (const a of alerts) this._moveTo(a, level, now, who, 'reassigned', `reassigned to level ${level}`);
    return Promise.resolve();
  }

  escalate(alertIds: readonly string[], level: number | undefined, actor: Person | undefined): Promise<void> {
    const alerts = this._openAlerts(alertIds);
    const who = actor ?? YOU_PERSON;
    const now = this.now();
    const targets = alerts.map((a) => {
      const l = level ?? (a.escalation?.level ?? 0) + 1;
      this._checkLevel(a, l);
      return l;
    });
    alerts.forEach((a, i) => this._moveTo(a, targets[i]!, now, who, 'escalated', `escalated to level ${targets[i]}`));
    return Promise.resolve();
  }

  /** Refuses a level the alert's policy does not have (an unpaged staging alert has none). */
  private _checkLevel(a: Alert, level: number): void {
    const policy = this._onCall(this.now()).policies.find((p) => p.id === this._policyId(a));
    const max = policy ? Math.max(...policy.tiers.map((t) => t.level)) : 0;
    if (!a.escalation || !policy) throw new SourceActionError(`${a.id} is not paged (low-urgency staging alert): there is nobody to escalate to`);
    if (level < 1 || level > max) {
      throw new SourceActionError(level === max + 1 && a.escalation.level === max ? `${a.id} is already at the last level (${max}) of ${policy.name}` : `${policy.name} has levels 1–${max}, not ${level}`);
    }
  }

  /** Pages tier `level` from now: triggered again (the new tier is paged), escalation timer armed. */
  private _moveTo(a: Alert, level: number, now: number, who: Person, kind: 'escalated' | 'reassigned', text: string): void {
    this._cancelSnooze(a);
    delete a.acknowledgedBy;
    delete a.acknowledgedAt;
    a.status = 'triggered';
    this._setLevel(a, level, now);
    a.updatedAt = this.iso(now);
    const names = a.assignees.map((p) => p.name).join(', ');
    this._log(a, { at: this.iso(now), kind, actor: who, text: names ? `${text} (${names})` : text });
    this.ctx.upsertAlert(a);
  }

  note(alertId: string, text: string, actor: Person | undefined): Promise<void> {
    // Notes on resolved alerts are allowed (the post-mortem goes there too).
    const a = this.ctx.getAlert(alertId);
    if (!a) throw new SourceActionError(`unknown alert id: ${alertId}`);
    const who = actor ?? YOU_PERSON;
    const at = this.iso();
    a.notes = [...(a.notes ?? []), { id: `note-${this._nextNote++}`, text, author: who, at }];
    a.updatedAt = at;
    this._log(a, { at, kind: 'note', actor: who, text: text.length > 200 ? `${text.slice(0, 199)}…` : text });
    this.ctx.upsertAlert(a);
    return Promise.resolve();
  }

  override(req: OverrideRequest, actor: Person | undefined): Promise<void> {
    const now = this.now();
    const rotation = this._onCall(now).rotations.find((r) => r.id === req.rotationId);
    if (!rotation) throw new SourceActionError(`no rotation "${req.rotationId}" in the demo (rotations: ${this._onCall(now).rotations.map((r) => r.id).join(', ')})`);
    let person: Person | undefined;
    if (req.userId !== undefined) {
      person = DIRECTORY.find((p) => p.id === req.userId);
      if (!person) throw new SourceActionError(`no one with id "${req.userId}" in the demo directory`);
    } else {
      // "Take on-call": the actor, as the directory knows them (by email), else as they said who they are.
      person = (actor?.email !== undefined ? DIRECTORY.find((p) => p.email === actor.email) : undefined) ?? actor ?? YOU_PERSON;
    }
    const start = Math.max(req.start, now - 60_000);
    this._overrides.push({ rotationId: rotation.id, start, end: req.end, person });
    if (this._overrides.length > 100) this._overrides.shift();
    this.ctx.logger.info(`override: ${person.name} on call for ${rotation.name} ${this.iso(start)}..${this.iso(req.end)}`);
    this.ctx.setOnCall(this._onCall(now));
    // Who is paged changes at the override's start and end: publish the schedule again then.
    for (const at of [start, req.end]) if (at > now) this._overrideTimers.push(this.ctx.clock.setTimeout(() => this.ctx.setOnCall(this._onCall(this.now())), at - now));
    return Promise.resolve();
  }

  /** The demo schedule with the overrides laid over it, and the people directory. */
  private _onCall(now: number): OnCallState {
    const base = buildBaseOnCall(now, this._anchor);
    for (let i = this._overrides.length - 1; i >= 0; i--) if (this._overrides[i]!.end <= now) this._overrides.splice(i, 1);
    const rotations = base.rotations.map((r) => applyOverrides(r, this._overrides.filter((o) => o.rotationId === r.id)));
    return { ...base, rotations, people: [...DIRECTORY] };
  }

  private _policyId(a: Alert): string {
    return this._policyOf.get(a.id) ?? policyFor(a.service);
  }

  private _log(a: Alert, entry: TimelineEntry): void {
    a.timeline = withTimelineEntry(a.timeline, entry);
  }

  // ---- the world changing by itself

  /** One change of the world (public so tests can drive it without waiting). */
  tick(): void {
    const open = this.ctx.alerts().filter((a) => a.status !== 'resolved');
    const r = this._rand();
    const max = this._opts.maxOpenAlerts ?? 25;
    if (open.length >= max) {
      const oldest = open.reduce((a, b) => (a.startedAt <= b.startedAt ? a : b));
      this._resolve(oldest.id);
    } else if (r < 0.5 || open.length < 3) {
      this._newAlert(this._pick(TEMPLATES));
    } else if (r < 0.72) {
      const candidates = open.filter((a) => a.labels.auto_resolve === 'true' && !INITIAL_ALERT_IDS.includes(a.id as (typeof INITIAL_ALERT_IDS)[number]));
      if (candidates.length) this._resolve(this._pick(candidates).id);
      else this._newAlert(this._pick(TEMPLATES));
    } else if (r < 0.86) {
      this._randomDeploy();
    } else {
      // Re-fire: the check fired again; the count and updatedAt move.
      const triggered = open.filter((a) => a.status === 'triggered');
      if (!triggered.length) return this._newAlert(this._pick(TEMPLATES));
      this._refire(this._pick(triggered));
    }
  }

  private _refire(a: Alert): void {
    a.labels.count = String(Number(a.labels.count ?? '1') + 1);
    a.updatedAt = this.iso();
    this.ctx.upsertAlert(a);
  }

  private _pick<T>(items: readonly T[]): T {
    return items[Math.floor(this._rand() * items.length)]!;
  }

  private _int(lo: number, hi: number): number {
    return lo + Math.floor(this._rand() * (hi - lo + 1));
  }

  private _newAlert(t: AlertTemplate): void {
    // Like Alertmanager's grouping: a condition that is already open fires again instead of duplicating.
    const same = this.ctx.alerts().find((a) => a.status !== 'resolved' && a.labels.alertname === t.alertname && a.environment === t.environment);
    if (same) return this._refire(same);
    const id = `DEMO-${this._nextAlert++}`;
    const n = t.range ? this._int(t.range[0], t.range[1]) : undefined;
    this.ctx.upsertAlert(this._makeAlert(id, t, this.now(), n));
  }

  private _makeAlert(id: string, t: AlertTemplate, startedAt: number, n: number | undefined, level = 1): Alert {
    const service = SERVICES.find((s) => s.name === t.service)!;
    const runningKey = this._running.get(`${t.service}/${t.environment}`);
    const sha = runningKey ? this._opts.commits[runningKey].sha : undefined;
    const trace = t.trace ? demoTrace(t.trace) : undefined;
    const top = trace?.frames[0];
    const labels: Record<string, string> = {
      alertname: t.alertname,
      service: t.service,
      team: service.team,
      env: t.environment,
      region: t.environment === 'production' ? 'eu-west-1' : 'eu-central-1',
      cluster: t.environment === 'production' ? 'prod-eu-1' : 'staging-eu-1',
      runtime: service.runtime,
      count: '1',
      auto_resolve: String(t.autoResolves),
    };
    if (sha && top) labels.source_url = `${GIT_BASE}blob/${sha}/${top.file}#L${top.line}`;
    const alert: Alert = {
      id,
      title: n === undefined ? t.title : t.title.replace('{n}', String(n)),
      description: t.description,
      severity: t.severity,
      status: 'triggered',
      service: t.service,
      environment: t.environment,
      startedAt: this.iso(startedAt),
      updatedAt: this.iso(startedAt),
      assignees: [],
      runbookUrl: `${RUNBOOK_BASE}${t.runbook}`,
      url: `${ALERTS_BASE}${id}`,
      labels,
      source: 'demo',
      timeline: [{ at: this.iso(startedAt), kind: 'triggered' }],
    };
    if (trace) alert.stackTrace = trace.text;
    if (sha && runningKey) {
      alert.commitSha = sha;
      alert.release = `${t.service}@${releaseOf(runningKey)}`;
    }
    // Staging info/warning checks are low-urgency: nobody is paged.
    if (!(t.environment === 'staging' && (t.severity === 'info' || t.severity === 'warning'))) {
      this._setLevel(alert, level, startedAt);
    }
    return alert;
  }

  /** Puts the alert at escalation tier `level`, as if it had reached it at `since`. */
  private _setLevel(a: Alert, level: number, since: number): void {
    const oncall = this._onCall(this.now());
    const policyId = this._policyId(a);
    const policy = oncall.policies.find((p) => p.id === policyId)!;
    const tier = policy.tiers.find((t) => t.level === level) ?? policy.tiers[policy.tiers.length - 1]!;
    const hasNext = policy.tiers.some((t) => t.level === tier.level + 1);
    a.assignees = tierPeople(oncall, policyId, tier.level, this.now());
    a.escalation = {
      level: tier.level,
      policy: policy.name,
      targets: hasNext ? tierPeople(oncall, policyId, tier.level + 1, this.now()) : [],
    };
    if (hasNext && a.status === 'triggered') {
      a.escalation.nextEscalationAt = this.iso(since + tier.delayMinutes * MIN);
      this._armEscalation(a, since);
    }
  }

  private _armEscalation(a: Alert, since: number): void {
    this._cancelEscalation(a.id);
    if (!a.escalation) return;
    const policyId = this._policyId(a);
    const policy = this._onCall(this.now()).policies.find((p) => p.id === policyId)!;
    const tier = policy.tiers.find((t) => t.level === a.escalation!.level);
    if (!tier || !policy.tiers.some((t) => t.level === tier.level + 1)) return;
    const at = since + tier.delayMinutes * MIN;
    a.escalation.nextEscalationAt = this.iso(at);
    const id = a.id;
    this._escalations.set(id, this.ctx.clock.setTimeout(() => this._escalate(id), Math.max(0, at - this.now())));
  }

  private _cancelEscalation(id: string): void {
    this._escalations.get(id)?.dispose();
    this._escalations.delete(id);
  }

  private _escalate(id: string): void {
    this._escalations.delete(id);
    const a = this.ctx.getAlert(id);
    if (!a || a.status !== 'triggered' || !a.escalation) return;
    const now = this.now();
    this._setLevel(a, a.escalation.level + 1, now);
    a.updatedAt = this.iso(now);
    this.ctx.logger.debug(`${id} escalated to tier ${a.escalation.level}`);
    this._log(a, { at: this.iso(now), kind: 'escalated', text: `not acknowledged in time: escalated to level ${a.escalation.level}${a.assignees.length ? ` (${a.assignees.map((p) => p.name).join(', ')})` : ''}` });
    this.ctx.upsertAlert(a);
  }

  private _resolve(id: string, by?: Person, at = this.now()): void {
    this._cancelEscalation(id);
    this._snoozes.get(id)?.dispose();
    this._snoozes.delete(id);
    this.ctx.resolveAlert(id, by, this.iso(at));
  }

  private _scheduleHandoff(): void {
    const at = nextHandoff(this.now(), this._anchor);
    this._timers.push(
      this.ctx.clock.setTimeout(() => {
        this.ctx.setOnCall(this._onCall(this.now()));
        this._scheduleHandoff();
      }, at - this.now()),
    );
  }

  // ---- deploys

  private _deploy(service: string, environment: string, key: CommitKey, author: DeployAuthor, at: number, status: Deploy['status'] = 'succeeded'): void {
    const prevKey = this._running.get(`${service}/${environment}`);
    const c = this._opts.commits[key];
    const id = `deploy-${this._nextDeploy++}`;
    const d: Deploy = { id, service, environment, commitSha: c.sha, author, deployedAt: this.iso(at), url: `${DEPLOYS_BASE}${id}`, status };
    if (prevKey && prevKey !== key) d.previousSha = this._opts.commits[prevKey].sha;
    if (status !== 'failed') this._running.set(`${service}/${environment}`, key);
    this.ctx.addDeploy(d);
  }

  private _initialDeploys(now: number): void {
    const you: DeployAuthor = { name: YOU_PERSON.name, email: YOU_PERSON.email };
    const who = (p: { name: string; email?: string }): DeployAuthor => ({ name: p.name, email: p.email });
    const c = this._opts.commits;
    // Baselines (the previous releases), then the 2026-11-20 release that carries the coupon bug.
    this._running.set('checkout-api/production', 'merge');
    this._running.set('checkout-api/staging', 'merge');
    this._running.set('billing-worker/production', 'rounding');
    this._running.set('billing-worker/staging', 'retries');
    this._running.set('inventory-service/production', 'initial');
    this._running.set('edge-gateway/production', 'merge');
    this._deploy('inventory-service', 'production', 'merge', who(c.merge.author), now - 50 * HOUR);
    this._deploy('billing-worker', 'production', 'retries', who(c.retries.author), now - 26 * HOUR);
    this._deploy('checkout-api', 'staging', 'routeLimits', you, now - 3 * HOUR);
    this._deploy('checkout-api', 'production', 'routeLimits', you, now - 47 * MIN);
    this._deploy('edge-gateway', 'production', 'routeLimits', you, now - 40 * MIN, 'failed');
    this._running.set('edge-gateway/production', 'routeLimits'); // a failed rollout still left crashing pods behind
    this._deploy('checkout-api', 'staging', 'docs', who(c.docs.author), now - 20 * MIN, 'started');
  }

  /**
   * A teammate's deploy. Never "you": a deploy by you is one you made (the user's own pushes and deploys), and a
   * demo that invented them kept restarting the status bar's "Watching deploy …". Never the commit the service
   * already runs (a redeploy of the same sha is noise).
   */
  private _randomDeploy(): void {
    const service = this._pick(SERVICES).name;
    const environment = this._rand() < 0.6 ? 'staging' : 'production';
    const running = this._running.get(`${service}/${environment}`);
    const keys = (['merge', 'retries', 'bug', 'routeLimits', 'docs'] as CommitKey[]).filter((k) => k !== running);
    const key = this._pick(keys);
    const commitAuthor = this._opts.commits[key].author;
    const authors: DeployAuthor[] = [
      ...(commitAuthor.email === YOU_PERSON.email ? [] : [{ name: commitAuthor.name, email: commitAuthor.email }]),
      { name: CAROL.name, email: CAROL.email },
      { name: KENJI.name, email: KENJI.email },
    ];
    const status: Deploy['status'] = this._rand() < 0.85 ? 'succeeded' : 'failed';
    this._deploy(service, environment, key, this._pick(authors), this.now(), status);
  }

  // ---- the initial world

  private _initialAlerts(now: number): void {
    const tpl = (alertname: string): AlertTemplate => TEMPLATES.find((t) => t.alertname === alertname)!;
    const put = (a: Alert) => this.ctx.upsertAlert(a);

    // Critical, triggered, yours (payments tier 1: you + Carol), escalates to the secondary in ~1 min.
    put(this._makeAlert('DEMO-1001', tpl('CheckoutHighErrorRate'), now - 4 * MIN, 7));

    // High, acknowledged by Carol.
    const billing = this._makeAlert('DEMO-1002', tpl('BillingJobFailures'), now - 25 * MIN, 12);
    this._ackAt(billing, CAROL, now - 10 * MIN);
    put(billing);

    // Warning, triggered, platform tier 1.
    put(this._makeAlert('DEMO-1003', tpl('StockReservationConflicts'), now - 3 * MIN, 4));

    // Critical, triggered, already escalated to the team lead (platform's last tier).
    put(this._makeAlert('DEMO-1004', tpl('GatewayCrashLoop'), now - 7 * MIN, 6, 2));

    // Info, staging: nobody paged.
    const info = this._makeAlert('DEMO-1005', tpl('BillingQueueDepth'), now - 15 * MIN, 7400);
    put(info);

    // Warning, resolved half an hour ago.
    const latency = this._makeAlert('DEMO-1006', tpl('CheckoutLatencyHigh'), now - 70 * MIN, 1240);
    put(latency);
    this._resolve('DEMO-1006', undefined, now - 30 * MIN);

    // High, acknowledged by you two minutes ago.
    const panics = this._makeAlert('DEMO-1007', tpl('GatewayHandlerPanics'), now - 6 * MIN, 18);
    this._ackAt(panics, YOU_PERSON, now - 2 * MIN);
    put(panics);
  }

  /**
   * Protocol 1.1 firing history: what fired before the bridge started. The checkout 5xx rule paged three times
   * in the last month (the same top frame as today's DEMO-1001); the stock-reservation rule fires and clears
   * every half hour (flapping).
   */
  private _initialHistory(now: number): void {
    const past = (alertname: string, n: number, firedAgo: number, openFor: number) => {
      const t = TEMPLATES.find((x) => x.alertname === alertname)!;
      const a = this._makeAlert(`DEMO-H${n}`, t, now - firedAgo, t.range ? t.range[0] + n : undefined);
      this._cancelEscalation(a.id);
      return { ...firingOf(a), clearedAt: this.iso(now - firedAgo + openFor) };
    };
    const DAY = 24 * HOUR;
    this.ctx.addFirings?.([
      past('CheckoutHighErrorRate', 1, 16 * DAY + 3 * HOUR, 40 * MIN),
      past('CheckoutHighErrorRate', 2, 9 * DAY + 5 * HOUR, 25 * MIN),
      past('CheckoutHighErrorRate', 3, 2 * DAY + 7 * HOUR, 55 * MIN),
      past('StockReservationConflicts', 4, 170 * MIN, 6 * MIN),
      past('StockReservationConflicts', 5, 125 * MIN, 4 * MIN),
      past('StockReservationConflicts', 6, 80 * MIN, 7 * MIN),
      past('StockReservationConflicts', 7, 40 * MIN, 5 * MIN),
    ]);
  }

  private _ackAt(a: Alert, who: Person, at: number): void {
    this._cancelEscalation(a.id);
    a.status = 'acknowledged';
    a.acknowledgedBy = who;
    a.acknowledgedAt = this.iso(at);
    a.updatedAt = this.iso(at);
    if (a.escalation) delete a.escalation.nextEscalationAt;
    this._log(a, { at: this.iso(at), kind: 'acknowledged', actor: who });
  }
}

/** The rotation's shifts with each override cut in (the override wins where they overlap), in time order. */
export function applyOverrides(r: Rotation, overrides: ReadonlyArray<{ start: number; end: number; person: Person }>): Rotation {
  if (overrides.length === 0) return r;
  let shifts = r.shifts.map((sh) => ({ person: sh.person, start: Date.parse(sh.start), end: Date.parse(sh.end) }));
  for (const o of overrides) {
    const next: typeof shifts = [];
    for (const sh of shifts) {
      if (sh.end <= o.start || sh.start >= o.end) next.push(sh);
      else {
        if (sh.start < o.start) next.push({ ...sh, end: o.start });
        if (sh.end > o.end) next.push({ ...sh, start: o.end });
      }
    }
    next.push({ person: o.person, start: o.start, end: o.end });
    shifts = next.sort((a, b) => a.start - b.start);
  }
  const iso = (t: number) => new Date(t).toISOString();
  return { ...r, shifts: shifts.map((sh) => ({ person: sh.person, start: iso(sh.start), end: iso(sh.end) })) };
}

function releaseOf(key: CommitKey): string {
  switch (key) {
    case 'merge':
    case 'retries':
      return '1.4.0';
    case 'bug':
    case 'routeLimits':
      return '1.5.0';
    case 'docs':
      return '1.5.1-rc.1';
    default:
      return '1.3.0';
  }
}

