import * as assert from 'node:assert/strict';
import { pushedRanges } from '../../../src/cli/pushGuardProtocol';
import { findAlertRule } from '../../../src/core/alerts/alertRule';
import { lineChanged, pushedFrameHits, pushedFrameText } from '../../../src/core/deploy/pushAlerts';

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
