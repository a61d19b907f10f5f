import * as assert from 'node:assert';
import fc from 'fast-check';
import { LIMITS, parseStackTrace, StackTraceResolver, WorkspaceFileIndex } from '../../../src/core/stackTrace';
import { loadTraceFixtures } from './fixtureUtil';
import { assertScalesLinearly } from '../../testUtil/scaling';

describe('parseStackTrace robustness', () => {
  const fixtures = loadTraceFixtures();

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (s) => {
        const t = parseStackTrace(s);
        assert.ok(Array.isArray(t.frames));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated fixtures and keeps frames well-formed', () => {
    const texts = fixtures.map((f) => f.text);
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.string({ maxLength: 30 })), { maxLength: 8 }),
        (text, edits) => {
          let s = text;
          for (const [at, del, ins] of edits) {
            const i = at % (s.length + 1);
            s = s.slice(0, i) + ins + s.slice(i + del);
          }
          const t = parseStackTrace(s);
          for (const f of t.frames) {
            assert.strictEqual(typeof f.raw, 'string');
            if (f.line !== undefined) assert.ok(Number.isInteger(f.line) && f.line >= 0);
          }
          assert.ok(t.frames.length <= LIMITS.maxFrames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('yields zero frames for text that is not a trace', () => {
    for (const s of ['', 'hello world', 'Disk usage above 90% on db-1', '1: one\n2: two\n3: three', 'a@b.com wrote:\n> hi', '{"level":"error","msg":"timeout"}', '#1 issue\n#2 issue']) {
      const t = parseStackTrace(s);
      assert.deepStrictEqual([t.language, t.frames.length], ['unknown', 0], s);
    }
  });

  it('handles a 10 MB input, cut to its limit, and grows linearly with the input', () => {
    const base = fixtures.find((f) => f.runtime === 'java' && f.name === 'Simple')!.text;
    const t = parseStackTrace(base + 'x'.repeat(10 * 1024 * 1024));
    assert.strictEqual(t.frames.length, 3);
    assert.strictEqual(t.truncated, true);
    assertScalesLinearly('a long tail', (n) => parseStackTrace(base + 'x'.repeat(n)), 256 * 1024);
  });

  it('handles 10 MB of frames and of newlines, capping frames, linearly', () => {
    const frames = (n: number) => '    at fn (/app/src/x.js:1:1)\n'.repeat(n);
    const t = parseStackTrace(`Error: x\n${frames(350_000)}`);
    assert.strictEqual(t.frames.length, LIMITS.maxFrames);
    assert.strictEqual(t.truncated, true);
    assertScalesLinearly('many frames', (n) => parseStackTrace(`Error: x\n${frames(n)}`), 10_000);
    assertScalesLinearly('many newlines', (n) => parseStackTrace('\n'.repeat(n)), 256 * 1024);
  });

  it('is not slowed down by pathological lines (no catastrophic backtracking: linear in the line length)', () => {
    const evil = (n: number): string[] => [
      '    at ' + '('.repeat(n),
      '    at ' + 'a ('.repeat(n / 3) + ')'.repeat(n / 3),
      '  File "' + '"'.repeat(n),
      '  File "' + 'a'.repeat(n) + '", line ',
      'at ' + 'a.'.repeat(n / 2) + '(',
      '\t' + ':1'.repeat(n / 2) + ' +0x',
      '#0 ' + '('.repeat(n) + '): ',
      'x.rb:1:in `' + "'".repeat(n),
      '   0: ' + ' '.repeat(n) + 'x',
      'thread \'' + "'".repeat(n) + ' panicked at ',
      '2026-11-20T10:00:00' + '.0'.repeat(n / 2),
      '{"stack":"' + '\\n'.repeat(n / 2),
      '['.repeat(n),
      '{"a":'.repeat(n / 10) + '1' + '}'.repeat(n / 10),
      'Error: ' + ' in '.repeat(n / 4) + ':line 1',
      '   at A.B(' + ', '.repeat(n / 2) + ') in ' + ':'.repeat(1000) + 'line 5',
      'Caused by: ' + 'a.'.repeat(n / 2),
      'goroutine 1 [' + '['.repeat(n),
      'f@' + '@'.repeat(n) + ':1:1',
    ];
    const n = 48_000;
    const small = evil(n);
    const big = evil(4 * n);
    for (let i = 0; i < small.length; i++) {
      assertScalesLinearly(JSON.stringify(small[i]!.slice(0, 30)), (size) => {
        const line = size === n ? small[i]! : big[i]!;
        parseStackTrace(`Error: boom\n${line}\n${line}\n`);
      }, n);
    }
  });

  it('resolution never returns a path that is not in the index', async () => {
    const paths = ['src/a.ts', 'lib/src/a.ts', 'pkg/b/c.py', 'x/Foo.java', 'com/acme/Foo.java', 'go.mod'];
    const index = WorkspaceFileIndex.fromPaths(paths, 'ws');
    const resolver = new StackTraceResolver(index, { mappings: [{ stackRoot: '/app/', sourceRoot: 'lib/' }] });
    const seg = fc.constantFrom('src', 'a.ts', '..', '.', 'lib', 'pkg', 'b', 'c.py', 'Foo.java', 'com', 'acme', '', 'C:', '\0', 'app', '%2e%2e');
    await fc.assert(
      fc.asyncProperty(
        fc.array(seg, { maxLength: 8 }),
        fc.constantFrom('', '/', 'file:///', 'webpack:///', 'http://h/', 'C:\\'),
        fc.constantFrom('/', '\\'),
        fc.constantFrom('node', 'python', 'java', 'go'),
        async (segs, prefix, sep, language) => {
          const file = prefix + segs.join(sep);
          const r = await resolver.resolveFrame({ raw: file, file, line: 1, inApp: true, className: 'com.acme.Foo', module: 'com.acme' }, language);
          if (r.resolved) assert.ok(index.has(r.resolved.folder, r.resolved.path), `${file} → ${r.resolved.path}`);
          if (r.resolved) assert.ok(!r.resolved.path.split('/').includes('..'));
        },
      ),
      { numRuns: 500 },
    );
  });
});
