import * as vscode from 'vscode';
import { systemClock } from './core/util/clock';
import { Emitter } from './core/util/event';
import { errorText } from './core/util/errors';
import type { AlertsFeature } from './host/alerts/alertsFeature';
import type { ResponderActionsFeature } from './host/alerts/responderActions';
import type { ConnectionFeature } from './host/connection/connectionFeature';
import { Commands } from './host/constants';
import { HostContext } from './host/context';
import type { DeployGuardFeature } from './host/deployGuard/deployGuardFeature';
import type { DeploysFeature } from './host/deploys/deploysFeature';
import { HandoffFeature } from './host/handoff/handoffFeature';
import { hostClock } from './host/hostClock';
import { lazy } from './host/lazy';
// Bundled apart (dist/lazy-features.js, esbuild.config.mjs): loaded the first time `buildFeatures` is read.
import { buildFeatures } from './host/lazyFeatures';
import type { ICalFeeds } from './host/schedule/icalFeeds';
import { HostLogger } from './host/logger';
import type { AlertHistoryFeature } from './host/loop/alertHistoryFeature';
import type { FixWatchFeature } from './host/loop/fixWatch';
import type { ImOnItFeature } from './host/loop/imOnIt';
import type { ShareFindingsFeature } from './host/loop/shareFindings';
import { NotificationsFeature } from './host/notifications/notificationsFeature';
import { OnCallFeature } from './host/onCall/onCallFeature';
import type { StackTraceFeature } from './host/stackTrace/stackTraceFeature';
import { StatusBarFeature } from './host/statusBar/statusBarFeature';

/**
 * The internal objects, for the integration tests and the benchmark (bench/): returned by activate() only when
 * the extension runs under test (`ExtensionMode.Test`). Other extensions get `undefined` — there is no public API.
 * The features that are built on first need are built by reading them here.
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
  /** The features built on first need: what built them and how long loading + building took (undefined until then). */
  readonly lazyBuilt: { readonly why: string; readonly ms: number; readonly afterActivationMs: number } | undefined;
}

export function activate(context: vscode.ExtensionContext): OnCallApi | undefined {
  const started = performance.now();
  const logger = new HostLogger();
  context.subscriptions.push(logger);
  try {
    // The composition root: one context (services, the connection, the two disposal scopes), then the
    // features, each built from the context and the peers it names. Each feature subscribes itself.
    // At activation: the connection, the status bar, the schedule view, notifications and the handoff command.
    const ctx = new HostContext(context, logger, hostClock(systemClock, logger));
    context.subscriptions.push(ctx);
    const feature = <T extends vscode.Disposable>(f: T): T => ctx.pushExtCleanup(f);

    // The rest (alerts tree, deploys and git, stack traces, deploy guard, loop features) is built on first
    // need: the first connection event, the On Call views shown, one of their commands or the alert URI.
    let lazyBuilt: OnCallApi['lazyBuilt'];
    const stubs: vscode.Disposable[] = [];
    const watchChanged = feature(new Emitter<void>());
    const features = lazy(() => {
      for (const s of stubs.splice(0)) s.dispose(); // the features register the real commands and URI handler
      const t = performance.now();
      try {
        const built = buildFeatures(ctx, { onCall }, context.workspaceState);
        feature(built.deploys.onDidChangeWatching(() => watchChanged.fire()));
        return built;
      } finally {
        lazyBuilt = { why: lazyReason, ms: performance.now() - t, afterActivationMs: t - started - activatedInMs };
      }
    });
    let lazyReason = '';
    const need = (why: string): void => {
      if (features.built) return;
      lazyReason = why;
      try {
        void features.value;
        watchChanged.fire();
        logger.info(`features built on ${why} in ${Math.round(lazyBuilt?.ms ?? 0)} ms`);
      } catch (e) {
        reportFailure(logger, 'On Call failed to load its features', e);
      }
    };
    // The status bar and notifications read the deploy watch only once deploys exist (no watch before).
    const deploys = {
      onDidChangeWatching: watchChanged.event,
      watching: () => (features.built ? features.value.deploys.watching() : undefined),
      startedAfterMyDeploy: (a: Parameters<DeploysFeature['startedAfterMyDeploy']>[0]) => {
        need('an alert notification');
        return features.built && features.value.deploys.startedAfterMyDeploy(a);
      },
    };

    const onCall = feature(new OnCallFeature(ctx));
    const statusBar = feature(new StatusBarFeature(ctx, { onCall, deploys }));
    const notifications = feature(new NotificationsFeature(ctx, { onCall, deploys }));
    const handoff = feature(new HandoffFeature(ctx, { onCall }));

    // Thin stand-ins until the features exist: each command id not registered yet builds them, then runs.
    for (const id of Object.values(Commands)) {
      try {
        stubs.push(
          vscode.commands.registerCommand(id, (...args: unknown[]) => {
            need(`the command ${id}`);
            return vscode.commands.executeCommand<unknown>(id, ...args);
          }),
        );
      } catch {
        // Registered at activation already (by the context or an eager feature).
      }
    }
    stubs.push(
      vscode.window.registerUriHandler({
        handleUri: async (uri) => {
          need('a vscode:// link');
          await features.value.stackTraces.handleUri(uri);
        },
      }),
    );
    feature({
      dispose: () => {
        for (const s of stubs.splice(0)) s.dispose();
      },
    });

    ctx.start();
    // After start(): its first (synchronous) connection event is the activation's own, not a need.
    const later = (why: string) => () => setTimeout(() => need(why), 0);
    feature(ctx.connections.onDidChangeState(later('the first connection event')));
    if (onCall.view.visible) later('the On Call views shown')();
    else feature(onCall.view.onDidChangeVisibility((e) => e.visible && need('the On Call views shown')));

    const activatedInMs = performance.now() - started;
    logger.info(`activated in ${Math.round(activatedInMs)} ms (VS Code ${vscode.version})`);
    if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
    const built = (): typeof features.value => (need('the test API'), features.value);
    return {
      context: ctx, logger, connections: ctx.connections, feeds: ctx.feeds, statusBar, onCall, notifications, handoff, activatedInMs,
      get lazyBuilt() { return lazyBuilt; },
      get alerts() { return built().alerts; },
      get deployGuard() { return built().deployGuard; },
      get stackTraces() { return built().stackTraces; },
      get deploys() { return built().deploys; },
      get responder() { return built().responder; },
      get alertHistory() { return built().alertHistory; },
      get shareFindings() { return built().shareFindings; },
      get imOnIt() { return built().imOnIt; },
      get fixWatch() { return built().fixWatch; },
    };
  } catch (e) {
    reportFailure(logger, 'On Call failed to activate', e);
    throw e;
  }
}

/** VS Code does not show a notification when an extension fails to activate (or to build a feature): we do. */
function reportFailure(logger: HostLogger, what: string, e: unknown): void {
  logger.error(e instanceof Error ? e : String(e));
  void vscode.window.showErrorMessage(`${what}: ${errorText(e)}`, 'Show Logs').then((a) => {
    if (a) logger.show();
  });
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
