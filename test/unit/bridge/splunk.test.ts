/** Contract tests of the Splunk On-Call module against its documented payloads (test/fixtures/splunk-oncall). */
import * as assert from 'node:assert';
import { SplunkOnCallSource } from '../../../src/bridge/sources/splunkOnCall/splunkOnCallSource';
import { VendorHttpError } from '../../../src/bridge/sources/shared/vendorHttp';
import { contractViolations, splunkRules } from './vendorContract';
import { FakeVendor, loadFixture, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';
import { T0 } from './helpers';

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
      .on('GET /api-public/v2/team/team-storage/oncall/schedule', { status: 404, body: { message: 'Team not found' } })
      .on('GET /api-public/v1/policies/pol-payments', { body: fx('policy-pol-payments.json') })
      .on('GET /api-public/v1/policies/pol-storage', { status: 404, body: { message: 'Policy not found' } })
      .on('GET /api-public/v1/user', { body: fx('users.json') });
    await vendor.start();
    sleeps = recordingSleep();
    source = new SplunkOnCallSource({ apiId: API_ID, apiKey: API_KEY, apiUrl: vendor.url, defaultUser: 'oncall-bot', sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    bridge = await startVendorBridge(source);
  });

  afterEach(async () => {
    // Every request the bridge sent, in every test, is an operation of the Swagger document with its
    // required headers, query parameters and body shape.
    assert.deepStrictEqual(contractViolations(vendor.requests, splunkRules(API_ID, API_KEY)), []);
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

  it('builds rotations from team schedules (overrides applied) and the current on-call (documented onCallNow/onCallUser)', () => {
    const oc = bridge.server.world.snapshot().oncall;
    assert.ok(oc);
    const weekly = oc.rotations.find((r) => r.id === 'team-payments/pol-payments/Weekly');
    // The policy's override (mchen → asmith, 24th 12:00–18:00) splits mchen's roll.
    assert.deepStrictEqual(
      weekly?.shifts.map((s) => [s.person.name, s.start, s.end]),
      [
        ['jdoe', '2026-11-23T09:00:00Z', '2026-11-24T09:00:00Z'],
        ['mchen', '2026-11-24T09:00:00Z', '2026-11-24T12:00:00.000Z'],
        ['asmith', '2026-11-24T12:00:00.000Z', '2026-11-24T18:00:00.000Z'],
        ['mchen', '2026-11-24T18:00:00.000Z', '2026-11-25T09:00:00Z'],
      ],
    );
    // Storage has no schedule (404): who is on call now (`teamsOnCall[].onCallNow[].users[].onCallUser`) still shows.
    const storage = oc.rotations.find((r) => r.id.startsWith('team-storage/'));
    assert.strictEqual(storage?.shifts[0]?.person.name, 'asmith');
  });

  it('reads the paged escalation policy (GET /policies/{slug}) into tiers and counts down from the incident transitions', () => {
    const oc = bridge.server.world.snapshot().oncall;
    const pol = oc?.policies.find((p) => p.id === 'pol-payments');
    assert.deepStrictEqual(pol, {
      id: 'pol-payments',
      name: 'Payments primary',
      services: [],
      tiers: [
        { level: 1, delayMinutes: 15, targets: [{ type: 'rotation', rotationId: 'team-payments/pol-payments/Weekly' }] },
        { level: 2, delayMinutes: 30, targets: [{ type: 'person', person: { id: 'mchen', name: 'mchen', handle: 'mchen' } }] },
        { level: 3, delayMinutes: 0, targets: [{ type: 'person', person: { id: 'asmith', name: 'asmith', handle: 'asmith' } }] },
      ],
    });
    // Triggered at 10:00, now 10:17: step 2 paged at 10:15, step 3 comes at 10:45 unless someone acks.
    assert.deepStrictEqual(bridge.server.world.getAlert('1501')?.escalation, {
      level: 2,
      policy: 'Payments primary',
      targets: [{ id: 'asmith', name: 'asmith', handle: 'asmith' }],
      nextEscalationAt: '2026-11-23T10:45:00.000Z',
    });
    // An incident paged through no policy has no escalation rather than a made-up one.
    assert.strictEqual(bridge.server.world.getAlert('1498')?.escalation, undefined);
  });

  it('treats the documented 403 rate-limit answer as a rate limit: backs off, never a "forbidden" configuration error', async () => {
    vendor.once('GET /api-public/v1/incidents', { status: 403, body: { message: 'Forbidden' } });
    await assert.rejects(source.pollIncidents(), (e: unknown) => e instanceof VendorHttpError && /rate limit/.test(e.message) && (e.retryAfterMs ?? 0) >= 60_000);
    // At start: the bridge starts (polling keeps going, backed off), nothing is lost.
    const v2 = new FakeVendor().on('GET /api-public/v1/incidents', { status: 403 }).on('GET /api-public/v1/oncall/current', { status: 403 });
    await v2.start();
    const s2 = new SplunkOnCallSource({ apiId: API_ID, apiKey: API_KEY, apiUrl: v2.url, sleep: sleeps.sleep, pollIntervalMs: 30_000 });
    const b2 = await startVendorBridge(s2);
    try {
      assert.ok(b2.logger.lines.some((l) => /rate limit was reached/.test(l.message)));
      const n = v2.requests.length;
      b2.clock.advance(59_000);
      await s2.idle();
      assert.strictEqual(v2.requests.length, n, 'no retry within the minute after a 403');
    } finally {
      await b2.server.close();
      await v2.close();
    }
    vendor.on('PATCH /api-public/v1/incidents/ack', { status: 403 });
    await assert.rejects(source.handleAction('ack', ['1501'], { name: 'Jane', handle: 'jdoe' }), /rate limit was reached — try again in a minute/);
  });

  it('acts as the Splunk On-Call user the identity maps to (GET /user: handle or email), else as the configured user and says so', async () => {
    vendor.on('PATCH /api-public/v1/incidents/ack', { body: fx('ack-response.json') });
    const byEmail = await source.handleAction('ack', ['1501'], { name: 'Jane', email: 'Jane@Example.com' });
    assert.strictEqual(JSON.parse(vendor.of('PATCH', '/api-public/v1/incidents/ack').at(-1)!.body).userName, 'jdoe');
    assert.strictEqual(byEmail?.note, undefined);
    const fallback = await source.handleAction('ack', ['1501'], { name: 'Someone', handle: '@nobody' });
    assert.strictEqual(JSON.parse(vendor.of('PATCH', '/api-public/v1/incidents/ack').at(-1)!.body).userName, 'oncall-bot');
    assert.match(fallback?.note ?? '', /done as oncall-bot \(--splunk-oncall-user\): @nobody is not a Splunk On-Call user/);
    assert.strictEqual(vendor.of('GET', '/api-public/v1/user').length, 1, 'the user list is cached');
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
  describe('responder actions (protocol 1.1)', () => {
    const JANE = { name: 'Jane', handle: 'jdoe' };
    const lastBody = (method: string, path: string): Record<string, unknown> => JSON.parse(vendor.of(method, path).at(-1)!.body) as Record<string, unknown>;
    const rerouted = (incidentNumber: string, ...slugs: string[]) => ({ incidentNumber, success: true, targetStatus: slugs.map((slug) => ({ slug, success: true })) });

    it('announces reassign, escalate and override, and says why snooze and notes are missing', () => {
      const hello = bridge.server.hello();
      for (const cap of ['reassign', 'escalate', 'override']) assert.ok(hello.capabilities.includes(cap), cap);
      for (const cap of ['snooze', 'note', 'unack']) assert.ok(!hello.capabilities.includes(cap), cap);
      assert.strictEqual(hello.unsupportedActions?.snooze, 'Splunk On-Call has no snooze');
      assert.match(hello.unsupportedActions?.note ?? '', /public API has no incident notes/);
    });

    it('reassigns to a user and to a policy with POST /incidents/reroute as the acting user', async () => {
      vendor.on('POST /api-public/v1/incidents/reroute', { body: { statuses: [rerouted('1501', 'asmith')] } });
      assert.strictEqual(await source.reassign(['1501'], { userId: 'asmith' }, JANE), undefined);
      assert.deepStrictEqual(lastBody('POST', '/api-public/v1/incidents/reroute'), { userName: 'jdoe', reroutes: [{ incidentNumber: '1501', targets: [{ type: 'User', slug: 'asmith' }] }] });
      vendor.on('POST /api-public/v1/incidents/reroute', { body: { statuses: [rerouted('1501', 'pol-storage')] } });
      await source.reassign(['1501'], { policyId: 'pol-storage' }, JANE);
      assert.deepStrictEqual(lastBody('POST', '/api-public/v1/incidents/reroute').reroutes, [{ incidentNumber: '1501', targets: [{ type: 'EscalationPolicy', slug: 'pol-storage' }] }]);
      // A user the organization does not have is refused before anything is sent.
      const n = vendor.of('POST', '/api-public/v1/incidents/reroute').length;
      await assert.rejects(source.reassign(['1501'], { userId: 'nobody' }, JANE), /nobody is not a Splunk On-Call user/);
      assert.strictEqual(vendor.of('POST', '/api-public/v1/incidents/reroute').length, n);
    });

    it('reassigns to a step of the policy: the people on call in its rotation now', async () => {
      vendor.on('POST /api-public/v1/incidents/reroute', { body: { statuses: [rerouted('1501', 'jdoe')] } });
      await source.reassign(['1501'], { escalationLevel: 1 }, JANE);
      // Step 1 pages the Weekly rotation; at 10:17 on the 23rd jdoe is on call in it.
      assert.deepStrictEqual(lastBody('POST', '/api-public/v1/incidents/reroute').reroutes, [{ incidentNumber: '1501', targets: [{ type: 'User', slug: 'jdoe' }] }]);
      await assert.rejects(source.reassign(['1501'], { escalationLevel: 7 }, JANE), /Payments primary has steps 1–3; there is no step 7/);
      // 1498 was paged through no policy.
      await assert.rejects(source.reassign(['1498'], { escalationLevel: 1 }, JANE), /paged through no escalation policy/);
    });

    it('escalates by rerouting to the next step, and says that Splunk On-Call has no escalate', async () => {
      vendor.on('POST /api-public/v1/incidents/reroute', { body: { statuses: [rerouted('1501', 'asmith')] } });
      const out = await source.escalate(['1501'], undefined, JANE);
      // 1501 is at step 2 (see the countdown test): the next step pages asmith.
      assert.deepStrictEqual(lastBody('POST', '/api-public/v1/incidents/reroute').reroutes, [{ incidentNumber: '1501', targets: [{ type: 'User', slug: 'asmith' }] }]);
      assert.strictEqual(out.note, 'Splunk On-Call has no "escalate": rerouted 1501 to step 3 of Payments primary (asmith)');
      await assert.rejects(source.escalate(['1490'], undefined, JANE), /unknown incident/);
    });

    it('turns refusals into reasons the user can act on', async () => {
      vendor.once('POST /api-public/v1/incidents/reroute', { body: { statuses: [{ incidentNumber: '1501', success: false, targetStatus: [{ slug: 'mchen', success: false, message: 'User is not on the team' }] }] } });
      await assert.rejects(source.reassign(['1501'], { policyId: 'pol-payments' }, JANE), /did not reroute 1501 to policy pol-payments: 1501 \(mchen: User is not on the team\)/);
      vendor.once('POST /api-public/v1/incidents/reroute', { status: 403, body: { message: 'Forbidden' } });
      await assert.rejects(source.reassign(['1501'], { policyId: 'pol-payments' }, JANE), /HTTP 403\): this key is read-only, or the rate limit was reached .*use an API key with write access/);
      vendor.once('POST /api-public/v1/incidents/reroute', { status: 401 });
      await assert.rejects(source.reassign(['1501'], { policyId: 'pol-payments' }, JANE), /HTTP 401\): it refused the API credentials: check SPLUNK_ONCALL_API_ID/);
      vendor.once('POST /api-public/v1/incidents/reroute', { status: 404, body: { message: 'Policy not found' } });
      await assert.rejects(source.reassign(['1501'], { policyId: 'pol-gone' }, JANE), /HTTP 404\): the incident, user or policy is not known .*Splunk On-Call says: Policy not found/);
      vendor.once('POST /api-public/v1/incidents/reroute', { body: '{"statuses": "maybe"}', malformed: true });
      await assert.rejects(source.reassign(['1501'], { policyId: 'pol-payments' }, JANE), /unexpected response .*check in Splunk On-Call whether it happened/);
      vendor.once('POST /api-public/v1/incidents/reroute', { body: '<html>', malformed: true });
      await assert.rejects(source.reassign(['1501'], { policyId: 'pol-payments' }, JANE), /not valid JSON/);
      // Nothing changed locally: the alert still shows what the source said.
      assert.deepStrictEqual(bridge.server.world.getAlert('1501')?.assignees.map((p) => p.id), ['jdoe']);
    });

    it('takes on-call with a scheduled override assigned to the taker on the rotation\'s policy', async () => {
      vendor
        .on('POST /api-public/v1/overrides', { body: { _selfUrl: '/api-public/v1/overrides/ovr-1', schedule: { publicId: 'ovr-1', start: '2026-11-24T09:00:00Z', end: '2026-11-24T12:00:00Z', timezone: 'Etc/UTC', user: { username: 'mchen' }, assignments: [{ policy: 'pol-payments', team: 'team-payments', assigned: false }, { policy: 'pol-db', team: 'team-db', assigned: false }] } } })
        .on('PUT /api-public/v1/overrides/ovr-1/assignments/pol-payments', { body: { policy: 'pol-payments', team: 'team-payments', user: 'jdoe', assigned: true } });
      const polls = vendor.of('GET', '/api-public/v1/oncall/current').length;
      const out = await source.override({ rotationId: 'team-payments/pol-payments/Weekly', start: Date.parse('2026-11-24T09:00:00Z'), end: Date.parse('2026-11-24T12:00:00Z') }, JANE);
      // mchen is on call then (the roll from the 24th 09:00): the override is theirs, jdoe takes it.
      assert.deepStrictEqual(lastBody('POST', '/api-public/v1/overrides'), { username: 'mchen', start: '2026-11-24T09:00:00Z', end: '2026-11-24T12:00:00Z', timezone: 'Etc/UTC' });
      assert.deepStrictEqual(lastBody('PUT', '/api-public/v1/overrides/ovr-1/assignments/pol-payments'), { policy: 'pol-payments', username: 'jdoe' });
      assert.match(out?.note ?? '', /mchen's override also covers pol-db: those stay unassigned/);
      await source.idle();
      assert.ok(vendor.of('GET', '/api-public/v1/oncall/current').length > polls, 'the on-call state is read again');
      // "Cover me": someone else takes it; refused when the taker is already on call.
      await assert.rejects(source.override({ rotationId: 'team-payments/pol-payments/Weekly', start: T0, end: Date.parse('2026-11-24T09:00:00Z') }, JANE), /jdoe is already on call/);
      await assert.rejects(source.override({ rotationId: 'team-payments/pol-payments/Weekly', start: T0, end: T0 + 3_600_000, userId: 'ghost' }, JANE), /ghost is not a Splunk On-Call user/);
      await assert.rejects(source.override({ rotationId: 'nope', start: T0, end: T0 + 3_600_000 }, JANE), /unknown rotation nope/);
    });

    it('deletes the override again when its assignment is refused (nobody would cover the shift)', async () => {
      vendor
        .on('POST /api-public/v1/overrides', { body: { schedule: { publicId: 'ovr-2', assignments: [{ policy: 'pol-payments', assigned: false }] } } })
        .on('PUT /api-public/v1/overrides/ovr-2/assignments/pol-payments', { status: 403 })
        .on('DELETE /api-public/v1/overrides/ovr-2', { status: 200 });
      await assert.rejects(
        source.override({ rotationId: 'team-payments/pol-payments/Weekly', start: Date.parse('2026-11-24T09:00:00Z'), end: Date.parse('2026-11-24T10:00:00Z'), userId: 'asmith' }, JANE),
        /could not assign mchen's override on pol-payments to asmith \(HTTP 403\): this key is read-only/,
      );
      assert.strictEqual(vendor.of('DELETE', '/api-public/v1/overrides/ovr-2').length, 1);
      assert.strictEqual(lastBody('PUT', '/api-public/v1/overrides/ovr-2/assignments/pol-payments').username, 'asmith');
    });

    it('shows the incident transitions as its timeline and the users as the pickers\' directory', () => {
      assert.deepStrictEqual(bridge.server.world.getAlert('1498')?.timeline, [
        { at: '2026-11-23T09:00:00Z', kind: 'triggered' },
        { at: '2026-11-23T09:04:00Z', kind: 'acknowledged', actor: { id: 'asmith', name: 'asmith', handle: 'asmith' }, text: 'looking' },
      ]);
      const people = bridge.server.world.snapshot().oncall?.people;
      assert.deepStrictEqual(people?.find((p) => p.id === 'jdoe'), { id: 'jdoe', name: 'Jane Doe', handle: 'jdoe', email: 'jane@example.com' });
    });
  });
});
