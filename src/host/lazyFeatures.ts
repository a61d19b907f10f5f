import type * as vscode from 'vscode';
import { AlertsFeature } from './alerts/alertsFeature';
import { ResponderActionsFeature } from './alerts/responderActions';
import type { HostContext } from './context';
import { DeployGuardFeature } from './deployGuard/deployGuardFeature';
import { DeploysFeature } from './deploys/deploysFeature';
import { AlertHistoryFeature } from './loop/alertHistoryFeature';
import { FixWatchFeature } from './loop/fixWatch';
import { ImOnItFeature } from './loop/imOnIt';
import { ShareFindingsFeature } from './loop/shareFindings';
import type { OnCallFeature } from './onCall/onCallFeature';
import { StackTraceFeature } from './stackTrace/stackTraceFeature';
import { TraceResolution } from './stackTrace/traceResolution';

/**
 * The features built on first need (issue 22), in a bundle of their own (dist/lazy-features.js, see
 * esbuild.config.mjs): the alerts tree and its actions, stack traces, deploys and git, the deploy guard and the
 * loop features. extension.ts calls `buildFeatures` the first time one of them is needed.
 */
export interface LazyFeatures {
  readonly alerts: AlertsFeature;
  readonly responder: ResponderActionsFeature;
  readonly traces: TraceResolution;
  readonly deploys: DeploysFeature;
  readonly stackTraces: StackTraceFeature;
  readonly fixWatch: FixWatchFeature;
  readonly deployGuard: DeployGuardFeature;
  readonly alertHistory: AlertHistoryFeature;
  readonly shareFindings: ShareFindingsFeature;
  readonly imOnIt: ImOnItFeature;
}

/** Builds each feature from the context and the peers it names; each subscribes itself (extension lifetime). */
export function buildFeatures(ctx: HostContext, peers: { readonly onCall: OnCallFeature }, workspaceState: vscode.Memento): LazyFeatures {
  const feature = <T extends vscode.Disposable>(f: T): T => ctx.pushExtCleanup(f);
  const { onCall } = peers;
  const alerts = feature(new AlertsFeature(ctx));
  const responder = feature(new ResponderActionsFeature(ctx, { alerts, onCall }));
  const traces = feature(new TraceResolution(ctx));
  const deploys = feature(new DeploysFeature(ctx, { alerts, frames: traces }));
  const stackTraces = feature(new StackTraceFeature(ctx, { alerts, traces, lines: deploys.rows }));
  const fixWatch = feature(new FixWatchFeature(ctx, { alerts, deploys }, workspaceState));
  const deployGuard = feature(new DeployGuardFeature(ctx, { onCall, deploys, frames: traces, fixes: fixWatch }));
  const alertHistory = feature(new AlertHistoryFeature(ctx, traces));
  const shareFindings = feature(new ShareFindingsFeature(ctx, { alerts, deploys }));
  const imOnIt = feature(new ImOnItFeature(ctx, { alerts, frames: traces, onCall }));
  return { alerts, responder, traces, deploys, stackTraces, fixWatch, deployGuard, alertHistory, shareFindings, imOnIt };
}
