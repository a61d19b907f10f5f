import * as assert from 'node:assert';
import { lazy } from '../../../src/host/lazy';

describe('lazy (features built on first need)', () => {
  it('builds nothing until read, then builds once and keeps the value', () => {
    let builds = 0;
    const l = lazy(() => ({ n: ++builds }));
    assert.strictEqual(builds, 0);
    assert.strictEqual(l.built, false);
    const first = l.value;
    assert.strictEqual(l.value, first);
    assert.deepStrictEqual([builds, l.built], [1, true]);
  });

  it('a build that throws is not kept: the next read tries again', () => {
    let fail = true;
    const l = lazy(() => {
      if (fail) throw new Error('lazy-features.js is missing');
      return 'ok';
    });
    assert.throws(() => l.value, /missing/);
    assert.strictEqual(l.built, false);
    fail = false;
    assert.strictEqual(l.value, 'ok');
  });

  it('a feature that needs itself while being built is an error, not endless recursion', () => {
    const l: { readonly value: number } = lazy((): number => l.value + 1);
    assert.throws(() => l.value, /while it is being built/);
  });
});
