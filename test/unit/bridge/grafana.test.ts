/** Contract tests of the Grafana IRM / OnCall module against its documented payloads (test/fixtures/grafana-irm). */
import * as assert from 'node:assert';
import { GrafanaIrmSource } from '../../../src/bridge/sources/grafanaIrm/grafanaIrmSource';
import { FakeVendor, loadFixture, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';

const TOKEN = 'glsa_grafana-SECRET-token';
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
    sleeps = recordingSleep();
    source = new GrafanaIrmSource({ apiUrl: `${vendor.url}/oncall`, token: TOKEN, grafanaUrl: 'https://acme.grafana.net', sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    bridge = await startVendorBridge(source);
  });

  afterEach(async () => {
    await bridge.server.close();
    await vendor.close();
  });

  it('follows `next` pagination for each open state, with the Cloud IRM auth headers', () => {
    const reqs = vendor.of('GET', '/oncall/api/v1/alert_groups/');
    assert.deepStrictEqual(
      reqs.map((r) => `${r.query.get('state')}:${r.query.get('page') ?? '1'}`),
      ['new:1', 'new:2', 'acknowledged:1', 'silenced:1'],
    );
    for (const r of reqs) {
      assert.strictEqual(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.strictEqual(r.headers['x-grafana-url'], 'https://acme.grafana.net');
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
    assert.strictEqual(lat.acknowledgedBy?.email, 'alex@example.com', 'user id resolved through the schedule shifts');
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
    const post = vendor.of('POST', '/oncall/api/v1/alert_groups/I68T24C13IFW1/acknowledge');
    assert.strictEqual(post.length, 1);
    assert.strictEqual(post[0]!.headers.authorization, `Bearer ${TOKEN}`);
    const a = bridge.server.world.getAlert('I68T24C13IFW1');
    assert.strictEqual(a?.status, 'acknowledged');
    assert.strictEqual(a.acknowledgedBy?.name, 'alex');
    assert.strictEqual(a.service, 'billing-worker');
    assert.match(a.stackTrace ?? '', /OutOfMemoryError/, 'the stack trace from the earlier poll is kept (the detail has no last_alert)');
  });

  it('unacknowledges and resolves through their endpoints; reports Grafana errors', async () => {
    vendor.on('POST /oncall/api/v1/alert_groups/I5LAZ2MYFHKEM/unacknowledge', { status: 200 });
    vendor.on('GET /oncall/api/v1/alert_groups/I5LAZ2MYFHKEM/', { body: { ...(fx('alert-groups-acknowledged.json') as { results: object[] }).results[0], state: 'new', acknowledged_at: null, acknowledged_by: null, created_at: '2026-11-23T09:00:00Z', last_alert: { created_at: '2026-11-23T10:30:00Z' } } });
    await source.handleAction('unack', ['I5LAZ2MYFHKEM'], undefined);
    assert.strictEqual(bridge.server.world.getAlert('I5LAZ2MYFHKEM')?.status, 'triggered');
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
});
