import * as vscode from 'vscode';
import { systemClock } from '../core/util/clock';
import { Emitter } from '../core/util/event';
import type { AlertsFeature } from './alerts/alertsFeature';
import type { ResponderActionsFeature } from './alerts/responderActions';
import type { ConnectionFeature } from './connection/connectionFeature';
import { HostContext } from './context';
import type { DeployGuardFeature } from './deployGuard/deployGuardFeature';
import type { DeploysFeature } from './deploys/deploysFeature';
import { HandoffFeature } from './handoff/handoffFeature';
import { hostClock } from './hostClock';
import { lazy } from './lazy';
// Bundled apart (dist/lazy-features.js, esbuild.config.mjs): loaded the first time `buildFeatures` is read.
import { buildFeatures, type LazyFeatures } from './lazyFeatures';
import type { HostLogger } from './logger';
import type { AlertHistoryFeature } from './loop/alertHistoryFeature';
import type { FixWatchFeature } from './loop/fixWatch';
import type { ImOnItFeature } from './loop/imOnIt';
import type { ShareFindingsFeature } from './loop/shareFindings';
import { NotificationsFeature } from './notifications/notificationsFeature';
import { OnCallFeature } from './onCall/onCallFeature';
import type { ICalFeeds } from './schedule/icalFeeds';
import type { StackTraceFeature } from './stackTrace/stackTraceFeature';
import { StatusBarFeature } from './statusBar/statusBarFeature';
import { commandStubs, reportFailure } from './stubs';

/**
 * The internal objects, for the integration tests and the benchmark (bench/): returned by activate() only when
 * the extension runs under test (`ExtensionMode.Test`). Other extensions get `undefined` — there is no public API.
 * Reading one of them starts the extension at once if it has not started yet, and the features built on first
 * need are built by reading theirs.
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
  /**
   * The start (dist/lazy-startup.js: the context, the status bar, the connection, the schedule view, notifications),
   * run on the tick after activate(): what started it, how long loading + building took, and when, in ms after
   * activate() began (undefined until then — read without starting).
   */
  readonly started: { readonly why: string; readonly ms: number; readonly afterActivationMs: number } | undefined;
  /** The features built on first need: what built them and how long loading + building took (undefined until then). */
  readonly lazyBuilt: { readonly why: string; readonly ms: number; readonly afterActivationMs: number } | undefined;
  /** When the connection first reported itself connected, in ms after activate() began (undefined until then). */
  readonly connectedAfterMs: number | undefined;
}

/** What activate() hands to the start, and what the start gives back to it (the test API's objects). */
export interface Started {
  readonly ctx: HostContext;
  readonly onCall: OnCallFeature;
  readonly statusBar: StatusBarFeature;
  readonly notifications: NotificationsFeature;
  readonly handoff: HandoffFeature;
  /** Builds the features of dist/lazy-features.js now, if not built yet (`why` is logged and kept). */
  features(why: string): LazyFeatures;
  /** A vscode:// link (the stack trace links): builds the features first. */
  handleUri(uri: vscode.Uri): Promise<void>;
  readonly lazyBuilt: OnCallApi['lazyBuilt'];
  readonly connectedAfterMs: number | undefined;
}

/**
 * The composition root, run on the tick after activate() (src/extension.ts): one context (services, the
 * connection, the two disposal scopes), then the features, each built from the context and the peers it names.
 * Each feature subscribes itself. Here: the connection, the status bar, the schedule view, notifications and the
 * handoff command; the rest (alerts tree, deploys and git, stack traces, deploy guard, loop features) is built on
 * first need — the first connection event, the On Call views shown, one of their commands or the alert URI.
 * `activationStart`: performance.now() when activate() began (for the timings the benchmark reads).
 */
export function startExtension(context: vscode.ExtensionContext, logger: HostLogger, activationStart: number): Started {
  const ctx = new HostContext(context, logger, hostClock(systemClock, logger));
  context.subscriptions.push(ctx);
  const feature = <T extends vscode.Disposable>(f: T): T => ctx.pushExtCleanup(f);

  let lazyBuilt: OnCallApi['lazyBuilt'];
  let lazyReason = '';
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
      lazyBuilt = { why: lazyReason, ms: performance.now() - t, afterActivationMs: t - activationStart };
    }
  });
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
  stubs.push(...commandStubs((id) => need(`the command ${id}`)));
  const handleUri = async (uri: vscode.Uri): Promise<void> => {
    need('a vscode:// link');
    await features.value.stackTraces.handleUri(uri);
  };
  stubs.push(vscode.window.registerUriHandler({ handleUri }));
  feature({
    dispose: () => {
      for (const s of stubs.splice(0)) s.dispose();
    },
  });

  let connectedAfterMs: number | undefined;
  const connected = feature(
    ctx.connections.onDidChangeState(() => {
      if (ctx.connections.connection?.state.state !== 'connected') return;
      connectedAfterMs = performance.now() - activationStart;
      connected.dispose();
    }),
  );
  ctx.start();
  // After start(): its first (synchronous) connection event is the start's own, not a need. The features are
  // built once the connection has an outcome (connected, failed, none), not while it connects: building them
  // takes a few hundred ms, and the hello (so the status bar's "connected") is not held up behind them.
  const later = (why: string) => () => setTimeout(() => need(why), 0);
  const outcome = later('the first connection event');
  feature(ctx.connections.onDidChangeState((s) => (s === undefined || s.state === 'connected' || s.state === 'reconnecting' || s.state === 'closed') && outcome()));
  if (onCall.view.visible) later('the On Call views shown')();
  else feature(onCall.view.onDidChangeVisibility((e) => e.visible && need('the On Call views shown')));

  return {
    ctx, onCall, statusBar, notifications, handoff,
    features: (why) => (need(why), features.value),
    handleUri,
    get lazyBuilt() { return lazyBuilt; },
    get connectedAfterMs() { return connectedAfterMs; },
  };
}
