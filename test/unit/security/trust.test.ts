/**
 * Workspace trust. The test host always runs trusted, so this checks the contract statically: the
 * manifest declares limited support and restricts the workspace-definable settings, and every host
 * file that can start a process (git) or install hooks is gated on `workspace.isTrusted`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'src', 'host'))) return d;
  throw new Error('repo root not found');
}

const root = repoRoot();
const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');

/** Files that run git only on behalf of a caller which checks trust first (caller named). */
const GATED_BY_CALLER: Record<string, string> = {
  'src/host/deployGuard/pushGuard.ts': 'src/host/deployGuard/deployGuardFeature.ts',
};

/** Files that start a process that has nothing to do with the workspace's content. */
const NOT_WORKSPACE: Record<string, string> = {
  // The extension's own dist/bridge.js on a demo repository in the extension's storage, never the workspace.
  'src/host/demo/demoBridge.ts': 'globalStorage demo bridge',
};

describe('workspace trust', () => {
  it('package.json declares limited support and restricts workspace-definable patterns', () => {
    const pkg = JSON.parse(read('package.json')) as { capabilities: { untrustedWorkspaces: { supported: unknown; description?: string; restrictedConfigurations?: string[] } } };
    const u = pkg.capabilities.untrustedWorkspaces;
    assert.equal(u.supported, 'limited');
    let description = u.description ?? '';
    const nls = /^%(.+)%$/.exec(description);
    if (nls && fs.existsSync(path.join(root, 'package.nls.json'))) description = (JSON.parse(read('package.nls.json')) as Record<string, string>)[nls[1]!] ?? description;
    assert.match(description, /git/i, 'the explanation names what is disabled');
    for (const key of ['oncall.deployGuard', 'oncall.deployFiles', 'oncall.deploys.tagPatterns']) assert.ok(u.restrictedConfigurations?.includes(key), key);
  });

  it('every host file that can run a process checks workspace trust (or is only called by one that does)', () => {
    const files = fs.readdirSync(path.join(root, 'src/host'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    const runners = files.filter((f) => /from 'node:child_process'|new GitRepository\(|new GitRunner\(|openRepository\(/.test(read(f)));
    assert.ok(runners.length >= 2, `found the process-running files: ${runners.join(', ')}`);
    for (const f of runners) {
      if (NOT_WORKSPACE[f]) {
        assert.doesNotMatch(read(f), /workspaceFolders|workspace\.fs|getWorkspaceFolder/, `${f} is allowlisted as not touching the workspace`);
        continue;
      }
      const gate = GATED_BY_CALLER[f] ?? f;
      assert.match(read(gate), /workspace\.isTrusted/, `${f} runs processes but ${gate} never checks workspace.isTrusted`);
    }
  });

  it('installing the push guard refuses an untrusted workspace with an explanation', () => {
    const text = read('src/host/deployGuard/deployGuardFeature.ts');
    const i = text.indexOf('if (!vscode.workspace.isTrusted) {');
    assert.ok(i > 0, 'the trust check exists');
    assert.match(text.slice(i, i + 600), /trust/i, 'it tells the user why');
  });

  it('the stack-trace file index only runs git ls-files when trusted', () => {
    assert.match(read('src/host/stackTrace/workspaceFiles.ts'), /vscode\.workspace\.isTrusted \? await gitLsFiles/);
  });

  it('identity reads only the global git config in an untrusted workspace', () => {
    const text = read('src/host/identity.ts');
    assert.match(text, /const trusted = vscode\.workspace\.isTrusted/);
    assert.match(text, /--global/);
  });
});
