import * as assert from 'node:assert/strict';
import { deployInEffect, findSuspects, GitRepository, parseRemoteUrl, type DeployRecord, type SuspectReport } from '../../../src/core/git';
import { findingsNote } from '../../../src/core/viewModel/findings';
import { shopRepo } from '../git/fixtureRepo';
import { loadDeployHistory } from '../../../src/core/git';

const SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const PREV = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const deploy: DeployRecord = { id: 'd-1', service: 'checkout', environment: 'production', commitSha: SHA, previousSha: PREV, author: { name: 'Carol' }, deployedAt: '2025-03-14T08:50:00Z', time: Date.parse('2025-03-14T08:50:00Z'), origin: 'event', tags: [], dateSource: 'event' };
const alert = { id: 'a-1', title: 'checkout: 5xx\u001b[31m rate', service: 'checkout', environment: 'production', startedAt: '2025-03-14T09:00:00Z', stackTrace: 'Error\n at x (src/pricing.ts:42:1)' };
const report: SuspectReport = {
  basis: 'deploy-range',
  basisNote: '',
  range: { from: PREV, to: SHA },
  rev: SHA,
  rangeCommitCount: 4,
  suspects: [
    { sha: 'b'.repeat(40), shortSha: 'bbbbbbb', author: { name: 'Dana', email: 'dana@example.com' }, authoredAt: '', authorTime: 0, commitTime: 0, subject: 'reformat', score: 1, reasons: ['reformat only'], frameDepth: 0, basis: 'deploy-range', demoted: 'reformat' },
    { sha: 'c'.repeat(40), shortSha: 'ccccccc', author: { name: 'Eve', email: 'eve@example.com' }, authoredAt: '', authorTime: 0, commitTime: 0, subject: 'coupon: apply twice\nignore', score: 100, reasons: ['changed line 42 of src/pricing.ts (top frame)'], frameDepth: 0, basis: 'deploy-range' },
  ],
  frames: [{ depth: 0, path: 'src/pricing.ts', line: 42, function: 'applyCoupon' }],
  warnings: [],
} as unknown as SuspectReport;

describe('loop/share findings note (issue 21 item 1)', () => {
  it('names the top frame as a permalink to the deployed sha, the deploy and its range, the top (not demoted) suspect and why', () => {
    const eff = deployInEffect(alert, [deploy]);
    const text = findingsNote({ alert, eff, report, remote: parseRemoteUrl('git@github.com:acme/shop.git')!, deployedSha: SHA, now: 0 });
    const lines = text.split('\n');
    assert.match(lines[0]!, /^Findings from the editor for "checkout: 5xx rate" \(checkout, production\):$/, 'no escape codes');
    assert.ok(text.includes('• Top in-app frame: src/pricing.ts:42 (applyCoupon)'));
    assert.ok(text.includes(`  https://github.com/acme/shop/blob/${SHA}/src/pricing.ts#L42`));
    assert.ok(text.includes('• Deploy in effect: 9fceb02 (checkout production) by Carol, deployed 2025-03-14T08:50:00Z'));
    assert.ok(text.includes('  Range: 1a2b3c4..9fceb02 (4 commits)'));
    assert.ok(text.includes('• Top suspect: ccccccc "coupon: apply twice ignore" by Eve'), text);
    assert.ok(text.includes('  Why: changed line 42 of src/pricing.ts (top frame)'));
    // eslint-disable-next-line no-control-regex -- the assertion is about control characters
    assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(text), 'no control characters but newlines');
  });

  it('without a known host: path:line @ sha; without a repository: says why', () => {
    const eff = deployInEffect(alert, [deploy]);
    const text = findingsNote({ alert, eff, report, deployedSha: SHA, now: 0 });
    assert.ok(text.includes('• Top in-app frame: src/pricing.ts:42 (applyCoupon) @ 9fceb02'));
    assert.ok(!text.includes('https://'));
    const none = findingsNote({ alert, eff: deployInEffect(alert, []), noRepoReason: 'the workspace is not trusted', now: 0 });
    assert.match(none, /Top in-app frame: not resolved \(the workspace is not trusted\)/);
    assert.match(none, /Deploy in effect: none found/);
  });

  it('is bounded by the protocol note maximum, keeping the signature', () => {
    const long = { ...report, frames: [{ depth: 0, path: `${'d/'.repeat(140)}x.ts`, line: 1, function: 'f'.repeat(500) }] } as unknown as SuspectReport;
    const text = findingsNote({ alert: { ...alert, title: 't'.repeat(10_000) }, eff: deployInEffect(alert, [deploy]), report: long, now: 0 }, 400);
    assert.ok(text.length <= 400, String(text.length));
    assert.match(text, /\(shared from On Call for VS Code\)$/);
  });

  it('from a real repository: the suspect of the shop fixture\'s bug line', async () => {
    const shop = shopRepo();
    const repo = await GitRepository.open(shop.dir);
    const history = await loadDeployHistory(repo, shop.events);
    const last = shop.events[shop.events.length - 1]!;
    const a = { id: 'x', title: 'cart broke', service: last.service, environment: last.environment, startedAt: new Date(Date.parse(last.deployedAt) + 60_000).toISOString() };
    const eff = deployInEffect(a, history);
    assert.ok(eff.found);
    const r = await findSuspects(repo, { frames: [{ path: 'src/cart/cart.ts', line: shop.bugLine, inApp: true }], ...(eff.range ? { range: eff.range } : {}), rev: eff.deploy.commitSha });
    const text = findingsNote({ alert: a, eff, report: r, remote: parseRemoteUrl('https://gitlab.com/acme/shop.git')!, deployedSha: eff.deploy.commitSha, now: 0 });
    assert.ok(text.includes(`https://gitlab.com/acme/shop/-/blob/${eff.deploy.commitSha}/src/cart/cart.ts#L${shop.bugLine}`), text);
    assert.match(text, /Top suspect: [0-9a-f]{7} /);
  });
});
