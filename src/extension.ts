import * as vscode from 'vscode';
import { systemClock } from './core/util/clock';
import { AlertsFeature } from './host/alerts/alertsFeature';
import { Config } from './host/config';
import { ConnectionFeature } from './host/connection/connectionFeature';
import { Commands, ContextKeys as Keys } from './host/constants';
import { ContextKeys } from './host/contextKeys';
import { DemoBridge } from './host/demo/demoBridge';
import { DeploysFeature } from './host/deploys/deploysFeature';
import { DeployGuardFeature } from './host/deployGuard/deployGuardFeature';
import { HandoffFeature } from './host/handoff/handoffFeature';
import { IdentityService } from './host/identity';
import { ICalFeeds } from './host/schedule/icalFeeds';
import { HostLogger } from './host/logger';
import { NotificationsFeature } from './host/notifications/notificationsFeature';
import { OnCallFeature } from './host/onCall/onCallFeature';
import { Secrets } from './host/secrets';
import { StackTraceFeature } from './host/stackTrace/stackTraceFeature';
import { StatusBarFeature } from './host/statusBar/statusBarFeature';
import { hostClock } from './host/testClock';

/** What activate() returns: used by the integration tests (and by nothing else). */
export interface OnCallApi {
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
  readonly feeds: ICalFeeds;
  /** How long activate() took, in ms (also logged): read by the benchmark (bench/), costs nothing otherwise. */
  readonly activatedInMs: number;
}

export function activate(context: vscode.ExtensionContext): OnCallApi {
  const started = performance.now();
  const logger = new HostLogger();
  context.subscriptions.push(logger);
  try {
    const clock = hostClock(systemClock, logger);
    const keys = new ContextKeys();
    const config = new Config(logger);
    const secrets = new Secrets(context.secrets, logger);
    const identity = new IdentityService(config, logger);
    const demo = new DemoBridge(context.extensionUri, context.globalStorageUri, logger);
    const connections = new ConnectionFeature(config, secrets, keys, clock, logger, demo, () => identity.value);
    const feeds = new ICalFeeds(context.secrets, clock, logger, context.extensionPath, () => config.value.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone, config);
    const onCall = new OnCallFeature(connections, clock, () => identity.value, () => config.value.timeZone, () => feeds.rotations, () => feeds.errors);
    const alerts = new AlertsFeature(connections, config, keys, clock, logger, () => onCall.timeZone, () => identity.value);
    const stackTraces = new StackTraceFeature(connections, alerts, clock, logger, keys, context.extensionUri, config);
    const deploys = new DeploysFeature({ connections, alerts, frames: stackTraces, clock, logger, identity: () => identity.value, config });
    stackTraces.lineMapper = (alert, frame) => deploys.rows.workingTreeLine(alert, frame);
    const statusBar = new StatusBarFeature(connections, clock, {
      myStatus: () => onCall.myStatus(),
      watching: () => deploys.watching(),
      timeZone: () => onCall.timeZone,
    });
    const notifications = new NotificationsFeature(connections, config, keys, clock, logger, {
      isOnCall: () => onCall.myStatus()?.onCall ?? false,
      identity: () => identity.value,
      startedAfterMyDeploy: (a) => deploys.startedAfterMyDeploy(a),
      timeZone: () => onCall.timeZone,
    });
    const handoff = new HandoffFeature(connections, clock, {
      myShift: () => onCall.myShiftWindow(),
      who: () => identity.value,
      timeZone: () => onCall.timeZone,
    });
    const deployGuard = new DeployGuardFeature(connections, onCall, keys, clock, logger, () => identity.value, () => onCall.timeZone, context.extensionPath, config, {
      collection: context.environmentVariableCollection,
      storagePath: (context.storageUri ?? context.globalStorageUri).fsPath,
    });
    context.subscriptions.push(
      config, secrets, identity, demo, connections, feeds, onCall, alerts, statusBar, notifications, handoff, deployGuard, stackTraces, deploys,
      onCall.onDidChange(() => statusBar.update()),
      feeds.onDidChange(() => onCall.refresh()),
      deploys.onDidChangeWatching(() => statusBar.update()),
      identity.onDidChange(() => {
        keys.set(Keys.identitySet, identity.value.length > 0);
        onCall.refresh();
        statusBar.update();
      }),
      vscode.commands.registerCommand(Commands.showLogs, () => logger.show()),
    );
    keys.set(Keys.identitySet, identity.value.length > 0);
    void identity.refresh();
    void connections.rebuild();
    const activatedInMs = performance.now() - started;
    logger.info(`activated in ${Math.round(activatedInMs)} ms (VS Code ${vscode.version})`);
    return { logger, connections, alerts, statusBar, onCall, notifications, handoff, deployGuard, stackTraces, deploys, feeds, activatedInMs };
  } catch (e) {
    // VS Code does not show a notification when an extension fails to activate, so we do it ourselves.
    logger.error(e instanceof Error ? e : String(e));
    void vscode.window.showErrorMessage(`On Call failed to activate: ${e instanceof Error ? e.message : String(e)}`, 'Show Logs').then((a) => {
      if (a) logger.show();
    });
    throw e;
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
