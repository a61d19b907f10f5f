import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import type { TraceResolver } from '../../core/git/traceSuspects';
import type { ParsedTrace, ResolvedFrame, ResolvedTrace } from '../../core/stackTrace';
import { tagged } from '../../core/util/logger';
import type { AlertsFeature } from '../alerts/alertsFeature';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, ContextKeys as Keys } from '../constants';
import type { HostContext } from '../context';
import { Disposable } from '../../core/util/disposable';
import type { AlertFrames, ResolvedFrameRef } from './alertFrames';
import { AlertDecorations } from './decorations';
import { explainResolution } from './explanation';
import { SourceOpener, type WorkingTreeLines } from './sourceOpener';
import { StackRows } from './stackRows';
import { alertIdOf, type FrameTarget } from './stackTraceText';
import { StackTerminalLinks } from './terminalLinks';
import { TraceResolution } from './traceResolution';
import { AlertUriHandler, alertUri } from './alertUriHandler';
import type { WorkspaceFiles } from './workspaceFiles';

/**
 * From an alert's stack trace to the line: parses traces of any runtime (core), maps frames to workspace files
 * (`TraceResolution`), and offers the jump everywhere an alert shows up — tree rows (`StackRows`),
 * notification, decorations on the failing line (`AlertDecorations`), terminal links (`StackTerminalLinks`),
 * the clipboard (`SourceOpener`) and vscode:// links (`AlertUriHandler`).
 * It never opens a file outside the workspace: every target comes from the index.
 */
export class StackTraceFeature extends Disposable implements AlertFrames {
  readonly traces: TraceResolution;
  readonly terminalLinks: StackTerminalLinks;
  private readonly _connections: ConnectionFeature;
  private readonly _opener: SourceOpener;
  private readonly _decorations: AlertDecorations;
  private readonly _uriHandler: AlertUriHandler;

  constructor(
    ctx: HostContext,
    peers: {
      readonly alerts: AlertsFeature;
      readonly traces: TraceResolution;
      /** The deploys feature's rows: a deployed line in the working tree (local edits move code). */
      readonly lines: WorkingTreeLines;
    },
  ) {
    super();
    const log = tagged(ctx.logger, 'stack');
    const { alerts, traces } = peers;
    this._connections = ctx.connections;
    this.traces = traces;
    this._opener = new SourceOpener({ connections: ctx.connections, traces, log, explain: (id) => this.explain(id), lines: peers.lines });
    this._decorations = this._register(new AlertDecorations({ connections: ctx.connections, traces, opener: this._opener, clock: ctx.clock, extensionUri: ctx.paths.extensionUri }));
    this._uriHandler = new AlertUriHandler({ connections: ctx.connections, alerts, log, openSource: (id) => this.openSource(id) });
    this._register(
      ctx.whileConnected((c, scope) => {
        traces.clearCache();
        if (c) scope.add(c.store.onDidChange(() => this._decorations.schedule()));
        this._decorations.remap();
      }),
    );

    this._register(vscode.commands.registerCommand(Commands.openFrame, (t: FrameTarget) => this.openTarget(t)));
    this._register(vscode.commands.registerCommand(Commands.openStackTraceFromClipboard, () => this.openFromClipboard()));
    this._register(vscode.commands.registerCommand(Commands.explainFrames, (item?: unknown) => this.explain(alertIdOf(item))));
    // "Open Source" on an alert row (or the Alerts view's selection), a notification, a link.
    this._register(
      vscode.commands.registerCommand(Commands.openSource, async (item?: unknown) => {
        const id = alerts.targets(item)[0];
        if (id) await this.openSource(id);
      }),
    );
    this.terminalLinks = new StackTerminalLinks(traces, this._opener);
    this._register(vscode.window.registerTerminalLinkProvider(this.terminalLinks));
    this._register(vscode.window.registerUriHandler(this._uriHandler));
    alerts.provider.addContributor(new StackRows(traces));
    ctx.keys.set(Keys.stackTraces, true);
  }

  get files(): WorkspaceFiles {
    return this.traces.files;
  }

  resolveAlert(alert: Alert): Promise<ResolvedTrace | undefined> {
    return this.traces.resolveAlert(alert);
  }
  resolveText(text: string): Promise<ResolvedTrace> {
    return this.traces.resolveText(text);
  }
  resolveLine(line: string): Promise<ResolvedFrame[]> {
    return this.traces.resolveLine(line);
  }
  resolvedFrames(alert: Alert): Promise<ResolvedFrameRef[]> {
    return this.traces.resolvedFrames(alert);
  }
  traceInput(alert: Alert): { trace: ParsedTrace; resolver: TraceResolver } | undefined {
    return this.traces.traceInput(alert);
  }
  openSource(alertId: string): Promise<boolean> {
    return this._opener.openSource(alertId);
  }
  openTarget(t: FrameTarget): Promise<vscode.TextEditor | undefined> {
    return this._opener.openTarget(t);
  }
  openFromClipboard(): Promise<ResolvedTrace | undefined> {
    return this._opener.openFromClipboard();
  }
  handleUri(uri: vscode.Uri): Promise<{ revealed: boolean; offeredOpenSource: boolean }> {
    return this._uriHandler.handle(uri);
  }
  alertsAt(doc: vscode.TextDocument, line: number): Alert[] {
    return this._decorations.alertsAt(doc, line);
  }
  explain(alertId: string | undefined): Promise<vscode.TextDocument | undefined> {
    return explainResolution(this._connections, this.traces, alertId);
  }

  /** Link to an alert for chat and pagers. */
  static alertUri(id: string): string {
    return alertUri(id);
  }
}
