import * as assert from 'node:assert/strict';
import type { DeployRecord } from '../../../src/core/git/deploys';
import { MAX_SERVICE_CHECKS, serviceCandidates } from '../../../src/core/viewModel/deploys/repoServices';

const rec = (service: string | undefined, sha: string, time: number, origin: DeployRecord['origin'] = 'event'): DeployRecord => ({
  id: `${service}-${sha}`,
  ...(service !== undefined ? { service } : {}),
  commitSha: sha,
  deployedAt: new Date(time).toISOString(),
  time,
  origin,
  tags: origin === 'event' ? [] : [`${service}-v1`],
  dateSource: 'event',
});

describe('serviceCandidates: which services a repository may deploy, from the merged history (oldest first)', () => {
  it('distinct services, newest deploy first, each with the sha of its newest deploy; unnamed tag deploys skipped', () => {
    const h = [rec('checkout', 'aaa1', 1), rec('payments', 'bbb1', 2), rec(undefined, 'ccc1', 3, 'tag'), rec('checkout', 'aaa2', 4)];
    assert.deepEqual(serviceCandidates(h), [
      { service: 'checkout', sha: 'aaa2', local: false },
      { service: 'payments', sha: 'bbb1', local: false },
    ]);
  });
  it('a service a local tag names is local (no git check needed), even when a newer event of it is not', () => {
    const h = [rec('checkout', 'aaa1', 1, 'event+tag'), rec('checkout', 'aaa2', 2)];
    assert.deepEqual(serviceCandidates(h), [{ service: 'checkout', sha: 'aaa1', local: true }]);
  });
  it('bounded: at most MAX_SERVICE_CHECKS services, however long the history', () => {
    const h = Array.from({ length: 5000 }, (_, i) => rec(`svc-${i}`, `sha${i}`, i));
    const c = serviceCandidates(h);
    assert.equal(c.length, MAX_SERVICE_CHECKS);
    assert.equal(c[0]!.service, 'svc-4999');
    assert.deepEqual(serviceCandidates([]), []);
  });
});
