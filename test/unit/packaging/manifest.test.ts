import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

describe('marketplace manifest and .vsix contents', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { icon?: string; galleryBanner?: { color?: string; theme?: string } };

  it('has a 128×128 PNG icon and a gallery banner', () => {
    assert.ok(pkg.icon, 'package.json names an icon');
    const png = fs.readFileSync(path.join(root, pkg.icon));
    assert.strictEqual(png.subarray(1, 4).toString('latin1'), 'PNG');
    // IHDR: width and height as big-endian u32 at bytes 16 and 20.
    assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    assert.match(pkg.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
    assert.ok(pkg.galleryBanner?.theme === 'dark' || pkg.galleryBanner?.theme === 'light');
  });

  it('packages the icon, the view icons, the walkthrough and the demo\'s files, but not the README screenshots', function () {
    this.timeout(60_000);
    const files = execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    for (const f of [pkg.icon!, 'media/oncall.svg', 'media/alert-gutter-dark.svg', 'media/alert-gutter-light.svg', 'media/walkthrough/identity.md', 'package.json']) {
      assert.ok(files.includes(f), `${f} is in the .vsix (got ${files.join(', ')})`);
    }
    assert.deepStrictEqual(files.filter((f) => f.startsWith('media/screenshots/')), [], 'README screenshots stay out of the .vsix');
    // dist/bridge.js --demo ("Try the Demo") builds its workspace from these at runtime: every one must ship.
    const demoFiles: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${d}/${e.name}`);
        else demoFiles.push(`${d}/${e.name}`);
      }
    };
    walk('demo/history');
    assert.ok(demoFiles.length >= 20 && demoFiles.includes('demo/history/01-initial/.gitattributes'), demoFiles.join(', '));
    assert.deepStrictEqual(demoFiles.filter((f) => !files.includes(f)), [], 'every file of demo/history/ is in the .vsix');
  });
});
