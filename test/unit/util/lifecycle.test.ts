import * as assert from 'node:assert';
import { ManualClock } from '../../../src/core/util/clock';
import { Disposable, DisposableStore, toDisposable } from '../../../src/core/util/disposable';
import { Emitter } from '../../../src/core/util/event';

class Owner extends Disposable {
  add(fn: () => void): void {
    this._register(toDisposable(fn));
  }
}

describe('Disposable / DisposableStore', () => {
  it('disposes registered items once, in reverse order', () => {
    const order: number[] = [];
    const o = new Owner();
    o.add(() => order.push(1));
    o.add(() => order.push(2));
    o.dispose();
    o.dispose();
    assert.deepStrictEqual(order, [2, 1]);
  });

  it('disposes at once what is registered after disposal (no leak)', () => {
    const o = new Owner();
    o.dispose();
    let disposed = false;
    o.add(() => (disposed = true));
    assert.strictEqual(disposed, true);
  });

  it('keeps disposing the others when one throws, then reports the failure', () => {
    const s = new DisposableStore();
    let second = false;
    s.add(toDisposable(() => (second = true)));
    s.add(toDisposable(() => { throw new Error('boom'); }));
    assert.throws(() => s.clear(), /boom/);
    assert.strictEqual(second, true);
  });

  it('a cleared store is reusable (one connection scope after another)', () => {
    const s = new DisposableStore();
    let n = 0;
    s.add(toDisposable(() => n++));
    s.clear();
    s.add(toDisposable(() => n++));
    s.dispose();
    assert.strictEqual(n, 2);
  });
});

describe('Emitter', () => {
  it('a throwing listener does not stop the others and is reported', () => {
    const errors: unknown[] = [];
    const e = new Emitter<number>((err) => errors.push(err));
    const got: number[] = [];
    e.event(() => { throw new Error('bad listener'); });
    e.event((v) => got.push(v));
    e.fire(7);
    assert.deepStrictEqual(got, [7]);
    assert.strictEqual(errors.length, 1);
  });

  it('unsubscribes', () => {
    const e = new Emitter<number>();
    const got: number[] = [];
    const sub = e.event((v) => got.push(v));
    e.fire(1);
    sub.dispose();
    e.fire(2);
    assert.deepStrictEqual(got, [1]);
  });
});

describe('ManualClock', () => {
  it('fires timers in time order as time advances, intervals repeatedly', () => {
    const c = new ManualClock(1000);
    const log: string[] = [];
    c.setTimeout(() => log.push(`t300@${c.now()}`), 300);
    c.setTimeout(() => log.push(`t100@${c.now()}`), 100);
    const iv = c.setInterval(() => log.push(`i250@${c.now()}`), 250);
    c.advance(600);
    iv.dispose();
    c.advance(1000);
    assert.deepStrictEqual(log, ['t100@1100', 'i250@1250', 't300@1300', 'i250@1500']);
    assert.strictEqual(c.now(), 2600);
  });

  it('a disposed timeout never fires', () => {
    const c = new ManualClock();
    let fired = false;
    c.setTimeout(() => (fired = true), 10).dispose();
    c.advance(100);
    assert.strictEqual(fired, false);
  });
});
