/**
 * Fast tests of the Alertmanager source: mapping and validation on real Alertmanager 0.25 output
 * (test/fixtures/alertmanager, see its README), the CLI options, and the module's webhook, reconcile and
 * action edge cases against a small in-process stand-in for Alertmanager's REST API. The real
 * Alertmanager is exercised in test/alertmanager/alertmanager.real.test.ts (npm run test:alertmanager).
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBridgeArgs } from '../../../src/bridge/args';
import { BridgeServer } from '../../../src/bridge/server';
import { AlertmanagerSource, WEBHOOK_PATH } from '../../../src/bridge/sources/alertmanager/alertmanagerSource';
import {
  ACK_COMMENT,
  DEFAULT_MAPPING,
  formatActor,
  isAckSilenceFor,
  mapSeverity,
  matchersFor,
  parseActor,
  sameAlert,
  toProtocolAlert,
} from '../../../src/bridge/sources/alertmanager/mapping';
import { ApiAlertsSchema, ApiSilenceSchema, ApiSilencesSchema, parseWith, WebhookSchema } from '../../../src/bridge/sources/alertmanager/schemas';
import { decodeServerMessage } from '../../../src/core/protocol/decode';
import type { Alert } from '../../../src/core/protocol/types';
import { MemoryLogger } from '../../../src/core/util/logger';
import { fixture } from '../../testUtil/paths';
import { TestClient, waitUntil } from './helpers';

const load = (name: string): unknown => JSON.parse(fs.readFileSync(fixture('alertmanager', name), 'utf8'));
const T = Date.parse('2026-11-23T13:00:00Z');

function webhook(name: string) {
  const r = parseWith(WebhookSchema, load(name));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The alert as a client would decode it: what the bridge sends must pass the protocol's own validation. */
function viaProtocol(alert: Alert): Alert {
  const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert }));
  if (!r.ok) throw new Error(r.error);
  assert.ok(r.value.type === 'alert');
  return r.value.alert;
}

describe('Alertmanager source: mapping of real payloads', () => {
  it('a firing webhook (version 4) becomes a triggered alert with every field mapped', () => {
    const body = webhook('webhook-firing.json');
    assert.strictEqual(body.alerts.length, 1);
    const am = body.alerts[0]!;
    assert.strictEqual(am.endsAt, undefined, 'Go zero time = no end');
    const a = viaProtocol(toProtocolAlert(am, { kind: 'firing' }, DEFAULT_MAPPING, T));
    assert.deepStrictEqual(
      { ...a, updatedAt: undefined },
      {
        id: 'b46cff46a99192fc',
        title: 'Error rate > 5%',
        description: 'desc',
        severity: 'critical',
        status: 'triggered',
        service: 'checkout',
        environment: 'prod',
        startedAt: '2026-11-23T12:53:01.786Z',
        updatedAt: undefined,
        assignees: [],
        labels: { alertname: 'HighErrorRate', commit: 'abc1234', env: 'prod', service: 'checkout', severity: 'critical' },
        source: 'alertmanager',
        runbookUrl: 'https://runbooks.example/x',
        url: 'http://prom.example/graph?g0.expr=x',
        stackTrace: 'Error: boom\n    at f (/app/src/a.js:1:2)',
        commitSha: 'abc1234',
      },
    );
  });

  it('a group: service falls back along the configured labels, a 40-hex revision is the commit, traces from a configurable annotation', () => {
    const [api, worker] = webhook('webhook-firing-group.json').alerts;
    const a = toProtocolAlert(api!, { kind: 'firing' }, DEFAULT_MAPPING, T);
    assert.strictEqual(a.service, 'payments');
    assert.strictEqual(a.environment, 'staging');
    assert.strictEqual(a.severity, 'warning');
    assert.strictEqual(a.commitSha, '9fceb02d0ae598e95dc970b74767f19372d61af8');
    assert.match(a.stackTrace ?? '', /^Traceback/);
    const custom = toProtocolAlert(api!, { kind: 'firing' }, { severityLabel: 'environment', serviceLabels: ['job'], traceAnnotation: 'description' }, T);
    assert.strictEqual(custom.service, 'payments-api');
    assert.strictEqual(custom.severity, 'warning'); // "staging" is no severity word → warning
    assert.strictEqual(custom.stackTrace, 'p99 latency of payments-api is 2.4s (threshold 2s)');
    const w = toProtocolAlert(worker!, { kind: 'firing' }, DEFAULT_MAPPING, T);
    assert.strictEqual(w.commitSha, undefined);
    assert.strictEqual(w.runbookUrl, undefined);
  });

  it('a resolved webhook carries the end time; an empty generatorURL is no link', () => {
    const am = webhook('webhook-resolved.json').alerts[0]!;
    assert.strictEqual(am.status, 'resolved');
    const a = viaProtocol(toProtocolAlert(am, { kind: 'resolved', at: am.endsAt! }, DEFAULT_MAPPING, T));
    assert.strictEqual(a.status, 'resolved');
    assert.strictEqual(a.resolvedAt, '2026-11-23T12:53:15.000Z');
    assert.strictEqual(a.url, undefined);
  });

  it('the REST answers validate; a silence made by an ack is recognised as one, and names who acked', () => {
    const alerts = parseWith(ApiAlertsSchema, load('api-alerts.json'));
    assert.ok(alerts.ok, alerts.ok ? '' : alerts.error);
    const silenced = alerts.value.find((a) => a.status.silencedBy.length > 0)!;
    const silence = parseWith(ApiSilenceSchema, load('api-silence.json'));
    assert.ok(silence.ok);
    assert.strictEqual(silenced.status.silencedBy[0], silence.value.id);
    assert.ok(isAckSilenceFor(silence.value, silenced.labels));
    const other = alerts.value.find((a) => a !== silenced)!;
    assert.ok(!isAckSilenceFor(silence.value, other.labels));
    assert.deepStrictEqual(parseActor(silence.value.createdBy), { name: 'Carol Jones', email: 'carol@example.com' });
    const a = viaProtocol(toProtocolAlert(silenced, { kind: 'firing', ack: { by: parseActor(silence.value.createdBy), at: silence.value.startsAt } }, DEFAULT_MAPPING, T));
    assert.strictEqual(a.status, 'acknowledged');
    assert.strictEqual(a.acknowledgedAt, '2026-11-23T12:54:57.724Z');
    assert.ok(parseWith(ApiSilencesSchema, load('api-silences.json')).ok);
  });

  it('the same facts map to the same alert (reconciles do not spam events), whatever the key order', () => {
    const am = webhook('webhook-firing.json').alerts[0]!;
    const a = toProtocolAlert(am, { kind: 'firing' }, DEFAULT_MAPPING, T);
    const b = toProtocolAlert(am, { kind: 'firing' }, DEFAULT_MAPPING, T + 60_000);
    assert.ok(sameAlert(a, b));
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as Alert;
    assert.ok(sameAlert(a, reordered));
    assert.ok(!sameAlert(a, { ...a, status: 'acknowledged' }));
  });

  it('severity words, people and matchers', () => {
    const table: Array<[string | undefined, string]> = [
      ['critical', 'critical'], ['PAGE', 'critical'], ['P1', 'critical'], ['error', 'high'], ['high', 'high'],
      ['warning', 'warning'], ['warn', 'warning'], ['info', 'info'], ['none', 'info'], ['whatever', 'warning'], [undefined, 'warning'],
    ];
    for (const [word, sev] of table) assert.strictEqual(mapSeverity(word), sev, String(word));
    assert.strictEqual(formatActor({ name: 'Alice', email: 'alice@example.com' }), 'Alice <alice@example.com>');
    assert.strictEqual(formatActor({ name: 'alice@example.com', email: 'alice@example.com' }), 'alice@example.com');
    assert.strictEqual(formatActor({ name: 'Bob' }), 'Bob');
    assert.strictEqual(formatActor(undefined), 'On-Call for VS Code');
    assert.deepStrictEqual(parseActor(formatActor({ name: 'Alice', email: 'alice@example.com' })), { name: 'Alice', email: 'alice@example.com' });
    assert.deepStrictEqual(parseActor('bob@example.com'), { name: 'bob@example.com', email: 'bob@example.com' });
    assert.deepStrictEqual(parseActor('ops team'), { name: 'ops team' });
    const labels = { b: '2', a: '1' };
    assert.deepStrictEqual(matchersFor(labels), [
      { name: 'a', value: '1', isRegex: false, isEqual: true },
      { name: 'b', value: '2', isRegex: false, isEqual: true },
    ]);
  });

  it('malformed webhook bodies are refused with the path of the problem', () => {
    const good = load('webhook-firing.json') as { alerts: Array<Record<string, unknown>> };
    const bad = (mutate: (b: typeof good) => void): string => {
      const b = structuredClone(good);
      mutate(b);
      const r = parseWith(WebhookSchema, b);
      assert.ok(!r.ok, 'expected a validation error');
      return r.error;
    };
    assert.match(bad((b) => ((b as Record<string, unknown>).version = '3')), /^version: expected webhook version "4"/);
    assert.match(bad((b) => delete b.alerts[0]!.fingerprint), /^alerts\[0\]\.fingerprint: /);
    assert.match(bad((b) => (b.alerts[0]!.labels = { severity: 5 })), /^alerts\[0\]\.labels: expected string values, but "severity" is number/);
    assert.match(bad((b) => (b.alerts[0]!.startsAt = 'yesterday')), /^alerts\[0\]\.startsAt: expected an RFC 3339 time/);
    assert.match(bad((b) => (b.alerts[0]!.status = 'pending')), /^alerts\[0\]\.status: expected firing\|resolved/);
    assert.match(bad((b) => ((b as Record<string, unknown>).alerts = {})), /^alerts: /);
    // A label called __proto__ stays a plain label and never becomes a prototype.
    const proto = parseWith(WebhookSchema, JSON.parse(JSON.stringify(good).replace('"alertname"', '"__proto__"')));
    assert.ok(proto.ok);
    const labels = proto.value.alerts[0]!.labels;
    assert.strictEqual(Object.getPrototypeOf(labels), null);
    assert.strictEqual(labels.__proto__, 'HighErrorRate');
    // The protocol's decoder drops such names, so the bridge leaves them out rather than send them.
    assert.ok(!Object.hasOwn(toProtocolAlert(proto.value.alerts[0]!, { kind: 'firing' }, DEFAULT_MAPPING, T).labels, '__proto__'));
  });
});

describe('Alertmanager source: CLI options', () => {
  it('parses the options with their defaults and refuses bad ones', () => {
    const r = parseBridgeArgs(['--source', 'alertmanager', '--alertmanager-url', 'http://127.0.0.1:9093']);
    assert.ok(r.kind === 'ok');
    assert.deepStrictEqual(r.args.alertmanager, {
      url: 'http://127.0.0.1:9093',
      severityLabel: 'severity',
      serviceLabels: ['service', 'job', 'app'],
      traceAnnotation: 'stack_trace',
      ackSilenceMinutes: 120,
      reconcileSeconds: 30,
      restartGraceSeconds: 180,
    });
    const r2 = parseBridgeArgs([
      '--source', 'alertmanager', '--alertmanager-url', 'https://am.example.com/alertmanager', '--alertmanager-severity-label', 'priority',
      '--alertmanager-service-labels', 'team, app', '--alertmanager-trace-annotation', 'trace', '--ack-silence-minutes', '30',
      '--alertmanager-reconcile-seconds', '5', '--webhook-token-file', '/run/secrets/am',
    ]);
    assert.ok(r2.kind === 'ok');
    assert.deepStrictEqual(r2.args.alertmanager, {
      url: 'https://am.example.com/alertmanager', severityLabel: 'priority', serviceLabels: ['team', 'app'], traceAnnotation: 'trace',
      ackSilenceMinutes: 30, reconcileSeconds: 5, restartGraceSeconds: 180, webhookTokenFile: '/run/secrets/am',
    });
    const err = (argv: string[]): string => {
      const x = parseBridgeArgs(argv);
      assert.ok(x.kind === 'error', `expected an error for ${argv.join(' ')}`);
      return x.message;
    };
    assert.match(err(['--source', 'alertmanager']), /needs --alertmanager-url/);
    assert.match(err(['--source', 'alertmanager', '--alertmanager-url', 'ftp://x']), /http\(s\) URL/);
    assert.match(err(['--source', 'alertmanager', '--alertmanager-url', 'not a url://user:pw@x']), /http\(s\) URL/);
    assert.doesNotMatch(err(['--source', 'alertmanager', '--alertmanager-url', 'htp//user:secret@x']), /secret/);
    assert.match(err(['--source', 'alertmanager', '--alertmanager-url', 'http://x', '--ack-silence-minutes', '0']), /--ack-silence-minutes must be between 1/);
    assert.match(err(['--source', 'alertmanager', '--alertmanager-url', 'http://x', '--alertmanager-severity-label', 'a-b']), /label name/);
    assert.match(err(['--demo', '--alertmanager-url', 'http://x']), /only applies to --source alertmanager/);
  });
});

// ---- the module against a stand-in for Alertmanager's REST API

interface FakeSilence {
  id: string;
  status: { state: string };
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  createdBy: string;
  comment: string;
}

/** Just enough of Alertmanager's API v2 to drive the module: alerts, status, silences. */
class FakeAlertmanager {
  alerts: Array<Record<string, unknown>> = [];
  silences: FakeSilence[] = [];
  startedAt = new Date(Date.now() - 3_600_000).toISOString();
  down = false;
  requests: string[] = [];
  private readonly _srv = http.createServer((req, res) => this._handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((r) => this._srv.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this._srv.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this._srv.closeAllConnections();
    return new Promise((r) => this._srv.close(() => r()));
  }

  firing(fingerprint: string, labels: Record<string, string>, silencedBy: string[] = []): void {
    const now = new Date().toISOString();
    this.alerts = this.alerts.filter((a) => a.fingerprint !== fingerprint);
    this.alerts.push({
      fingerprint, labels, annotations: { summary: `${labels.alertname ?? fingerprint} fires` }, startsAt: now, updatedAt: now,
      endsAt: new Date(Date.now() + 300_000).toISOString(), generatorURL: '', receivers: [{ name: 'x' }],
      status: { state: silencedBy.length ? 'suppressed' : 'active', silencedBy, inhibitedBy: [] },
    });
  }

  private _handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      this.requests.push(`${req.method} ${req.url}`);
      const json = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (this.down) return json(503, 'down for maintenance');
      const url = req.url ?? '';
      const silenceId = /^\/api\/v2\/silence\/([^/]+)$/.exec(url)?.[1];
      if (req.method === 'GET' && url === '/api/v2/alerts') return json(200, this.alerts);
      if (req.method === 'GET' && url === '/api/v2/status') return json(200, { uptime: this.startedAt, cluster: { status: 'disabled' } });
      if (req.method === 'GET' && url === '/api/v2/silences') return json(200, this.silences);
      if (req.method === 'POST' && url === '/api/v2/silences') {
        const s = JSON.parse(body) as Omit<FakeSilence, 'id' | 'status' | 'updatedAt'>;
        const id = `sil-${this.silences.length + 1}`;
        this.silences.push({ ...s, id, status: { state: 'active' }, updatedAt: s.startsAt });
        return json(200, { silenceID: id });
      }
      if (silenceId !== undefined) {
        const s = this.silences.find((x) => x.id === silenceId);
        if (!s) return req.method === 'GET' ? json(404, 'silence not found') : json(500, 'silence not found');
        if (req.method === 'GET') return json(200, s);
        if (req.method === 'DELETE') {
          s.status.state = 'expired';
          for (const a of this.alerts) {
            const st = a.status as { silencedBy: string[] };
            st.silencedBy = st.silencedBy.filter((x) => x !== silenceId);
          }
          return json(200, null);
        }
      }
      json(404, 'not found');
    });
  }
}

function post(url: string, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Alertmanager source: module', function () {
  this.timeout(10_000);
  let fake: FakeAlertmanager;
  let amUrl: string;
  let server: BridgeServer | undefined;
  let source: AlertmanagerSource;
  let logger: MemoryLogger;
  let httpUrl: string;

  async function startBridge(extra: Partial<ConstructorParameters<typeof AlertmanagerSource>[0]> = {}): Promise<void> {
    logger = new MemoryLogger();
    source = new AlertmanagerSource({ url: amUrl, reconcileIntervalMs: 3_600_000, webhookToken: 'hook', webhookMaxBodyBytes: 64 * 1024, ...extra });
    server = new BridgeServer({ source, port: 0, token: 'alertmanager-test-bridge-token-0123456789', logger, heartbeatMs: 86_400_000 });
    await server.start();
    httpUrl = server.url.replace('ws://', 'http://');
  }

  beforeEach(async () => {
    fake = new FakeAlertmanager();
    amUrl = await fake.start();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await fake.close();
  });

  it('webhooks: wrong or missing secret → 401, malformed → 400 with the reason, too large → 413; nothing changes', async () => {
    await startBridge();
    const good = fs.readFileSync(fixture('alertmanager', 'webhook-firing.json'));
    const seq = server!.world.seq;
    assert.strictEqual((await post(httpUrl, WEBHOOK_PATH, good)).status, 401);
    assert.strictEqual((await post(httpUrl, WEBHOOK_PATH, good, { authorization: 'Bearer nope' })).status, 401);
    const notJson = await post(httpUrl, WEBHOOK_PATH, '{"version":', { authorization: 'Bearer hook' });
    assert.strictEqual(notJson.status, 400);
    assert.match(notJson.body, /body is not JSON/);
    const v3 = await post(httpUrl, WEBHOOK_PATH, good.toString().replace('"version": "4"', '"version": "3"'), { authorization: 'Bearer hook' });
    assert.strictEqual(v3.status, 400);
    assert.match(JSON.parse(v3.body).error as string, /not an Alertmanager webhook \(version 4\) body: version: expected webhook version "4"/);
    const big = await post(httpUrl, WEBHOOK_PATH, Buffer.alloc(100 * 1024, 0x20), { authorization: 'Bearer hook' });
    assert.strictEqual(big.status, 413);
    assert.strictEqual(server!.world.seq, seq, 'nothing changed');
    const warns = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    assert.strictEqual(warns.length, 4, warns.join('\n'));
    assert.match(warns[0]!, /rejected a webhook on \/webhooks\/alertmanager: unauthorized \(no Authorization header/);
    assert.match(warns[3]!, /version: expected webhook version "4"/);

    const ok = await post(httpUrl, WEBHOOK_PATH, good, { authorization: 'Bearer hook' });
    assert.strictEqual(ok.status, 200);
    assert.strictEqual(server!.world.getAlert('b46cff46a99192fc')?.status, 'triggered');
    // The same notification again (Alertmanager repeats them) changes nothing.
    const seq2 = server!.world.seq;
    await post(httpUrl, WEBHOOK_PATH, good, { authorization: 'Bearer hook' });
    assert.strictEqual(server!.world.seq, seq2);
    await post(httpUrl, WEBHOOK_PATH, fs.readFileSync(fixture('alertmanager', 'webhook-resolved.json')), { authorization: 'Bearer hook' });
    assert.strictEqual(server!.world.getAlert('b46cff46a99192fc')?.status, 'resolved');
  });

  it('caps: an alert with 50k labels is shown with 100 and a marker (not refused), and acknowledging it is refused rather than silence more than it', async () => {
    await startBridge({ webhookMaxBodyBytes: undefined });
    const good = load('webhook-firing.json') as { alerts: Array<Record<string, unknown>> };
    const labels: Record<string, string> = { alertname: 'Wide', severity: 'critical' };
    for (let i = 0; i < 50_000; i++) labels[`l${i}`] = 'v';
    const body = JSON.stringify({ ...good, alerts: [{ ...good.alerts[0], fingerprint: 'wide1', labels }] });
    assert.ok(body.length < 1024 * 1024, 'fits the default 1 MiB cap');
    const res = await post(httpUrl, WEBHOOK_PATH, body, { authorization: 'Bearer hook' });
    assert.strictEqual(res.status, 200, res.body);
    const a = server!.world.getAlert('wide1')!;
    assert.strictEqual(a.severity, 'critical');
    assert.strictEqual(Object.keys(a.labels).length, 101);
    assert.strictEqual(a.labels['oncall.labelsOmitted'], String(50_002 - 100));
    await assert.rejects(source.handleAction('ack', ['wide1'], { name: 'Dana' }), /cannot be silenced exactly from here: silence it in Alertmanager/);
    assert.strictEqual(fake.silences.length, 0, 'no broader silence was made');
    // The default cap: a body over 1 MiB is refused before it is parsed.
    const big = await post(httpUrl, WEBHOOK_PATH, Buffer.alloc(1024 * 1024 + 1, 0x20), { authorization: 'Bearer hook' });
    assert.strictEqual(big.status, 413);
  });

  it('log amplification: 5,000 posted alerts that Alertmanager does not have resolve at the next reconcile with one log line, not 5,000', async () => {
    await startBridge({ webhookMaxBodyBytes: undefined });
    const good = load('webhook-firing.json') as { alerts: Array<Record<string, unknown>> };
    const alerts = Array.from({ length: 5000 }, (_, i) => ({ status: 'firing', fingerprint: `fake${i}`, labels: { alertname: `Fake${i}` }, startsAt: good.alerts[0]!.startsAt }));
    const res = await post(httpUrl, WEBHOOK_PATH, JSON.stringify({ ...good, alerts }), { authorization: 'Bearer hook' });
    assert.strictEqual(res.status, 200, res.body);
    assert.strictEqual(server!.world.alerts().filter((a) => a.status === 'triggered').length, 5000);
    const before = logger.lines.length;
    assert.strictEqual(await source.reconcile(), true);
    assert.strictEqual(server!.world.alerts().filter((a) => a.status === 'triggered').length, 0);
    const lines = logger.lines.slice(before).filter((l) => l.level !== 'debug' && l.level !== 'trace');
    assert.ok(lines.length <= 2, lines.map((l) => l.message).join('\n'));
    assert.match(lines.map((l) => l.message).join('\n'), /5000 alert\(s\) no longer in Alertmanager, resolved: fake0 \(Fake0\), .*and 4997 more/);
  });

  it('Alertmanager down at start: the bridge serves anyway, says why once, and catches up when it answers', async () => {
    fake.down = true;
    fake.firing('f1', { alertname: 'A', severity: 'critical' });
    await startBridge();
    assert.strictEqual(server!.world.alertCount, 0);
    assert.strictEqual(await source.reconcile(), false);
    assert.strictEqual(await source.reconcile(), false);
    const errors = logger.lines.filter((l) => l.level === 'error');
    assert.strictEqual(errors.length, 1);
    assert.match(errors[0]!.message, /cannot reconcile with Alertmanager: GET \/api\/v2\/alerts: Alertmanager at http:\/\/127\.0\.0\.1:\d+ answered HTTP 503/);
    fake.down = false;
    assert.strictEqual(await source.reconcile(), true);
    assert.strictEqual(server!.world.getAlert('f1')?.severity, 'critical');
    assert.ok(logger.lines.some((l) => /answers again \(after 3 failed attempts\)/.test(l.message)));
  });

  it('alerts gone from Alertmanager resolve (and their ack silence is expired) — but not right after an Alertmanager restart', async () => {
    fake.firing('f1', { alertname: 'A' });
    fake.firing('f2', { alertname: 'B' });
    await startBridge({ restartGraceMs: 60_000 });
    await source.handleAction('ack', ['f1'], { name: 'Dana' });
    const sid = fake.silences[0]!.id;
    fake.firing('f1', { alertname: 'A' }, [sid]);
    // Alertmanager restarted: it forgot both alerts until Prometheus re-sends them.
    fake.alerts = [];
    fake.startedAt = new Date().toISOString();
    assert.strictEqual(await source.reconcile(), true);
    assert.strictEqual(server!.world.getAlert('f1')?.status, 'acknowledged');
    assert.strictEqual(server!.world.getAlert('f2')?.status, 'triggered');
    // Long after its start, a missing alert has resolved.
    fake.startedAt = new Date(Date.now() - 120_000).toISOString();
    assert.strictEqual(await source.reconcile(), true);
    assert.strictEqual(server!.world.getAlert('f1')?.status, 'resolved');
    assert.strictEqual(server!.world.getAlert('f2')?.status, 'resolved');
    await waitUntil('silence expired', () => fake.silences[0]!.status.state === 'expired');
  });

  it('a silence made in Alertmanager shows as acknowledged by its creator; unack refuses to expire it', async () => {
    fake.silences.push({
      id: 'maint', status: { state: 'active' }, matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), updatedAt: new Date().toISOString(),
      createdBy: 'erin@example.com', comment: 'DB maintenance',
    });
    fake.firing('f1', { alertname: 'A', instance: 'db1' }, ['maint']);
    await startBridge();
    const a = server!.world.getAlert('f1')!;
    assert.strictEqual(a.status, 'acknowledged');
    assert.deepStrictEqual(a.acknowledgedBy, { name: 'erin@example.com', email: 'erin@example.com' });
    await assert.rejects(source.handleAction('unack', ['f1'], undefined), /silenced in Alertmanager by erin@example\.com's silence maint \("DB maintenance"\), not by an acknowledge/);
    assert.strictEqual(fake.silences[0]!.status.state, 'active');
    await assert.rejects(source.handleAction('ack', ['nope'], undefined), /unknown alert nope/);
    // Reconciling again fetches the silence only once.
    await source.reconcile();
    await source.reconcile();
    assert.strictEqual(fake.requests.filter((r) => r === 'GET /api/v2/silence/maint').length, 1);
  });

  it('after a bridge restart, an ack silence whose alert resolved meanwhile is expired; ack failures are reported', async () => {
    fake.silences.push({
      id: 'old', status: { state: 'active' }, matchers: matchersFor({ alertname: 'Gone', job: 'x' }),
      startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), updatedAt: new Date().toISOString(),
      createdBy: 'Alice', comment: ACK_COMMENT,
    });
    fake.firing('f1', { alertname: 'Still' });
    // Alertmanager itself just restarted too: it has not been sent its alerts again, so nothing is an orphan yet.
    fake.alerts = [];
    fake.startedAt = new Date().toISOString();
    await startBridge();
    await source.reconcile();
    assert.strictEqual(fake.silences[0]!.status.state, 'active');
    fake.firing('f1', { alertname: 'Still' });
    fake.startedAt = new Date(Date.now() - 600_000).toISOString();
    await source.reconcile();
    await waitUntil('orphan expired', () => fake.silences[0]!.status.state === 'expired');
    assert.ok(logger.lines.some((l) => /silence old acknowledged an alert that is no longer in Alertmanager/.test(l.message)));
    fake.down = true;
    await assert.rejects(source.handleAction('ack', ['f1'], { name: 'Alice' }), /could not acknowledge "Still fires": POST \/api\/v2\/silences: .* answered HTTP 503/);
    assert.strictEqual(server!.world.getAlert('f1')?.status, 'triggered');
  });

  it('hello advertises ack, unack, snooze and note only, with a reason for each missing action', async () => {
    await startBridge();
    const c = new TestClient(server!.url, { headers: { authorization: 'Bearer alertmanager-test-bridge-token-0123456789' } });
    await c.opened;
    const hello = await c.next();
    assert.ok(hello.type === 'hello');
    assert.strictEqual(hello.source, 'alertmanager');
    assert.deepStrictEqual(hello.capabilities, ['ack', 'unack', 'snooze', 'note', 'snapshotChunks']);
    assert.deepStrictEqual(Object.keys(hello.unsupportedActions ?? {}).sort(), ['annotate', 'escalate', 'override', 'reassign', 'resolve']);
    assert.match(hello.unsupportedActions?.resolve ?? '', /resolve when their condition clears/);
    c.close();
  });
});
