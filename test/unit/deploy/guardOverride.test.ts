import * as assert from 'node:assert/strict';
import { overrideAnnotation, validateDeployOverride } from '../../../src/core/deploy/guardOverride';

describe('deploy override', () => {
  const base = { at: Date.parse('2026-03-27T17:10:00Z'), author: { name: 'Alice', email: 'alice@example.com' }, decisionSummary: 'Risky deploy: …' };

  it('trims and accepts a reason of 3..500 characters', () => {
    const v = validateDeployOverride({ ...base, reason: '  hotfix for INC-42, I am watching  ', service: 'checkout' });
    assert.ok(v.ok);
    assert.equal(v.value.reason, 'hotfix for INC-42, I am watching');
    assert.equal(v.value.service, 'checkout');
    assert.equal(validateDeployOverride({ ...base, reason: 'a'.repeat(500) }).ok, true);
  });

  it('requires a reason and rejects too short/long ones', () => {
    const msg = (input: unknown): string => {
      const v = validateDeployOverride(input);
      return v.ok ? 'ok' : v.errors.join(' | ');
    };
    assert.match(msg(base), /reason is required/);
    assert.match(msg({ ...base, reason: '  ok  ' }), /at least 3/);
    assert.match(msg({ ...base, reason: 'a'.repeat(501) }), /at most 500/);
    assert.match(msg({ ...base, reason: 'fine', at: 'now' }), /`at`/);
    assert.match(msg({ ...base, reason: 'fine', author: {} }), /author/);
    assert.match(msg(null), /must be an object/);
  });

  it('builds the annotate payload', () => {
    const v = validateDeployOverride({ ...base, reason: 'hotfix', service: 'checkout' });
    assert.ok(v.ok);
    assert.deepEqual(overrideAnnotation(v.value), {
      kind: 'deployOverride',
      text: 'Deploy guard overridden by Alice at 2026-03-27T17:10:00.000Z: hotfix (guard said: Risky deploy: …)',
      actor: base.author,
      service: 'checkout',
    });
  });
});
