import * as assert from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { CloseCodes } from '../../../src/core/protocol/closeCodes';
import type { Person } from '../../../src/core/protocol/types';
import { StreamLogger } from '../../../src/bridge/log';
import { readiness, type ClusterStatus } from '../../../src/bridge/metrics';
import { DRAIN_CLOSE_REASON } from '../../../src/bridge/server';
import { VendorHttp } from '../../../src/bridge/sources/shared/vendorHttp';
import type { SourceContext, SourceModule } from '../../../src/bridge/sources/types';
import { nullLogger } from '../../../src/core/util/logger';
import { startTestBridge, TestClient, useTestBridges, waitUntil } from './helpers';

const TOKEN = 'b'.repeat(40);
const METRICS_TOKEN = 'm'.repeat(40);

function request(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(path, url.replace(/^ws/, 'http'));
  return new Promise((resolve, reject) => {
    const req = http.get(u, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

/** The value of one sample line ("name{labels} value") in a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A source whose acks wait for the test to let them finish (an action "in flight"). */
class GatedSource implements SourceModule {
  readonly name = 'demo';
  readonly capabilities = ['ack'];
  readonly started: Array<{ ids: readonly string[]; release: () => void }> = [];
  ctx: SourceContext | undefined;
  start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    return Promise.resolve();
  }
  handleAction(_a: string, ids: readonly string[], _actor: Person | undefined): Promise<void> {
    return new Promise((release) => this.started.push({ ids, release: () => release() }));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

describe('bridge operations: /metrics', () => {
  const t = useTestBridges();

  it('needs the bridge token or the metrics-only token when a token is configured; the metrics token opens nothing else', async () => {
    const b = await t.start({ token: TOKEN, metricsToken: METRICS_TOKEN, demoMode: false, processMetrics: false });
    assert.strictEqual((await request(b.url, '/metrics')).status, 401);
    assert.strictEqual((await request(b.url, '/metrics', { authorization: 'Bearer wrong-wrong-wrong-wrong-wrong-wrong' })).status, 401);
    const viaBridge = await request(b.url, '/metrics', { authorization: `Bearer ${TOKEN}` });
    assert.strictEqual(viaBridge.status, 200);
    assert.match(viaBridge.headers['content-type'] ?? '', /^text\/plain/);
    assert.strictEqual((await request(b.url, '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status, 200);
    // A scraper's token cannot act as an editor.
    const editor = t.track(new TestClient(b.url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }));
    await assert.rejects(editor.opened, /HTTP 401/);
    // /healthz and /readyz stay open (probes carry no token) and refuse web pages.
    assert.strictEqual((await request(b.url, '/readyz')).status, 200);
    assert.strictEqual((await request(b.url, '/readyz', { origin: 'https://evil.example' })).status, 403);
  });

  it('counts editors, events, frames sent, replays vs snapshots, and queued bytes', async () => {
    const b = await t.start({ processMetrics: false });
    const m0 = await b.server.metrics.text();
    assert.strictEqual(sample(m0, 'oncall_bridge_editors_connected'), 0);
    assert.strictEqual(sample(m0, 'oncall_bridge_resumes_total{kind="snapshot"}'), 0);
    const a = t.dial();
    const c = t.dial();
    assert.strictEqual((await a.handshake(-1)).type, 'snapshot');
    const seq = b.server.world.seq;
    await c.opened;
    assert.strictEqual((await c.next()).type, 'hello');
    c.send({ type: 'resume', lastSeq: seq }); // up to date: an empty replay
    await c.quiet(100);
    const events0 = sample(await b.server.metrics.text(), 'oncall_bridge_events_total') ?? NaN;
    const before = b.server.world.getAlert('DEMO-1001')!;
    for (let i = 1; i <= 3; i++) b.server.world.upsertAlert({ ...before, title: `changed ${i}`, updatedAt: new Date(Date.parse(before.updatedAt) + i * 1000).toISOString() });
    await a.nextOfType('alert');
    const m = await b.server.metrics.text();
    assert.strictEqual(sample(m, 'oncall_bridge_editors_connected'), 2);
    assert.strictEqual(sample(m, 'oncall_bridge_events_total'), events0 + 3);
    assert.strictEqual(sample(m, 'oncall_bridge_event_frames_sent_total'), 6, 'three events to two live editors');
    assert.strictEqual(sample(m, 'oncall_bridge_resumes_total{kind="snapshot"}'), 1);
    assert.strictEqual(sample(m, 'oncall_bridge_resumes_total{kind="replay"}'), 1);
    assert.ok((sample(m, 'oncall_bridge_queued_bytes') ?? -1) >= 0);
    assert.strictEqual(sample(m, 'oncall_bridge_leader'), 1, 'a single in-memory bridge leads itself');
    assert.strictEqual(sample(m, 'oncall_bridge_redis_state{state="off"}'), 1);
  });

  it('includes the Node process metrics unless turned off', async () => {
    const b = await t.start();
    const m = await b.server.metrics.text();
    assert.ok((sample(m, 'oncall_bridge_process_resident_memory_bytes') ?? 0) > 0, 'RSS is reported');
    assert.match(m, /^oncall_bridge_nodejs_eventloop_lag_seconds /m);
  });

  it('takes leader status and Redis latency from the cluster provider', async () => {
    let status: ClusterStatus = { redis: 'up', redisLatencyMs: 4, leader: { self: false, id: 'replica-b' } };
    const b = await t.start({ processMetrics: false, clusterStatus: () => status });
    let m = await b.server.metrics.text();
    assert.strictEqual(sample(m, 'oncall_bridge_leader'), 0);
    assert.strictEqual(sample(m, 'oncall_bridge_leader_known'), 1);
    assert.strictEqual(sample(m, 'oncall_bridge_redis_state{state="up"}'), 1);
    assert.strictEqual(sample(m, 'oncall_bridge_redis_latency_seconds'), 0.004);
    status = { redis: 'down', leader: { self: false } };
    m = await b.server.metrics.text();
    assert.strictEqual(sample(m, 'oncall_bridge_redis_state{state="down"}'), 1);
    assert.strictEqual(sample(m, 'oncall_bridge_leader_known'), 0);
  });

  it('vendor API latency and errors per source, measured in the shared vendor HTTP client', async () => {
    const b = await t.start({ processMetrics: false });
    const statuses = [200, 500, 429];
    const vendor = http.createServer((_req, res) => {
      const s = statuses.shift() ?? 200;
      res.writeHead(s, { 'content-type': 'application/json', ...(s === 429 ? { 'retry-after': '0' } : {}) });
      res.end(s === 200 ? '{"ok":true}' : '{"error":{"message":"nope"}}');
    });
    await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
    try {
      const port = (vendor.address() as AddressInfo).port;
      // What VendorSource.prepare passes: the bridge's observer from the source context.
      const ctx = (b.server as unknown as { _context(): SourceContext })._context();
      const api = new VendorHttp({ vendor: 'PagerDuty', baseUrl: `http://127.0.0.1:${port}/`, headers: { authorization: 'Token token=secret' }, logger: nullLogger, maxRateLimitRetries: 0, observe: ctx.observeVendorCall! });
      await api.request('GET', 'incidents');
      await assert.rejects(api.request('GET', 'incidents'), /HTTP 500/);
      await assert.rejects(api.request('POST', 'incidents', { body: {} }), /429/);
      const m = await b.server.metrics.text();
      assert.strictEqual(sample(m, 'oncall_bridge_vendor_request_duration_seconds_count{source="PagerDuty",method="GET",outcome="ok"}'), 1);
      assert.strictEqual(sample(m, 'oncall_bridge_vendor_request_errors_total{source="PagerDuty",outcome="http_error"}'), 1);
      assert.strictEqual(sample(m, 'oncall_bridge_vendor_request_errors_total{source="PagerDuty",outcome="rate_limited"}'), 1);
      assert.doesNotMatch(m, /secret|incidents/, 'no token, no path in the labels');
    } finally {
      await new Promise<void>((r) => vendor.close(() => r()));
    }
  });

  it('hands every editor the same encoded Buffer for an event (encoded once, not once per editor)', async () => {
    const b = await t.start({ processMetrics: false });
    const editors = [t.dial(), t.dial(), t.dial()];
    for (const e of editors) await e.handshake(-1);
    const sent: unknown[] = [];
    const original = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
      sent.push(data);
      return (original as (...a: unknown[]) => void).call(this, data, ...rest);
    } as typeof original;
    try {
      const a = b.server.world.getAlert('DEMO-1001')!;
      b.server.world.upsertAlert({ ...a, title: 'once', updatedAt: new Date(Date.parse(a.updatedAt) + 1000).toISOString() });
    } finally {
      WebSocket.prototype.send = original;
    }
    assert.strictEqual(sent.length, 3);
    assert.ok(Buffer.isBuffer(sent[0]), 'a Buffer, not a string each socket converts again');
    assert.ok(sent.every((d) => d === sent[0]), 'the very same Buffer for every editor');
    for (const e of editors) assert.strictEqual((await e.nextOfType('alert')).alert.title, 'once', 'and it arrives as a normal text frame');
  });
});

describe('bridge operations: /readyz', () => {
  const t = useTestBridges();

  it('reasons: draining, Redis unreachable, no leader known; a failing provider is "not ready", not a crash', () => {
    assert.deepStrictEqual(readiness(undefined, false), { ready: true, reasons: [] });
    assert.deepStrictEqual(readiness(() => ({ redis: 'up', leader: { self: false, id: 'b' } }), false), { ready: true, reasons: [] });
    const r = readiness(() => ({ redis: 'down', leader: { self: false } }), true);
    assert.strictEqual(r.ready, false);
    assert.deepStrictEqual(r.reasons.map((x) => x.split(':')[0]!.split(' ')[0]), ['draining', 'Redis', 'no']);
    const broken = readiness(() => {
      throw new Error('not connected yet');
    }, false);
    assert.deepStrictEqual(broken, { ready: false, reasons: ['the cluster status is unavailable: not connected yet'] });
  });

  it('answers 200 in memory and 503 with the reasons from the provider', async () => {
    let status: ClusterStatus = { redis: 'off', leader: { self: true } };
    const b = await t.start({ clusterStatus: () => status, processMetrics: false });
    const ok = await request(b.url, '/readyz');
    assert.strictEqual(ok.status, 200);
    assert.deepStrictEqual(JSON.parse(ok.body), { ready: true, reasons: [] });
    status = { redis: 'down', leader: { self: false } };
    const bad = await request(b.url, '/readyz');
    assert.strictEqual(bad.status, 503);
    assert.deepStrictEqual(JSON.parse(bad.body).reasons, ['Redis is unreachable', 'no leader is known: no replica holds the source lease']);
    assert.strictEqual((await request(b.url, '/healthz')).status, 200, 'liveness is not readiness');
  });
});

describe('bridge operations: JSON logs', () => {
  it('one JSON object per line with time, level, msg, component; control characters cannot split a line', () => {
    const lines: string[] = [];
    const log = new StreamLogger('debug', (l) => lines.push(l), () => new Date('2026-12-01T10:00:00Z'), 'json');
    log.info('[bridge] [source:pagerduty] polled 3 incidents', { n: 3 });
    log.warn('client #4: invalid message: bad\n2026-12-01T10:00:00.000Z ERROR forged\u2028line');
    log.trace('hidden');
    assert.strictEqual(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1 && !/[\u2028\u2029]/.test(l)), 'exactly one line each');
    assert.deepStrictEqual(JSON.parse(lines[0]!), { time: '2026-12-01T10:00:00.000Z', level: 'info', msg: 'polled 3 incidents', component: 'bridge/source:pagerduty', args: '{ n: 3 }' });
    assert.strictEqual(JSON.parse(lines[1]!).msg, 'client #4: invalid message: bad\n2026-12-01T10:00:00.000Z ERROR forged\u2028line');
    // The default stays the text format.
    const text: string[] = [];
    new StreamLogger('info', (l) => text.push(l), () => new Date('2026-12-01T10:00:00Z')).info('[bridge] hi');
    assert.deepStrictEqual(text, ['2026-12-01T10:00:00.000Z INFO  [bridge] hi\n']);
  });

  it('a bridge logging in JSON never writes its token, even for clients that send wrong ones', async () => {
    const lines: string[] = [];
    const b = await startTestBridge({ token: TOKEN, demoMode: false, logger: new StreamLogger('trace', (l) => lines.push(l), undefined, 'json'), processMetrics: false });
    try {
      const good = new TestClient(b.url, { headers: { authorization: `Bearer ${TOKEN}` } });
      await good.handshake(-1);
      const bad = new TestClient(b.url, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } });
      await assert.rejects(bad.opened);
      await request(b.url, '/metrics', { authorization: `Bearer ${'y'.repeat(40)}` });
      good.ws.terminate();
      await waitUntil('the disconnect to be logged', () => lines.some((l) => /disconnected/.test(l)));
    } finally {
      await b.server.close();
    }
    assert.ok(lines.length > 3);
    for (const l of lines) {
      const rec = JSON.parse(l) as Record<string, unknown>;
      assert.deepStrictEqual(Object.keys(rec).filter((k) => !['time', 'level', 'msg', 'component', 'args'].includes(k)), []);
      assert.ok(!l.includes(TOKEN) && !l.includes('x'.repeat(40)) && !l.includes('y'.repeat(40)), `a token in the log: ${l}`);
    }
  });
});

describe('bridge operations: drain', () => {
  const t = useTestBridges();

  it('refuses new editors and new actions, finishes the action in flight, then closes editors with 1001 and a hint', async () => {
    const source = new GatedSource();
    const b = await t.start({ source: source, processMetrics: false });
    const editor = t.dial();
    await editor.handshake(-1);
    const closed = new Promise<{ code: number; reason: string }>((r) => editor.ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    editor.send({ type: 'ack', requestId: 'in-flight', alertIds: ['A-1'] });
    await waitUntil('the ack to reach the source', () => source.started.length === 1);

    const drained = b.server.drain(10_000);
    assert.strictEqual(b.server.draining, true);
    const ready = await request(b.url, '/readyz');
    assert.strictEqual(ready.status, 503);
    assert.match(String(JSON.parse(ready.body).reasons[0]), /^draining/);
    const late = t.dial();
    await assert.rejects(late.opened, /HTTP 503/);
    editor.send({ type: 'ack', requestId: 'late', alertIds: ['A-2'] });
    const refused = await editor.nextOfType('result');
    assert.deepStrictEqual([refused.requestId, refused.ok], ['late', false]);
    assert.match(refused.ok ? '' : (refused.error ?? ''), /shutting down and did not send this/);
    assert.strictEqual(source.started.length, 1, 'the late ack never reached the source');
    assert.strictEqual(editor.ws.readyState, WebSocket.OPEN, 'still connected while the action is in flight');

    source.started[0]!.release();
    const done = await editor.nextOfType('result');
    assert.deepStrictEqual([done.requestId, done.ok], ['in-flight', true], 'the editor hears the outcome before it is closed');
    assert.deepStrictEqual(await closed, { code: CloseCodes.goingAway, reason: DRAIN_CLOSE_REASON });
    await drained;
  });

  it('waits for actions in flight only up to its bound', async () => {
    const source = new GatedSource();
    const b = await t.start({ source: source, processMetrics: false });
    const editor = t.dial();
    await editor.handshake(-1);
    editor.send({ type: 'ack', requestId: 'stuck', alertIds: ['A-1'] });
    await waitUntil('the ack to reach the source', () => source.started.length === 1);
    await b.server.drain(200);
    assert.strictEqual(await editor.closed, CloseCodes.goingAway);
    assert.ok(b.logger.lines.some((l) => /still unanswered after 0.2 s/.test(l.message)));
  });
});
