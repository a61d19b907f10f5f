import type { Alert } from '../protocol/types';
import { matchesIdentity } from '../schedule/identity';

export type NotificationLevel = 'all' | 'critical' | 'assigned' | 'none';

export interface NotifyContext {
  level: NotificationLevel;
  identity: string;
  onCall: boolean;
  /** Alerts on a service I just deployed notify even at a quieter level ("stick around after your deploy"). */
  startedAfterMyDeploy?: boolean;
}

/** Should a newly triggered alert pop up a notification? Explains itself for the log. */
export function shouldNotify(alert: Alert, ctx: NotifyContext): { notify: boolean; why: string } {
  if (alert.status !== 'triggered') return { notify: false, why: `status is ${alert.status}` };
  if (ctx.level === 'none') return { notify: false, why: 'notifications are off' };
  const assigned = alert.assignees.some((p) => matchesIdentity(p, ctx.identity));
  if (assigned) return { notify: true, why: 'assigned to you' };
  if (ctx.startedAfterMyDeploy) return { notify: true, why: 'started after your deploy' };
  if (ctx.level === 'assigned') return { notify: false, why: 'not assigned to you' };
  if (!ctx.onCall) return { notify: false, why: 'you are not on call' };
  if (ctx.level === 'critical' && alert.severity !== 'critical') return { notify: false, why: `severity ${alert.severity} below critical` };
  return { notify: true, why: 'you are on call' };
}

/**
 * Storm protection: at most `maxPerMinute` individual notifications in any 60 s window; beyond that the
 * alerts are collected and shown as one summary when the window allows (`flush`).
 */
export class NotificationThrottle {
  private readonly _sent: number[] = [];
  private _held: Alert[] = [];

  constructor(private readonly _maxPerMinute: number) {}

  /** 'show' → show it now; 'held' → it will be part of the next summary. */
  offer(alert: Alert, now: number): 'show' | 'held' {
    this._prune(now);
    if (this._held.length === 0 && this._sent.length < this._maxPerMinute) {
      this._sent.push(now);
      return 'show';
    }
    this._held.push(alert);
    return 'held';
  }

  /** Returns the held alerts for one summary notification (counts as one notification), or undefined. */
  flush(now: number): Alert[] | undefined {
    this._prune(now);
    if (this._held.length === 0 || this._sent.length >= this._maxPerMinute) return undefined;
    const held = this._held;
    this._held = [];
    this._sent.push(now);
    return held;
  }

  get heldCount(): number {
    return this._held.length;
  }

  private _prune(now: number): void {
    while (this._sent.length > 0 && (this._sent[0] ?? 0) <= now - 60_000) this._sent.shift();
  }
}
