import { basename, normalizeRelative } from './pathUtil';

/** A file of the workspace: the workspace folder (its name or URI string, as the caller likes) + relative POSIX path. */
export interface WorkspaceFile {
  folder: string;
  path: string;
}

/**
 * The workspace's files, indexed by basename once so that resolving a frame looks at the few files that share
 * its name, not at all files. Supports incremental updates from a file watcher. Paths must be workspace-relative
 * POSIX paths; anything else (absolute, `..`, NUL) is ignored on add.
 */
export class WorkspaceFileIndex {
  private readonly byName = new Map<string, WorkspaceFile[]>();
  /** Lower-cased basename → files, for case-insensitive filesystems and traces from Windows. */
  private readonly byLowerName = new Map<string, WorkspaceFile[]>();
  private readonly keys = new Set<string>();

  constructor(files: Iterable<WorkspaceFile> = []) {
    for (const f of files) this.add(f.folder, f.path);
  }

  /** Builds an index for a single workspace folder from its relative paths. */
  static fromPaths(paths: Iterable<string>, folder = ''): WorkspaceFileIndex {
    const idx = new WorkspaceFileIndex();
    for (const p of paths) idx.add(folder, p);
    return idx;
  }

  get size(): number {
    return this.keys.size;
  }

  add(folder: string, path: string): boolean {
    const rel = normalizeRelative(path);
    if (!rel) return false;
    const key = keyOf(folder, rel);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    const file: WorkspaceFile = { folder, path: rel };
    push(this.byName, basename(rel), file);
    push(this.byLowerName, basename(rel).toLowerCase(), file);
    return true;
  }

  remove(folder: string, path: string): boolean {
    const rel = normalizeRelative(path);
    if (!rel || !this.keys.delete(keyOf(folder, rel))) return false;
    pull(this.byName, basename(rel), folder, rel);
    pull(this.byLowerName, basename(rel).toLowerCase(), folder, rel);
    return true;
  }

  /** Drops every file of a workspace folder (the folder was removed from the workspace). */
  removeFolder(folder: string): void {
    for (const list of [...this.byName.values()]) {
      for (const f of list.filter((x) => x.folder === folder)) this.remove(f.folder, f.path);
    }
  }

  has(folder: string, path: string): boolean {
    return this.keys.has(keyOf(folder, path));
  }

  /** The entry for a relative path in any folder (first folder wins), or in the given folder. */
  find(path: string, folder?: string): WorkspaceFile | undefined {
    const rel = normalizeRelative(path);
    if (!rel) return undefined;
    return this.withName(basename(rel)).find((f) => f.path === rel && (folder === undefined || f.folder === folder));
  }

  withName(name: string): readonly WorkspaceFile[] {
    return this.byName.get(name) ?? [];
  }

  withNameIgnoringCase(name: string): readonly WorkspaceFile[] {
    return this.byLowerName.get(name.toLowerCase()) ?? [];
  }
}

function keyOf(folder: string, path: string): string {
  return `${folder}\0${path}`;
}

function push(map: Map<string, WorkspaceFile[]>, k: string, f: WorkspaceFile): void {
  const list = map.get(k);
  if (list) list.push(f);
  else map.set(k, [f]);
}

function pull(map: Map<string, WorkspaceFile[]>, k: string, folder: string, path: string): void {
  const list = map.get(k);
  if (!list) return;
  const i = list.findIndex((f) => f.folder === folder && f.path === path);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(k);
}
