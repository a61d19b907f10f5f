import * as vscode from 'vscode';
import type { FrameTarget } from './stackTraceText';
import type { SourceOpener } from './sourceOpener';
import type { TraceResolution } from './traceResolution';

/** Printed frames in the terminal become links to the workspace file (index entries only). */
export class StackTerminalLinks implements vscode.TerminalLinkProvider<vscode.TerminalLink & { target: FrameTarget }> {
  constructor(
    private readonly _traces: TraceResolution,
    private readonly _opener: SourceOpener,
  ) {}

  async provideTerminalLinks(context: vscode.TerminalLinkContext, _token?: vscode.CancellationToken): Promise<Array<vscode.TerminalLink & { target: FrameTarget }>> {
    const frames = await this._traces.resolveLine(context.line);
    const links: Array<vscode.TerminalLink & { target: FrameTarget }> = [];
    for (const f of frames) {
      const printed = f.frame.file ?? '';
      const idx = printed ? context.line.indexOf(printed) : -1;
      if (idx < 0 || !f.resolved) continue;
      const m = context.line.slice(idx + printed.length).match(/^(?::\d+(?::\d+)?|", line \d+|:line \d+|\(\d+\))/);
      links.push({ startIndex: idx, length: printed.length + (m?.[0].length ?? 0), tooltip: vscode.l10n.t('Open {0} (On Call)', `${f.resolved.path}:${f.resolved.line ?? ''}`), target: f.resolved });
    }
    return links;
  }

  async handleTerminalLink(link: vscode.TerminalLink & { target: FrameTarget }): Promise<void> {
    await this._opener.openTarget(link.target);
  }
}
