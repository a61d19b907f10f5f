import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeServerMessage } from '../../../src/core/protocol/decode';
import { ALERT_LIMITS, capAlert, clipText, LABELS_OMITTED_KEY } from '../../../src/core/protocol/limits';
import type { Alert, ServerMessage } from '../../../src/core/protocol/types';
import { makeAlert } from '../../mocks/protocolExamples';

function decodedAlert(alert: Record<string, unknown>): Alert {
  const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert }));
  assert.ok(r.ok, r.ok ? '' : r.error);
  return (r.value as Extract<ServerMessage, { type: 'alert' }>).alert;
}

describe('protocol: per-alert caps (cut and marked, never a lost alert)', () => {
  it('an alert with 1e6 labels decodes with 100 of them and a marker saying how many were left out', function () {
    this.timeout(120_000); // a 14 MB frame: parsing it is slow on a loaded machine, and that is not what is tested
    const labels: Record<string, string> = {};
    for (let i = 0; i < 1_000_000; i++) labels[`l${i}`] = 'v';
    const a = decodedAlert({ ...makeAlert(), labels });
    assert.equal(Object.keys(a.labels).length, ALERT_LIMITS.maxLabels + 1);
    assert.equal(a.labels[LABELS_OMITTED_KEY], String(1_000_000 - ALERT_LIMITS.maxLabels));
    assert.equal(a.labels.l0, 'v');
  });

  it('long label names are left out (counted), long values cut; neither rejects the alert', () => {
    const a = decodedAlert({ ...makeAlert(), labels: { ['k'.repeat(5000)]: 'x', team: 'v'.repeat(1_000_000) } });
    assert.deepEqual(Object.keys(a.labels), ['team', LABELS_OMITTED_KEY]);
    assert.equal(a.labels.team!.length, ALERT_LIMITS.maxLabelValueChars);
    assert.ok(a.labels.team!.endsWith('…'));
    assert.equal(a.labels[LABELS_OMITTED_KEY], '1');
  });

  it('cuts title, description, stack trace and short fields; drops over-long URLs; bounds people', () => {
    const big = 'x'.repeat(2_000_000);
    const people = Array.from({ length: 10_000 }, (_, i) => ({ name: `p${i}${big.slice(0, 2000)}` }));
    const a = decodedAlert({ ...makeAlert(), title: big, description: big, stackTrace: big, service: big, environment: big, release: big, source: big, url: `https://x/${big}`, runbookUrl: `https://x/${big}`, assignees: people, acknowledgedBy: people[0], escalation: { level: 1, policy: big, targets: people } });
    assert.equal(a.title.length, ALERT_LIMITS.maxTitleChars);
    assert.equal(a.description!.length, ALERT_LIMITS.maxDescriptionChars);
    assert.equal(a.stackTrace!.length, ALERT_LIMITS.maxStackTraceChars);
    for (const s of [a.service, a.environment!, a.release!, a.source, a.escalation!.policy!, a.acknowledgedBy!.name]) assert.equal(s.length, ALERT_LIMITS.maxShortTextChars);
    assert.equal(a.url, undefined);
    assert.equal(a.runbookUrl, undefined);
    assert.equal(a.assignees.length, ALERT_LIMITS.maxPeople);
    assert.equal(a.escalation!.targets.length, ALERT_LIMITS.maxPeople);
    assert.ok(a.assignees.every((p) => p.name.length <= ALERT_LIMITS.maxShortTextChars));
    assert.ok(JSON.stringify(a).length < 400_000, `${JSON.stringify(a).length}`);
  });

  it('never cuts a surrogate pair in half', () => {
    const s = `${'a'.repeat(1022)}😀😀`;
    const cut = clipText(s, 1024);
    assert.ok(cut.length <= 1024);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), 'no lone high surrogate');
  });

  it('capAlert is idempotent and returns the same object when within the caps (property)', () => {
    const small = makeAlert();
    assert.equal(capAlert(small), small);
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 1100 }), fc.string({ maxLength: 1100 }), { maxKeys: 150, noNullPrototype: true }), fc.string({ maxLength: 3000 }), (labels, title) => {
        const once = capAlert({ ...small, labels, title });
        const twice = capAlert(once);
        assert.equal(twice, once);
        assert.ok(Object.keys(once.labels).length <= ALERT_LIMITS.maxLabels + 1);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('carries the optional open-alert fields: omitted on snapshots and events, hidden on alert events', () => {
    const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 3, alert: makeAlert(), hidden: true, omitted: 12 }));
    assert.ok(r.ok && r.value.type === 'alert');
    assert.equal(r.value.hidden, true);
    assert.equal(r.value.omitted, 12);
    const bad = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 3, alert: makeAlert(), omitted: -1 }));
    assert.ok(!bad.ok && /^omitted: /.test(bad.error));
  });
});
