/**
 * scripts/check-settings.mjs (run by `npm run lint`): package.json must not drift from the settings table and
 * from the context keys the code sets. Run as the CLI, on the real package.json and on drifted copies.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../testUtil/paths';
import { SETTINGS } from '../../../src/core/config/settings';

interface CheckModule {
  check(pkg: unknown, table: { SETTINGS: readonly unknown[] }, src: string): string[];
  contextKeysOf(clause: string): { keys: Array<{ key: string; bad?: boolean }>; views: string[] };
}
/** The script is an ES module (module node20 keeps `import()` a real dynamic import). */
const script = async (): Promise<CheckModule> => (await import(pathToFileURL(path.join(repoRoot, 'scripts/check-settings.mjs')).href)) as CheckModule;

interface Pkg {
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  contributes: {
    configuration: { properties: Record<string, Record<string, unknown>> };
    menus: Record<string, Array<{ command: string; when?: string }>>;
    viewsWelcome: Array<{ view: string; when?: string }>;
    walkthroughs: Array<{ steps: Array<{ completionEvents?: string[] }> }>;
  };
}

const real = (): Pkg => JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Pkg;

function run(pkg: Pkg): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-settings-test-'));
  try {
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/check-settings.mjs'), '--package', file], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('check-settings (package.json against the settings table and the context keys)', function () {
  this.timeout(120_000);

  it('passes on the real package.json', () => {
    const r = run(real());
    assert.equal(r.status, 0, r.out);
    // Every entry of the table was compared (the count follows the table, so adding a setting needs no edit here).
    assert.match(r.out, new RegExp(`${SETTINGS.length} settings match package\\.json`));
  });

  it('fails on one drifted default alone', () => {
    const pkg = real();
    pkg.contributes.configuration.properties['oncall.alerts.pageSize']!.default = 100;
    const r = run(pkg);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /oncall\.alerts\.pageSize: default is 100 in package\.json, 50 in the table/);
  });

  it('names every kind of drift: key set, type, scope, enum, range, restricted settings, when clauses, completion events', () => {
    const pkg = real();
    const props = pkg.contributes.configuration.properties;
    delete props['oncall.codeMappings'];
    props['oncall.madeUp'] = { type: 'string', default: '' };
    props['oncall.identity']!.type = 'number';
    props['oncall.serverUrl']!.scope = 'application';
    props['oncall.alerts.groupBy']!.enum = ['service', 'severity', 'status', 'team'];
    props['oncall.deploys.watchMinutes']!.maximum = 99999;
    const u = pkg.capabilities.untrustedWorkspaces;
    u.restrictedConfigurations = u.restrictedConfigurations.filter((k) => k !== 'oncall.schedule.icalFeeds');
    pkg.contributes.menus['view/title']!.push({ command: 'oncall.reconnect', when: 'view == oncall.nope && oncall.notAKey' });
    pkg.contributes.viewsWelcome.push({ view: 'oncall.alerts', when: "!oncall.configured || config.oncall.noSuchSetting == 'x'" });
    pkg.contributes.walkthroughs[0]!.steps[0]!.completionEvents = ['onContext:oncall.neverSet', 'onSettingChanged:oncall.nothing'];
    const r = run(pkg);
    assert.equal(r.status, 1, r.out);
    for (const re of [
      /oncall\.codeMappings is in the table but not contributed/,
      /contributes setting oncall\.madeUp, which is not in the table/,
      /oncall\.identity: type is "number" in package\.json, "string" in the table/,
      /oncall\.serverUrl: scope is application in package\.json, window in the table/,
      /oncall\.alerts\.groupBy: enum is \["service","severity","status","team"\]/,
      /oncall\.deploys\.watchMinutes: range is 0\.\.99999 in package\.json, 0\.\.1440 in the table/,
      /oncall\.schedule\.icalFeeds is restricted in the table but missing from .*restrictedConfigurations/,
      /context key oncall\.notAKey is not set by ContextKeys/,
      /view oncall\.nope is not contributed/,
      /context key config\.oncall\.noSuchSetting is not set/,
      /completion event onContext:oncall\.neverSet names a context key nothing sets/,
      /completion event onSettingChanged:oncall\.nothing names a setting that is not in the table/,
    ]) {
      assert.match(r.out, re);
    }
    // Values are not keys: the views, regexes and strings on the right of ==, =~ in the real clauses pass.
    assert.doesNotMatch(r.out, /context key (view|viewItem|oncall\.alerts|oncall\.configured) /);
  });

  it('a setting that can contact a server and that a workspace can set must be restricted, or say why not', async () => {
    const { check } = await script();
    const src = fs.readdirSync(path.join(repoRoot, 'src'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    const pkg = real();
    assert.deepEqual(check(pkg, { SETTINGS }, src), []);
    const unrestricted = SETTINGS.map((s) => (s.key === 'schedule.icalFeeds' ? { ...s, restricted: false } : s));
    pkg.capabilities.untrustedWorkspaces.restrictedConfigurations = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.filter((k) => k !== 'oncall.schedule.icalFeeds');
    assert.deepEqual(check(pkg, { SETTINGS: unrestricted }, src), [
      'oncall.schedule.icalFeeds can make the editor contact a server and a workspace can set it: restrict it (restrictedConfigurations) or give the table\'s trustException',
    ]);
    const userOnly = unrestricted.map((s) => (s.key === 'schedule.icalFeeds' ? { ...s, scope: 'application' } : s));
    pkg.contributes.configuration.properties['oncall.schedule.icalFeeds']!.scope = 'application';
    assert.deepEqual(check(pkg, { SETTINGS: userOnly }, src), [], 'a user-only (application) setting needs no restriction');
  });

  it('reads context keys out of when clauses: values, strings and regexes are not keys; `in` lists are', async () => {
    const { contextKeysOf } = await script();
    const keys = (c: string): string[] => contextKeysOf(c).keys.map((k) => k.key);
    assert.deepEqual(keys("view == oncall.alerts && viewItem =~ /^alert:(triggered|acknowledged)/"), ['view', 'viewItem']);
    assert.deepEqual(keys("!oncall.configured || (oncall.connected && resourceLangId != 'a && b')"), ['oncall.configured', 'oncall.connected', 'resourceLangId']);
    assert.deepEqual(keys('resourceFilename in oncall.files && !(config.oncall.identity)'), ['resourceFilename', 'oncall.files', 'config.oncall.identity']);
    assert.deepEqual(contextKeysOf('view == oncall.status || view != oncall.deploys').views, ['oncall.status', 'oncall.deploys']);
    assert.ok(contextKeysOf('oncall.connected oncall.configured').keys.some((k) => k.bad), 'an unreadable term is reported, not skipped');
  });
});
