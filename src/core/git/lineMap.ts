/**
 * Line mapping across versions of a file ("version drift"): the alert's stack trace names line 42 of the
 * *deployed* version; the editor shows HEAD or the working tree. Given the unified-diff hunks between the
 * two versions (`diffHunks`), map a line one way or the other. Pure functions.
 *
 * Semantics, for a line L of the "from" side:
 *  - untouched by every hunk → shifted by the net lines added/removed above it; `changed: false`;
 *  - inside a hunk that replaced lines → the line at the same offset inside the replacement, clamped to
 *    the replacement's last line; `changed: true`;
 *  - inside a hunk that only deleted lines → the line now following the deletion; `changed: true`,
 *    `deleted: true`.
 */
import type { FileDiff, Hunk } from './types';

export interface MappedLine {
  /** 1-based line on the other side. */
  line: number;
  /** The line itself was modified or deleted between the versions ("line changed since deploy"). */
  changed: boolean;
  /** The line no longer exists; `line` is where it used to be. */
  deleted: boolean;
}

export interface MappedPosition extends MappedLine {
  /** Path on the other side (follows a rename). */
  path: string;
  /** The whole file is gone on the other side; `line` is meaningless then. */
  fileDeleted: boolean;
  /** Set when the file is binary on either side; the line is returned unmapped. */
  binary: boolean;
}

function sortedHunks(hunks: readonly Hunk[], side: 'old' | 'new'): Hunk[] {
  return [...hunks].sort((a, b) => (side === 'old' ? a.oldStart - b.oldStart : a.newStart - b.newStart));
}

function mapThrough(hunks: readonly Hunk[], line: number, from: 'old' | 'new'): MappedLine {
  if (!Number.isInteger(line) || line < 1) throw new RangeError(`line must be a positive integer, got ${line}`);
  const start = (h: Hunk): number => (from === 'old' ? h.oldStart : h.newStart);
  const count = (h: Hunk): number => (from === 'old' ? h.oldLines : h.newLines);
  const oStart = (h: Hunk): number => (from === 'old' ? h.newStart : h.oldStart);
  const oCount = (h: Hunk): number => (from === 'old' ? h.newLines : h.oldLines);
  let offset = 0;
  for (const h of sortedHunks(hunks, from)) {
    const s = start(h);
    const n = count(h);
    if (n === 0) {
      // Pure insertion on the other side, placed after line `s` of this side.
      if (s < line) {
        offset += oCount(h);
        continue;
      }
      break;
    }
    const end = s + n - 1;
    if (end < line) {
      offset += oCount(h) - n;
      continue;
    }
    if (s > line) break;
    // `line` lies inside this hunk's range on our side: it was changed.
    const on = oCount(h);
    if (on === 0) {
      // Deleted: with a zero count, the other side's start is the line *before* the gap.
      return { line: Math.max(1, oStart(h) + 1), changed: true, deleted: true };
    }
    const rel = Math.min(line - s, on - 1);
    return { line: oStart(h) + rel, changed: true, deleted: false };
  }
  return { line: line + offset, changed: false, deleted: false };
}

/** Maps a line of the "from" version (e.g. the deployed sha) to the "to" version (HEAD / working tree). */
export function mapLineForward(hunks: readonly Hunk[], line: number): MappedLine {
  return mapThrough(hunks, line, 'old');
}

/** Maps a line of the "to" version back to the "from" version. */
export function mapLineBackward(hunks: readonly Hunk[], line: number): MappedLine {
  return mapThrough(hunks, line, 'new');
}

/** `mapLineForward` with the file's fate (renamed, deleted, binary) taken into account. */
export function mapPositionForward(diff: FileDiff, line: number): MappedPosition {
  if (diff.status === 'deleted') return { path: diff.oldPath, line, changed: true, deleted: true, fileDeleted: true, binary: diff.binary };
  if (diff.binary) return { path: diff.newPath, line, changed: false, deleted: false, fileDeleted: false, binary: true };
  return { path: diff.newPath, ...mapLineForward(diff.hunks, line), fileDeleted: false, binary: false };
}

/** `mapLineBackward` with the file's fate taken into account (an added file has no "from" line). */
export function mapPositionBackward(diff: FileDiff, line: number): MappedPosition {
  if (diff.status === 'added') return { path: diff.newPath, line, changed: true, deleted: true, fileDeleted: true, binary: diff.binary };
  if (diff.binary) return { path: diff.oldPath, line, changed: false, deleted: false, fileDeleted: false, binary: true };
  return { path: diff.oldPath, ...mapLineBackward(diff.hunks, line), fileDeleted: false, binary: false };
}

/** Whether any hunk changes a line in [from, to] of the "old" side (pure deletions count for the lines around the gap). */
export function hunksTouchOldRange(hunks: readonly Hunk[], from: number, to: number): boolean {
  return hunks.some((h) => (h.oldLines === 0 ? h.oldStart >= from - 1 && h.oldStart <= to : h.oldStart <= to && h.oldStart + h.oldLines - 1 >= from));
}
