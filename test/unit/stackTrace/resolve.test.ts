import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseStackTrace,
  StackTraceResolver,
  resolveTrace,
  topInAppFrame,
  validateOncallConfig,
  WorkspaceFileIndex,
  type ReadFile,
  type StackFrame,
} from '../../../src/core/stackTrace';
import { tracesDir } from './fixtureUtil';

const read = (rel: string): string => fs.readFileSync(path.join(tracesDir, rel), 'utf8');

/**
 * A workspace whose layout differs from where the traced programs ran (/tmp/oncall-stacktraces/app/...):
 * services moved under services/, a monorepo with clashing names, several modules.
 */
const WORKSPACE = [
  'services/checkout/src/handlers/cart.ts',
  'services/billing/src/handlers/cart.ts',
  'services/checkout/src/api/orders.ts',
  'services/a/utils/index.ts',
  'services/b/utils/index.ts',
  'services/c/utils/index.ts',
  'src/main.py',
  'shop-service/python/shop/cart.py',
  'shop-service/python/shop/__init__.py',
  'shop-service/python/methods.py',
  'checkout/src/main/java/com/acme/checkout/Simple.java',
  'checkout/src/main/java/com/acme/checkout/Suppressed.java',
  'checkout/src/main/java/com/acme/checkout/CausedBy.java',
  'legacy/src/com/acme/other/Simple.java',
  'shop/src/main/kotlin/com/acme/shop/Main.kt',
  'shop/src/main/kotlin/com/acme/shop/CartService.kt',
  'pricing/src/main/scala/com/acme/pricing/Pricing.scala',
  'services/gateway/go.mod',
  'services/gateway/main.go',
  'services/gateway/internal/payments/payments.go',
  'tools/cmd/main.go',
  'web/checkout/dist/bundle.js',
  'web/checkout/dist/bundle.js.map',
  'web/checkout/src/cart.ts',
  'web/checkout/src/main.ts',
  'node/simple.js',
  'src/config.js',
  'node_modules/fake-lib/index.js',
];

/** Serves go.mod and the committed esbuild output for the workspace paths above. */
const reader: ReadFile = (rel) => {
  const real: Record<string, string> = {
    'services/gateway/go.mod': 'programs/go/go.mod',
    'web/checkout/dist/bundle.js': 'programs/node/bundle/dist/bundle.js',
    'web/checkout/dist/bundle.js.map': 'programs/node/bundle/dist/bundle.js.map',
  };
  const r = real[rel];
  return Promise.resolve(r ? read(r) : undefined);
};

function frame(file: string, line = 1, extra: Partial<StackFrame> = {}): StackFrame {
  return { raw: file, file, line, inApp: true, ...extra };
}

describe('StackTraceResolver', () => {
  const index = WorkspaceFileIndex.fromPaths(WORKSPACE, 'ws');
  const resolver = new StackTraceResolver(index, { read: reader });

  it('matches the longest path suffix when the deployed root differs (/app/... → services/...)', async () => {
    const r = await resolver.resolveFrame(frame('/app/services/checkout/src/api/orders.ts', 12, { column: 3 }), 'node');
    assert.deepStrictEqual(r.resolved, { folder: 'ws', path: 'services/checkout/src/api/orders.ts', line: 12, column: 3 });
    assert.strictEqual(r.confidence, 'high');
  });

  it('gives a relative path that is exactly in the index "exact" confidence', async () => {
    const r = await resolver.resolveFrame(frame('src/main.py', 3), 'python');
    assert.strictEqual(r.resolved?.path, 'src/main.py');
    assert.strictEqual(r.confidence, 'exact');
  });

  it('picks deterministically among equally good candidates, lists alternatives and lowers confidence', async () => {
    const r = await resolver.resolveFrame(frame('/app/src/handlers/cart.ts', 10), 'node');
    assert.strictEqual(r.resolved?.path, 'services/billing/src/handlers/cart.ts'); // same length: alphabetical
    assert.strictEqual(r.confidence, 'low');
    assert.deepStrictEqual(r.alternatives?.map((a) => a.path), ['services/checkout/src/handlers/cart.ts']);
    assert.match(r.reason, /2 files end with src\/handlers\/cart\.ts — add a code mapping/);
    const again = await resolver.resolveFrame(frame('/app/src/handlers/cart.ts', 10), 'node');
    assert.deepStrictEqual(again, r);
  });

  it('reports how many files share a suffix', async () => {
    const r = await resolver.resolveFrame(frame('/srv/utils/index.ts', 1), 'node');
    assert.match(r.reason, /^3 files end with utils\/index\.ts — add a code mapping/);
    assert.strictEqual(r.alternatives?.length, 2);
  });

  it('explains an unresolved frame', async () => {
    const r = await resolver.resolveFrame(frame('/app/src/Missing.ts', 1), 'node');
    assert.strictEqual(r.resolved, undefined);
    assert.strictEqual(r.confidence, 'none');
    assert.strictEqual(r.reason, 'no file named Missing.ts in the workspace');
  });

  it('applies explicit code mappings before suffix matching', async () => {
    const { mappings, errors } = validateOncallConfig(JSON.stringify({ codeMappings: [{ stackRoot: '/app/', sourceRoot: 'services/checkout/' }] }));
    assert.deepStrictEqual(errors, []);
    const mapped = new StackTraceResolver(index, { mappings });
    const r = await mapped.resolveFrame(frame('/app/src/handlers/cart.ts', 10), 'node');
    assert.strictEqual(r.resolved?.path, 'services/checkout/src/handlers/cart.ts');
    assert.strictEqual(r.confidence, 'exact');
    assert.match(r.reason, /code mapping \/app\/ → services\/checkout\//);
    assert.strictEqual(r.alternatives, undefined);
  });

  it('falls back to suffix matching when a mapping points at a file that does not exist, and says so', async () => {
    const mapped = new StackTraceResolver(index, { mappings: [{ stackRoot: '/app/', sourceRoot: 'nowhere/' }] });
    const r = await mapped.resolveFrame(frame('/app/services/checkout/src/api/orders.ts'), 'node');
    assert.strictEqual(r.resolved?.path, 'services/checkout/src/api/orders.ts');
    const miss = await mapped.resolveFrame(frame('/app/Nope.ts'), 'node');
    assert.match(miss.reason, /no file named Nope\.ts in the workspace \(code mapping \/app\/ → nowhere\/ gives nowhere\/Nope\.ts/);
  });

  it('resolves real Node frames from a moved root, strips file:// and webpack:// prefixes', async () => {
    const t = parseStackTrace(read('node/simple.txt'));
    const r = await resolver.resolve(t);
    assert.strictEqual(r.frames[0]!.resolved?.path, 'node/simple.js');
    assert.strictEqual(r.frames[0]!.resolved?.line, 4);
    assert.strictEqual(r.frames[2]!.reason, 'library frame'); // Array.reduce (<anonymous>)
    const esm = await resolver.resolveFrame(frame('file:///C:/Users/dev/checkout/src/config.js', 12), 'node');
    assert.strictEqual(esm.resolved?.path, 'src/config.js');
    const wp = await resolver.resolveFrame(frame('webpack:///./src/api/orders.ts', 2), 'node');
    assert.strictEqual(wp.resolved?.path, 'services/checkout/src/api/orders.ts');
    const wp2 = await resolver.resolveFrame(frame('webpack://checkout/./src/api/orders.ts', 2), 'browser');
    assert.strictEqual(wp2.resolved?.path, 'services/checkout/src/api/orders.ts');
  });

  it('normalises Windows paths and drive letters', async () => {
    const t = parseStackTrace(read('node/windows-cjs.txt'));
    const r = await resolver.resolve(t);
    const cfg = r.frames[2]!;
    assert.strictEqual(cfg.resolved?.path, 'src/config.js');
    assert.strictEqual(cfg.resolved?.line, 12);
    assert.strictEqual(cfg.confidence, 'high');
  });

  it('resolves real Python frames (moved root)', async () => {
    const r = await resolver.resolve(parseStackTrace(read('python/methods.txt')));
    assert.deepStrictEqual(
      r.frames.map((f) => f.resolved?.path),
      ['shop-service/python/shop/cart.py', 'shop-service/python/shop/cart.py', 'shop-service/python/methods.py', 'shop-service/python/methods.py'],
    );
    assert.deepStrictEqual(r.frames.map((f) => f.resolved?.line), [12, 7, 7, 11]);
  });

  it('maps JVM frames by package directory and file name (inner classes, Kotlin, Scala)', async () => {
    const simple = await resolver.resolve(parseStackTrace(read('java/Simple.txt')));
    assert.strictEqual(simple.frames[0]!.resolved?.path, 'checkout/src/main/java/com/acme/checkout/Simple.java');
    assert.strictEqual(simple.frames[0]!.resolved?.line, 7);
    assert.strictEqual(simple.frames[0]!.confidence, 'high');
    assert.match(simple.frames[0]!.reason, /package com\.acme\.checkout/);

    const sup = await resolver.resolve(parseStackTrace(read('java/Suppressed.txt')));
    const conn = sup.causes![0]!.frames[0]!; // Suppressed$Conn.close
    assert.strictEqual(conn.resolved?.path, 'checkout/src/main/java/com/acme/checkout/Suppressed.java');
    assert.strictEqual(conn.resolved?.line, 8);

    const kt = await resolver.resolve(parseStackTrace(read('java/kotlin-main.txt')));
    assert.deepStrictEqual(kt.frames.map((f) => f.resolved?.path), [
      'shop/src/main/kotlin/com/acme/shop/CartService.kt',
      'shop/src/main/kotlin/com/acme/shop/Main.kt',
      'shop/src/main/kotlin/com/acme/shop/Main.kt',
    ]);
    const scala = await resolver.resolve(parseStackTrace(read('java/scala-main.txt')));
    assert.strictEqual(scala.frames[0]!.resolved?.path, 'pricing/src/main/scala/com/acme/pricing/Pricing.scala');
    assert.strictEqual(scala.frames[2]!.reason, 'library frame');
  });

  it('derives the JVM file from the class name when the file name is not printed', async () => {
    const r = await resolver.resolveFrame({ raw: 'x', className: 'com.acme.checkout.CausedBy$1', module: 'com.acme.checkout', function: 'run', inApp: true }, 'java');
    assert.strictEqual(r.resolved?.path, 'checkout/src/main/java/com/acme/checkout/CausedBy.java');
  });

  it('uses go.mod to map Go frames exactly, with and without -trimpath', async () => {
    for (const name of ['go/error.txt', 'go/error-trimpath.txt']) {
      const r = await resolver.resolve(parseStackTrace(read(name)));
      assert.deepStrictEqual(
        r.frames.map((f) => [f.resolved?.path, f.resolved?.line, f.confidence]),
        [
          ['services/gateway/internal/payments/payments.go', 20, 'exact'],
          ['services/gateway/main.go', 62, 'exact'],
        ],
        name,
      );
      assert.match(r.frames[0]!.reason, /Go module github\.com\/acme\/gateway \(services\/gateway\/go\.mod\)/);
    }
  });

  it('does not resolve Go runtime frames', async () => {
    const r = await resolver.resolve(parseStackTrace(read('go/repanic.txt')));
    assert.strictEqual(r.frames[1]!.reason, 'library frame');
  });

  it('follows a real esbuild source map from the bundle to the TypeScript source', async () => {
    const r = await resolver.resolve(parseStackTrace(read('node/bundle.txt')));
    const top = r.frames[0]!;
    assert.deepStrictEqual(top.resolved, { folder: 'ws', path: 'web/checkout/src/cart.ts', line: 9, column: 11 });
    assert.match(top.reason, /source map web\/checkout\/dist\/bundle\.js\.map/);
    // "at /app/.../bundle.js:10:24": the arrow function calling validate(i) in main.ts line 4.
    assert.deepStrictEqual(r.frames[1]!.resolved, { folder: 'ws', path: 'web/checkout/src/main.ts', line: 4, column: 24 });
    assert.deepStrictEqual(r.frames[3]!.resolved, { folder: 'ws', path: 'web/checkout/src/main.ts', line: 4, column: 9 });
  });

  it('keeps the bundle location when no reader is given', async () => {
    const plain = new StackTraceResolver(index);
    const r = await plain.resolve(parseStackTrace(read('node/bundle.txt')));
    assert.strictEqual(r.frames[0]!.resolved?.path, 'web/checkout/dist/bundle.js');
  });

  it('does not resolve library frames', async () => {
    const r = await resolver.resolve(parseStackTrace(read('node/library.txt')));
    assert.strictEqual(r.frames[2]!.frame.file?.includes('node_modules'), true);
    assert.strictEqual(r.frames[2]!.resolved, undefined);
    assert.strictEqual(r.frames[2]!.reason, 'library frame');
    const opt = new StackTraceResolver(index, { includeLibraryFrames: true });
    assert.strictEqual((await opt.resolveFrame(r.frames[2]!.frame, 'node')).resolved?.path, 'node_modules/fake-lib/index.js');
  });

  describe('never leaves the workspace', () => {
    it('rejects ../ segments', async () => {
      const r = await resolver.resolveFrame(frame('../../services/checkout/src/api/orders.ts'), 'node');
      assert.strictEqual(r.resolved, undefined);
      assert.match(r.reason, /contains "\.\." segments/);
      const w = await resolver.resolveFrame(frame('C:\\app\\..\\..\\src\\config.js'), 'node');
      assert.strictEqual(w.resolved, undefined);
    });

    it('rejects NUL characters', async () => {
      const r = await resolver.resolveFrame(frame('/app/src/config.js\0.png'), 'node');
      assert.strictEqual(r.resolved, undefined);
      assert.match(r.reason, /NUL/);
    });

    it('absolute paths outside the workspace only ever resolve to index entries', async () => {
      const r = await resolver.resolveFrame(frame('/etc/passwd'), 'node');
      assert.strictEqual(r.resolved, undefined);
      assert.strictEqual(r.reason, 'no file named passwd in the workspace');
    });

    it('refuses a mapping that leads outside the workspace even if it was not validated', async () => {
      const bad = new StackTraceResolver(index, { mappings: [{ stackRoot: '/app/', sourceRoot: '../../etc/' }] });
      const r = await bad.resolveFrame(frame('/app/passwd'), 'node');
      assert.strictEqual(r.resolved, undefined);
      assert.match(r.reason, /leads outside the workspace/);
    });

    it('ignores index entries that are not workspace-relative', () => {
      const idx = new WorkspaceFileIndex();
      assert.strictEqual(idx.add('ws', '/etc/passwd'), false);
      assert.strictEqual(idx.add('ws', '../x.ts'), false);
      assert.strictEqual(idx.add('ws', 'a\0b.ts'), false);
      assert.strictEqual(idx.add('ws', 'src\\win.ts'), true);
      assert.ok(idx.has('ws', 'src/win.ts'));
    });

    it('a source map that names a source above the workspace root is not followed there', async () => {
      const map = JSON.stringify({ version: 3, sources: ['../../../../etc/secret.ts'], names: [], mappings: 'AAAA' });
      const idx = WorkspaceFileIndex.fromPaths(['dist/app.js', 'dist/app.js.map'], 'ws');
      const r = await new StackTraceResolver(idx, { read: (p) => Promise.resolve(p.endsWith('.map') ? map : '') }).resolveFrame(frame('/srv/dist/app.js', 1, { column: 1 }), 'node');
      assert.strictEqual(r.resolved?.path, 'dist/app.js');
      assert.match(r.reason, /not in the workspace/);
    });
  });

  it('supports several workspace folders and mappings scoped to one folder', async () => {
    const idx = new WorkspaceFileIndex([
      { folder: 'api', path: 'src/index.ts' },
      { folder: 'web', path: 'src/index.ts' },
    ]);
    const amb = await new StackTraceResolver(idx).resolveFrame(frame('/app/src/index.ts'), 'node');
    assert.strictEqual(amb.resolved?.folder, 'api');
    assert.deepStrictEqual(amb.alternatives, [{ folder: 'web', path: 'src/index.ts' }]);
    const scoped = new StackTraceResolver(idx, { mappings: [{ stackRoot: '/app/', sourceRoot: '', folder: 'web' }] });
    const r = await scoped.resolveFrame(frame('/app/src/index.ts'), 'node');
    assert.deepStrictEqual([r.resolved?.folder, r.resolved?.path, r.confidence], ['web', 'src/index.ts', 'exact']);
  });

  it('updates incrementally as files are added and removed', async () => {
    const idx = WorkspaceFileIndex.fromPaths(['a/b.ts'], 'ws');
    const res = new StackTraceResolver(idx);
    assert.strictEqual((await res.resolveFrame(frame('/app/x/new.ts'), 'node')).resolved, undefined);
    idx.add('ws', 'x/new.ts');
    assert.strictEqual((await res.resolveFrame(frame('/app/x/new.ts'), 'node')).resolved?.path, 'x/new.ts');
    idx.remove('ws', 'x/new.ts');
    assert.strictEqual((await res.resolveFrame(frame('/app/x/new.ts'), 'node')).resolved, undefined);
    idx.add('other', 'x/new.ts');
    idx.removeFolder('other');
    assert.strictEqual(idx.size, 1);
  });

  it('topInAppFrame skips library frames and unresolved frames', async () => {
    const r = await resolver.resolve(parseStackTrace(read('python/asyncio_err.txt')));
    assert.strictEqual(topInAppFrame(r), r.frames[0]); // fetch() is not in the workspace: nothing resolved
    const j = await resolveTrace(parseStackTrace(read('java/Lambda.txt')), index);
    const top = topInAppFrame(j);
    assert.strictEqual(top?.frame.function, 'parse');
    const g = await resolver.resolve(parseStackTrace(read('go/logged.txt')));
    assert.strictEqual(topInAppFrame(g)?.resolved?.path, 'services/gateway/main.go');
  });

  // Speed (index build, per-frame resolution) is measured in bench/ ("trace index build", "trace resolution") as a
  // ratio to raw git in the same run, never asserted here: wall-clock bounds fail on a loaded machine.
  it('indexes 200k files and resolves frames among them to the one right file', async () => {
    const files: string[] = [];
    for (let i = 0; i < 200_000; i++) files.push(`pkg${i % 500}/mod${i % 97}/file${i}.ts`);
    files.push('services/checkout/src/api/orders.ts');
    const big = WorkspaceFileIndex.fromPaths(files, 'ws');
    const res = new StackTraceResolver(big);
    for (let i = 0; i < 1000; i += 97) {
      const f = await res.resolveFrame(frame(`/app/pkg${(i * 7) % 500}/mod${(i * 7) % 97}/file${i * 7}.ts`), 'node');
      assert.strictEqual(f.resolved?.path, `pkg${(i * 7) % 500}/mod${(i * 7) % 97}/file${i * 7}.ts`);
    }
    const r = await res.resolveFrame(frame('/app/services/checkout/src/api/orders.ts'), 'node');
    assert.strictEqual(r.resolved?.path, 'services/checkout/src/api/orders.ts');
  });
});
