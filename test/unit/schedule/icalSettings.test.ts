/**
 * Which feeds are read, and from which URL: a workspace must not make the editor fetch or parse a feed
 * until it is trusted, and never redirects a feed whose URL the user keeps in the keychain.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { feedSettings, feedUrl, MAX_FEEDS } from '../../../src/core/schedule/icalSettings';
import { repoRoot } from '../../testUtil/paths';

const user = [{ name: 'Payments primary' }, { name: 'Mine with URL', url: 'https://cal.example.com/mine.ics' }];
const workspace = [{ name: 'Payments primary', url: 'https://attacker.example/beacon.ics' }, { name: 'Team', url: 'https://cal.example.com/team.ics' }];

describe('iCal feed settings and trust', () => {
  it('an untrusted workspace: only the user settings count; workspace and folder entries are not even read', () => {
    const warnings: string[] = [];
    const feeds = feedSettings({ globalValue: user, workspaceValue: workspace, workspaceFolderValue: workspace }, false, (m) => warnings.push(m));
    assert.deepEqual(feeds.map((f) => [f.name, f.source, f.url]), [['Payments primary', 'user', undefined], ['Mine with URL', 'user', 'https://cal.example.com/mine.ics']]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(feedSettings({ workspaceValue: workspace }, false, () => undefined), []);
  });

  it('a trusted workspace: its value (folder over workspace over user), marked as coming from the workspace', () => {
    const feeds = feedSettings({ globalValue: user, workspaceValue: workspace }, true, () => undefined);
    assert.deepEqual(feeds.map((f) => [f.name, f.source]), [['Payments primary', 'workspace'], ['Team', 'workspace']]);
    const folder = feedSettings({ globalValue: user, workspaceValue: workspace, workspaceFolderValue: [{ name: 'Folder' }] }, true, () => undefined);
    assert.deepEqual(folder.map((f) => f.name), ['Folder']);
    assert.equal(feedSettings({ globalValue: user }, true, () => undefined)[0]?.source, 'user');
  });

  it('the keychain URL wins over a workspace entry with the same name, trusted or not', () => {
    const [payments] = feedSettings({ workspaceValue: workspace }, true, () => undefined);
    assert.equal(feedUrl(payments!, 'https://cal.example.com/keychain.ics?token=1', true), 'https://cal.example.com/keychain.ics?token=1');
    assert.equal(feedUrl(payments!, 'https://cal.example.com/keychain.ics?token=1', false), 'https://cal.example.com/keychain.ics?token=1');
  });

  it('a workspace URL is used only when trusted and nothing is in the keychain; a user URL always', () => {
    const [payments] = feedSettings({ workspaceValue: workspace }, true, () => undefined);
    assert.equal(feedUrl(payments!, undefined, true), 'https://attacker.example/beacon.ics');
    assert.equal(feedUrl(payments!, undefined, false), undefined);
    const mine = feedSettings({ globalValue: user }, false, () => undefined)[1]!;
    assert.equal(feedUrl(mine, undefined, false), 'https://cal.example.com/mine.ics');
  });

  it('entries are validated: a unique name, string fields under 2,000 characters, at most 20 feeds (one warning)', () => {
    const warnings: string[] = [];
    const many = [{ name: 'a' }, { name: 'a' }, { url: 'https://x' }, 'junk', { name: 'b', url: 'x'.repeat(3000), role: 7 }, ...Array.from({ length: 30 }, (_, i) => ({ name: `f${i}` }))];
    const feeds = feedSettings({ globalValue: many }, true, (m) => warnings.push(m));
    assert.equal(feeds.length, MAX_FEEDS);
    assert.deepEqual(feeds[1], { name: 'b', url: undefined, rotationId: undefined, role: undefined, pair: undefined, source: 'user' });
    assert.equal(warnings.filter((w) => /unique "name"/.test(w)).length, 3);
    assert.equal(warnings.filter((w) => /only the first 20/.test(w)).length, 1);
    assert.deepEqual(feedSettings({ globalValue: 'not an array' }, true, () => undefined), []);
  });

  it('package.json restricts the setting in untrusted workspaces, and the host reads it through inspect() and isTrusted', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } } };
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('oncall.schedule.icalFeeds'));
    // The settings table reads the feeds from inspect()'s layers with the trust flag, never the merged value…
    const table = fs.readFileSync(path.join(repoRoot, 'src/core/config/settings.ts'), 'utf8');
    assert.match(table, /feedSettings\(src\.inspect\('schedule\.icalFeeds'\), src\.trusted, report\)/);
    assert.doesNotMatch(table, /get\('schedule\.icalFeeds'\)/, 'no merged read that would include workspace values');
    // …the host's only settings reader hands it VS Code's inspect() and workspace.isTrusted, and re-reads on trust…
    const config = fs.readFileSync(path.join(repoRoot, 'src/host/config.ts'), 'utf8');
    assert.match(config, /inspect: \(key\) => forKey\(key\)\.inspect<unknown>\(key\)/);
    assert.match(config, /trusted: vscode\.workspace\.isTrusted/);
    assert.match(config, /onDidGrantWorkspaceTrust/);
    // …and the feeds feature takes the feeds from it, and keeps the trust check on the URL.
    const host = fs.readFileSync(path.join(repoRoot, 'src/host/schedule/icalFeeds.ts'), 'utf8');
    assert.match(host, /return this\._config\.value\.icalFeeds;/);
    assert.match(host, /feedUrl\(f, await this\._secrets\.get\(SECRET_PREFIX \+ f\.name\), vscode\.workspace\.isTrusted\)/);
    assert.match(host, /_config\.onDidChange\(\(e\) => e\.affects\('schedule\.icalFeeds'\)/);
  });
});
