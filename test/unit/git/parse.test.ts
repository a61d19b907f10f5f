import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { COMMIT_MARKER, parseBlamePorcelain, parseLog, parsePatch, parseTags, unquoteC, type ParseStats } from '../../../src/core/git/parse';
import { GitInputError, assertLine, assertRepoPath, assertRev, assertSha, assertTagGlob, sameSha } from '../../../src/core/git/validate';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

function record(fields: string[], rest = ''): string {
  return `${COMMIT_MARKER}${fields.map((f) => `${f}\u0000`).join('')}${rest}`;
}

describe('git/parse', () => {
  it('parses commit records and drops invalid ones', () => {
    const ok = record([SHA_A, SHA_B, 'Al', 'al@x', '1714557600', 'Al', 'al@x', '1714557601', 'subject with\ttab and "quotes" and --output=/tmp/x']);
    const badSha = record(['zz', '', 'Al', 'al@x', '1', 'Al', 'al@x', '1', 's']);
    const badTime = record([SHA_B, '', 'Al', 'al@x', 'soon', 'Al', 'al@x', '1', 's']);
    const short = record([SHA_B, '']);
    const stats: ParseStats = { dropped: 0 };
    const commits = parseLog(`garbage before${ok}\n${badSha}${badTime}${short}`, 'none', stats);
    assert.equal(commits.length, 1);
    assert.equal(commits[0]!.subject, 'subject with\ttab and "quotes" and --output=/tmp/x');
    assert.equal(commits[0]!.authorTime, 1714557600000);
    assert.deepEqual(commits[0]!.parents, [SHA_B]);
    assert.equal(stats.dropped, 3);
  });

  it('parses a patch without mistaking hunk content for headers', () => {
    const patch = [
      '',
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1..2 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -3,2 +3,3 @@ function foo() {',
      '--- a/evil',
      '-diff --git a/x b/x',
      '+++ b/evil',
      '+@@ -1 +1 @@',
      '+rename from x',
      '@@ -10 +11,0 @@',
      '-gone',
      '\\ No newline at end of file',
      'diff --git a/old name.ts b/new name.ts',
      'similarity index 90%',
      'rename from old name.ts',
      'rename to new name.ts',
      'diff --git "a/t\\tab.bin" "b/t\\tab.bin"',
      'new file mode 100644',
      'Binary files /dev/null and "b/t\\tab.bin" differ',
      'diff --git a/del.ts b/del.ts',
      'deleted file mode 100644',
      '--- a/del.ts',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-a',
      '-b',
      '',
    ].join('\n');
    const files = parsePatch(patch);
    assert.deepEqual(files, [
      {
        status: 'modified',
        oldPath: 'src/a.ts',
        path: 'src/a.ts',
        binary: false,
        hunks: [
          { oldStart: 3, oldLines: 2, newStart: 3, newLines: 3, context: 'function foo() {' },
          { oldStart: 10, oldLines: 1, newStart: 11, newLines: 0 },
        ],
      },
      { status: 'renamed', oldPath: 'old name.ts', path: 'new name.ts', binary: false, hunks: [] },
      { status: 'added', path: 't\tab.bin', binary: true, hunks: [] },
      { status: 'deleted', oldPath: 'del.ts', path: 'del.ts', binary: false, hunks: [{ oldStart: 1, oldLines: 2, newStart: 0, newLines: 0 }] },
    ]);
  });

  it('unquotes C-style names (escapes and octal UTF-8)', () => {
    assert.equal(unquoteC('"a\\tb\\"c\\\\d"'), 'a\tb"c\\d');
    assert.equal(unquoteC('"\\303\\274.ts"'), 'ü.ts');
    assert.equal(unquoteC('plain'), 'plain');
  });

  it('parses blame porcelain, including uncommitted and boundary lines', () => {
    const out = [
      `${SHA_A} 7 9 1`,
      'author Bob Berg',
      'author-mail <bob@example.com>',
      'author-time 1714557600',
      'author-tz +0000',
      'committer Bob Berg',
      'committer-mail <bob@example.com>',
      'committer-time 1714557700',
      'committer-tz +0000',
      'summary fix: things',
      'boundary',
      'previous 1234 src/x.ts',
      'filename src/x.ts',
      '\tconst x = 1;',
      '',
    ].join('\n');
    const b = parseBlamePorcelain(out)!;
    assert.deepEqual(b, {
      sha: SHA_A,
      author: { name: 'Bob Berg', email: 'bob@example.com' },
      authorTime: 1714557600000,
      commitTime: 1714557700000,
      summary: 'fix: things',
      boundary: true,
      uncommitted: false,
      path: 'src/x.ts',
      originalLine: 7,
      content: 'const x = 1;',
    });
    const u = parseBlamePorcelain([`${'0'.repeat(40)} 2 2 1`, 'author Not Committed Yet', 'author-mail <not.committed.yet>', 'summary Version of a.txt from a.txt', 'filename a.txt', '\tTWO'].join('\n'))!;
    assert.equal(u.uncommitted, true);
    assert.equal(u.authorTime, 0);
    assert.equal(parseBlamePorcelain('garbage'), undefined);
  });

  it('parses tags and skips non-commit targets', () => {
    const line = (f: string[]): string => f.join('\u0000');
    const out = [
      line(['refs/tags/v1', 'tag', SHA_A, SHA_B, 'commit', '1714557600', 'Al', '<al@x>', 'v1 release']),
      line(['refs/tags/light', 'commit', SHA_B, '', '', '1714557000', '', '', 'commit subject']),
      line(['refs/tags/treetag', 'tag', SHA_A, SHA_B, 'tree', '1', '', '', '']),
      line(['refs/tags/bad', 'commit', 'nothex', '', '', '1', '', '', '']),
      '',
    ].join('\n');
    const stats: ParseStats = { dropped: 0 };
    const tags = parseTags(out, stats);
    assert.deepEqual(tags, [
      { name: 'v1', annotated: true, targetSha: SHA_B, date: 1714557600000, dateSource: 'tagger', tagger: { name: 'Al', email: 'al@x' }, subject: 'v1 release' },
      { name: 'light', annotated: false, targetSha: SHA_B, date: 1714557000000, dateSource: 'commit' },
    ]);
    assert.equal(stats.dropped, 2);
  });

  it('property: parsers never throw on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        parsePatch(s);
        parseLog(s, 'patch');
        parseLog(COMMIT_MARKER + s, 'name-status');
        parseBlamePorcelain(s);
        parseTags(s);
        unquoteC(`"${s}"`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('git/validate', () => {
  it('shas', () => {
    for (const ok of ['abcdef1', 'a'.repeat(40), '0123456789abcdef']) assert.equal(assertSha(ok), ok);
    for (const bad of ['abcde', 'ABCDEF1', 'a'.repeat(41), '--output=/tmp/x', 'abcdef1 ', 'HEAD', 'abcdef1..abcdef2', 42, undefined, 'g123456']) {
      assert.throws(() => assertSha(bad), GitInputError, String(bad));
    }
    assert.equal(sameSha('abcdef1', 'abcdef1234'), true);
    assert.equal(sameSha('abcdef2', 'abcdef1234'), false);
  });

  it('paths', () => {
    for (const ok of ['src/a.ts', 'a', 'src/weird name ü.ts', 'x/.hidden/y', 'a..b/c']) assert.equal(assertRepoPath(ok), ok);
    for (const bad of ['../../etc/passwd', 'src/../../x', '/etc/passwd', 'C:/x', '-rf', 'src/-x', '--output=/tmp/x', 'a\\b', 'a//b', './a', 'a/', ':(glob)*', 'a\nb', 'a\u0000b', '', 'x'.repeat(5000)]) {
      assert.throws(() => assertRepoPath(bad), GitInputError, JSON.stringify(bad));
    }
  });

  it('revisions, lines and tag globs', () => {
    for (const ok of ['HEAD', 'main', 'origin/main', 'refs/tags/v1.2', 'abcdef1']) assert.equal(assertRev(ok), ok);
    for (const bad of ['--all', '-n1', 'a..b', 'HEAD~1', 'HEAD^', 'a b', 'x.lock', 'a/.b', '@{-1}', ':working-tree', '']) assert.throws(() => assertRev(bad), GitInputError, bad);
    for (const ok of [1, 42, 10_000_000]) assert.equal(assertLine(ok), ok);
    for (const bad of [0, -1, 1.5, NaN, '3', 10_000_001]) assert.throws(() => assertLine(bad), GitInputError, String(bad));
    for (const ok of ['deploy-*', 'release/*', 'v*', 'prod-*-eu']) assert.equal(assertTagGlob(ok), ok);
    for (const bad of ['-x', '*', '../x', 'a//b', 'a/', '[ab]*', 'a?', 'a b', '']) assert.throws(() => assertTagGlob(bad), GitInputError, bad);
  });
});
