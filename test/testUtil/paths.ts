import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, found from the compiled test file whatever the outDir (tests compile to out/ or .tmp/out-*). */
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vscode-oncall') return dir;
      } catch {
        // keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`repository root not found above ${start}`);
    dir = up;
  }
}

export const repoRoot = findRoot(__dirname);
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const fixture = (...parts: string[]): string => path.join(fixturesDir, ...parts);
