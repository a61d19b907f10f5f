import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResolvedFrame } from '../../core/stackTrace';
import { displayText } from '../../core/util/text';

/** Where a resolved frame points: an indexed workspace file (1-based line and column). */
export interface FrameTarget {
  folder: string;
  path: string;
  line?: number;
  column?: number;
}

export function frameQuickPick(f: ResolvedFrame): vscode.QuickPickItem {
  return {
    label: `${f.resolved ? '$(debug-stackframe-focused)' : '$(circle-slash)'} ${displayText(f.frame.function ?? f.frame.file ?? f.frame.raw, 100)}`,
    description: f.resolved ? `${f.resolved.path}:${f.resolved.line ?? ''}` : `${displayText(f.frame.file, 80)}:${f.frame.line ?? ''}`,
    detail: `${f.confidence} — ${displayText(f.reason, 200)}`,
  };
}

/** An alert id from a command argument: an id, an alert row, or a row under an alert. */
export function alertIdOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object') {
    const o = item as { kind?: string; id?: string; alertId?: string };
    if (o.kind === 'alert') return o.id;
    if (o.kind === 'child') return o.alertId;
  }
  return undefined;
}

/** A workspace-relative POSIX path of a document, or undefined outside the workspace. */
export function workspaceRelative(uri: vscode.Uri): { folder: string; rel: string } | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return undefined;
  return { folder: folder.uri.fsPath, rel: path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/') };
}

export async function readText(folder: string, rel: string): Promise<string | undefined> {
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(vscode.Uri.file(folder), ...rel.split('/')));
    return bytes.byteLength > 20 * 1024 * 1024 ? undefined : new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when `file`, with every symlink resolved, is a file below `root` (also resolved). */
export async function isReallyInside(root: string, file: string): Promise<boolean> {
  try {
    const [r, f] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(file)]);
    const rel = path.relative(r, f);
    return rel !== '' && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..';
  } catch {
    return false; // missing or unreadable: nothing to open
  }
}
