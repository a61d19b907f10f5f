import type { IncomingHttpHeaders } from 'node:http';
import type { Alert, AlertAction, AnnotateMessage, Deploy, Firing, OnCallState, Person, ReassignTarget, ReassignTargetKind, RequestCapability, SourceKind } from '../../core/protocol/types';
import type { Clock } from '../../core/util/clock';
import type { Logger } from '../../core/util/logger';
import type { VendorCall } from './shared/vendorHttp';

/**
 * A source module connects ONE alert source (demo, Alertmanager, PagerDuty, Splunk On-Call, Grafana
 * IRM, ...) to the bridge. The bridge owns the world state, sequence numbers, replay, auth and every
 * client connection; a module only translates between its source and the world:
 *
 *  - inbound: it calls `ctx.upsertAlert` / `ctx.resolveAlert` / `ctx.setOnCall` / `ctx.addDeploy` when its
 *    source reports something (by polling with `ctx.clock`, or from a webhook route it declares). Each
 *    call becomes one broadcast state event with the next seq. A module validates what its source sends
 *    before calling these (the world trusts its modules, never its clients).
 *  - outbound: `handleAction` / `annotate` carry a client's request to the source. Resolve the promise
 *    once the source accepted it; reject with `SourceActionError` for a reason the user should read
 *    ("alert X is already resolved"). The state change itself reaches clients as normal events, via ctx.
 *
 * Lifecycle: the bridge calls `start(ctx)` once before it accepts connections (so the first snapshot
 * already has the source's initial state), and `stop()` once on shutdown; a module disposes its timers
 * there. Adding a source = one module under src/bridge/sources/<name>/ plus a line in sources/registry.ts; a polling
 * source extends shared/pollingSource.ts (the lifecycle above, written once; docs/architecture.md "Adding a source").
 */
/**
 * Protocol 1.1 responder actions (docs/protocol.md). A module implements the ones its vendor's API has and lists
 * them in `capabilities`; the bridge offers a capability only when its method exists too, checks the request
 * (times in range, ids present) before calling, and answers the client's `result` from the outcome. Like
 * `handleAction`: resolve once the source accepted it, reject with `SourceActionError` and the vendor's reason.
 * The changed alert / on-call state reaches clients as normal events, via ctx.
 */
export interface ResponderActions {
  /** Stop paging until `until` (epoch ms, in the future); the alerts trigger again by themselves then. */
  snooze?(alertIds: readonly string[], until: number, actor: Person | undefined): Promise<ActionOutcome | undefined | void>;
  reassign?(alertIds: readonly string[], to: ReassignTarget, actor: Person | undefined): Promise<ActionOutcome | undefined | void>;
  /** `level` absent: the next level of each alert's policy. */
  escalate?(alertIds: readonly string[], level: number | undefined, actor: Person | undefined): Promise<ActionOutcome | undefined | void>;
  /** `text` is non-empty and at most MAX_NOTE_CHARS. */
  note?(alertId: string, text: string, actor: Person | undefined): Promise<ActionOutcome | undefined | void>;
  /** Put `userId` (absent: the actor) on call for the rotation from `start` to `end` (epoch ms, end in the future). */
  override?(req: OverrideRequest, actor: Person | undefined): Promise<ActionOutcome | undefined | void>;
}

export interface OverrideRequest {
  rotationId: string;
  start: number;
  end: number;
  userId?: string;
}

export interface SourceModule extends ResponderActions {
  /** Reported to clients in `hello.source`. */
  readonly name: SourceKind;
  /** Reported in `hello.capabilities`: any of "ack", "unack", "resolve", "oncall", "deploys", "annotate". */
  readonly capabilities: readonly string[];
  /** HTTP routes the module serves, typically `POST /webhooks/<name>`. Registered before `start`. */
  readonly routes?: readonly Route[];
  start(ctx: SourceContext): Promise<void>;
  /**
   * Why actions the source would otherwise offer are not in `capabilities` (e.g. a token that may only
   * read). Sent as `hello.actionsUnavailableReason`; the editor shows it where the actions are missing.
   */
  readonly actionsUnavailableReason?: string;
  /**
   * Protocol 1.1: why each request this source does not offer is missing ("Alertmanager has no escalation
   * policies"); sent as `hello.unsupportedActions` (the bridge fills in a generic reason for the others).
   */
  readonly unsupportedActions?: Partial<Record<RequestCapability, string>>;
  /**
   * When `reassign` is offered: why a kind of target is not (e.g. Grafana cannot move an alert group to another
   * chain). Sent as `hello.unsupportedReassignTargets`; the bridge refuses such a request with this reason.
   */
  readonly unsupportedReassignTargets?: Partial<Record<ReassignTargetKind, string>>;
  /**
   * `alertIds` are validated ids (non-empty strings); the module decides what an unknown id means.
   * May resolve with a note the user should read although it worked (sent as `result.note`).
   */
  handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<ActionOutcome | undefined | void>;
  annotate?(annotation: AnnotateMessage['annotation']): Promise<void>;
  stop(): Promise<void>;
  /**
   * Clustered mode (--redis; a module without these three cannot run clustered). `standby(ctx)` instead of `start`:
   * ready for actions and webhooks, but no source work (no polls, no timers). `lead()`: this replica now holds the
   * leader lease — start the source work (as `start` would, first runs included). `follow()`: it lost the lease —
   * stop the source work (wait for a run in progress) but stay ready for actions and webhooks. They alternate,
   * `lead` first; `stop` ends everything.
   */
  standby?(ctx: SourceContext): Promise<void>;
  lead?(): Promise<void>;
  follow?(): Promise<void>;
}

export interface SourceContext {
  readonly clock: Clock;
  /** Tagged with the module's name. Never log tokens or secret URLs. */
  readonly logger: Logger;
  /** Adds or replaces the alert with this id; broadcasts an `alert` event. */
  upsertAlert(alert: Alert): void;
  /** Marks the alert resolved and broadcasts `alertResolved`; false when the id is unknown or already resolved. */
  resolveAlert(id: string, resolvedBy?: Person, resolvedAt?: string): boolean;
  getAlert(id: string): Alert | undefined;
  /** Every alert the bridge holds, resolved ones included (bounded by the bridge). */
  alerts(): Alert[];
  /** Replaces the on-call state; broadcasts `oncall`. */
  setOnCall(state: OnCallState): void;
  /** Records a deploy (the bridge keeps the most recent ones); broadcasts `deploy`. */
  addDeploy(deploy: Deploy): void;
  /**
   * Protocol 1.1: past firings the source knows of (kept in the bounded firing history clients get in the next
   * snapshot; live alerts are recorded by the bridge itself). Returns how many were new.
   */
  addFirings?(firings: readonly Firing[]): number;
  /** Vendor HTTP exchanges, for the bridge's metrics (VendorHttp calls it; other modules may). */
  readonly observeVendorCall?: (call: VendorCall) => void;
}

/** What a successful action may add for the user ("done as the configured user: …"). */
export interface ActionOutcome {
  note?: string;
}

/** A reason for a failed action that is safe and useful to show the user (sent as `result.error`). */
export class SourceActionError extends Error {}

export interface HttpRequestInfo {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The whole body, at most the route's `maxBodyBytes`. */
  body: Buffer;
}

export interface HttpResponseInfo {
  status: number;
  /** Serialised as JSON unless a string. */
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, e.g. "/webhooks/alertmanager". */
  path: string;
  /** Bodies above this are answered 413 without being buffered. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Who may call the route:
   * - "bridge-token" (default): the caller presents the bridge's bearer token, like a client. Without a configured
   *   token (demo mode on loopback) the route is treated as "none".
   * - "self": the module authenticates every request itself (a shared webhook secret, a PagerDuty HMAC signature)
   *   and answers 401 when that fails. The bridge refuses browser requests, and counts 401s towards the caller's
   *   back-off (429 while it lasts).
   * - "none": anyone who can reach the port. The bridge refuses browser requests, requests whose `Host` is not a
   *   name it serves (DNS rebinding), and bodies that are not `Content-Type: application/json` (a page can send
   *   text/plain without a CORS preflight, never application/json).
   */
  auth?: 'bridge-token' | 'self' | 'none';
  /** The route receives deploys (the bridge's deploy webhooks): while one is registered, hello lists "deploys". */
  providesDeploys?: boolean;
  handle(req: HttpRequestInfo): Promise<HttpResponseInfo>;
}
