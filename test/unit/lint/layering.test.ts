import * as assert from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../testUtil/paths';

/**
 * `npm run lint:deps` (scripts/check-deps.mjs + .dependency-cruiser.cjs) on a small tree shaped like src/: each rule
 * must fire on its violation, and only there. The tree is written here (not under test/fixtures) so that its
 * deliberate violations are never compiled, linted or cruised as part of the project.
 */

/** A tree that keeps every rule: what the real src/ does. */
const CLEAN: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true }, include: ['src/**/*.ts', 'test/**/*.ts'] }),
  'src/core/util/text.ts': "export const clip = (s: string): string => s.slice(0, 10);\n",
  'src/core/protocol/types.ts': "import { clip } from '../util/text';\nexport interface Alert { id: string }\nexport const title = (a: Alert): string => clip(a.id);\n",
  'src/host/feature.ts': "import * as vscode from 'vscode';\nimport type { Alert } from '../core/protocol/types';\nimport { pushProtocol } from '../cli/protocol';\nexport const show = (a: Alert): void => void vscode.window.showInformationMessage(a.id + pushProtocol);\n",
  'src/extension.ts': "import type * as vscode from 'vscode';\nimport { show } from './host/feature';\nexport function activate(_c: vscode.ExtensionContext): void { show({ id: 'x' }); }\n",
  'src/bridge/server.ts': "import { title } from '../core/protocol/types';\nexport const serve = (): string => title({ id: 'b' });\n",
  'src/cli/protocol.ts': "import { clip } from '../core/util/text';\nexport const pushProtocol = clip('push-guard/1');\n",
  // tests may import anything
  'test/unit/anything.test.ts': "import * as vscode from 'vscode';\nimport { serve } from '../../src/bridge/server';\nimport { show } from '../../src/host/feature';\nimport { activate } from '../../src/extension';\nexport const all = [vscode, serve, show, activate];\n",
};

/** One violation of each rule, each in its own file: [file, content, the rule and target it must trigger]. */
const VIOLATIONS: Array<[string, string, Array<{ rule: string; to: string }>]> = [
  // a cycle of type-only imports: proves the check reads TypeScript before compilation (tsc would erase both)
  ['src/core/alerts/a.ts', "import type { B } from './b';\nexport interface A { b?: B }\n", [{ rule: 'no-circular', to: 'src/core/alerts/b.ts' }]],
  // (a cycle is reported once, from where the cruise enters it)
  ['src/core/alerts/b.ts', "import type { A } from './a';\nexport interface B { a?: A }\n", []],
  [
    'src/core/leaky.ts',
    "import type { show } from '../host/feature';\nimport type { serve } from '../bridge/server';\nimport type { pushProtocol } from '../cli/protocol';\nimport type { activate } from '../extension';\nexport type T = [typeof show, typeof serve, typeof pushProtocol, typeof activate];\n",
    [
      { rule: 'core-is-pure', to: 'src/host/feature.ts' },
      { rule: 'core-is-pure', to: 'src/bridge/server.ts' },
      { rule: 'core-is-pure', to: 'src/cli/protocol.ts' },
      { rule: 'core-is-pure', to: 'src/extension.ts' },
    ],
  ],
  [
    'src/bridge/leaky.ts',
    "import { show } from '../host/feature';\nimport { pushProtocol } from '../cli/protocol';\nexport const x = [show, pushProtocol];\n",
    [
      { rule: 'bridge-not-host-or-cli', to: 'src/host/feature.ts' },
      { rule: 'bridge-not-host-or-cli', to: 'src/cli/protocol.ts' },
    ],
  ],
  [
    'src/cli/leaky.ts',
    "import { show } from '../host/feature';\nimport { serve } from '../bridge/server';\nexport const x = [show, serve];\n",
    [
      { rule: 'cli-not-host-or-bridge', to: 'src/host/feature.ts' },
      { rule: 'cli-not-host-or-bridge', to: 'src/bridge/server.ts' },
    ],
  ],
  ['src/host/leaky.ts', "import { serve } from '../bridge/server';\nexport const x = serve;\n", [{ rule: 'host-not-bridge', to: 'src/bridge/server.ts' }]],
  ['src/core/util/ui.ts', "import type * as vscode from 'vscode';\nexport type Uri = vscode.Uri;\n", [{ rule: 'vscode-only-in-host', to: 'vscode' }]],
  ['src/bridge/ui.ts', "import * as vscode from 'vscode';\nexport const w = vscode.window;\n", [{ rule: 'vscode-only-in-host', to: 'vscode' }]],
  ['src/cli/ui.ts', "import * as vscode from 'vscode';\nexport const w = vscode.window;\n", [{ rule: 'vscode-only-in-host', to: 'vscode' }]],
  ['src/core/usesTests.ts', "import { all } from '../../test/unit/anything.test';\nexport const n = all.length;\n", [{ rule: 'src-not-tests', to: 'test/unit/anything.test.ts' }]],
];

interface Found {
  rule: string;
  from: string;
  to: string;
}

function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-layering-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function checkDeps(cwd: string, bin?: string): Promise<{ code: number; found: Found[]; stderr: string }> {
  const script = path.join(repoRoot, 'scripts', 'check-deps.mjs');
  return new Promise((resolve) => {
    execFile(process.execPath, [script, 'src', 'test'], { cwd, env: { ...process.env, ONCALL_DEPCRUISE_JSON: '1', ...(bin ? { ONCALL_DEPCRUISE_BIN: bin } : {}) }, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const line = stdout.trim().split('\n').pop() ?? '';
      let found: Found[] = [];
      try {
        found = JSON.parse(line) as Found[];
      } catch {
        // no JSON: check-deps stopped before cruising; the assertion below shows stderr
      }
      resolve({ code, found, stderr });
    });
  });
}

describe('layering check (npm run lint:deps: dependency-cruiser with .dependency-cruiser.cjs)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('passes a tree that keeps the rules (tests may import anything, host and extension.ts may import vscode)', async () => {
    const dir = writeTree(CLEAN);
    dirs.push(dir);
    const r = await checkDeps(dir);
    assert.deepStrictEqual({ code: r.code, found: r.found }, { code: 0, found: [] }, r.stderr);
  });

  it('fails on one violation of each rule, naming the rule, the importing file and the imported one', async () => {
    const dir = writeTree({ ...CLEAN, ...Object.fromEntries(VIOLATIONS.map(([f, text]) => [f, text])) });
    dirs.push(dir);
    const r = await checkDeps(dir);
    assert.strictEqual(r.code, 1, r.stderr);
    const key = (v: Found): string => `${v.rule}: ${v.from} → ${v.to}`;
    const expected = VIOLATIONS.flatMap(([from, , want]) => want.map((w) => key({ ...w, from }))).sort();
    assert.deepStrictEqual([...new Set(r.found.map(key))].sort(), expected);
    // each rule of the config is proved here
    const ruleNames = [...fs.readFileSync(path.join(repoRoot, '.dependency-cruiser.cjs'), 'utf8').matchAll(/^\s+name: '([^']+)',$/gm)].map((m) => m[1]!);
    assert.ok(ruleNames.length >= 7, ruleNames.join());
    assert.deepStrictEqual([...new Set(r.found.map((v) => v.rule))].sort(), ruleNames.sort());
  });

  it('fails, instead of passing, when dependency-cruiser reads no TypeScript file (one that cannot load the installed TypeScript)', async () => {
    const dir = writeTree({ ...CLEAN, 'fake-depcruise.mjs': "process.stdout.write(JSON.stringify({ modules: [], summary: { violations: [], totalCruised: 0, totalDependenciesCruised: 0 } }));\n" });
    dirs.push(dir);
    const r = await checkDeps(dir, path.join(dir, 'fake-depcruise.mjs'));
    assert.strictEqual(r.code, 2, r.stderr);
    assert.match(r.stderr, /did not read 7 of 7 TypeScript files .*update the dependency-cruiser devDependency/);
  });
});
