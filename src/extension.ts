import * as vscode from 'vscode';
import { lazy } from './host/lazy';
import { HostLogger } from './host/logger';
// Bundled apart (dist/lazy-startup.js, esbuild.config.mjs): loaded when the start runs, on the tick after activate().
import { startExtension, type OnCallApi, type Started } from './host/startup';
import { commandStubs, reportFailure } from './host/stubs';

export type { OnCallApi } from './host/startup';

/**
 * Activation does only what must be there at once — the log channel, a stand-in for every command and the
 * vscode:// handler — and starts the extension on the next tick (src/host/startup.ts: the context, the status
 * bar, the connection, the schedule view, notifications; issue 22). So activation costs what an empty
 * extension's does, the host is free for other extensions' activation in between, and a command or link that
 * comes first starts it at once. The figures of both are in the log and in the benchmark (bench/).
 */
export function activate(context: vscode.ExtensionContext): OnCallApi | undefined {
  const began = performance.now();
  const logger = new HostLogger();
  context.subscriptions.push(logger);
  let started: OnCallApi['started'];
  let why = '';
  const stubs: vscode.Disposable[] = [];
  const start = lazy((): Started => {
    for (const s of stubs.splice(0)) s.dispose(); // the start registers its commands, and stand-ins for the rest
    const t = performance.now();
    try {
      return startExtension(context, logger, began);
    } catch (e) {
      reportFailure(logger, 'On Call failed to start', e);
      standIns(); // the next command or link tries the start again
      throw e;
    } finally {
      started = { why, ms: performance.now() - t, afterActivationMs: t - began };
      logger.info(`started on ${why} in ${Math.round(started.ms)} ms`);
    }
  });
  const startNow = (reason: string): Started => {
    if (!start.built) why = reason;
    return start.value;
  };
  // A command run before the start: start now, then run it (the real one, or the start's own stand-in).
  const standIns = (): void => {
    stubs.push(...commandStubs((id) => void startNow(`the command ${id}`)));
    try {
      stubs.push(vscode.window.registerUriHandler({ handleUri: (uri) => startNow('a vscode:// link').handleUri(uri) }));
    } catch {
      // Registered by a start that failed after registering it.
    }
  };
  try {
    standIns();
    context.subscriptions.push({
      dispose: () => {
        for (const s of stubs.splice(0)) s.dispose();
      },
    });
  } catch (e) {
    reportFailure(logger, 'On Call failed to activate', e);
    throw e;
  }
  setTimeout(() => {
    try {
      startNow('activation (the next tick)');
    } catch {
      // Reported (notification + log) by the start itself; a command or view retries it.
    }
  }, 0);

  const activatedInMs = performance.now() - began;
  logger.info(`activated in ${Math.round(activatedInMs)} ms (VS Code ${vscode.version})`);
  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  const s = (): Started => startNow('the test API');
  const built = (): ReturnType<Started['features']> => s().features('the test API');
  return {
    get context() { return s().ctx; },
    get logger() { return logger; },
    get connections() { return s().ctx.connections; },
    get feeds() { return s().ctx.feeds; },
    get statusBar() { return s().statusBar; },
    get onCall() { return s().onCall; },
    get notifications() { return s().notifications; },
    get handoff() { return s().handoff; },
    activatedInMs,
    get started() { return started; },
    get lazyBuilt() { return start.built ? start.value.lazyBuilt : undefined; },
    get connectedAfterMs() { return start.built ? start.value.connectedAfterMs : undefined; },
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
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
