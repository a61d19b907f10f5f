import * as assert from 'node:assert';
import { parseStackTrace } from '../../../src/core/stackTrace';

/** Behaviours not covered by the runtime fixtures: embedding, prefixes, formats from older runtimes. */
describe('parseStackTrace details', () => {
  it('unwraps a JSON log line with an escaped stack', () => {
    const line = JSON.stringify({ level: 'error', stack: 'Error: x\n    at handler (/app/src/h.js:3:9)\n    at run (/app/src/r.js:1:1)' });
    const t = parseStackTrace(`some text\n${line}\nmore`);
    assert.strictEqual(t.language, 'node');
    assert.deepStrictEqual(t.frames.map((f) => [f.function, f.file, f.line, f.column]), [
      ['handler', '/app/src/h.js', 3, 9],
      ['run', '/app/src/r.js', 1, 1],
    ]);
  });

  it('decodes a truncated JSON line by hand', () => {
    const t = parseStackTrace('{"level":"error","stack":"Error: x\\n    at handler (/app/src/h.js:3:9)\\n    at run (/app/sr');
    assert.strictEqual(t.frames[0]?.file, '/app/src/h.js');
  });

  it('does not mistake a Windows path containing \\n for an escaped newline', () => {
    const t = parseStackTrace('Error: x\n    at f (C:\\node\\new\\app.js:1:2)');
    assert.strictEqual(t.frames[0]?.file, 'C:\\node\\new\\app.js');
  });

  it('strips per-line timestamps and levels', () => {
    const text = [
      '2026-11-20 10:00:00,123 ERROR Traceback (most recent call last):',
      '2026-11-20 10:00:00,123 ERROR   File "/app/x.py", line 3, in <module>',
      '2026-11-20 10:00:00,123 ERROR     main()',
      '2026-11-20 10:00:00,123 ERROR   File "/app/x.py", line 2, in main',
      '2026-11-20 10:00:00,123 ERROR     raise ValueError("v")',
      '2026-11-20 10:00:00,123 ERROR ValueError: v',
    ].join('\n');
    const t = parseStackTrace(text);
    assert.strictEqual(t.language, 'python');
    assert.strictEqual(t.errorType, 'ValueError');
    assert.deepStrictEqual(t.frames.map((f) => [f.function, f.line]), [['main', 2], ['<module>', 3]]);
  });

  it('parses old-style Rust panics', () => {
    const t = parseStackTrace([
      "thread 'main' panicked at 'boom', src/main.rs:2:5",
      'stack backtrace:',
      '   0: rust_begin_unwind',
      '             at /rustc/abc/library/std/src/panicking.rs:575:5',
      '   1: app::run',
      '             at ./src/main.rs:2:5',
    ].join('\n'));
    assert.strictEqual(t.message, 'boom');
    assert.deepStrictEqual(t.frames.map((f) => [f.function, f.inApp]), [['rust_begin_unwind', false], ['app::run', true]]);
  });

  it('handles Python exception groups', () => {
    const t = parseStackTrace([
      '  + Exception Group Traceback (most recent call last):',
      '  |   File "/app/g.py", line 3, in <module>',
      '  |     raise ExceptionGroup("many", [ValueError(1)])',
      '  | ExceptionGroup: many (1 sub-exception)',
      '  +-+---------------- 1 ----------------',
      '    | ValueError: 1',
      '    +------------------------------------',
    ].join('\n'));
    assert.strictEqual(t.language, 'python');
    assert.strictEqual(t.errorType, 'ExceptionGroup');
    assert.strictEqual(t.frames[0]?.line, 3);
  });

  it('parses Go 1.21+ "created by ... in goroutine N" lines', () => {
    const t = parseStackTrace([
      'panic: boom',
      '',
      'goroutine 7 [running]:',
      'main.worker()',
      '\t/src/main.go:9 +0x25',
      'created by main.main in goroutine 1',
      '\t/src/main.go:14 +0x1d',
    ].join('\n'));
    assert.deepStrictEqual(t.frames.map((f) => [f.function, f.line]), [['worker', 9], ['main', 14]]);
  });

  it('keeps only the first of two unrelated traces', () => {
    const t = parseStackTrace('Error: a\n    at a (/x/a.js:1:1)\nlater\nError: b\n    at b (/x/b.js:2:2)');
    assert.deepStrictEqual(t.frames.map((f) => f.function), ['a']);
  });

  it('prefers the parser that recognises more frames', () => {
    const java = 'java.lang.RuntimeException: x\n\tat com.a.B.c(B.java:1)\n\tat com.a.B.d(B.java:2)';
    assert.strictEqual(parseStackTrace(java).language, 'java');
    const dotnet = 'System.Exception: x\n   at A.B.C() in /s/B.cs:line 3\n   at A.B.D()';
    assert.strictEqual(parseStackTrace(dotnet).language, 'dotnet');
  });

  it('reads PHP getTraceAsString output with arguments', () => {
    const t = parseStackTrace("Exception: x in /var/www/a.php:3\nStack trace:\n#0 /var/www/b.php(7): A->f('arg', 1)\n#1 {main}");
    assert.deepStrictEqual(t.frames.map((f) => [f.function, f.file, f.line, f.className]), [
      ['A->f', '/var/www/a.php', 3, 'A'],
      ['{main}', '/var/www/b.php', 7, undefined],
    ]);
  });
});
