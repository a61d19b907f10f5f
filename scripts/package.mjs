// npm run package: production bundles + a .vsix (allowlisted .vscodeignore). README images are relative in the
// repo; the marketplace needs absolute URLs, taken from package.json's repository (update it with the real home).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const repo = String(pkg.repository?.url ?? '').replace(/\.git$/, '');
const out = process.argv[2] ?? path.join(root, 'dist', `${pkg.name}-${pkg.version}.vsix`);
execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out,
  '--baseContentUrl', `${repo}/blob/HEAD/`, '--baseImagesUrl', `${repo}/raw/HEAD/`], { cwd: root, stdio: 'inherit' });
console.log(`packaged ${path.relative(root, out)}`);
