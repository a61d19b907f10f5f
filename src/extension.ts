import * as vscode from 'vscode';
import { systemClock } from './core/util/clock';
import { AlertsFeature } from './host/alerts/alertsFeature';
import type { ConnectionFeature } from './host/connection/connectionFeature';
import { HostContext } from './host/context';
import { DeploysFeature } from './host/deploys/deploysFeature';
import { DeployGuardFeature } from './host/deployGuard/deployGuardFeature';
import { HandoffFeature } from './host/handoff/handoffFeature';
import { hostClock } from './host/hostClock';
import type { ICalFeeds } from './host/schedule/icalFeeds';
import { HostLogger } from './host/logger';
import { NotificationsFeature } from './host/notifications/notificationsFeature';
import { OnCallFeature } from './host/onCall/onCallFeature';
import { ResponderActionsFeature } from './host/alerts/responderActions';
import { StackTraceFeature } from './host/stackTrace/stackTraceFeature';
import { TraceResolution } from './host/stackTrace/traceResolution';
import { StatusBarFeature } from './host/statusBar/statusBarFeature';
import { AlertHistoryFeature } from './host/loop/alertHistoryFeature';
import { ImOnItFeature } from './host/loop/imOnIt';
import { ShareFindingsFeature } from './host/loop/shareFindings';
import { FixWatchFeature } from './host/loop/fixWatch';
import { errorText } from './core/util/errors';

/**
 * The internal objects, for the integration tests and the benchmark (bench/): returned by activate() only when
 * the extension runs under test (`ExtensionMode.Test`). Other extensions get `undefined` — there is no public API.
 */
export interface OnCallApi {
  readonly context: HostContext;
  readonly logger: HostLogger;
  readonly connections: ConnectionFeature;
  readonly alerts: AlertsFeature;
  readonly statusBar: StatusBarFeature;
  readonly onCall: OnCallFeature;
  readonly notifications: NotificationsFeature;
  readonly handoff: HandoffFeature;
  readonly deployGuard: DeployGuardFeature;
  readonly stackTraces: StackTraceFeature;
  readonly deploys: DeploysFeature;
  readonly responder: ResponderActionsFeature;
  readonly alertHistory: AlertHistoryFeature;
  readonly shareFindings: ShareFindingsFeature;
  readonly imOnIt: ImOnItFeature;
  readonly fixWatch: FixWatchFeature;
  readonly feeds: ICalFeeds;
  /** How long activate() took, in ms (also logged): read by the benchmark (bench/), costs nothing otherwise. */
  readonly activatedInMs: number;
}

export function activate(context: vscode.ExtensionContext): OnCallApi | undefined {
  const started = performance.now();
  const logger = new HostLogger();
  context.subscriptions.push(logger);
  try {
    // The composition root: one context (services, the connection, the two disposal scopes), then the
    // features, each built from the context and the peers it names. Each feature subscribes itself.
    const ctx = new HostContext(context, logger, hostClock(systemClock, logger));
    context.subscriptions.push(ctx);
    const feature = <T extends vscode.Disposable>(f: T): T => ctx.pushExtCleanup(f);
    const onCall = feature(new OnCallFeature(ctx));
    const alerts = feature(new AlertsFeature(ctx));
    const responder = feature(new ResponderActionsFeature(ctx, { alerts, onCall }));
    const traces = feature(new TraceResolution(ctx));
    const deploys = feature(new DeploysFeature(ctx, { alerts, frames: traces }));
    const stackTraces = feature(new StackTraceFeature(ctx, { alerts, traces, lines: deploys.rows }));
    const statusBar = feature(new StatusBarFeature(ctx, { onCall, deploys }));
    const notifications = feature(new NotificationsFeature(ctx, { onCall, deploys }));
    const handoff = feature(new HandoffFeature(ctx, { onCall }));
    const fixWatch = feature(new FixWatchFeature(ctx, { alerts, deploys }, context.workspaceState));
    const deployGuard = feature(new DeployGuardFeature(ctx, { onCall, deploys, frames: traces, fixes: fixWatch }));
    const alertHistory = feature(new AlertHistoryFeature(ctx, traces));
    const shareFindings = feature(new ShareFindingsFeature(ctx, { alerts, deploys }));
    const imOnIt = feature(new ImOnItFeature(ctx, { alerts, frames: traces, onCall }));
    ctx.start();
    const activatedInMs = performance.now() - started;
    logger.info(`activated in ${Math.round(activatedInMs)} ms (VS Code ${vscode.version})`);
    if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
    const { connections, feeds } = ctx;
    return { context: ctx, logger, connections, alerts, statusBar, onCall, notifications, handoff, deployGuard, stackTraces, deploys, responder, alertHistory, shareFindings, imOnIt, fixWatch, feeds, activatedInMs };
  } catch (e) {
    // VS Code does not show a notification when an extension fails to activate, so we do it ourselves.
    logger.error(e instanceof Error ? e : String(e));
    void vscode.window.showErrorMessage(`On Call failed to activate: ${errorText(e)}`, 'Show Logs').then((a) => {
      if (a) logger.show();
    });
    throw e;
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
