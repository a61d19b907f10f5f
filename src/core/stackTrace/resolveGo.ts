import type { WorkspaceFile, WorkspaceFileIndex } from './fileIndex';
import { basename, dirname, joinWithin } from './pathUtil';
import type { ReadFile } from './types';
import type { StackFrame } from './types';

interface GoModule {
  modulePath: string;
  folder: string;
  /** Workspace-relative directory of the go.mod ("" for the folder root). */
  dir: string;
  goModPath: string;
}

const MAX_LEARNED_ROOTS = 64;

/**
 * Go frames carry the package import path in the symbol ("github.com/acme/gw/internal/x.(*T).M"), and
 * -trimpath builds print paths that start with it. The go.mod files of the workspace say which directory
 * holds which module, so such frames map exactly. Build roots learned from one frame ("/build/src/" held
 * module github.com/acme/gw) are reused for frames of package main, whose symbol has no import path.
 */
export class GoModules {
  private modules: Promise<GoModule[]> | undefined;
  /** Absolute build directory of a module as seen in traces → the module. */
  private readonly learned = new Map<string, GoModule>();

  constructor(
    private readonly index: WorkspaceFileIndex,
    private readonly read: ReadFile | undefined,
  ) {}

  invalidate(path?: string): void {
    if (path === undefined || basename(path) === 'go.mod') {
      this.modules = undefined;
      this.learned.clear();
    }
  }

  async resolve(frame: StackFrame, segments: string[]): Promise<{ file: WorkspaceFile; reason: string } | undefined> {
    if (!this.read) return undefined;
    this.modules ??= this.load();
    const modules = await this.modules;
    if (modules.length === 0) return undefined;
    const name = segments[segments.length - 1]!;
    const printed = segments.join('/');

    // a) The package import path from the symbol.
    const pkg = frame.module;
    if (pkg && pkg !== 'main') {
      for (const m of modules) {
        if (pkg !== m.modulePath && !pkg.startsWith(`${m.modulePath}/`)) continue;
        const rel = joinWithin(m.dir, `${pkg.slice(m.modulePath.length + 1)}/${name}`);
        const hit = rel !== undefined ? this.index.find(rel, m.folder) : undefined;
        if (hit) {
          this.learn(segments, pkg.slice(m.modulePath.length).split('/').filter(Boolean).length + 1, m);
          return { file: hit, reason: `Go module ${m.modulePath} (${m.goModPath})` };
        }
      }
    }
    // b) A path that contains the module path: -trimpath builds, $GOPATH/src/..., /build/github.com/...
    for (const m of modules) {
      const at = `/${printed}/`.indexOf(`/${m.modulePath}/`);
      if (at < 0) continue;
      const rest = printed.slice(at + m.modulePath.length + 1);
      const rel = joinWithin(m.dir, rest);
      const hit = rel !== undefined ? this.index.find(rel, m.folder) : undefined;
      if (hit) return { file: hit, reason: `Go module ${m.modulePath} (${m.goModPath})` };
    }
    // c) A build root learned from another frame of a package with an import path.
    for (const [root, m] of this.learned) {
      if (!printed.startsWith(root)) continue;
      const rel = joinWithin(m.dir, printed.slice(root.length));
      const hit = rel !== undefined ? this.index.find(rel, m.folder) : undefined;
      if (hit) return { file: hit, reason: `Go module ${m.modulePath} built in /${root}` };
    }
    return undefined;
  }

  /** Records that the first `segments.length - depth` segments are the module's build directory. */
  private learn(segments: string[], depth: number, m: GoModule): void {
    if (segments.length <= depth || this.learned.size >= MAX_LEARNED_ROOTS) return;
    this.learned.set(`${segments.slice(0, segments.length - depth).join('/')}/`, m);
  }

  private async load(): Promise<GoModule[]> {
    const out: GoModule[] = [];
    for (const f of this.index.withName('go.mod').slice(0, 500)) {
      let text: string | undefined;
      try {
        text = await this.read!(f.path, f.folder);
      } catch {
        text = undefined;
      }
      const modulePath = text !== undefined ? parseModulePath(text) : undefined;
      if (modulePath) out.push({ modulePath, folder: f.folder, dir: dirname(f.path), goModPath: f.path });
    }
    // Longest module path first: nested modules win over their parents.
    return out.sort((a, b) => b.modulePath.length - a.modulePath.length);
  }
}

/** The `module` directive of a go.mod ("module github.com/acme/gw", possibly quoted, possibly with a comment). */
export function parseModulePath(goMod: string): string | undefined {
  for (const line of goMod.slice(0, 64 * 1024).split('\n')) {
    const m = /^\s*module\s+"?([^\s"/][^\s"]{0,300})"?\s*(?:\/\/.*)?$/.exec(line);
    if (m?.[1]) return m[1];
  }
  return undefined;
}
