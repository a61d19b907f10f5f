import * as assert from 'node:assert/strict';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { compileTagRules, deployInEffect, environmentKey, loadDeployHistory, mergeDeploys, parseTagName, type DeployRecord } from '../../../src/core/git/deploys';
import { GitInputError } from '../../../src/core/git/validate';
import type { Deploy } from '../../../src/core/protocol/types';
import type { TagInfo } from '../../../src/core/git/types';
import { BASE, HOUR, shopRepo } from './fixtureRepo';

const iso = (ms: number): string => new Date(ms).toISOString();
const sha = (c: string): string => c.repeat(40);

describe('git/deploys', () => {
  const shop = shopRepo();
  let history: DeployRecord[];

  before(async () => {
    history = await loadDeployHistory(await GitRepository.open(shop.dir), shop.events);
  });

  it('merges events with tags: a tag on an event commit is attached, others become tag deploys', () => {
    const d1 = history.find((d) => d.id === 'd1')!;
    assert.equal(d1.origin, 'event+tag');
    assert.deepEqual(d1.tags, ['deploy-checkout-prod-1']);
    const search = history.find((d) => d.id === 'tag:deploy-search-staging-7')!;
    assert.deepEqual([search.service, search.environment, search.commitSha, search.dateSource], ['search', 'staging', shop.sha.c6, 'commit']);
    // v1.2.0 is on c9 but has no service: it is attached to the checkout events on c9 (d3 and failed d4).
    assert.deepEqual(history.find((d) => d.id === 'd3')!.tags, ['v1.2.0']);
    const release = history.find((d) => d.id === 'tag:release-2024.05');
    assert.equal(release, undefined, 'release tag on c3 is attached to d2');
    assert.deepEqual(history.find((d) => d.id === 'd2')!.tags, ['release-2024.05']);
    assert.ok(!history.some((d) => d.tags.includes('other-tag')));
    for (let i = 1; i < history.length; i++) assert.ok(history[i - 1]!.time <= history[i]!.time, 'oldest first');
  });

  it('picks the latest deploy of the service/environment at or before the alert, with its range', () => {
    const eff = deployInEffect({ service: 'checkout', environment: 'production', startedAt: iso(BASE + 12 * HOUR) }, history);
    assert.ok(eff.found);
    assert.equal(eff.deploy.id, 'd3');
    assert.deepEqual(eff.range, { from: shop.sha.c3, to: shop.sha.c9, fromSource: 'previous-deploy' });
    assert.equal(eff.previous?.id, 'd2');
    assert.equal(eff.environmentMatch, 'exact');
    assert.equal(eff.serviceMatch, 'exact');
  });

  it('boundaries: a deploy at the very instant counts, one millisecond earlier does not', () => {
    const at = (ms: number): string => {
      const e = deployInEffect({ service: 'checkout', environment: 'production', startedAt: iso(ms) }, history);
      return e.found ? e.deploy.id : 'none';
    };
    assert.equal(at(BASE + 11.5 * HOUR), 'd3');
    assert.equal(at(BASE + 11.5 * HOUR - 1), 'd2');
    assert.equal(at(BASE + 2.5 * HOUR), 'd2');
    assert.equal(at(BASE + 0.5 * HOUR), 'd1');
    assert.equal(at(BASE + 0.5 * HOUR - 1), 'none');
  });

  it('skips failed deploys and says so', () => {
    const eff = deployInEffect({ service: 'checkout', environment: 'production', startedAt: iso(BASE + 20 * HOUR) }, history);
    assert.ok(eff.found);
    assert.equal(eff.deploy.id, 'd3');
    assert.ok(eff.notes.some((n) => /skipped failed deploy d4/.test(n)));
  });

  it('matches environment aliases (prod = production) and case', () => {
    const eff = deployInEffect({ service: 'Checkout', environment: 'PROD', startedAt: iso(BASE + 3 * HOUR) }, history);
    assert.ok(eff.found);
    assert.equal(eff.deploy.id, 'd2');
    assert.equal(environmentKey('prd'), 'production');
  });

  it('falls back to any environment when the alert has none, and says which', () => {
    const eff = deployInEffect({ service: 'checkout', startedAt: iso(BASE + 5 * HOUR) }, history);
    assert.ok(eff.found);
    assert.equal(eff.deploy.id, 'd-stg');
    assert.equal(eff.environmentMatch, 'any-environment');
    assert.match(eff.notes[0]!, /alert has no environment: used the latest deploy of checkout in any environment \(staging\)/);
    // The range comes from the same environment's previous deploy (there is none for staging).
    assert.equal(eff.range, undefined);
    assert.ok(eff.notes.some((n) => /change range of d-stg is unknown/.test(n)));
  });

  it('uses previousSha from the event when present', () => {
    const events: Deploy[] = [{ ...shop.events[4]!, id: 'x', previousSha: shop.sha.c1.toUpperCase() }];
    const eff = deployInEffect({ service: 'checkout', environment: 'production', startedAt: iso(BASE + 12 * HOUR) }, mergeDeploys(events));
    assert.ok(eff.found);
    assert.deepEqual(eff.range, { from: shop.sha.c1, to: shop.sha.c9, fromSource: 'event' });
  });

  it('tag-only deploys: service from the tag name, or unknown service as a last resort', () => {
    const s = deployInEffect({ service: 'search', environment: 'staging', startedAt: iso(BASE + 9 * HOUR) }, history);
    assert.ok(s.found);
    assert.equal(s.deploy.id, 'tag:deploy-search-staging-7');
    assert.equal(s.deploy.origin, 'tag');
    assert.ok(s.notes.some((n) => /lightweight tag/.test(n)));
    const tags: TagInfo[] = [
      { name: 'v1.0.0', annotated: true, targetSha: sha('a'), date: BASE, dateSource: 'tagger' },
      { name: 'v1.1.0', annotated: true, targetSha: sha('b'), date: BASE + HOUR, dateSource: 'tagger' },
    ];
    const u = deployInEffect({ service: 'billing', environment: 'production', startedAt: iso(BASE + 2 * HOUR) }, mergeDeploys([], tags));
    assert.ok(u.found);
    assert.equal(u.deploy.id, 'tag:v1.1.0');
    assert.equal(u.serviceMatch, 'deploy-has-no-service');
    assert.equal(u.environmentMatch, 'deploy-has-no-environment');
    assert.deepEqual(u.range, { from: sha('a'), to: sha('b'), fromSource: 'previous-deploy' });
  });

  it('a redeploy of the same commit takes its range from the last different commit', () => {
    const ev = (id: string, c: string, h: number): Deploy => ({ id, service: 's', environment: 'prod', commitSha: sha(c), author: { name: 'n' }, deployedAt: iso(BASE + h * HOUR) });
    const eff = deployInEffect({ service: 's', environment: 'prod', startedAt: iso(BASE + 10 * HOUR) }, mergeDeploys([ev('1', 'a', 1), ev('2', 'b', 2), ev('3', 'b', 3)]));
    assert.ok(eff.found);
    assert.equal(eff.deploy.id, '3');
    assert.deepEqual(eff.range, { from: sha('a'), to: sha('b'), fromSource: 'previous-deploy' });
    assert.ok(eff.notes.some((n) => /redeployed/.test(n)));
  });

  it('de-duplicates events (same id: last wins; same content, other id: first kept) and drops invalid ones', () => {
    const base: Deploy = { id: 'a', service: 's', environment: 'e', commitSha: sha('c'), author: { name: 'n' }, deployedAt: iso(BASE), status: 'started' };
    const merged = mergeDeploys([
      base,
      { ...base, status: 'succeeded' },
      { ...base, id: 'b', status: 'succeeded' },
      { ...base, id: 'bad-sha', commitSha: '--output=/tmp/x' },
      { ...base, id: 'bad-time', deployedAt: 'yesterday' },
    ]);
    assert.deepEqual(merged.map((d) => [d.id, d.status]), [['a', 'succeeded']]);
  });

  it('no deploy found, invalid alert time', () => {
    const none = deployInEffect({ service: 'nope', environment: 'production', startedAt: iso(BASE + 12 * HOUR) }, history.filter((d) => d.service !== undefined));
    assert.deepEqual(none, { found: false, reason: `no deploy of nope to production at or before ${iso(BASE + 12 * HOUR)}` });
    const bad = deployInEffect({ service: 'checkout', startedAt: 'soon' }, history);
    assert.equal(bad.found, false);
  });

  describe('tag names', () => {
    it('default heuristic', () => {
      const rules = compileTagRules();
      const cases: Array<[string, string | undefined, string | undefined]> = [
        ['deploy-checkout-prod-1', 'checkout', 'prod'],
        ['deploy-cart-api-staging-20240501T1200', 'cart-api', 'staging'],
        ['deploy-production', undefined, 'production'],
        ['release-2024.05', undefined, undefined],
        ['v1.2.3', undefined, undefined],
        ['release-payments-v2.0.1', 'payments', undefined],
      ];
      for (const [name, service, environment] of cases) {
        const p = parseTagName(name, rules);
        assert.ok(p.rule !== undefined, name);
        assert.deepEqual([p.service, p.environment], [service, environment], name);
      }
      assert.equal(parseTagName('other-tag', rules).rule, undefined);
      assert.equal(parseTagName('deploy/prod/x', rules).rule, undefined, '* does not cross /');
    });

    it('configured regex with named groups', () => {
      const rules = compileTagRules([{ glob: 'ship/*', regex: '^ship/(?<service>[a-z]+)@(?<environment>[a-z]+)$' }]);
      assert.deepEqual(parseTagName('ship/cart@eu', rules).service, 'cart');
      assert.deepEqual(parseTagName('ship/cart@eu', rules).environment, 'eu');
    });

    it('refuses unsafe or invalid patterns', () => {
      assert.throws(() => compileTagRules([{ glob: 'x-*', regex: '^(a+)+$' }]), (e: Error) => e instanceof GitInputError && /backtrack/.test(e.message));
      assert.throws(() => compileTagRules([{ glob: 'x-*', regex: '(' }]), GitInputError);
      assert.throws(() => compileTagRules([{ glob: '--sort=x' }]), GitInputError);
      assert.throws(() => compileTagRules([{ glob: '[abc]*' }]), GitInputError);
    });
  });
});
