import * as assert from 'node:assert';
import type { Alert } from '../../../src/core/protocol/types';
import { handoffMarkdown, handoffStats } from '../../../src/core/viewModel/handoff';

const H = 3_600_000;
const start = Date.parse('2026-11-20T08:00:00Z');
const end = start + 8 * H;
function alert(id: string, over: Partial<Alert>): Alert {
  return { id, title: id, severity: 'high', status: 'triggered', service: 'api', startedAt: new Date(start + H).toISOString(),
    updatedAt: new Date(start + H).toISOString(), assignees: [], labels: {}, source: 'demo', ...over };
}
const alerts: Alert[] = [
  alert('acked-fast', { status: 'acknowledged', acknowledgedAt: new Date(start + H + 60_000).toISOString(), acknowledgedBy: { name: 'You' } }),
  alert('resolved', { status: 'resolved', acknowledgedAt: new Date(start + H + 5 * 60_000).toISOString(), resolvedAt: new Date(start + 2 * H).toISOString() }),
  alert('open', {}),
  alert('inherited', { startedAt: new Date(start - 5 * H).toISOString() }),
  alert('before-and-resolved', { startedAt: new Date(start - 5 * H).toISOString(), status: 'resolved', resolvedAt: new Date(start - H).toISOString() }),
  alert('next-shift', { startedAt: new Date(end + H).toISOString() }),
];

describe('shift handoff', () => {
  it('counts triggered/acked/resolved during the shift, open ones incl. inherited, and time to ack', () => {
    const s = handoffStats(alerts, start, end);
    assert.deepStrictEqual(s, { triggered: 3, acknowledged: 2, resolved: 1, stillOpen: 3, medianTimeToAckMs: 60_000, maxTimeToAckMs: 300_000 });
  });

  it('renders a markdown summary with open and resolved lists', () => {
    const md = handoffMarkdown({ alerts, shift: { start, end }, now: end + 2 * H, timeZone: 'UTC', who: 'You' });
    assert.match(md, /\| Still open \| 3 \|/);
    assert.match(md, /\| Time to ack \(median \/ max\) \| 1m \/ 5m \|/);
    assert.match(md, /## Still open \(3\)/);
    assert.match(md, /## Resolved during the shift \(1\)/);
    assert.ok(!md.includes('next-shift'), 'an alert after the shift is not part of it');
  });

  it('escapes hostile alert text: no live links, images or HTML', () => {
    const md = handoffMarkdown({
      alerts: [alert('x', { title: '[click](command:workbench.action.terminal.new) ![](http://t/p.png) <img src=x onerror=alert(1)>' })],
      shift: { start, end }, now: end, timeZone: 'UTC', who: 'You',
    });
    assert.ok(!/(^|[^\\])\]\(command:/.test(md), 'an unescaped command link');
    assert.ok(!/(^|[^\\])<img/.test(md), 'unescaped HTML');
    assert.ok(!/(^|[^\\])!\[/.test(md), 'an unescaped image');
    assert.ok(md.includes('\\[click\\](command:workbench.action.terminal.new)'), md);
    assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>'));
  });

  it('escapes only what rendering needs: emails, dashes, dots and parentheses read as written', () => {
    const md = handoffMarkdown({
      alerts: [alert('x', { title: 'ZeroDivisionError (DivisionByZero) in checkout-api v1.2', service: 'checkout-api', status: 'resolved', resolvedAt: new Date(start + 3 * H).toISOString(), resolvedBy: { name: 'Kenji Watanabe' } }),
        alert('y', { title: 'a *b* `c` $x$ ~~d~~ | e', status: 'acknowledged', acknowledgedBy: { name: 'you@example.com', email: 'you@example.com' } })],
      shift: { start, end }, now: end, timeZone: 'UTC', who: 'you@example.com',
    });
    assert.match(md, /^# Shift handoff — you@example\.com$/m);
    assert.ok(md.includes('ZeroDivisionError (DivisionByZero) in checkout-api v1.2 — checkout-api'), md);
    assert.ok(md.includes('resolved by Kenji Watanabe at Fri 20 Nov 11:00'), 'who resolved it and when');
    assert.ok(md.includes('a \\*b\\* \\`c\\` \\$x\\$ \\~\\~d\\~\\~ \\| e'), 'markup characters are escaped');
    assert.ok(md.includes('acked by you'), 'my own ack reads "you"');
    assert.doesNotMatch(md, /^\| *\| *\|$/m, 'no empty table header');
  });
});
