/**
 * The sources' one lifecycle (shared/pollingSource.ts) and scheduler (shared/poller.ts), driven by a manual
 * clock: what every source (Alertmanager, PagerDuty, Splunk On-Call, Grafana IRM) relies on without
 * testing it again.
 */
import * as assert from 'node:assert';
import type { AlertAction, Person } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { Poller, type PollerOptions } from '../../../src/bridge/sources/shared/poller';
import { PollingSource, type PollSpec } from '../../../src/bridge/sources/shared/pollingSource';
import { VendorHttpError } from '../../../src/bridge/sources/shared/vendorHttp';
import type { SourceContext } from '../../../src/bridge/sources/types';
import { T0 } from './helpers';

/** A run that the test ends: `calls` counts starts, `finish(error?)` ends the oldest open one. */
class Runs {
  calls = 0;
  private readonly _open: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  readonly run = (): Promise<void> => {
    this.calls++;
    return new Promise<void>((resolve, reject) => this._open.push({ resolve, reject }));
  };
  get pending(): number {
    return this._open.length;
  }
  async finish(error?: unknown): Promise<void> {
    const r = this._open.shift();
    assert.ok(r, 'a run is in progress');
    if (error === undefined) r.resolve();
    else r.reject(error);
    // Let the poller's continuation (log, schedule) run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

/** Timers fire synchronously in advance(); the run they start settles in microtasks. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  clock.advance(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function poller(o: Partial<PollerOptions> & Pick<PollerOptions, 'run'>): { p: Poller; clock: ManualClock; logger: MemoryLogger } {
  const clock = new ManualClock(T0);
  const logger = new MemoryLogger();
  // random → 0.999: each backoff delay is (almost) its ceiling, so the schedule can be asserted exactly.
  const p = new Poller({ name: 'test poll', clock, logger, intervalMs: 1000, maxBackoffMs: 8000, random: () => 0.999, ...o });
  return { p, clock, logger };
}

describe('Poller: the sources\' one scheduler', () => {
  it('healthy: one run every interval, never two at once', async () => {
    const runs = new Runs();
    const { p, clock } = poller({ run: runs.run });
    void p.pollNow();
    assert.strictEqual(runs.calls, 1);
    await advance(clock, 5000);
    assert.strictEqual(runs.calls, 1, 'no second run while the first is in progress');
    await runs.finish();
    await advance(clock, 999);
    assert.strictEqual(runs.calls, 1);
    await advance(clock, 1);
    assert.strictEqual(runs.calls, 2);
    await runs.finish();
    p.stop();
  });

  it('after failures: full-jitter backoff from core/transport/backoff, from the interval up to the cap, reset by a success', async () => {
    const runs = new Runs();
    const { p, clock } = poller({ run: runs.run });
    void p.pollNow();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await runs.finish(new Error('down'));
      const before = runs.calls;
      let waited = 0;
      while (runs.calls === before) {
        await advance(clock, 1);
        waited++;
        assert.ok(waited <= 10_000, 'a retry is scheduled');
      }
      waits.push(waited);
    }
    // ceilings 1 s, 2 s, 4 s, 8 s, 8 s (the cap) × 0.999, never below the interval
    assert.deepStrictEqual(waits, [1000, 1998, 3996, 7992, 7992]);
    assert.strictEqual(p.failures, 5);
    await runs.finish();
    assert.strictEqual(p.failures, 0);
    await advance(clock, 1000);
    assert.strictEqual(runs.pending, 1, 'healthy again: back to the interval');
    await runs.finish();
    p.stop();
  });

  it('retryMinMs: a source may retry sooner than its interval (and never hammers: at least retryMinMs)', async () => {
    const runs = new Runs();
    const { p, clock } = poller({ run: runs.run, intervalMs: 30_000, retryMinMs: 1000, maxBackoffMs: 60_000, random: () => 0 });
    void p.pollNow();
    await runs.finish(new Error('refused'));
    await advance(clock, 999);
    assert.strictEqual(runs.calls, 1);
    await advance(clock, 1);
    assert.strictEqual(runs.calls, 2, 'random 0 would be 0 ms: the floor is retryMinMs');
    await runs.finish();
    await advance(clock, 29_999);
    assert.strictEqual(runs.calls, 2);
    await advance(clock, 1);
    assert.strictEqual(runs.calls, 3);
    p.stop();
  });

  it('waits at least the Retry-After the vendor asked for (429)', async () => {
    const runs = new Runs();
    const { p, clock, logger } = poller({ run: runs.run });
    void p.pollNow();
    await runs.finish(new VendorHttpError('GET /incidents: rate limited (429); retry after 120 s', 429, 120_000));
    await advance(clock, 119_999);
    assert.strictEqual(runs.calls, 1, 'not before Retry-After');
    await advance(clock, 1);
    assert.strictEqual(runs.calls, 2);
    assert.match(logger.lines.find((l) => l.level === 'warn')!.message, /^test poll failed: GET \/incidents: rate limited \(429\); retry after 120 s \(retrying in 120 s\)$/);
    await runs.finish();
    p.stop();
  });

  it('pollNow during a run: the run goes once more when it ends (coalesced), and every caller hears the last outcome', async () => {
    const runs = new Runs();
    const { p } = poller({ run: runs.run });
    const first = p.pollNow();
    const second = p.pollNow();
    const third = p.pollNow();
    assert.strictEqual(runs.calls, 1);
    await runs.finish(new Error('x'));
    assert.strictEqual(runs.calls, 2, 'one more run for both calls');
    await runs.finish();
    assert.deepStrictEqual(await Promise.all([first, second, third]), [true, true, true]);
    assert.strictEqual(runs.calls, 2);
    p.stop();
  });

  it('stop during a run: the run finishes, nothing is scheduled after it; idle waits for it', async () => {
    const runs = new Runs();
    const { p, clock } = poller({ run: runs.run });
    void p.pollNow();
    p.stop();
    let idle = false;
    const waiting = p.idle().then(() => (idle = true));
    await Promise.resolve();
    assert.strictEqual(idle, false, 'idle waits for the run in progress');
    await runs.finish();
    await waiting;
    assert.strictEqual(clock.pendingTimers, 0);
    await advance(clock, 3_600_000);
    assert.strictEqual(runs.calls, 1);
    assert.strictEqual(await p.pollNow(), true, 'a stopped poller runs nothing');
    assert.strictEqual(runs.calls, 1);
  });
});

describe('Poller: failure logging', () => {
  it('a new reason is logged again; the same one is debug until the 10-minute reminder; recovery is one line', async () => {
    let fail: string | undefined = 'connection refused';
    let calls = 0;
    const { p, clock, logger } = poller({
      run: () => {
        calls++;
        return fail === undefined ? Promise.resolve() : Promise.reject(new Error(fail));
      },
      intervalMs: 60_000,
      maxBackoffMs: 60_000,
      failedText: 'cannot read X',
      failureHint: 'kept as is',
      failureLevel: 'error',
      recoveredText: 'X answers again',
    });
    const loud = (): string[] => logger.lines.filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.message}`);
    await assert.rejects(p.start(), /connection refused/);
    for (let i = 0; i < 5; i++) await advance(clock, 60_000); // 5 more failures within 6 minutes
    assert.strictEqual(calls, 6);
    assert.deepStrictEqual(loud(), ['error cannot read X: connection refused (retrying in 60 s; kept as is)']);
    assert.strictEqual(logger.lines.filter((l) => l.level === 'debug').length, 5);
    for (let i = 0; i < 5; i++) await advance(clock, 60_000); // 10 minutes since the first line
    assert.strictEqual(loud().length, 2);
    assert.strictEqual(loud()[1], 'warn cannot read X, still (11 attempts): connection refused (retrying in 60 s; kept as is)');
    fail = 'HTTP 503';
    await advance(clock, 60_000);
    assert.strictEqual(loud()[2], 'error cannot read X: HTTP 503 (retrying in 60 s; kept as is)');
    fail = undefined;
    await advance(clock, 60_000);
    assert.strictEqual(loud()[3], 'info X answers again (after 12 failed attempts)');
    assert.strictEqual(loud().length, 4);
    p.stop();
  });

  it('defaults: "<name> failed" at warn, "<name> works again"', async () => {
    let ok = false;
    const { p, logger } = poller({ run: () => (ok ? Promise.resolve() : Promise.reject(new Error('boom'))) });
    assert.strictEqual(await p.pollNow(), false);
    ok = true;
    assert.strictEqual(await p.pollNow(), true);
    assert.deepStrictEqual(
      logger.lines.map((l) => `${l.level} ${l.message}`),
      ['warn test poll failed: boom (retrying in 1 s)', 'info test poll works again (after 1 failed attempt)'],
    );
    p.stop();
  });
});

type Id = 'first' | 'second';

class TestSource extends PollingSource<Id> {
  readonly name = 'demo';
  readonly capabilities = ['ack'] as const;
  readonly order: string[] = [];
  readyWith: boolean | undefined;
  readonly runs: Record<Id, Runs> = { first: new Runs(), second: new Runs() };

  constructor(private readonly _refuse: (e: unknown) => Error | undefined = () => undefined) {
    super('Test', { maxBackoffMs: 8000, random: () => 0.999 });
  }

  protected polls(): ReadonlyArray<PollSpec<Id>> {
    return (['first', 'second'] as const).map((id) => ({
      id,
      name: `test ${id} poll`,
      intervalMs: 1000,
      run: () => {
        this.order.push(id);
        return this.runs[id].run();
      },
    }));
  }

  protected override refuseStart(e: unknown): Error | undefined {
    return this._refuse(e);
  }

  protected override ready(ok: boolean): void {
    this.readyWith = ok;
  }

  async handleAction(_action: AlertAction, alertIds: readonly string[], _actor: Person | undefined): Promise<void> {
    await Promise.resolve();
    this.ctx.getAlert(alertIds[0] ?? '');
  }

  /** For the tests: the protected API. */
  poll(id: Id): Promise<boolean> {
    return this.pollNow(id);
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

function context(clock: ManualClock, logger: MemoryLogger): SourceContext {
  return {
    clock,
    logger,
    upsertAlert: () => undefined,
    resolveAlert: () => false,
    getAlert: () => undefined,
    alerts: () => [],
    setOnCall: () => undefined,
    addDeploy: () => undefined,
  };
}

describe('PollingSource: the sources\' one lifecycle', () => {
  it('not started: actions and polls say so instead of failing on undefined', async () => {
    const s = new TestSource();
    await assert.rejects(s.handleAction('ack', ['a'], undefined), /^Error: Test source not started$/);
    assert.strictEqual(await s.poll('first'), false);
    await s.stop(); // stopping what never started is fine
  });

  it('start runs every poll once, in order, before it resolves (the first snapshot has the state); then schedules them', async () => {
    const clock = new ManualClock(T0);
    const s = new TestSource();
    const started = s.start(context(clock, new MemoryLogger()));
    await Promise.resolve();
    assert.deepStrictEqual(s.order, ['first']);
    await s.runs.first.finish();
    assert.deepStrictEqual(s.order, ['first', 'second']);
    assert.strictEqual(s.readyWith, undefined);
    await s.runs.second.finish();
    await started;
    assert.strictEqual(s.readyWith, true);
    await advance(clock, 1000);
    assert.deepStrictEqual(s.order, ['first', 'second', 'first', 'second']);
    await s.runs.first.finish();
    await s.runs.second.finish();
    await s.stop();
    assert.strictEqual(clock.pendingTimers, 0);
    await assert.rejects(s.start(context(clock, new MemoryLogger())), /Test source started twice/);
  });

  it('a failed first run does not stop the start: logged, retried with backoff, ready(false)', async () => {
    const clock = new ManualClock(T0);
    const logger = new MemoryLogger();
    const s = new TestSource();
    const started = s.start(context(clock, logger));
    await s.runs.first.finish(new Error('unreachable'));
    await s.runs.second.finish();
    await started;
    assert.strictEqual(s.readyWith, false);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.message === 'test first poll failed: unreachable (retrying in 1 s)'));
    await advance(clock, 1000);
    assert.strictEqual(s.runs.first.pending, 1, 'retried');
    await s.runs.first.finish();
    await s.runs.second.finish();
    await s.stop();
  });

  it('refuseStart: a first-run failure that means bad credentials rejects start and leaves nothing running', async () => {
    const clock = new ManualClock(T0);
    const s = new TestSource((e) => (e instanceof VendorHttpError && e.isAuthError ? new Error(`rejected the token (${e.message})`) : undefined));
    const started = s.start(context(clock, new MemoryLogger()));
    await s.runs.first.finish(new VendorHttpError('GET /x: HTTP 401', 401));
    await assert.rejects(started, /^Error: rejected the token \(GET \/x: HTTP 401\)$/);
    assert.deepStrictEqual(s.order, ['first'], 'the second poll never ran');
    assert.strictEqual(clock.pendingTimers, 0);
    assert.strictEqual(s.isStopped, true);
    assert.strictEqual(s.readyWith, undefined);
  });

  it('stop during a poll: waits for the run in progress, then nothing runs again', async () => {
    const clock = new ManualClock(T0);
    const s = new TestSource();
    const started = s.start(context(clock, new MemoryLogger()));
    await s.runs.first.finish();
    await s.runs.second.finish();
    await started;
    void s.poll('second');
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.strictEqual(stopped, false, 'stop waits for the poll in progress');
    assert.strictEqual(s.isStopped, true, 'the run can see it should stop early');
    await s.runs.second.finish();
    await stopping;
    await advance(clock, 3_600_000);
    assert.deepStrictEqual(s.order, ['first', 'second', 'second']);
    assert.strictEqual(clock.pendingTimers, 0);
  });

  it('stop during start: the remaining first runs are not made and ready is not called', async () => {
    const clock = new ManualClock(T0);
    const s = new TestSource();
    const started = s.start(context(clock, new MemoryLogger()));
    const stopping = s.stop();
    await s.runs.first.finish();
    await stopping;
    await started;
    assert.deepStrictEqual(s.order, ['first']);
    assert.strictEqual(s.readyWith, undefined);
    assert.strictEqual(clock.pendingTimers, 0);
  });
});
