/**
 * Normalises paths printed in stack traces. Nothing here produces a filesystem path: results are only
 * used as keys to look up entries of the workspace file index.
 */

export type NormalizedPath =
  | { ok: true; segments: string[]; absolute: boolean; text: string }
  | { ok: false; reason: string };

/** Strips URL schemes, bundler prefixes, query strings, drive letters; `\` → `/`. Rejects NUL and `..`. */
export function normalizeFramePath(printed: string): NormalizedPath {
  if (printed.includes('\0')) return { ok: false, reason: 'the path contains a NUL character' };
  if (printed.length > 4096) return { ok: false, reason: 'the path is too long' };
  let p = printed.trim();
  let absolute = false;
  // webpack://project/./src/x.ts, webpack:///./src/x.ts, webpack-internal:///./src/x.ts
  const wp = /^webpack(?:-internal)?:\/\/(?:[^/]*)\/(.*)$/.exec(p);
  if (wp) {
    p = wp[1] ?? '';
  } else if (/^file:\/\//i.test(p)) {
    p = safeDecode(p.replace(/^file:\/\/(?:localhost)?/i, ''));
    absolute = true;
  } else if (/^[a-z][\w+.-]{1,20}:\/\//i.test(p)) {
    // http(s)://host/path → /path (the host says nothing about the repository layout).
    const slash = p.indexOf('/', p.indexOf('//') + 2);
    p = slash < 0 ? '' : safeDecode(p.slice(slash));
    absolute = true;
  }
  p = p.replace(/[?#].*$/, '').replace(/\\/g, '/');
  const drive = /^\/?[A-Za-z]:\//.exec(p);
  if (drive) {
    p = p.slice(drive[0].length);
    absolute = true;
  } else if (p.startsWith('/')) {
    absolute = true;
  }
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, reason: `the path "${truncate(printed)}" contains ".." segments` };
  if (segments.length === 0) return { ok: false, reason: 'the frame has no file path' };
  return { ok: true, segments, absolute, text: (absolute ? '/' : '') + segments.join('/') };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function truncate(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Validates a workspace-relative POSIX path as stored in the index or produced by a mapping:
 * no NUL, not absolute, no drive letter, no `..`, no empty segments after normalisation.
 */
export function normalizeRelative(p: string): string | undefined {
  if (p.includes('\0')) return undefined;
  const s = p.replace(/\\/g, '/');
  if (s.startsWith('/') || /^[A-Za-z]:/.test(s)) return undefined;
  const segs = s.split('/').filter((x) => x !== '' && x !== '.');
  if (segs.includes('..')) return undefined;
  return segs.join('/');
}

/** Joins a workspace-relative directory and a relative path, resolving `..` but never above the root. */
export function joinWithin(dir: string, rel: string): string | undefined {
  if (rel.includes('\0') || rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return undefined;
  const out = dir.split('/').filter((x) => x !== '' && x !== '.');
  for (const seg of rel.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(seg);
    }
  }
  return out.join('/');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
