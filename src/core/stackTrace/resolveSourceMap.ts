import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { WorkspaceFile, WorkspaceFileIndex } from './fileIndex';
import { dirname, joinWithin } from './pathUtil';
import type { ReadFile } from './types';

/** Source maps larger than this are not parsed (memory and time in the extension host). */
const MAX_MAP_CHARS = 50 * 1024 * 1024;
const MAX_CACHED_MAPS = 16;

export type OriginalPosition =
  | { ok: true; map: WorkspaceFile; source: string; line: number; column: number }
  | { ok: false; reason?: string };

/**
 * Follows a position in a bundled file through its source map: `<bundle>.map` next to it in the index, or the
 * bundle's `//# sourceMappingURL=` comment (relative path or inline data: URL).
 */
export class SourceMaps {
  private readonly cache = new Map<string, Promise<{ map?: TraceMap; file?: WorkspaceFile; reason?: string }>>();

  constructor(
    private readonly index: WorkspaceFileIndex,
    private readonly read: ReadFile | undefined,
  ) {}

  invalidate(path?: string): void {
    if (path === undefined) this.cache.clear();
    else for (const k of [...this.cache.keys()]) if (k.endsWith(`\0${path}`) || k.endsWith(`\0${path}.map`)) this.cache.delete(k);
  }

  /** `line` 1-based, `column` 1-based as stack traces print them. */
  async original(bundle: WorkspaceFile, line: number, column: number | undefined): Promise<OriginalPosition> {
    if (!this.read) return { ok: false };
    const key = `${bundle.folder}\0${bundle.path}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.load(bundle);
      if (this.cache.size >= MAX_CACHED_MAPS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, entry);
    }
    const { map, file, reason } = await entry;
    if (!map || !file) return reason ? { ok: false, reason } : { ok: false };
    let pos;
    try {
      pos = originalPositionFor(map, { line, column: Math.max(0, (column ?? 1) - 1) });
    } catch {
      return { ok: false, reason: `the source map ${file.path} could not be read` };
    }
    if (pos.source === null || pos.line === null) return { ok: false, reason: `the source map ${file.path} has no entry for ${line}:${column ?? 1}` };
    return { ok: true, map: file, source: pos.source, line: pos.line, column: (pos.column ?? 0) + 1 };
  }

  private async load(bundle: WorkspaceFile): Promise<{ map?: TraceMap; file?: WorkspaceFile; reason?: string }> {
    let mapFile = this.index.find(`${bundle.path}.map`, bundle.folder);
    let text: string | undefined;
    if (mapFile) {
      text = await this.safeRead(mapFile);
    } else {
      const js = await this.safeRead(bundle);
      const url = js !== undefined ? /\/\/[#@] sourceMappingURL=(\S{1,100000})\s*$/.exec(js.slice(-110_000))?.[1] : undefined;
      if (!url) return {};
      const inline = /^data:application\/json(?:;charset=[\w-]+)?;base64,([A-Za-z0-9+/=]+)$/.exec(url);
      if (inline) {
        text = Buffer.from(inline[1]!, 'base64').toString('utf8');
        mapFile = bundle;
      } else if (!/^[a-z][\w+.-]*:/i.test(url)) {
        const rel = joinWithin(dirname(bundle.path), decodeURIComponentSafe(url));
        mapFile = rel !== undefined ? this.index.find(rel, bundle.folder) : undefined;
        if (!mapFile) return { reason: `its source map ${url} is not in the workspace` };
        text = await this.safeRead(mapFile);
      } else {
        return {};
      }
    }
    if (text === undefined) return { reason: `the source map for ${bundle.path} could not be read` };
    if (text.length > MAX_MAP_CHARS) return { reason: `the source map ${mapFile.path} is too large` };
    try {
      return { map: new TraceMap(text), file: mapFile };
    } catch {
      return { reason: `the source map ${mapFile.path} is not valid` };
    }
  }

  private async safeRead(f: WorkspaceFile): Promise<string | undefined> {
    try {
      return await this.read!(f.path, f.folder);
    } catch {
      return undefined;
    }
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
