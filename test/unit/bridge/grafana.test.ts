/** Contract tests of the Grafana IRM / OnCall module against its documented payloads (test/fixtures/grafana-irm). */
import * as assert from 'node:assert';
import { GrafanaIrmSource } from '../../../src/bridge/sources/grafanaIrm/grafanaIrmSource';
import { contractViolations, grafanaRules } from './vendorContract';
import { BRIDGE_TOKEN, FakeVendor, loadFixture, post, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';
import { TestClient } from './helpers';

/** An OnCall API token (a user's): sent as `Authorization: <token>`, no scheme. */
const TOKEN = 'oncall-api-SECRET-token';
const SA_TOKEN = 'glsa_grafana-SECRET-token';
const STACK = 'https://acme.grafana.net';
const HOOK_SECRET = 'hook-SECRET-1234';
const fx = (name: string): unknown => loadFixture('grafana-irm', name);

describe('Grafana IRM source (contract)', () => {
  let vendor: FakeVendor;
  let source: GrafanaIrmSource;
  let bridge: VendorBridge;
  let sleeps: ReturnType<typeof recordingSleep>;

  beforeEach(async () => {
    vendor = new FakeVendor();
    await vendor.start();
    const page1 = JSON.parse(JSON.stringify(fx('alert-groups-new-page1.json')).replace('__NEXT__', `${vendor.url}/oncall/api/v1/alert_groups/?state=new&page=2`));
    vendor
      .on('GET /oncall/api/v1/alert_groups/', (req) =>
        req.query.get('state') === 'new'
          ? { body: req.query.get('page') === '2' ? fx('alert-groups-new-page2.json') : page1 }
          : req.query.get('state') === 'acknowledged'
            ? { body: fx('alert-groups-acknowledged.json') }
            : { body: { count: 0, next: null, previous: null, results: [] } },
      )
      .on('GET /oncall/api/v1/schedules/', { body: fx('schedules.json') })
      .on('GET /oncall/api/v1/schedules/SBM7DV7BKFUYU/final_shifts', { body: fx('final-shifts.json') });
    directory(vendor);
    sleeps = recordingSleep();
    source = new GrafanaIrmSource({ apiUrl: `${vendor.url}/oncall`, token: TOKEN, grafanaUrl: STACK, webhookSecrets: [HOOK_SECRET], sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    bridge = await startVendorBridge(source);
  });

  afterEach(async () => {
    // Every request, in every test: an operation of the API reference, with `Authorization: <token>`.
    assert.deepStrictEqual(contractViolations(vendor.requests, grafanaRules(TOKEN, STACK)), []);
    await bridge.server.close();
    await vendor.close();
  });

  it('follows `next` pagination for each open state, with the auth headers of the reference (no scheme)', () => {
    const reqs = vendor.of('GET', '/oncall/api/v1/alert_groups/');
    assert.deepStrictEqual(
      reqs.map((r) => `${r.query.get('state')}:${r.query.get('page') ?? '1'}`),
      ['new:1', 'new:2', 'acknowledged:1', 'silenced:1'],
    );
    for (const r of reqs) {
      assert.strictEqual(r.headers.authorization, TOKEN);
      assert.strictEqual(r.headers['x-grafana-url'], STACK);
    }
    const w = bridge.server.world;
    const mem = w.getAlert('I68T24C13IFW1');
    assert.strictEqual(mem?.status, 'triggered');
    assert.strictEqual(mem.severity, 'critical');
    assert.strictEqual(mem.service, 'billing-worker');
    assert.strictEqual(mem.environment, 'production');
    assert.match(mem.stackTrace ?? '', /at com\.acme\.billing\.Invoice\.render\(Invoice\.java:212\)/);
    assert.strictEqual(mem.url, 'https://example.grafana.net/a/grafana-oncall-app/alert-groups/I68T24C13IFW1');
    assert.strictEqual(w.getAlert('IZHCC4GTNPZ93')?.severity, 'warning');
    const lat = w.getAlert('I5LAZ2MYFHKEM');
    assert.strictEqual(lat?.status, 'acknowledged');
    assert.strictEqual(lat.severity, 'high');
    assert.strictEqual(lat.acknowledgedBy?.email, 'alex@example.com', 'user id resolved through /users/');
    // No service label: the integration's name (from /integrations/), not its id.
    assert.strictEqual(lat.service, 'Grafana :blush:');
  });

  it('names who acknowledged from /users/ even when they are on no schedule', async () => {
    const acked = fx('alert-groups-acknowledged.json') as { results: Array<Record<string, unknown>> };
    acked.results[0]!.acknowledged_by = 'UCGEIXI1MR1NZ';
    vendor.on('GET /oncall/api/v1/alert_groups/', (req) => ({ body: req.query.get('state') === 'acknowledged' ? acked : { count: 0, next: null, previous: null, results: [] } }));
    await source.pollAlertGroups();
    assert.deepStrictEqual(bridge.server.world.getAlert('I5LAZ2MYFHKEM')?.acknowledgedBy, { id: 'UCGEIXI1MR1NZ', name: 'carol', email: 'carol@example.com', handle: 'carol' });
  });

  it('maps the escalation chain (routes → chain → policies, paginated) to tiers and counts down from the group creation', () => {
    const pol = bridge.server.world.snapshot().oncall?.policies.find((p) => p.id === 'F5JU6KJET33FE');
    assert.deepStrictEqual(
      pol?.tiers.map((t) => [t.level, t.delayMinutes, t.targets.map((x) => (x.type === 'person' ? x.person.handle : x.rotationId))]),
      [
        [1, 15, ['alex']],
        [2, 30, ['SBM7DV7BKFUYU']],
        [3, 0, ['bob']],
      ],
    );
    assert.ok(vendor.of('GET', '/oncall/api/v1/escalation_policies/').some((r) => r.query.get('page') === '2'), 'followed `next` for the policies');
    // Created 10:00:01.43, now 10:17: the schedule (tier 2) was paged at 10:15; bob comes at 10:45 unless someone acks.
    assert.deepStrictEqual(bridge.server.world.getAlert('I68T24C13IFW1')?.escalation, {
      level: 2,
      policy: 'default',
      targets: [{ id: 'U9XM1G7KTE3KW', name: 'bob', email: 'bob@example.com', handle: 'bob' }],
      nextEscalationAt: '2026-11-23T10:45:01.430Z',
    });
    // Acknowledged: the tier stays, no countdown.
    assert.strictEqual(bridge.server.world.getAlert('I5LAZ2MYFHKEM')?.escalation?.nextEscalationAt, undefined);
  });

  it('maps final shifts to a rotation (past shifts dropped)', () => {
    const oc = bridge.server.world.snapshot().oncall;
    const r = oc?.rotations[0];
    assert.strictEqual(r?.name, 'Demo schedule Calendar');
    assert.strictEqual(r.timeZone, 'America/New_York');
    assert.deepStrictEqual(
      r.shifts.map((s) => s.person.handle),
      ['alex', 'bob'],
    );
    const q = vendor.of('GET', '/oncall/api/v1/schedules/SBM7DV7BKFUYU/final_shifts')[0]!.query;
    assert.strictEqual(q.get('start_date'), '2026-11-23');
    assert.strictEqual(q.get('end_date'), '2026-11-30');
  });

  it('acknowledges with POST …/acknowledge and reads the group back', async () => {
    vendor.on('POST /oncall/api/v1/alert_groups/I68T24C13IFW1/acknowledge', { status: 200 });
    vendor.on('GET /oncall/api/v1/alert_groups/I68T24C13IFW1/', { body: fx('alert-group-acknowledged.json') });
    await source.handleAction('ack', ['I68T24C13IFW1'], undefined);
    const posted = vendor.of('POST', '/oncall/api/v1/alert_groups/I68T24C13IFW1/acknowledge');
    assert.strictEqual(posted.length, 1);
    assert.strictEqual(posted[0]!.headers.authorization, TOKEN);
    const a = bridge.server.world.getAlert('I68T24C13IFW1');
    assert.strictEqual(a?.status, 'acknowledged');
    assert.strictEqual(a.acknowledgedBy?.name, 'alex');
    assert.strictEqual(a.service, 'billing-worker');
    assert.match(a.stackTrace ?? '', /OutOfMemoryError/, 'the stack trace from the earlier poll is kept (the detail has no last_alert)');
  });

  it('unacknowledges and resolves through their endpoints; reports Grafana errors', async () => {
    vendor.on('POST /oncall/api/v1/alert_groups/I5LAZ2MYFHKEM/unacknowledge', { status: 200 });
    // As the engine answers after un-acknowledge: acknowledged_at cleared, so every time in the group is
    // older than the acknowledged_at the bridge saw — the change must still reach the editor.
    vendor.on('GET /oncall/api/v1/alert_groups/I5LAZ2MYFHKEM/', { body: { ...(fx('alert-groups-acknowledged.json') as { results: object[] }).results[0], state: 'new', acknowledged_at: null, acknowledged_by: null, created_at: '2026-11-23T09:00:00Z' } });
    const before = bridge.server.world.getAlert('I5LAZ2MYFHKEM')!;
    await source.handleAction('unack', ['I5LAZ2MYFHKEM'], undefined);
    const after = bridge.server.world.getAlert('I5LAZ2MYFHKEM')!;
    assert.strictEqual(after.status, 'triggered');
    assert.strictEqual(after.acknowledgedBy, undefined);
    assert.ok(Date.parse(after.updatedAt) >= Date.parse(before.updatedAt), `updatedAt went backwards: ${before.updatedAt} → ${after.updatedAt}`);
    // Escalation restarts from the un-acknowledge (now, 10:17): tier 1, next at 10:32.
    assert.deepStrictEqual([after.escalation?.level, after.escalation?.nextEscalationAt], [1, '2026-11-23T10:32:00.000Z']);
    vendor.on('POST /oncall/api/v1/alert_groups/IZHCC4GTNPZ93/resolve', { status: 400, body: { detail: 'Resolution note is required' } });
    await assert.rejects(source.handleAction('resolve', ['IZHCC4GTNPZ93'], undefined), /could not resolve 1 of 1 alert group\(s\): IZHCC4GTNPZ93: Resolution note is required/);
    assert.strictEqual(bridge.server.world.getAlert('IZHCC4GTNPZ93')?.status, 'triggered');
  });

  it('honours 429 Retry-After and refuses `next` links to another host', async () => {
    vendor.once('GET /oncall/api/v1/alert_groups/', { status: 429, headers: { 'retry-after': '3' } });
    await source.pollAlertGroups();
    assert.deepStrictEqual(sleeps.waits, [3000]);
    vendor.once('GET /oncall/api/v1/alert_groups/', { body: { count: 1, next: 'https://evil.example/steal', previous: null, results: [] } });
    await assert.rejects(source.pollAlertGroups(), /refusing to follow a link to another host/);
    assert.strictEqual(vendor.requests.filter((r) => r.headers.authorization && r.path.includes('steal')).length, 0);
  });

  it('rejects malformed bodies with a clear error and keeps every alert', async () => {
    const seq = bridge.server.world.seq;
    vendor.once('GET /oncall/api/v1/alert_groups/', { body: '{"results": [' });
    await assert.rejects(source.pollAlertGroups(), /the response is not valid JSON/);
    vendor.once('GET /oncall/api/v1/alert_groups/', { body: { results: 'nope' } });
    await assert.rejects(source.pollAlertGroups(), /results: expected an array/);
    assert.strictEqual(bridge.server.world.seq, seq);
    assert.strictEqual(bridge.server.world.getAlert('I68T24C13IFW1')?.status, 'triggered');
    for (const l of bridge.logger.lines) assert.ok(!l.message.includes(TOKEN));
  });

  it('resolves groups that are no longer open', async () => {
    vendor.on('GET /oncall/api/v1/alert_groups/', { body: { count: 0, next: null, previous: null, results: [] } });
    await source.pollAlertGroups();
    assert.strictEqual(bridge.server.world.getAlert('I68T24C13IFW1')?.status, 'resolved');
  });

  it('takes outgoing webhooks with the shared secret (JSON only, no browsers) and applies them at once', async () => {
    const url = `${bridge.httpUrl}/webhooks/grafana-irm`;
    const body = JSON.stringify(fx('webhook-unacknowledge.json'));
    assert.strictEqual((await post(url, body, {})).status, 401, 'no Authorization header');
    assert.strictEqual((await post(url, body, { authorization: 'wrong' })).status, 401);
    assert.strictEqual((await post(url, body, { authorization: BRIDGE_TOKEN })).status, 401, 'the bridge token is not the webhook secret');
    assert.strictEqual((await post(url, body, { authorization: HOOK_SECRET, origin: 'https://evil.example' })).status, 403);
    assert.strictEqual((await post(url, body, { authorization: HOOK_SECRET, 'content-type': 'text/plain' })).status, 415);
    assert.strictEqual((await post(url, '{"event": {}}', { authorization: HOOK_SECRET })).status, 400);
    assert.strictEqual(bridge.server.world.getAlert('I5LAZ2MYFHKEM')?.status, 'acknowledged', 'nothing applied from refused requests');
    const polls = vendor.requests.length;
    const ok = await post(url, body, { authorization: HOOK_SECRET });
    assert.strictEqual(ok.status, 200, ok.body);
    const a = bridge.server.world.getAlert('I5LAZ2MYFHKEM');
    assert.strictEqual(a?.status, 'triggered');
    assert.strictEqual(a.service, 'Grafana :blush:');
    assert.strictEqual(vendor.requests.length, polls, 'applied without waiting for a poll');
    // "Bearer <secret>" as the webhook's Authorization Header works too; a redelivery is applied once.
    const seq = bridge.server.world.seq;
    assert.strictEqual((await post(url, body, { authorization: `Bearer ${HOOK_SECRET}` })).status, 200);
    assert.strictEqual(bridge.server.world.seq, seq);
    for (const l of bridge.logger.lines) assert.ok(!l.message.includes(HOOK_SECRET));
  });
});

function directory(vendor: FakeVendor): void {
  const page1 = (): unknown => JSON.parse(JSON.stringify(fx('escalation-policies-page1.json')).replace('__NEXT__', `${vendor.url}/oncall/api/v1/escalation_policies/?page=2`));
  vendor
    .on('GET /oncall/api/v1/users/', { body: fx('users.json') })
    .on('GET /oncall/api/v1/integrations/', { body: fx('integrations.json') })
    .on('GET /oncall/api/v1/routes/', { body: fx('routes.json') })
    .on('GET /oncall/api/v1/escalation_chains/', { body: fx('escalation-chains.json') })
    .on('GET /oncall/api/v1/escalation_policies/', (req) => ({ body: req.query.get('page') === '2' ? fx('escalation-policies-page2.json') : page1() }));
}

describe('Grafana IRM source with a service-account token (contract)', () => {
  let vendor: FakeVendor;
  let bridge: VendorBridge;

  beforeEach(async () => {
    vendor = new FakeVendor();
    await vendor.start();
    vendor
      .on('GET /oncall/api/v1/alert_groups/', (req) => ({ body: req.query.get('state') === 'new' ? { ...(fx('alert-groups-new-page2.json') as object), next: null } : { count: 0, next: null, previous: null, results: [] } }))
      .on('GET /oncall/api/v1/schedules/', { body: fx('schedules.json') })
      .on('GET /oncall/api/v1/schedules/SBM7DV7BKFUYU/final_shifts', { body: fx('final-shifts.json') })
      // What the engine answers a service account (apps/public_api/views/alert_groups.py).
      .on('POST /oncall/api/v1/alert_groups/IZHCC4GTNPZ93/acknowledge', { status: 403, body: { detail: 'Service accounts are not allowed to acknowledge alert groups' } });
    directory(vendor);
    bridge = await startVendorBridge(new GrafanaIrmSource({ apiUrl: `${vendor.url}/oncall`, token: SA_TOKEN, grafanaUrl: STACK, pollIntervalMs: 3_600_000 }));
  });

  afterEach(async () => {
    assert.deepStrictEqual(contractViolations(vendor.requests, grafanaRules(SA_TOKEN, STACK)), []);
    await bridge.server.close();
    await vendor.close();
  });

  it('sends the glsa_ token as is (the engine only recognises it without a scheme) with X-Grafana-URL', () => {
    assert.ok(vendor.requests.length > 0);
    for (const r of vendor.requests) {
      assert.strictEqual(r.headers.authorization, SA_TOKEN);
      assert.strictEqual(r.headers['x-grafana-url'], STACK);
    }
  });

  it('announces no actions and says why; an action is refused before it reaches Grafana', async () => {
    const c = new TestClient(bridge.server.url, { headers: { authorization: `Bearer ${BRIDGE_TOKEN}` } });
    try {
      await c.opened;
      const hello = await c.nextOfType('hello');
      assert.deepStrictEqual(hello.capabilities, ['oncall']);
      assert.match(hello.actionsUnavailableReason ?? '', /service-account tokens.*user authentication only.*OnCall API token/s);
      c.send({ type: 'resume', lastSeq: -1 });
      c.send({ type: 'ack', requestId: 'r1', alertIds: ['IZHCC4GTNPZ93'] });
      const res = await c.nextOfType('result');
      assert.strictEqual(res.ok, false);
      assert.match(res.error ?? '', /does not support ack: Grafana OnCall does not let service-account tokens act/);
    } finally {
      c.close();
    }
    assert.strictEqual(vendor.of('POST', '/oncall/api/v1/alert_groups/IZHCC4GTNPZ93/acknowledge').length, 0);
  });

  it('--grafana-auth-scheme bearer sends "Bearer <token>"; a glsa_ token without --grafana-url is refused with what to do', async () => {
    const v2 = new FakeVendor().on('GET /oncall/api/v1/schedules/', { body: { count: 0, next: null, previous: null, results: [] } }).on('GET /oncall/api/v1/alert_groups/', { body: { count: 0, next: null, previous: null, results: [] } });
    await v2.start();
    const b2 = await startVendorBridge(new GrafanaIrmSource({ apiUrl: `${v2.url}/oncall`, token: TOKEN, authScheme: 'bearer', pollIntervalMs: 3_600_000 }));
    try {
      assert.ok(v2.requests.length > 0);
      for (const r of v2.requests) assert.strictEqual(r.headers.authorization, `Bearer ${TOKEN}`);
    } finally {
      await b2.server.close();
      await v2.close();
    }
    assert.throws(() => new GrafanaIrmSource({ apiUrl: `${vendor.url}/oncall`, token: SA_TOKEN }), /service-account token \(glsa_…\) also needs the Grafana stack URL: pass --grafana-url/);
  });
});
