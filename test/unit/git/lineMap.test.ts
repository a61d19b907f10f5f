import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { hunksTouchOldRange, mapLineBackward, mapLineForward, mapPositionBackward, mapPositionForward } from '../../../src/core/git/lineMap';
import { parseHunkHeader } from '../../../src/core/git/parse';
import type { FileDiff, Hunk } from '../../../src/core/git/types';

const h = (header: string): Hunk => parseHunkHeader(header)!;

describe('git/lineMap', () => {
  // Old file: lines 1..20. Each row: hunks, old line, expected new line, changed, deleted.
  const table: Array<[string, string[], number, number, boolean, boolean]> = [
    ['no hunks', [], 7, 7, false, false],
    ['2 lines inserted above', ['@@ -2,0 +3,2 @@'], 7, 9, false, false],
    ['insertion right after the line does not move it', ['@@ -7,0 +8,2 @@'], 7, 7, false, false],
    ['insertion right before the line moves it', ['@@ -6,0 +7,2 @@'], 7, 9, false, false],
    ['insertion at the top', ['@@ -0,0 +1,3 @@'], 1, 4, false, false],
    ['3 lines deleted above', ['@@ -2,3 +1,0 @@'], 7, 4, false, false],
    ['deleted at the top', ['@@ -1,2 +0,0 @@'], 5, 3, false, false],
    ['insertion below does nothing', ['@@ -10,0 +11,5 @@'], 7, 7, false, false],
    ['the line itself changed (1:1)', ['@@ -7 +7 @@'], 7, 7, true, false],
    ['the line inside a replaced block keeps its offset', ['@@ -6,3 +6,3 @@'], 7, 7, true, false],
    ['replaced by fewer lines: clamped to the last one', ['@@ -5,4 +5,1 @@'], 7, 5, true, false],
    ['replaced by more lines', ['@@ -7,1 +7,4 @@'], 7, 7, true, false],
    ['the line deleted: where it was (line after the gap)', ['@@ -6,3 +5,0 @@'], 7, 6, true, true],
    ['deleted at the very top', ['@@ -1,1 +0,0 @@'], 1, 1, true, true],
    ['mixed: insert above, delete above, change below', ['@@ -1,0 +1,4 @@', '@@ -3,2 +6,0 @@', '@@ -9 +12 @@'], 7, 9, false, false],
    ['hunks given out of order', ['@@ -9 +12 @@', '@@ -3,2 +6,0 @@', '@@ -1,0 +1,4 @@'], 7, 9, false, false],
  ];
  for (const [name, hunks, line, want, changed, deleted] of table) {
    it(`forward: ${name}`, () => {
      assert.deepEqual(mapLineForward(hunks.map(h), line), { line: want, changed, deleted });
    });
    if (!changed) {
      it(`backward: ${name}`, () => {
        assert.deepEqual(mapLineBackward(hunks.map(h), want), { line, changed: false, deleted: false });
      });
    }
  }

  it('backward from a line that did not exist in the old version', () => {
    assert.deepEqual(mapLineBackward([h('@@ -4,0 +5,2 @@')], 6), { line: 5, changed: true, deleted: true });
  });

  it('rejects non-positive lines', () => {
    assert.throws(() => mapLineForward([], 0), RangeError);
  });

  it('follows renames and reports deleted / binary files', () => {
    const renamed: FileDiff = { oldPath: 'src/a.ts', newPath: 'src/b.ts', status: 'renamed', binary: false, hunks: [h('@@ -1,0 +1,1 @@')] };
    assert.deepEqual(mapPositionForward(renamed, 3), { path: 'src/b.ts', line: 4, changed: false, deleted: false, fileDeleted: false, binary: false });
    assert.deepEqual(mapPositionBackward(renamed, 4), { path: 'src/a.ts', line: 3, changed: false, deleted: false, fileDeleted: false, binary: false });
    const pureRename: FileDiff = { oldPath: 'a', newPath: 'b', status: 'renamed', binary: false, hunks: [] };
    assert.equal(mapPositionForward(pureRename, 9).line, 9);
    assert.equal(mapPositionForward(pureRename, 9).path, 'b');
    const gone: FileDiff = { oldPath: 'a', newPath: 'a', status: 'deleted', binary: false, hunks: [] };
    assert.equal(mapPositionForward(gone, 3).fileDeleted, true);
    const added: FileDiff = { oldPath: 'n', newPath: 'n', status: 'added', binary: false, hunks: [] };
    assert.equal(mapPositionBackward(added, 3).fileDeleted, true);
    const bin: FileDiff = { oldPath: 'x.png', newPath: 'x.png', status: 'modified', binary: true, hunks: [] };
    assert.deepEqual(mapPositionForward(bin, 3), { path: 'x.png', line: 3, changed: false, deleted: false, fileDeleted: false, binary: true });
  });

  it('hunksTouchOldRange', () => {
    assert.equal(hunksTouchOldRange([h('@@ -5,2 +5,2 @@')], 6, 10), true);
    assert.equal(hunksTouchOldRange([h('@@ -5,2 +5,2 @@')], 7, 10), false);
    assert.equal(hunksTouchOldRange([h('@@ -6,0 +7,1 @@')], 7, 10), true);
    assert.equal(hunksTouchOldRange([h('@@ -11,0 +12,1 @@')], 7, 10), false);
  });

  /**
   * Property: build an edit script over an old file (keep / delete / insert runs), derive the `-U0`
   * hunks exactly as git numbers them, and check every kept line maps both ways, every removed line is
   * reported changed, and results stay in range.
   */
  it('property: kept lines map exactly both ways; removed lines are flagged', () => {
    const op = fc.record({ keep: fc.integer({ min: 0, max: 4 }), del: fc.integer({ min: 0, max: 3 }), ins: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (ops, tail) => {
        const hunks: Hunk[] = [];
        const keptOldToNew = new Map<number, number>();
        const removed: number[] = [];
        let o = 1;
        let n = 1;
        let pending: { o: number; n: number; del: number; ins: number } | undefined;
        const flush = (): void => {
          if (pending === undefined || (pending.del === 0 && pending.ins === 0)) {
            pending = undefined;
            return;
          }
          hunks.push({
            oldStart: pending.del > 0 ? pending.o : pending.o - 1,
            oldLines: pending.del,
            newStart: pending.ins > 0 ? pending.n : pending.n - 1,
            newLines: pending.ins,
          });
          pending = undefined;
        };
        const keep = (k: number): void => {
          if (k > 0) flush();
          for (let i = 0; i < k; i++) keptOldToNew.set(o++, n++);
        };
        for (const { keep: k, del, ins } of ops) {
          keep(k);
          pending ??= { o, n, del: 0, ins: 0 };
          for (let i = 0; i < del; i++) removed.push(o++);
          pending.del += del;
          pending.ins += ins;
          n += ins;
        }
        keep(tail);
        flush();
        const newLen = n - 1;
        for (const [oldLine, newLine] of keptOldToNew) {
          assert.deepEqual(mapLineForward(hunks, oldLine), { line: newLine, changed: false, deleted: false });
          assert.deepEqual(mapLineBackward(hunks, newLine), { line: oldLine, changed: false, deleted: false });
        }
        for (const r of removed) {
          const m = mapLineForward(hunks, r);
          assert.equal(m.changed, true);
          assert.ok(m.line >= 1 && m.line <= newLen + 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
