import * as assert from 'node:assert/strict';
import type { ConnectionStateInfo } from '../../../src/core/transport/connection';
import {
  ReconnectingSocket,
  type ReconnectingSocketBehaviour,
  type SocketConnectionOptions,
  type SocketOpenEvent,
} from '../../../src/core/transport/reconnectingSocket';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { FakeSocketFactory } from '../../mocks/fakeSocket';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const T0 = Date.UTC(2026, 0, 1);

function setup(connection: Partial<SocketConnectionOptions> = {}, behaviour: Partial<ReconnectingSocketBehaviour> = {}) {
  const clock = new ManualClock(T0);
  const logger = new MemoryLogger();
  const factory = new FakeSocketFactory();
  let reconnects = 0;
  const rs = new ReconnectingSocket(
    {
      url: 'ws://127.0.0.1:8787/feed',
      getToken: () => Promise.resolve('s3cret'),
      clock,
      logger: new MemoryLogger(),
      socketFactory: factory.create,
      random: () => 0.5,
      backoff: { baseMs: 1000, capMs: 30_000 },
      ...connection,
    },
    {
      logger,
      defaultHeartbeatMs: 15_000,
      openTimeoutMs: 10_000,
      authHeaders: (token) => ({ Authorization: `Bearer ${token}` }),
      describeClose: (code, reason) => ({ reason: `closed ${code}${reason ? ` ${reason}` : ''}`, fatal: code === 4001 }),
      openTimeoutText: (secs) => `no answer within ${secs} s`,
      heartbeatLostText: (secs) => `silent for ${secs} s`,
      onReconnect: () => reconnects++,
      ...behaviour,
    },
  );
  const states: ConnectionStateInfo[] = [];
  const messages: string[] = [];
  const closes: string[] = [];
  const opens: SocketOpenEvent[] = [];
  rs.onDidChangeState((s) => states.push(s));
  rs.onMessage((m) => messages.push(m));
  rs.onClose((r) => closes.push(r));
  rs.onOpen((e) => opens.push(e));
  return { clock, logger, factory, rs, states, messages, closes, opens, reconnects: () => reconnects };
}

type Env = ReturnType<typeof setup>;

/** connect → socket open → established; returns the socket. */
async function connect(env: Env) {
  env.rs.connect();
  await flush();
  const s = env.factory.last;
  s.open();
  env.rs.established();
  return s;
}

describe('ReconnectingSocket', () => {
  it('opens through the factory with the auth headers (never the token in the URL) and the socketUrl hook', async () => {
    const env = setup({}, { socketUrl: (u) => new URL(`${u.toString()}?since=abc`) });
    env.rs.connect();
    await flush();
    const s = env.factory.last;
    assert.equal(s.url, 'ws://127.0.0.1:8787/feed?since=abc');
    assert.deepEqual(s.options.headers, { Authorization: 'Bearer s3cret' });
    assert.deepEqual(
      env.states.map((x) => x.state),
      ['connecting'],
    );
    s.open();
    assert.equal(env.opens.length, 1);
    assert.equal(env.opens[0]?.token, 's3cret');
    assert.equal(env.opens[0]?.live(), true);
    env.rs.established();
    assert.equal(env.rs.state.state, 'connected');
  });

  it('sends no auth header without a token', async () => {
    const env = setup({ getToken: () => Promise.resolve(undefined) });
    env.rs.connect();
    await flush();
    assert.deepEqual(env.factory.last.options.headers, {});
  });

  it('stops in closed, without a socket, on a URL the policy refuses', async () => {
    const env = setup({ url: 'ws://oncall.example.com/' });
    env.rs.connect();
    await flush();
    assert.equal(env.factory.sockets.length, 0);
    assert.equal(env.rs.state.state, 'closed');
    assert.match(env.rs.state.lastError ?? '', /wss:\/\//);
  });

  it('passes frames of the current socket only, and sends on it', async () => {
    const env = setup();
    const s = await connect(env);
    s.receive('one');
    env.rs.send('hi');
    assert.deepEqual(s.sent, ['hi']);
    s.serverClose(1006);
    s.receive('late');
    assert.deepEqual(env.messages, ['one']);
    assert.throws(() => env.rs.send('nobody'), /not connected/);
  });

  it('drops a socket that is not established within openTimeoutMs, terminating it', async () => {
    const env = setup();
    env.rs.connect();
    await flush();
    env.factory.last.open();
    env.clock.advance(10_000);
    assert.ok(env.factory.last.terminated);
    assert.equal(env.rs.state.state, 'reconnecting');
    assert.equal(env.rs.state.lastError, 'no answer within 10 s');
    assert.deepEqual(env.closes, ['no answer within 10 s']);
  });

  it('asks isEstablished when given (instead of the connected state)', async () => {
    let established = false;
    const env = setup({}, { isEstablished: () => established });
    env.rs.connect();
    await flush();
    established = true;
    env.clock.advance(10_000);
    assert.equal(env.factory.last.terminated, false);
    assert.equal(env.rs.state.state, 'connecting');
  });

  it('pings every heartbeat; two beats without pong or message terminate and reconnect', async () => {
    const env = setup({ heartbeatMs: 15_000 });
    const s = await connect(env);
    env.clock.advance(15_000);
    s.pong();
    env.clock.advance(15_000);
    s.receive('alive');
    env.clock.advance(30_000);
    assert.equal(s.pings, 4);
    assert.equal(s.terminated, false);
    env.clock.advance(15_000);
    assert.equal(s.terminated, true);
    assert.equal(env.rs.state.state, 'reconnecting');
    assert.equal(env.rs.state.lastError, 'silent for 30 s');
    // The late close of the terminated socket changes nothing.
    s.serverClose(1006);
    assert.equal(env.closes.length, 1);
  });

  it('uses defaultHeartbeatMs when the options give none', async () => {
    const env = setup({}, { defaultHeartbeatMs: 5000 });
    const s = await connect(env);
    env.clock.advance(10_000);
    assert.equal(s.pings, 2);
  });

  it('logs drops as warnings and ping failures only when asked', async () => {
    const quiet = setup({ heartbeatMs: 1000 });
    const qs = await connect(quiet);
    qs.ping = () => {
      throw new Error('closing');
    };
    quiet.clock.advance(3000);
    assert.deepEqual(
      quiet.logger.lines.filter((l) => l.level === 'warn' || l.level === 'debug'),
      [],
    );

    const loud = setup({ heartbeatMs: 1000 }, { warnOnDrop: true, logPingFailures: true });
    const ls = await connect(loud);
    ls.ping = () => {
      throw new Error('closing');
    };
    loud.clock.advance(3000);
    assert.deepEqual(
      loud.logger.lines.filter((l) => l.level === 'warn' || l.level === 'debug'),
      [
        { level: 'debug', message: 'ping failed: closing' },
        { level: 'debug', message: 'ping failed: closing' },
        { level: 'warn', message: 'silent for 2 s' },
      ],
    );
  });

  it('reads a close through describeClose; terminates the socket only with terminateOnClose', async () => {
    const a = setup();
    const sa = await connect(a);
    sa.serverClose(1001, 'bye');
    assert.equal(sa.terminated, false);
    assert.equal(a.rs.state.lastError, 'closed 1001 bye');

    const b = setup({}, { terminateOnClose: true });
    const sb = await connect(b);
    sb.serverClose(1001);
    assert.equal(sb.terminated, true);
    assert.equal(b.rs.state.state, 'reconnecting');
  });

  it('stops retrying on a fatal close', async () => {
    const env = setup();
    const s = await connect(env);
    s.serverClose(4001);
    assert.equal(env.rs.state.state, 'closed');
    assert.equal(env.rs.state.lastError, 'closed 4001');
    assert.deepEqual(env.logger.lines.at(-1), { level: 'error', message: 'closed 4001' });
    env.clock.advance(120_000);
    assert.equal(env.factory.sockets.length, 1);
  });

  it('backs off with full jitter, says when in retryAt, and counts reconnect attempts', async () => {
    const env = setup();
    await connect(env);
    const expected = [500, 1000, 2000, 4000];
    for (const delay of expected) {
      env.factory.last.serverClose(1006);
      assert.equal(env.rs.state.state, 'reconnecting');
      assert.equal(env.rs.retryAt, env.clock.now() + delay);
      env.clock.advance(delay);
      assert.deepEqual(env.rs.state, { state: 'reconnecting', lastError: 'closed 1006' });
      await flush();
    }
    assert.equal(env.reconnects(), expected.length);
    assert.equal(env.factory.sockets.length, expected.length + 1);
    assert.ok(env.logger.lines.some((l) => l.message === 'reconnecting in 1 s: closed 1006'));
  });

  it('resets the backoff once a connection has been established for stableAfterMs', async () => {
    const env = setup({ stableAfterMs: 10_000 });
    await connect(env);
    for (let i = 0; i < 3; i++) {
      env.factory.last.serverClose(1006);
      env.clock.advance(env.rs.retryAt! - env.clock.now());
      await flush();
    }
    env.factory.last.open();
    env.rs.established();
    env.clock.advance(9_999);
    env.factory.last.serverClose(1006);
    assert.equal(env.rs.retryAt, env.clock.now() + 4000); // not stable yet: the backoff kept climbing
    env.clock.advance(4000);
    await flush();
    env.factory.last.open();
    env.rs.established();
    env.clock.advance(10_000);
    env.factory.last.serverClose(1006);
    assert.equal(env.rs.retryAt, env.clock.now() + 500);
  });

  it('retries when reading the token fails', async () => {
    const env = setup({ getToken: () => Promise.reject(new Error('keychain locked')) });
    env.rs.connect();
    await flush();
    assert.equal(env.rs.state.state, 'reconnecting');
    assert.equal(env.rs.state.lastError, 'could not read the token: keychain locked');
  });

  it('ignores a token read that finishes after disconnect()', async () => {
    let release: (t: string) => void = () => undefined;
    const env = setup({ getToken: () => new Promise<string>((r) => (release = r)) });
    env.rs.connect();
    env.rs.disconnect();
    release('late');
    await flush();
    assert.equal(env.factory.sockets.length, 0);
    assert.equal(env.rs.state.state, 'closed');
  });

  it('connect() is a no-op while connecting, connected or waiting to retry', async () => {
    const env = setup();
    const s = await connect(env);
    env.rs.connect();
    await flush();
    assert.equal(env.factory.sockets.length, 1);
    s.serverClose(1006);
    env.rs.connect();
    await flush();
    assert.equal(env.factory.sockets.length, 1);
  });

  it('disconnect() closes with 1000, cancels the retry and stays closed until connect()', async () => {
    const env = setup();
    const s = await connect(env);
    env.rs.disconnect();
    assert.deepEqual(s.closed, { code: 1000, reason: 'client closing' });
    assert.deepEqual(env.rs.state, { state: 'closed' });
    s.serverClose(1000);
    env.clock.advance(60_000);
    assert.equal(env.factory.sockets.length, 1);
    assert.deepEqual(env.closes, []);
    assert.equal(env.clock.pendingTimers, 0);
    await connect(env);
    assert.equal(env.rs.state.state, 'connected');
    assert.equal(env.factory.sockets.length, 2);
  });

  it('disconnect(error) logs the error and keeps it as lastError', async () => {
    const env = setup();
    await connect(env);
    env.rs.disconnect('wrong protocol');
    assert.deepEqual(env.rs.state, { state: 'closed', lastError: 'wrong protocol' });
    assert.deepEqual(env.logger.lines.at(-1), { level: 'error', message: 'wrong protocol' });
  });

  it('drop() terminates the current socket and reconnects (or stops when fatal); no-op without a socket', async () => {
    const env = setup();
    env.rs.drop('nothing to drop');
    assert.equal(env.rs.state.state, 'idle');
    const s = await connect(env);
    env.rs.drop('went stale');
    assert.equal(s.terminated, true);
    assert.equal(env.rs.state.lastError, 'went stale');
    assert.equal(env.rs.state.state, 'reconnecting');
    env.clock.advance(env.rs.retryAt! - env.clock.now());
    await flush();
    const s2 = env.factory.last;
    s2.open();
    env.rs.drop('bad token', true);
    assert.deepEqual(env.rs.state, { state: 'closed', lastError: 'bad token' });
  });

  it('live() of an open event turns false once that connection is gone', async () => {
    const env = setup();
    await connect(env);
    const live = env.opens[0]!.live;
    assert.equal(live(), true);
    env.factory.last.serverClose(1006);
    assert.equal(live(), false);
  });

  it('dispose() closes the socket and cancels every timer', async () => {
    const env = setup();
    const s = await connect(env);
    env.rs.dispose();
    assert.equal(s.closed?.code, 1000);
    assert.equal(env.clock.pendingTimers, 0);
    env.rs.connect();
    await flush();
    assert.equal(env.factory.sockets.length, 1);
  });
});
