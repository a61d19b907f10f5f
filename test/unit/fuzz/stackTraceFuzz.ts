/**
 * Stack traces are alert text: whatever a service (or an attacker making it log) prints, parsing and
 * resolving never throw, and a resolved frame is always a file of the workspace index — never a path
 * with `..`, an absolute path or a URL. (test/unit/stackTrace/robustness.test.ts covers speed on
 * pathological lines; this adds volume and hostile paths through the whole parse → resolve pipeline.)
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { LIMITS, parseStackTrace, StackTraceResolver, WorkspaceFileIndex, type ResolvedTrace } from '../../../src/core/stackTrace';
import { loadTraceFixtures } from '../stackTrace/fixtureUtil';
import { fuzzParams, watchProcessErrors } from './harness';

const HOSTILE_PATHS = [
  '../../../../etc/passwd', '/etc/passwd', 'C:\\Windows\\System32\\drivers\\etc\\hosts', 'file:///etc/shadow', '\\\\server\\share\\x.js',
  'src/../../../../etc/hosts', '%2e%2e/%2e%2e/etc/passwd', 'src/a.ts\u0000.png', 'vscode://file/etc/passwd', 'webpack:///../../../etc/passwd',
  '~/.ssh/id_rsa', '/proc/self/environ', 'src/' + 'a/'.repeat(2000) + 'a.ts', '\u202esrc/a.ts', 'node_modules/../../../etc/passwd',
];
const LINE_FORMS = [
  (p: string): string => `    at handler (${p}:12:3)`,
  (p: string): string => `  File "${p}", line 4, in main`,
  (p: string): string => `\tat com.acme.Foo.bar(${p}:10)`,
  (p: string): string => `\t${p}:33 +0x1d`,
  (p: string): string => `${p}:9:in \`block in run'`,
  (p: string): string => `   at A.B() in ${p}:line 5`,
  (p: string): string => `#0 ${p}(12): f()`,
  (p: string): string => `             at ${p}:7:1`,
];

function resolvedPaths(r: ResolvedTrace, out: Array<{ folder: string; path: string }> = []): Array<{ folder: string; path: string }> {
  for (const f of r.frames) if (f.resolved) out.push(f.resolved);
  for (const c of r.causes ?? []) resolvedPaths(c, out);
  return out;
}

export function describeStackTraceFuzz(runs: number): void {
  describe(`stack-trace fuzz: parse → resolve (${runs} inputs)`, function () {
    this.timeout(Math.max(60_000, runs * 5));
    watchProcessErrors();
    const fixtures = loadTraceFixtures().map((f) => f.text);
    const index = WorkspaceFileIndex.fromPaths(['src/a.ts', 'src/checkout/pay.ts', 'app/charge.py', 'com/acme/Foo.java', 'main.go', 'etc/passwd', 'lib/x.rb', 'Program.cs', 'index.php'], '/ws');
    const resolver = new StackTraceResolver(index, { mappings: [{ stackRoot: '/srv/app/', sourceRoot: '' }, { stackRoot: '/app/', sourceRoot: 'src/' }] });

    const input = fc.oneof(
      // A real trace with hostile frames spliced in.
      fc.tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...LINE_FORMS), fc.constantFrom(...HOSTILE_PATHS)), { minLength: 1, maxLength: 6 })).map(([text, edits]) => {
        const lines = text.split('\n');
        for (const [at, form, p] of edits) lines.splice(at % (lines.length + 1), 0, form(p));
        return lines.join('\n');
      }),
      // A real trace, byte-mutated.
      fc.tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), fc.nat(20), fc.string({ unit: 'binary', maxLength: 12 })), { maxLength: 6 })).map(([text, edits]) => {
        let s = text;
        for (const [at, del, ins] of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + ins + s.slice(i + del);
        }
        return s;
      }),
      fc.string({ unit: 'binary', maxLength: 500 }),
    );

    it('never throws; every resolved frame is an index entry without .. or an absolute path', async () => {
      await fc.assert(
        fc.asyncProperty(input, async (text) => {
          const trace = parseStackTrace(text);
          assert.ok(trace.frames.length <= LIMITS.maxFrames);
          const r = await resolver.resolve(trace);
          for (const p of resolvedPaths(r)) {
            assert.ok(index.has(p.folder, p.path), `resolved to ${p.path}, which is not indexed`);
            assert.ok(!p.path.split('/').includes('..') && !p.path.startsWith('/') && !/^[a-z]+:/i.test(p.path), p.path);
          }
        }),
        fuzzParams(runs),
      );
    });

    it('hostile absolute and climbing paths resolve, if at all, only to the workspace copy of a file', async () => {
      // Suffix matching is the design (/srv/app/src/a.ts → src/a.ts); the guarantee is where it lands.
      for (const p of ['../../../../etc/passwd', '/etc/passwd', 'file:///etc/passwd', '/srv/app/../../etc/passwd', '/proc/self/environ']) {
        const r = await resolver.resolve(parseStackTrace(`Error: x\n    at f (${p}:1:1)`));
        for (const f of resolvedPaths(r)) assert.ok(f.folder === '/ws' && index.has(f.folder, f.path), `${p} → ${f.folder} ${f.path}`);
      }
    });
  });
}
