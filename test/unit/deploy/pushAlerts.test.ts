import * as assert from 'node:assert/strict';
import { pushedRanges } from '../../../src/cli/pushGuardProtocol';
import { findAlertRule } from '../../../src/core/alerts/alertRule';
import { lineChanged, newBranchBase, pushedFrameHits, pushedFrameText } from '../../../src/core/deploy/pushAlerts';
import { GitRepository } from '../../../src/core/git/gitRepository';
import { BASE, HOUR, RepoWriter } from '../git/fixtureRepo';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const alert = (id: string, o: Partial<{ severity: 'critical' | 'warning'; status: 'triggered' | 'acknowledged' | 'resolved'; title: string }> = {}) => ({
  id, title: o.title ?? `t ${id}`, severity: o.severity ?? 'critical', status: o.status ?? 'triggered',
});

describe('push guard ↔ open alerts (issue 21 item 2)', () => {
  it('reads the pushed ranges of git\'s pre-push stdin (updates and new branches; no deletions)', () => {
    const stdin = `refs/heads/main ${A} refs/heads/main ${B}\nrefs/heads/new ${A} refs/heads/new ${Z}\n(delete) ${Z} refs/heads/gone ${B}\nrefs/tags/v1 ${A} refs/tags/v1 ${Z}\n`;
    assert.deepEqual(pushedRanges(stdin), [{ branch: 'main', localSha: A, remoteSha: B }, { branch: 'new', localSha: A, remoteSha: Z }]);
  });

  it('a -U0 hunk changes the lines it replaces, and a line lines are inserted at', () => {
    const h = [{ oldStart: 12, oldLines: 1, newStart: 12, newLines: 2 }];
    assert.equal(lineChanged(h, 12), true);
    assert.equal(lineChanged(h, 13), false);
    assert.equal(lineChanged([{ oldStart: 20, oldLines: 0, newStart: 21, newLines: 3 }], 21), true, 'inserted right after line 20');
    assert.equal(lineChanged([{ oldStart: 20, oldLines: 0, newStart: 21, newLines: 3 }], 25), false);
  });

  it('names the open alerts whose frames the push changes, the top frames first; resolved alerts are left out', () => {
    const hunks = new Map([['src/cart/pricing.ts', [{ oldStart: 12, oldLines: 1, newStart: 12, newLines: 1 }]], ['src/routes/checkout.ts', [{ oldStart: 40, oldLines: 2, newStart: 40, newLines: 2 }]]]);
    const hits = pushedFrameHits(
      [
        { alert: alert('deep', { severity: 'warning' }), frames: [{ path: 'src/x.ts', line: 1 }, { path: 'src/routes/checkout.ts', line: 41 }] },
        { alert: alert('top', { title: "checkout-api: 5xx rate 7%" }), frames: [{ path: 'src/cart/pricing.ts', line: 12 }, { path: 'src/routes/checkout.ts', line: 40 }] },
        { alert: alert('done', { status: 'resolved' }), frames: [{ path: 'src/cart/pricing.ts', line: 12 }] },
        { alert: alert('elsewhere'), frames: [{ path: 'src/cart/pricing.ts', line: 30 }] },
      ],
      hunks,
    );
    assert.deepEqual(hits.map((h) => [h.alertId, h.index]), [['top', 0], ['deep', 1]]);
    assert.equal(pushedFrameText(hits[0]!), "this push changes pricing.ts:12, the top frame of open critical 'checkout-api: 5xx rate 7%'");
    assert.equal(pushedFrameText(hits[1]!), "this push changes checkout.ts:41, frame 2 of open warning 't deep'");
  });
});

describe('push guard ↔ open alerts: a push that creates a branch (issue 21 item 2)', () => {
  const C = 'c'.repeat(40);
  const D = 'd'.repeat(40);
  const E = 'e'.repeat(40);
  it('the base is the commit the remote has that the new commits grow from; several → git decides; none → why', () => {
    // D ← C ← B(remote has): base B.
    assert.deepEqual(newBranchBase([{ sha: D, parents: [C] }, { sha: C, parents: [B] }]), { kind: 'base', sha: B });
    // A merge of the default branch (E) into the new branch (grown from B): both are boundaries.
    assert.deepEqual(newBranchBase([{ sha: D, parents: [C, E] }, { sha: C, parents: [B] }]), { kind: 'boundaries', shas: [E, B] });
    assert.equal(newBranchBase([]).kind, 'none', 'the branch points at a commit the remote has');
    assert.deepEqual(newBranchBase([{ sha: D, parents: [C] }, { sha: C, parents: [] }]), { kind: 'none', why: 'the new branch shares no commit with the remote' });
    assert.match((newBranchBase(Array.from({ length: 4 }, () => ({ sha: D, parents: [C] })), 3) as { why: string }).why, /over 3 commits/);
  });

  it('git: the commits not on the remote\'s branches, with parents, bounded; merge-base --independent picks the newest boundary', async () => {
    const w = RepoWriter.init('pushnew-');
    w.write('a.ts', ['one']);
    const c1 = w.commit('c1', BASE);
    w.write('a.ts', ['two']);
    const c2 = w.commit('c2', BASE + HOUR);
    w.git(['update-ref', 'refs/remotes/origin/main', c2]);
    w.git(['remote', 'add', 'origin', 'https://example.invalid/r.git']);
    w.write('a.ts', ['three']);
    const c3 = w.commit('c3', BASE + 2 * HOUR);
    w.write('a.ts', ['four']);
    const c4 = w.commit('c4', BASE + 3 * HOUR);
    const repo = await GitRepository.open(w.dir);
    assert.deepEqual(await repo.commitsNotOnRemote(c4, 'origin', 10), [{ sha: c4, parents: [c3] }, { sha: c3, parents: [c2] }]);
    assert.deepEqual(newBranchBase(await repo.commitsNotOnRemote(c4, 'origin', 10)), { kind: 'base', sha: c2 });
    assert.equal((await repo.commitsNotOnRemote(c4, 'origin', 1)).length, 1, 'bounded');
    // A URL (or an unknown name) as the remote: every remote's branches count.
    assert.deepEqual((await repo.commitsNotOnRemote(c4, 'https://example.invalid/r.git', 10)).map((c) => c.sha), [c4, c3]);
    assert.deepEqual(await repo.commitsNotOnRemote(c2, 'origin', 10), [], 'nothing the remote does not have');
    assert.deepEqual(await repo.independentCommits([c1, c2]), [c2]);
    await assert.rejects(repo.commitsNotOnRemote('--output=x', 'origin', 10), /sha/);
  });
});

describe('the alert\'s rule in the repository (issue 21 item 6)', () => {
  const rules = 'groups:\n  - name: x\n    rules:\n      - alert: HighErrors\n        expr: up == 0\n      - alert: "HighErrorsSlow" # slow burn\n';
  it('finds "alert: <name>" in a Prometheus rule file, quoted or not; not a prefix, not in other YAML', () => {
    assert.deepEqual(findAlertRule(rules, 'HighErrors'), [4]);
    assert.deepEqual(findAlertRule(rules, 'HighErrorsSlow'), [6]);
    assert.deepEqual(findAlertRule(rules, 'High'), []);
    assert.deepEqual(findAlertRule('alert: HighErrors\n', 'HighErrors'), [], 'no groups:/rules: — not a rule file');
    assert.deepEqual(findAlertRule(`spec:\n  ${rules.replace(/\n/g, '\n  ')}`, 'HighErrors'), [5], 'a PrometheusRule resource');
    assert.deepEqual(findAlertRule(rules, 'a.*'), [], 'the name is matched literally');
  });
});
