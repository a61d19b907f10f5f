/** Contract tests of the Splunk On-Call module against its documented payloads (test/fixtures/splunk-oncall). */
import * as assert from 'node:assert';
import { SplunkOnCallSource } from '../../../src/bridge/sources/splunkOnCall/splunkOnCallSource';
import { FakeVendor, loadFixture, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';

const API_ID = 'vo-api-id';
const API_KEY = 'vo-api-key-SECRET-5678';
const fx = (name: string): unknown => loadFixture('splunk-oncall', name);

describe('Splunk On-Call source (contract)', () => {
  let vendor: FakeVendor;
  let source: SplunkOnCallSource;
  let bridge: VendorBridge;
  let sleeps: ReturnType<typeof recordingSleep>;

  beforeEach(async () => {
    vendor = new FakeVendor()
      .on('GET /api-public/v1/incidents', { body: fx('incidents.json') })
      .on('GET /api-public/v1/alerts/a2c8e7f0-1111-4b7d-9c55-0c5e2f1a0001', { body: fx('alert.json') })
      .on('GET /api-public/v1/oncall/current', { body: fx('oncall-current.json') })
      .on('GET /api-public/v2/team/team-payments/oncall/schedule', { body: fx('team-schedule.json') })
      .on('GET /api-public/v2/team/team-storage/oncall/schedule', { status: 404, body: { message: 'Team not found' } });
    await vendor.start();
    sleeps = recordingSleep();
    source = new SplunkOnCallSource({ apiId: API_ID, apiKey: API_KEY, apiUrl: vendor.url, defaultUser: 'oncall-bot', sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    bridge = await startVendorBridge(source);
  });

  afterEach(async () => {
    await bridge.server.close();
    await vendor.close();
  });

  it('polls incidents with the X-VO headers and maps phases, severities and the stack trace', () => {
    const req = vendor.of('GET', '/api-public/v1/incidents')[0]!;
    assert.strictEqual(req.headers['x-vo-api-id'], API_ID);
    assert.strictEqual(req.headers['x-vo-api-key'], API_KEY);
    const w = bridge.server.world;
    const a = w.getAlert('1501');
    assert.strictEqual(a?.status, 'triggered');
    assert.strictEqual(a.severity, 'critical');
    assert.strictEqual(a.title, 'checkout-api 5xx rate');
    assert.strictEqual(a.service, 'checkout-api');
    assert.strictEqual(a.environment, 'production');
    assert.match(a.stackTrace ?? '', /at priceCart \(src\/checkout\/price\.ts:42:13\)/);
    assert.strictEqual(a.url, 'https://portal.victorops.com/ui/acme/incident/1501/details');
    const b = w.getAlert('1498');
    assert.strictEqual(b?.status, 'acknowledged');
    assert.strictEqual(b.severity, 'warning');
    assert.strictEqual(b.acknowledgedBy?.name, 'asmith');
    assert.strictEqual(b.acknowledgedAt, '2026-11-23T09:04:00Z');
    // A recently resolved incident we never showed is not news.
    assert.strictEqual(w.getAlert('1490'), undefined);
  });

  it('builds rotations from team schedules and the current on-call', () => {
    const oc = bridge.server.world.snapshot().oncall;
    assert.ok(oc);
    const weekly = oc.rotations.find((r) => r.id === 'team-payments/pol-payments/Weekly');
    assert.deepStrictEqual(
      weekly?.shifts.map((s) => [s.person.name, s.start]),
      [
        ['jdoe', '2026-11-23T09:00:00Z'],
        ['mchen', '2026-11-24T09:00:00Z'],
      ],
    );
    // Storage has no schedule (404): who is on call now still shows.
    const storage = oc.rotations.find((r) => r.id.startsWith('team-storage/'));
    assert.strictEqual(storage?.shifts[0]?.person.name, 'asmith');
  });

  it('acknowledges by incident name with PATCH /incidents/ack and the user name', async () => {
    vendor.on('PATCH /api-public/v1/incidents/ack', { body: fx('ack-response.json') });
    await source.handleAction('ack', ['1501'], { name: 'Jane', handle: '@jdoe' });
    const req = vendor.of('PATCH', '/api-public/v1/incidents/ack')[0]!;
    assert.strictEqual(req.headers['x-vo-api-key'], API_KEY);
    const body = JSON.parse(req.body);
    assert.strictEqual(body.userName, 'jdoe');
    assert.deepStrictEqual(body.incidentNames, ['1501']);
    assert.strictEqual(typeof body.message, 'string');
    assert.strictEqual(bridge.server.world.getAlert('1501')?.status, 'acknowledged');
  });

  it('resolves with the default user and reports refused incidents', async () => {
    vendor.on('PATCH /api-public/v1/incidents/resolve', { body: { results: [{ incidentNumber: '1501', cmdAccepted: false, message: 'Incident is not open' }] } });
    await assert.rejects(source.handleAction('resolve', ['1501'], undefined), /did not resolve 1501 \(Incident is not open\)/);
    assert.strictEqual(JSON.parse(vendor.of('PATCH', '/api-public/v1/incidents/resolve')[0]!.body).userName, 'oncall-bot');
    assert.strictEqual(bridge.server.world.getAlert('1501')?.status, 'triggered');
    await assert.rejects(source.handleAction('unack', ['1501'], undefined), /no "un-acknowledge"/);
  });

  it('honours 429 Retry-After (HTTP date form too)', async () => {
    const inTwo = new Date(Date.now() + 2000).toUTCString();
    vendor.once('GET /api-public/v1/incidents', { status: 429, headers: { 'retry-after': inTwo } });
    await source.pollIncidents();
    assert.strictEqual(sleeps.waits.length, 1);
    assert.ok(sleeps.waits[0]! > 0 && sleeps.waits[0]! <= 2000, String(sleeps.waits[0]));
  });

  it('rejects a malformed incidents body with a clear error and loses nothing', async () => {
    const seq = bridge.server.world.seq;
    vendor.once('GET /api-public/v1/incidents', { body: '<html>maintenance</html>' });
    await assert.rejects(source.pollIncidents(), /GET \/api-public\/v1\/incidents: the response is not valid JSON/);
    vendor.once('GET /api-public/v1/incidents', { body: { nope: [] } });
    await assert.rejects(source.pollIncidents(), /incidents: expected an array/);
    assert.strictEqual(bridge.server.world.seq, seq);
    assert.strictEqual(bridge.server.world.getAlert('1501')?.status, 'triggered');
  });

  it('resolves an open incident that left the list; never logs the API key', async () => {
    vendor.once('GET /api-public/v1/incidents', { body: { incidents: [] } });
    await source.pollIncidents();
    assert.strictEqual(bridge.server.world.getAlert('1501')?.status, 'resolved');
    for (const l of bridge.logger.lines) assert.ok(!l.message.includes(API_KEY));
  });
});
