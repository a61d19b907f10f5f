/**
 * The settings table (core/config/settings.ts): every `oncall.*` value is validated into a typed value; a wrong
 * one falls back to its default with one message that names the setting and what was expected.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_DEPLOY_FILES, readSettings, SETTINGS, type SettingsSource } from '../../../src/core/config/settings';
import type { SettingLayers } from '../../../src/core/schedule/icalSettings';

/** A source like VS Code's: `get` is the effective value (unset → undefined here, the reader applies defaults). */
function source(values: Record<string, unknown>, opts: { trusted?: boolean; layers?: Record<string, SettingLayers> } = {}): SettingsSource {
  return {
    get: (key) => values[key],
    inspect: (key) => opts.layers?.[key] ?? (key in values ? { globalValue: values[key] } : undefined),
    trusted: opts.trusted ?? true,
  };
}

function read(values: Record<string, unknown>, opts?: Parameters<typeof source>[1]) {
  const problems: string[] = [];
  const value = readSettings(source(values, opts), (m) => problems.push(m));
  return { value, problems };
}

describe('settings table', () => {
  it('unset settings read as their defaults, with no problems', () => {
    const { value, problems } = read({});
    assert.deepEqual(problems, []);
    assert.equal(value.serverUrl, '');
    assert.equal(value.sourceType, 'bridge');
    assert.equal(value.gotifyAllowDelete, false);
    assert.equal(value.groupBy, 'service');
    assert.equal(value.pageSize, 50);
    assert.equal(value.notificationsPerMinute, 5);
    assert.equal(value.deployWatchMinutes, 30);
    assert.deepEqual(value.deployFiles, DEFAULT_DEPLOY_FILES);
    assert.deepEqual(value.deployTagRules.map((r) => r.glob), ['deploy-*', 'release-*', 'v*']);
    assert.deepEqual(value.codeMappings, []);
    assert.deepEqual(value.icalFeeds, []);
    assert.equal(value.deployGuard.config.enabled, true);
  });

  it('the table defaults are the values the reader falls back to (one source for both)', () => {
    // Every plain setting set to a value of the wrong type reads back as the table's default.
    for (const s of SETTINGS) {
      if (s.type === 'object' || s.type === 'array') continue;
      const wrong = s.type === 'string' ? 12345 : 'not-a-' + s.type;
      const { value, problems } = read({ [s.key]: wrong });
      assert.deepEqual((value as unknown as Record<string, unknown>)[s.field], s.default, s.key);
      assert.equal(problems.length, 1, `${s.key}: ${problems.join(' | ')}`);
    }
  });

  it('a wrong value falls back to the default with one message naming the setting, the value and what was expected', () => {
    const { value, problems } = read({ 'alerts.pageSize': 3, 'alerts.groupBy': 'team', sourceType: 'carrier-pigeon', 'notifications.maxPerMinute': 1e9, 'deploys.watchMinutes': -1, serverUrl: 42 });
    assert.equal(value.pageSize, 50);
    assert.equal(value.groupBy, 'service');
    assert.equal(value.sourceType, 'bridge');
    assert.equal(value.notificationsPerMinute, 5);
    assert.equal(value.deployWatchMinutes, 30);
    assert.equal(value.serverUrl, '');
    assert.equal(problems.length, 6, problems.join('\n'));
    assert.ok(problems.includes('setting oncall.alerts.pageSize has an invalid value (3): expected a number from 20 to 5000; using 50'), problems.join('\n'));
    assert.ok(problems.includes('setting oncall.sourceType has an invalid value ("carrier-pigeon"): expected one of bridge|ntfy|gotify; using "bridge"'), problems.join('\n'));
    assert.ok(problems.includes('setting oncall.alerts.groupBy has an invalid value ("team"): expected one of service|severity|status; using "service"'));
  });

  it('good values are typed as before: strings trimmed, counts floored, NaN and Infinity refused', () => {
    const { value, problems } = read({ serverUrl: '  wss://oncall.example.com/ ', identity: ' me@example.com\n', 'alerts.pageSize': 250.7, 'alerts.keepResolvedMinutes': 90.5, sourceType: 'gotify', 'gotify.allowDelete': true });
    assert.deepEqual(problems, []);
    assert.equal(value.serverUrl, 'wss://oncall.example.com/');
    assert.equal(value.identity, 'me@example.com');
    assert.equal(value.pageSize, 250);
    assert.equal(value.keepResolvedMinutes, 90.5);
    assert.equal(value.sourceType, 'gotify');
    assert.equal(value.gotifyAllowDelete, true);
    assert.equal(read({ 'alerts.keepResolved': Number.NaN }).value.keepResolved, 200);
    assert.equal(read({ 'alerts.keepResolved': Number.POSITIVE_INFINITY }).value.keepResolved, 200);
  });

  it('gotify.allowDelete is on only for true itself', () => {
    for (const v of ['true', 1, {}, 'yes']) assert.equal(read({ 'gotify.allowDelete': v }).value.gotifyAllowDelete, false, JSON.stringify(v));
  });

  it('deploy files: a non-list means the defaults; bad entries are dropped and named', () => {
    assert.deepEqual(read({ deployFiles: 'deploy.sh' }).value.deployFiles, DEFAULT_DEPLOY_FILES);
    const { value, problems } = read({ deployFiles: ['deploy.sh', '', 7, 'x'.repeat(300), 'k8s/*.yaml'] });
    assert.deepEqual(value.deployFiles, ['deploy.sh', 'k8s/*.yaml']);
    assert.deepEqual(problems, [1, 2, 3].map((i) => `setting oncall.deployFiles[${i}]: expected a glob of 1 to 299 characters (entry ignored)`));
  });

  it('tag patterns: a bad glob is reported and the others kept; a non-list means the defaults; at most 50', () => {
    const { value, problems } = read({ 'deploys.tagPatterns': ['prod-*', '../x', 5] });
    assert.deepEqual(value.deployTagRules.map((r) => r.glob), ['prod-*']);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^tag patterns: invalid tag pattern .*use letters, digits/);
    const bad = read({ 'deploys.tagPatterns': 'v*' });
    assert.deepEqual(bad.value.deployTagRules.map((r) => r.glob), ['deploy-*', 'release-*', 'v*']);
    assert.deepEqual(bad.problems, ['tag patterns: oncall.deploys.tagPatterns must be a list of globs; using the defaults']);
    assert.equal(read({ 'deploys.tagPatterns': Array.from({ length: 80 }, (_, i) => `t${i}-*`) }).value.deployTagRules.length, 50);
    assert.deepEqual(read({ 'deploys.tagPatterns': [] }).value.deployTagRules, [], 'an empty list turns tag reading off');
  });

  it('deploy guard: entries with errors are named and ignored, the rest applies; the JSON as set is kept for the push hook', () => {
    const raw = { enabled: 'yes', watchWindowMinutes: 45 };
    const { value, problems } = read({ deployGuard: raw });
    assert.equal(value.deployGuard.config.watchWindowMinutes, 45);
    assert.equal(value.deployGuard.config.enabled, true);
    assert.deepEqual(problems, ['setting oncall.deployGuard.enabled: must be true or false. (entry ignored)']);
    assert.equal(value.deployGuard.raw, raw);
    assert.ok(value.deployGuard.patterns.length > 0, 'the default deploy command patterns');
  });

  it('code mappings: problems are prefixed with the setting, valid entries kept', () => {
    const { value, problems } = read({ codeMappings: [{ stackRoot: '/app/', sourceRoot: 'svc/' }, { stackRoot: '/x/', sourceRoot: '../etc' }] });
    assert.deepEqual(value.codeMappings, [{ stackRoot: '/app/', sourceRoot: 'svc' }]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^setting oncall\.codeMappings\[1\]\.sourceRoot: must be a path inside the workspace/);
  });

  it('iCal feeds: an untrusted workspace\'s feeds are not read, a trusted one\'s are', () => {
    const layers = { 'schedule.icalFeeds': { globalValue: [{ name: 'Mine' }], workspaceValue: [{ name: 'Beacon', url: 'https://attacker.example/x.ics' }] } };
    assert.deepEqual(read({}, { trusted: false, layers }).value.icalFeeds.map((f) => [f.name, f.source]), [['Mine', 'user']]);
    assert.deepEqual(read({}, { trusted: true, layers }).value.icalFeeds.map((f) => [f.name, f.source]), [['Beacon', 'workspace']]);
  });

  it('a setting whose read throws falls back to its default and says so; the others still read', () => {
    const src: SettingsSource = {
      get: (key) => {
        if (key === 'deployGuard') throw new Error('boom');
        return key === 'alerts.pageSize' ? 300 : undefined;
      },
      inspect: () => undefined,
      trusted: true,
    };
    const problems: string[] = [];
    const value = readSettings(src, (m) => problems.push(m));
    assert.equal(value.pageSize, 300);
    assert.equal(value.deployGuard.config.enabled, true);
    assert.deepEqual(problems, ['setting oncall.deployGuard could not be read (boom); using the default']);
  });
});
