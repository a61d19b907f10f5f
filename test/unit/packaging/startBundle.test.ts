// Issue 22: what loads at activation (dist/extension.js) is only activate()'s stand-ins; the start it runs on the
// next tick (dist/lazy-startup.js) stays small, and the features built on first need are in their own bundle.
// All of them ship. Builds the production bundles into a private folder (never dist/).
import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

interface Meta {
  outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }>;
}

describe('activation bundle (dist/extension.js), the start bundle and the lazy features bundle', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-start-bundle-'));
    execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs'), '--production', '--metafile', `--outdir=${dir}`], { cwd: root, stdio: 'ignore' });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const inputsOf = (name: string, entry: string): string[] => {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, `meta-${name}.json`), 'utf8')) as Meta;
    const out = Object.values(meta.outputs).find((o) => o.entryPoint === entry);
    assert.ok(out, `${entry} is an entry of meta-${name}.json`);
    return Object.entries(out.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([p]) => p);
  };

  it('extension.js is at most 16 KB and lazy-startup.js at most 300 KB (production)', () => {
    const size = fs.statSync(path.join(dir, 'extension.js')).size;
    assert.ok(size <= 16 * 1024, `extension.js is ${Math.round(size / 1024)} KB`);
    const start = fs.statSync(path.join(dir, 'lazy-startup.js')).size;
    assert.ok(start <= 300 * 1024, `lazy-startup.js is ${Math.round(start / 1024)} KB`);
  });

  it('extension.js holds only activate()\'s stand-ins: no core module, no library', () => {
    const act = inputsOf('extension', 'src/extension.ts');
    assert.deepStrictEqual(act.filter((p) => !/^(src\/extension\.ts|src\/host\/(lazy|logger|stubs|constants)\.ts|src\/core\/util\/errors\.ts|lazy-lib:startup)$/.test(p)), []);
  });

  it('lazy-startup.js leaves git, deploys, the deploy guard, the alerts tree, stack traces and the loop features to lazy-features.js', () => {
    const start = inputsOf('lazy-startup', 'src/host/startup.ts');
    // (Settings validation keeps a few hundred bytes of core/git and core/stackTrace at start: tag rules, code mappings.)
    const heavy = start.filter((p) => /^src\/(host\/(deploys|deployGuard|alerts|loop|stackTrace)\/|core\/git\/(suspects|traceSuspects|lineMap|parse|remote)\.ts|core\/stackTrace\/resolve)/.test(p));
    assert.deepStrictEqual(heavy, [], 'modules of lazily built features in the start bundle');
    assert.ok(!start.some((p) => p.includes('node_modules/croner/') || p.includes('node_modules/ws/')), 'croner and ws stay lazy');
    const lazy = inputsOf('lazy-features', 'src/host/lazyFeatures.ts');
    for (const f of ['src/host/alerts/alertsFeature.ts', 'src/host/deploys/deploysFeature.ts', 'src/host/deployGuard/deployGuardFeature.ts', 'src/core/git/gitRepository.ts']) {
      assert.ok(lazy.includes(f), `${f} is in lazy-features.js`);
    }
    // The features bundle loads croner from lazy-croner.js too, never a second copy of it.
    assert.ok(!lazy.some((p) => p.includes('node_modules/croner/')), 'croner is not bundled into lazy-features.js');
  });

  it('extension.js loads lazy-startup.js, and that loads lazy-features.js, from next to itself; .vscodeignore ships them', () => {
    assert.match(fs.readFileSync(path.join(dir, 'extension.js'), 'utf8'), /"lazy-startup\.js"/);
    assert.match(fs.readFileSync(path.join(dir, 'lazy-startup.js'), 'utf8'), /"lazy-features\.js"/);
    assert.ok(fs.existsSync(path.join(dir, 'lazy-features.js')));
    const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!dist/lazy-*.js'), '.vscodeignore keeps dist/lazy-*.js');
  });
});
