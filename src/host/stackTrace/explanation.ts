import * as vscode from 'vscode';
import type { ResolvedFrame } from '../../core/stackTrace';
import { escapeMarkdown } from '../../core/util/text';
import type { ConnectionFeature } from '../connection/connectionFeature';
import type { TraceResolution } from './traceResolution';

/** "Show how each frame was resolved": a markdown report with confidence and reasons (escaped). */
export async function explainResolution(connections: ConnectionFeature, traces: TraceResolution, alertId: string | undefined): Promise<vscode.TextDocument | undefined> {
  const alert = alertId ? connections.connection?.store.get(alertId) : undefined;
  if (!alert?.stackTrace) {
    void vscode.window.showInformationMessage(vscode.l10n.t('On Call: select an alert with a stack trace.'));
    return undefined;
  }
  const r = (await traces.resolveAlert(alert))!;
  const lines = [
    vscode.l10n.t('# Stack trace resolution — {0}', escapeMarkdown(alert.title, 200)),
    '',
    vscode.l10n.t('Runtime: {0} · {1} frames', r.trace.language, r.frames.length),
    '',
    vscode.l10n.t('| # | frame | resolved to | confidence | why |'),
    '|---|---|---|---|---|',
  ];
  const also = (f: ResolvedFrame): string => (f.alternatives?.length ? ` ${vscode.l10n.t('(also: {0})', escapeMarkdown(f.alternatives.slice(0, 3).map((x) => x.path).join(', '), 200))}` : '');
  const row = (f: ResolvedFrame, i: number): string =>
    `| ${i} | ${escapeMarkdown(`${f.frame.function ?? ''} ${f.frame.file ?? ''}:${f.frame.line ?? ''}`, 160)} | ${f.resolved ? escapeMarkdown(`${f.resolved.path}:${f.resolved.line ?? ''}`, 160) : '—'} | ${f.confidence} | ${escapeMarkdown(f.reason, 200)}${also(f)} |`;
  r.frames.forEach((f, i) => lines.push(row(f, i)));
  lines.push('', vscode.l10n.t('Add code mappings in `.vscode/oncall.json` (`{0}`) or the `oncall.codeMappings` setting when frames do not resolve.', '{"codeMappings": [{"stackRoot": "/app/", "sourceRoot": "services/checkout/"}]}'));
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') });
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
