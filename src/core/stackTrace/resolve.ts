import type { WorkspaceFile, WorkspaceFileIndex } from './fileIndex';
import type { CodeMapping } from './mappings';
import { basename, dirname, joinWithin, normalizeFramePath, normalizeRelative } from './pathUtil';
import { GoModules } from './resolveGo';
import { SourceMaps } from './resolveSourceMap';
import type { ParsedTrace, ReadFile, StackFrame } from './types';

export type Confidence = 'exact' | 'high' | 'medium' | 'low' | 'none';

export interface ResolvedLocation {
  folder: string;
  /** Workspace-relative POSIX path, always an entry of the file index. */
  path: string;
  line?: number;
  column?: number;
}

export interface ResolvedFrame {
  frame: StackFrame;
  resolved?: ResolvedLocation;
  confidence: Confidence;
  /** Why it resolved (or did not), for the UI: "code mapping /app/ → services/checkout/", "library frame", ... */
  reason: string;
  /** Other equally good candidates when the choice was ambiguous. */
  alternatives?: WorkspaceFile[];
}

export interface ResolvedTrace {
  trace: ParsedTrace;
  frames: ResolvedFrame[];
  causes?: ResolvedTrace[];
}

export interface ResolverOptions {
  read?: ReadFile;
  mappings?: readonly CodeMapping[];
  /** Resolve library frames too (off by default: they point at code that is not in the workspace). */
  includeLibraryFrames?: boolean;
}

const JVM_EXTENSIONS = ['.java', '.kt', '.scala', '.groovy', '.kts'];
const LOWER: Record<Confidence, Confidence> = { exact: 'high', high: 'medium', medium: 'low', low: 'low', none: 'none' };

/**
 * Maps parsed frames to files of the workspace index. Pure apart from the injected reader; never builds a path
 * from alert text: every result is an entry taken from the index.
 */
export class StackTraceResolver {
  private mappings: CodeMapping[] = [];
  private readonly goModules: GoModules;
  private readonly sourceMaps: SourceMaps;

  constructor(
    private readonly index: WorkspaceFileIndex,
    private readonly options: ResolverOptions = {},
  ) {
    this.setMappings(options.mappings ?? []);
    this.goModules = new GoModules(index, options.read);
    this.sourceMaps = new SourceMaps(index, options.read);
  }

  /** Replaces the code mappings (already validated, see validateOncallConfig); longest stackRoot is tried first. */
  setMappings(mappings: readonly CodeMapping[]): void {
    this.mappings = [...mappings].sort((a, b) => b.stackRoot.length - a.stackRoot.length);
  }

  /** Forget cached go.mod / source-map contents (call when such a file changed); no argument clears everything. */
  invalidate(path?: string): void {
    this.goModules.invalidate(path);
    this.sourceMaps.invalidate(path);
  }

  async resolve(trace: ParsedTrace): Promise<ResolvedTrace> {
    const frames: ResolvedFrame[] = [];
    for (const f of trace.frames) frames.push(await this.resolveFrame(f, trace.language));
    const out: ResolvedTrace = { trace, frames };
    if (trace.causes?.length) {
      out.causes = [];
      for (const c of trace.causes) out.causes.push(await this.resolve(c));
    }
    return out;
  }

  async resolveFrame(frame: StackFrame, language: string): Promise<ResolvedFrame> {
    if (frame.inApp === false && !this.options.includeLibraryFrames) {
      return { frame, confidence: 'none', reason: 'library frame' };
    }
    const isJvm = language === 'java' && frame.className !== undefined;
    if (frame.file === undefined && !isJvm) return { frame, confidence: 'none', reason: 'the frame has no file' };

    const norm = frame.file !== undefined ? normalizeFramePath(frame.file) : undefined;
    if (norm && !norm.ok) return { frame, confidence: 'none', reason: norm.reason };
    const pos = { line: frame.line, column: frame.column };

    // 1. Explicit code mappings win: the user said where this code lives.
    const mappedMiss: string[] = [];
    if (norm?.ok) {
      const m = this.applyMappings(norm.text, frame.file ?? '');
      if (m.hit) return this.finish(frame, m.hit, pos, 'exact', m.reason ?? 'code mapping', language);
      if (m.reason) mappedMiss.push(m.reason);
    }

    // 2. Go: the package import path in the symbol (or a -trimpath file path) names the go.mod that owns it.
    if (language === 'go' && norm?.ok) {
      const g = await this.goModules.resolve(frame, norm.segments);
      if (g) return this.finish(frame, g.file, pos, 'exact', g.reason, language);
    }

    // 3. JVM: package → directories, printed file name (or outer class name) → file.
    if (isJvm) {
      const j = this.resolveJvm(frame);
      if (j) return { ...j, ...(j.resolved ? { resolved: { ...j.resolved, ...lineCol(pos) } } : {}) };
    }
    if (!norm?.ok) return { frame, confidence: 'none', reason: 'the frame has no file' };

    // 4. Longest path-suffix match against the index.
    const s = this.suffixMatch(norm.segments, norm.absolute);
    if (!s.best) {
      const why = s.reason + (mappedMiss.length ? ` (${mappedMiss.join('; ')})` : '');
      return { frame, confidence: 'none', reason: why };
    }
    return this.finish(frame, s.best, pos, s.confidence, s.reason, language, s.alternatives);
  }

  /** Final step: a bundled JavaScript file with a source map is followed to the original source. */
  private async finish(
    frame: StackFrame,
    file: WorkspaceFile,
    pos: { line?: number | undefined; column?: number | undefined },
    confidence: Confidence,
    reason: string,
    language: string,
    alternatives?: WorkspaceFile[],
  ): Promise<ResolvedFrame> {
    if ((language === 'node' || language === 'browser') && pos.line !== undefined && /\.[cm]?js$/.test(file.path)) {
      const mapped = await this.sourceMaps.original(file, pos.line, pos.column);
      if (mapped.ok) {
        const original = this.sourceFile(mapped.map, mapped.source);
        if (original) {
          return {
            frame,
            resolved: { folder: original.folder, path: original.path, line: mapped.line, column: mapped.column },
            confidence: confidence === 'exact' ? 'high' : confidence,
            reason: `${reason}; source map ${mapped.map.path} → ${original.path}`,
          };
        }
        reason = `${reason} (the source map points to ${mapped.source}, which is not in the workspace)`;
      }
      if (!mapped.ok && mapped.reason) reason = `${reason} (${mapped.reason})`;
    }
    const r: ResolvedFrame = { frame, resolved: { folder: file.folder, path: file.path, ...lineCol(pos) }, confidence, reason };
    if (alternatives?.length) r.alternatives = alternatives;
    return r;
  }

  /** A source named by a source map: relative to the map first, else by path suffix (webpack:///./src/x.ts). */
  private sourceFile(map: WorkspaceFile, source: string): WorkspaceFile | undefined {
    if (!/^[a-z][\w+.-]*:/i.test(source) && !source.startsWith('/')) {
      const rel = joinWithin(dirname(map.path), source);
      const hit = rel !== undefined ? this.index.find(rel, map.folder) : undefined;
      if (hit) return hit;
    }
    const norm = normalizeFramePath(source);
    if (!norm.ok) return undefined;
    const s = this.suffixMatch(norm.segments, norm.absolute);
    return s.best && s.confidence !== 'low' && !s.alternatives ? s.best : undefined;
  }

  private applyMappings(normalized: string, printed: string): { hit?: WorkspaceFile; reason?: string } {
    const printedPosix = printed.replace(/\\/g, '/');
    for (const m of this.mappings) {
      const root = m.stackRoot;
      let rest: string | undefined;
      if (printedPosix.startsWith(root)) rest = printedPosix.slice(root.length);
      else if (normalized.startsWith(root)) rest = normalized.slice(root.length);
      if (rest === undefined) continue;
      const target = normalizeRelative(`${m.sourceRoot}${m.sourceRoot && !m.sourceRoot.endsWith('/') && !rest.startsWith('/') ? '/' : ''}${rest}`);
      const label = `code mapping ${m.stackRoot} → ${m.sourceRoot ? `${m.sourceRoot.replace(/\/$/, '')}/` : '(workspace root)'}`;
      if (target === undefined) return { reason: `${label} leads outside the workspace` };
      const hit = this.index.find(target, m.folder);
      if (hit) return { hit, reason: label };
      return { reason: `${label} gives ${target}, which is not in the workspace` };
    }
    return {};
  }

  private suffixMatch(
    segments: string[],
    absolute: boolean,
  ): { best?: WorkspaceFile; confidence: Confidence; reason: string; alternatives?: WorkspaceFile[] } {
    const name = segments[segments.length - 1]!;
    let candidates = this.index.withName(name);
    let caseNote = '';
    if (candidates.length === 0) {
      candidates = this.index.withNameIgnoringCase(name);
      caseNote = candidates.length ? ' (ignoring case)' : '';
    }
    if (candidates.length === 0) return { confidence: 'none', reason: `no file named ${name} in the workspace` };
    let bestLen = 0;
    let best: WorkspaceFile[] = [];
    for (const c of candidates) {
      const n = matchedSuffix(segments, c.path.split('/'), caseNote !== '');
      if (n > bestLen) {
        bestLen = n;
        best = [c];
      } else if (n === bestLen) {
        best.push(c);
      }
    }
    // Deterministic choice among equals: shortest path, then alphabetical (folder, path).
    best.sort((a, b) => a.path.length - b.path.length || cmp(a.folder, b.folder) || cmp(a.path, b.path));
    const chosen = best[0]!;
    const chosenSegs = chosen.path.split('/').length;
    let confidence: Confidence;
    if (bestLen === chosenSegs && bestLen === segments.length && !absolute) confidence = 'exact';
    else if (bestLen === chosenSegs && bestLen >= 2) confidence = 'high';
    else if (bestLen >= 2) confidence = 'medium';
    else confidence = 'low';
    const suffix = segments.slice(-bestLen).join('/');
    let reason = bestLen === 1 ? `matched the file name ${name} only${caseNote}` : `matched the path suffix ${suffix}${caseNote}`;
    if (best.length > 1) {
      confidence = LOWER[confidence];
      reason = `${best.length} files end with ${suffix}${caseNote} — add a code mapping; picked the shortest path`;
      return { best: chosen, confidence, reason, alternatives: best.slice(1, 20) };
    }
    return { best: chosen, confidence, reason };
  }

  private resolveJvm(frame: StackFrame): ResolvedFrame | undefined {
    const className = frame.className!;
    const pkg = frame.module ?? '';
    const pkgDir = pkg.replace(/\./g, '/');
    const outer = (className.slice(pkg ? pkg.length + 1 : 0).split('$')[0] ?? '').trim();
    const names = frame.file && /\.\w+$/.test(frame.file) ? [basename(frame.file)] : JVM_EXTENSIONS.map((e) => outer + e);
    const candidates = names.flatMap((n) => this.index.withName(n));
    const label = `${pkgDir ? pkgDir + '/' : ''}${names.length === 1 ? names[0]! : `${outer}.{java,kt,scala}`}`;
    if (candidates.length === 0) {
      return { frame, confidence: 'none', reason: `no file named ${names.length === 1 ? names[0]! : `${outer}.java/.kt/.scala`} in the workspace` };
    }
    const inPackage = candidates.filter((c) => pkgDir === '' || dirname(c.path) === pkgDir || dirname(c.path).endsWith(`/${pkgDir}`));
    const pool = inPackage.length ? inPackage : candidates;
    pool.sort((a, b) => a.path.length - b.path.length || cmp(a.folder, b.folder) || cmp(a.path, b.path));
    const chosen = pool[0]!;
    let confidence: Confidence = inPackage.length ? 'high' : 'low';
    let reason = inPackage.length ? `package ${pkg || '(default)'} → ${label}` : `no ${label} in the workspace; matched the file name only`;
    const r: ResolvedFrame = { frame, resolved: { folder: chosen.folder, path: chosen.path }, confidence, reason };
    if (pool.length > 1) {
      confidence = LOWER[confidence];
      reason = `${pool.length} files match ${label} — add a code mapping; picked the shortest path`;
      return { ...r, confidence, reason, alternatives: pool.slice(1, 20) };
    }
    return r;
  }
}

/** Resolves one parsed trace in one call (builds a resolver; keep a StackTraceResolver to reuse its caches). */
export function resolveTrace(trace: ParsedTrace, index: WorkspaceFileIndex, options: ResolverOptions = {}): Promise<ResolvedTrace> {
  return new StackTraceResolver(index, options).resolve(trace);
}

/**
 * The frame to open first: the innermost in-app frame that resolved; failing that the innermost in-app frame,
 * then the innermost resolved frame. Looks at the propagated exception first, then its causes.
 */
export function topInAppFrame(resolved: ResolvedTrace): ResolvedFrame | undefined {
  const all = [resolved, ...(resolved.causes ?? [])];
  for (const t of all) {
    const f = t.frames.find((x) => x.frame.inApp !== false && x.resolved);
    if (f) return f;
  }
  for (const t of all) {
    const f = t.frames.find((x) => x.frame.inApp !== false);
    if (f) return f;
  }
  return resolved.frames.find((x) => x.resolved) ?? resolved.frames[0];
}

function matchedSuffix(frameSegs: string[], fileSegs: string[], ignoreCase: boolean): number {
  let n = 0;
  for (let i = frameSegs.length - 1, j = fileSegs.length - 1; i >= 0 && j >= 0; i--, j--) {
    const a = frameSegs[i]!;
    const b = fileSegs[j]!;
    if (a === b || (ignoreCase && a.toLowerCase() === b.toLowerCase())) n++;
    else break;
  }
  return n;
}

function lineCol(p: { line?: number | undefined; column?: number | undefined }): { line?: number; column?: number } {
  const o: { line?: number; column?: number } = {};
  if (p.line !== undefined) o.line = p.line;
  if (p.column !== undefined) o.column = p.column;
  return o;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

