import * as vscode from 'vscode';
import type { TraceResolver } from '../../core/git/traceSuspects';
import {
  parseStackTrace,
  resolvedFrameRefs,
  StackTraceResolver,
  validateOncallConfig,
  WorkspaceFileIndex,
  type CodeMapping,
  type ParsedTrace,
  type ResolvedFrame,
  type ResolvedTrace,
} from '../../core/stackTrace';
import { locationsInLine } from '../../core/stackTrace/lineLocations';
import type { Alert } from '../../core/protocol/types';
import { Disposable } from '../../core/util/disposable';
import { Emitter, type Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import type { HostContext } from '../context';
import type { AlertFrames, ResolvedFrameRef } from './alertFrames';
import type { Config } from '../config';
import { readText } from './stackTraceText';
import { WorkspaceFiles } from './workspaceFiles';

/**
 * Stack trace → workspace files: one index of the workspace (kept current), the code mappings from
 * `.vscode/oncall.json` and `oncall.codeMappings`, and a per-alert cache of resolved traces.
 */
export class TraceResolution extends Disposable implements AlertFrames {
  readonly files: WorkspaceFiles;
  private readonly _index = new WorkspaceFileIndex();
  private readonly _resolver: StackTraceResolver;
  private readonly _cache = new Map<string, { trace: string; resolved: Promise<ResolvedTrace> }>();
  private readonly _onDidInvalidate = this._register(new Emitter<void>());
  /** The index or the mappings changed: earlier resolutions may be wrong now. */
  readonly onDidInvalidate: Event<void> = this._onDidInvalidate.event;

  private readonly _log: Logger;
  private readonly _config: Config;

  constructor(ctx: HostContext) {
    super();
    this._log = tagged(ctx.logger, 'stack');
    this._config = ctx.config;
    this.files = this._register(new WorkspaceFiles(ctx.logger));
    this._resolver = new StackTraceResolver(this._index, { read: (rel, folder) => readText(folder, rel), mappings: [] });
    this._register(
      this.files.onDidChange((c) => {
        for (const p of c.added) this._index.add(c.folder, p);
        for (const p of c.removed) this._index.remove(c.folder, p);
        if (c.added.length + c.removed.length > 0) this._invalidate();
      }),
    );
    this._register(this._config.onDidChange((e) => e.affects('codeMappings') && void this.loadMappings()));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/.vscode/oncall.json'));
    this._register(watcher.onDidChange(() => void this.loadMappings()));
    this._register(watcher.onDidCreate(() => void this.loadMappings()));
    this._register(watcher.onDidDelete(() => void this.loadMappings()));
    void this.loadMappings();
  }

  /** Is this a file of the workspace index (the only files ever opened)? */
  has(folder: string, relPath: string): boolean {
    return this._index.has(folder, relPath);
  }

  /** Forgets cached resolutions (a new connection: other alerts). */
  clearCache(): void {
    this._cache.clear();
  }

  private _invalidate(): void {
    this._resolver.invalidate();
    this._cache.clear();
    this._onDidInvalidate.fire();
  }

  async loadMappings(): Promise<void> {
    const all: CodeMapping[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const text = await readText(f.uri.fsPath, '.vscode/oncall.json');
      if (text === undefined) continue;
      const v = validateOncallConfig(text);
      for (const e of v.errors) this._log.warn(`${f.name}/.vscode/oncall.json: ${e}`);
      all.push(...v.mappings.map((m) => ({ ...m, folder: m.folder ? folderPathByName(m.folder) ?? m.folder : f.uri.fsPath })));
    }
    this._resolver.setMappings([...all, ...this._config.value.codeMappings]); // validated (problems logged) by Config
    this._invalidate();
  }

  /** Parses and resolves an alert's trace (cached per alert and trace text). */
  async resolveAlert(alert: Alert): Promise<ResolvedTrace | undefined> {
    if (!alert.stackTrace) return undefined;
    const hit = this._cache.get(alert.id);
    if (hit && hit.trace === alert.stackTrace) return hit.resolved;
    const resolved = this.files.ready().then(() => this._resolver.resolve(parseStackTrace(alert.stackTrace!)));
    this._cache.set(alert.id, { trace: alert.stackTrace, resolved });
    if (this._cache.size > 5000) this._cache.delete(this._cache.keys().next().value!);
    return resolved;
  }

  async resolveText(text: string): Promise<ResolvedTrace> {
    await this.files.ready();
    return this._resolver.resolve(parseStackTrace(text));
  }

  /** For the terminal: resolve the frames found in one line of text. */
  async resolveLine(line: string): Promise<ResolvedFrame[]> {
    if (line.length > 4000) return [];
    const r = await this.resolveText(line);
    const parsed = r.frames.filter((f) => f.resolved);
    if (parsed.length > 0) return parsed;
    // Terminals print traces line by line: a Go file line or a lone Python "File ..." line is not a trace by
    // itself, so look for printed locations and resolve each one the same way (index entries only).
    const out: ResolvedFrame[] = [];
    for (const loc of locationsInLine(line).slice(0, 5)) {
      const f = await this._resolver.resolveFrame({ file: loc.file, line: loc.line, ...(loc.column !== undefined ? { column: loc.column } : {}), raw: line, inApp: true }, 'unknown');
      if (f.resolved) out.push(f);
    }
    return out;
  }

  /** A frame location as a runtime printed it (the firing history's top frame) → a workspace file and line. */
  async resolveLocation(file: string, line: number): Promise<ResolvedFrameRef | undefined> {
    await this.files.ready();
    const f = await this._resolver.resolveFrame({ file, line, raw: `${file}:${line}`, inApp: true }, 'unknown');
    return f.resolved && f.resolved.line !== undefined ? { folder: f.resolved.folder, path: f.resolved.path, line: f.resolved.line, inApp: true, depth: 0 } : undefined;
  }

  //#region AlertFrames
  async resolvedFrames(alert: Alert): Promise<ResolvedFrameRef[]> {
    const r = await this.resolveAlert(alert);
    return r ? resolvedFrameRefs(r) : [];
  }

  traceInput(alert: Alert): { trace: ParsedTrace; resolver: TraceResolver } | undefined {
    if (!alert.stackTrace) return undefined;
    const trace = parseStackTrace(alert.stackTrace);
    // The resolver waits for the workspace index, like resolveAlert.
    return { trace, resolver: { resolve: async (t: ParsedTrace) => (await this.files.ready(), this._resolver.resolve(t)) } };
  }
  //#endregion
}

function folderPathByName(name: string): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.name === name)?.uri.fsPath;
}
