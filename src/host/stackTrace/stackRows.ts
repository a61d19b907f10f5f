import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import type { ResolvedFrame, ResolvedTrace } from '../../core/stackTrace';
import { displayText } from '../../core/util/text';
import type { AlertChild, AlertChildrenContributor } from '../alerts/alertChildren';
import { Commands } from '../constants';
import type { TraceResolution } from './traceResolution';

/** The "Stack (node, 12 frames)" row under an alert: in-app frames, library frames folded, causes. */
export class StackRows implements AlertChildrenContributor {
  readonly order = 10;

  constructor(private readonly _traces: TraceResolution) {}

  hasChildren(alert: Alert): boolean {
    return !!alert.stackTrace;
  }

  async children(alert: Alert): Promise<AlertChild[]> {
    const r = await this._traces.resolveAlert(alert);
    if (!r) return [];
    const rows = (t: ResolvedTrace, prefix: string): AlertChild[] => {
      const app: AlertChild[] = [];
      const lib: AlertChild[] = [];
      t.frames.forEach((f, i) => (f.frame.inApp === false ? lib : app).push(frameChild(f, `${prefix}${i}`)));
      if (lib.length) app.push({ id: `${prefix}lib`, label: lib.length === 1 ? vscode.l10n.t('{0} library frame', lib.length) : vscode.l10n.t('{0} library frames', lib.length), icon: new vscode.ThemeIcon('library'), children: lib });
      return app;
    };
    const title = [r.trace.errorType, r.trace.message].filter(Boolean).map((s) => displayText(s, 120)).join(': ');
    const stack: AlertChild = {
      id: 'stack',
      label: r.frames.length === 1 ? vscode.l10n.t('Stack ({0}, {1} frame)', r.trace.language, r.frames.length) : vscode.l10n.t('Stack ({0}, {1} frames)', r.trace.language, r.frames.length),
      description: title,
      icon: new vscode.ThemeIcon('debug-stackframe'),
      children: [...rows(r, 'f'), ...(r.causes ?? []).map((c, i): AlertChild => ({ id: `cause${i}`, label: vscode.l10n.t('Cause: {0}', displayText(c.trace.errorType ?? vscode.l10n.t('exception'), 80)), description: displayText(c.trace.message, 120), icon: new vscode.ThemeIcon('debug-stackframe-dot'), children: rows(c, `c${i}f`) }))],
      expanded: true,
      contextValue: 'alertChild:stack',
    };
    return [stack];
  }
}

function frameChild(f: ResolvedFrame, id: string): AlertChild {
  const fn = displayText(f.frame.function ?? f.frame.className ?? '', 80);
  const file = displayText(f.frame.file ? f.frame.file.split(/[\\/]/).pop() : '', 60);
  const label = fn || file || displayText(f.frame.raw, 80);
  const where = f.resolved ? `${f.resolved.path}:${f.resolved.line ?? ''}` : `${displayText(f.frame.file, 80)}:${f.frame.line ?? ''} — ${displayText(f.reason, 80)}`;
  return {
    id,
    label,
    description: where,
    tooltip: `${displayText(f.frame.raw, 300)}\n${f.resolved ? `→ ${f.resolved.path}:${f.resolved.line ?? ''} (${f.confidence}: ${displayText(f.reason, 200)})` : vscode.l10n.t('not resolved: {0}', displayText(f.reason, 200))}`,
    icon: new vscode.ThemeIcon(f.resolved ? 'debug-stackframe-focused' : f.frame.inApp === false ? 'library' : 'question'),
    ...(f.resolved ? { command: { command: Commands.openFrame, title: vscode.l10n.t('Open Frame'), arguments: [f.resolved] }, contextValue: 'alertChild:frame' } : { contextValue: 'alertChild:frame:unresolved' }),
  };
}
