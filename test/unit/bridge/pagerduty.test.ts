/**
 * Contract tests of the PagerDuty module: a loopback server replays PagerDuty's documented payloads
 * (test/fixtures/pagerduty, sources in its README) and records what the bridge sent.
 */
import * as assert from 'node:assert';
import { parseBridgeArgs } from '../../../src/bridge/args';
import { createVendorSource } from '../../../src/bridge/sources/shared/vendorOptions';
import { nullLogger } from '../../../src/core/util/logger';
import { PagerDutySource, WEBHOOK_FUTURE_SKEW_MS, WEBHOOK_REPLAY_TOLERANCE_MS } from '../../../src/bridge/sources/pagerduty/pagerdutySource';
import { pagerDutySignatureHeader, verifyPagerDutySignature } from '../../../src/bridge/sources/pagerduty/signature';
import { BRIDGE_TOKEN, FakeVendor, loadFixture, post, rawFixture, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';
import { TestClient } from './helpers';
import { contractViolations, pagerdutyRules } from './vendorContract';
import { ruleLevels } from '../../../src/bridge/sources/pagerduty/mapping';
import type { PdEscalationPolicy, PdOnCall } from '../../../src/bridge/sources/pagerduty/schemas';

const PD_TOKEN = 'pd-rest-token-SECRET-1234';
const SECRET_OLD = 'old-signing-secret';
const SECRET_NEW = 'new-signing-secret';
const fx = (name: string): unknown => loadFixture('pagerduty', name);
const PD_START = Date.parse('2026-11-23T10:09:00Z');

describe('PagerDuty source (contract)', () => {
  let vendor: FakeVendor;
  let source: PagerDutySource;
  let bridge: VendorBridge;
  let sleeps: ReturnType<typeof recordingSleep>;

  function standardRoutes(v: FakeVendor): void {
    v.on('GET /incidents', (req) => (req.query.get('offset') === '1' ? { body: fx('incidents-page2.json') } : { body: fx('incidents-page1.json') }));
    v.on('GET /incidents/PT4KHLK/alerts', { body: fx('incident-alerts.json') });
    v.on('GET /incidents/PGR0VU2/alerts', { body: { alerts: [], more: false } });
    v.on('GET /incidents/Q2NEW0001/alerts', { body: { alerts: [], more: false } });
    v.on('GET /schedules', { body: fx('schedules.json') });
    v.on('GET /escalation_policies', { body: fx('escalation_policies.json') });
    v.on('GET /oncalls', { body: fx('oncalls.json') });
  }

  beforeEach(async () => {
    vendor = new FakeVendor();
    standardRoutes(vendor);
    await vendor.start();
    sleeps = recordingSleep();
    source = new PagerDutySource({ token: PD_TOKEN, apiUrl: vendor.url, webhookSecrets: [SECRET_NEW], fromEmail: 'default@example.com', sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    // Before the fixtures' events (10:10, 10:12): events that occurred before the bridge started are ignored.
    bridge = await startVendorBridge(source, PD_START);
  });

  afterEach(async () => {
    await bridge.server.close();
    await vendor.close();
    // Every request the bridge sent in the test, and every reply the fake gave (but the deliberately
    // broken ones), against our rules from PagerDuty's OpenAPI description.
    assert.deepStrictEqual(contractViolations(vendor.requests, pagerdutyRules(PD_TOKEN)), []);
  });

  it('sends the versioned Accept header, Content-Type and the token on every request (openapiv3.json header_Accept)', () => {
    assert.ok(vendor.requests.length >= 5);
    for (const r of vendor.requests) {
      assert.strictEqual(r.headers.accept, 'application/vnd.pagerduty+json;version=2', `${r.method} ${r.path}`);
      assert.strictEqual(r.headers['content-type'], 'application/json', `${r.method} ${r.path}`);
    }
  });

  it('polls every page of open incidents with the token header, and clients see them with details from custom_details', async () => {
    const pages = vendor.of('GET', '/incidents');
    assert.deepStrictEqual(
      pages.map((r) => r.query.get('offset')),
      ['0', '1'],
    );
    for (const r of pages) {
      assert.strictEqual(r.headers.authorization, `Token token=${PD_TOKEN}`);
      assert.deepStrictEqual(r.query.getAll('statuses[]'), ['triggered', 'acknowledged']);
    }
    const client = new TestClient(bridge.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    const snap = await client.handshake();
    client.close();
    assert.strictEqual(snap.type, 'snapshot');
    if (snap.type !== 'snapshot') return;
    const fire = snap.alerts.find((a) => a.id === 'PT4KHLK');
    assert.ok(fire);
    assert.strictEqual(fire.title, 'The server is on fire.');
    assert.strictEqual(fire.severity, 'high'); // priority P2
    assert.strictEqual(fire.status, 'triggered');
    assert.strictEqual(fire.service, 'My Mail Service');
    assert.strictEqual(fire.url, 'https://subdomain.pagerduty.com/incidents/PT4KHLK');
    assert.match(fire.stackTrace ?? '', /at writeSpool \(src\/mail\/spool\.ts:88:11\)/);
    assert.strictEqual(fire.release, 'mail@4.2.0');
    assert.strictEqual(fire.commitSha, '9fceb02d0ae598e95dc970b74767f19372d61af8');
    assert.strictEqual(fire.environment, 'production');
    assert.deepStrictEqual(fire.assignees, [{ id: 'PXPGF42', name: 'Earline Greenholt' }]);
    const bump = snap.alerts.find((a) => a.id === 'PGR0VU2');
    assert.strictEqual(bump?.status, 'acknowledged');
    assert.strictEqual(bump.severity, 'warning'); // no priority, no alert severity, urgency low
    assert.strictEqual(bump.acknowledgedBy?.name, 'User 123');
    // on-call: one rotation (the shift listed once per policy level is de-duplicated), policy tiers
    assert.ok(snap.oncall);
    const rot = snap.oncall.rotations.find((r) => r.id === 'PI7DH85');
    assert.strictEqual(rot?.timeZone, 'America/New_York');
    assert.strictEqual(rot.shifts.length, 1);
    assert.deepStrictEqual(rot.shifts[0]?.person, { id: 'PXPGF42', name: 'Earline Greenholt', email: '125.greenholt.earline@graham.name', timeZone: 'America/Lima' });
    const pol = snap.oncall.policies[0];
    assert.strictEqual(pol?.name, 'Another Escalation Policy');
    assert.deepStrictEqual(pol.services, ['My Mail Service']);
    assert.deepStrictEqual(pol.tiers.map((t) => [t.level, t.delayMinutes, t.targets[0]?.type]), [
      [1, 30, 'rotation'],
      [2, 15, 'person'],
    ]);
    const oncallReq = vendor.of('GET', '/oncalls')[0]!;
    assert.deepStrictEqual(oncallReq.query.getAll('include[]'), ['users']);
    assert.ok(oncallReq.query.get('since') && oncallReq.query.get('until'));
  });

  it('honours 429 Retry-After, then gets the page', async () => {
    vendor.once('GET /incidents', { status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate Limit Exceeded', code: 2020 } } });
    const before = vendor.of('GET', '/incidents').length;
    await source.pollIncidents();
    assert.deepStrictEqual(sleeps.waits, [2000]);
    assert.strictEqual(vendor.of('GET', '/incidents').length - before, 3); // 429, page 1, page 2
    assert.ok(bridge.logger.lines.some((l) => l.level === 'warn' && /rate limited \(429\); retrying in 2 s/.test(l.message)));
  });

  it('gives up after repeated 429s without changing anything, and says when to retry', async () => {
    const seq = bridge.server.world.seq;
    vendor.once('GET /incidents', ...[1, 2, 3].map(() => ({ status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate Limit Exceeded', code: 2020 } } })));
    await assert.rejects(source.pollIncidents(), /rate limited \(429\); retry after 1 s/);
    assert.strictEqual(bridge.server.world.seq, seq);
  });

  it('resolves incidents that left the open list, but not when a poll fails half-way (nothing lost)', async () => {
    vendor.once('GET /incidents', { body: fx('incidents-page1.json') }, { body: '{"incidents": [ broken', malformed: true });
    await assert.rejects(source.pollIncidents(), /not valid JSON/);
    assert.strictEqual(bridge.server.world.getAlert('PGR0VU2')?.status, 'acknowledged');
    vendor.once('GET /incidents', { body: { ...(fx('incidents-page2.json') as object), offset: 0 } });
    await source.pollIncidents();
    assert.strictEqual(bridge.server.world.getAlert('PT4KHLK')?.status, 'resolved');
    assert.strictEqual(bridge.server.world.getAlert('PGR0VU2')?.status, 'acknowledged');
  });

  it('acknowledges with the bulk PUT /incidents (updateIncidents), the From header and the documented body', async () => {
    vendor.on('PUT /incidents', { body: { incidents: [(fx('put-incident-acknowledged.json') as { incident: unknown }).incident] } });
    const client = new TestClient(bridge.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    await client.handshake();
    client.send({ type: 'ack', requestId: 'r1', alertIds: ['PT4KHLK'], actor: { name: 'Earline', email: 'earline@example.com' } });
    // The new state is broadcast first; the result follows once PagerDuty accepted.
    const ev = await client.nextOfType('alert');
    const result = await client.nextOfType('result');
    assert.deepStrictEqual(result, { type: 'result', requestId: 'r1', ok: true });
    const put = vendor.of('PUT', '/incidents');
    assert.strictEqual(put.length, 1);
    assert.strictEqual(vendor.requests.filter((r) => r.method === 'PUT' && r.path !== '/incidents').length, 0, 'no per-incident PUT');
    assert.strictEqual(put[0]!.headers.from, 'earline@example.com');
    assert.strictEqual(put[0]!.headers.authorization, `Token token=${PD_TOKEN}`);
    assert.match(String(put[0]!.headers['content-type']), /application\/json/);
    assert.deepStrictEqual(JSON.parse(put[0]!.body), { incidents: [{ id: 'PT4KHLK', type: 'incident_reference', status: 'acknowledged' }] });
    assert.strictEqual(ev.alert.status, 'acknowledged');
    assert.strictEqual(ev.alert.acknowledgedBy?.name, 'Earline Greenholt');
    client.close();
  });

  it('resolves with the configured default From when the actor has no email; reports PagerDuty errors', async () => {
    vendor.on('PUT /incidents', { status: 400, body: { error: { message: 'Invalid Input Provided', code: 2001, errors: ['Incident Already Resolved'] } } });
    await assert.rejects(source.handleAction('resolve', ['PT4KHLK'], { name: 'no email' }), /could not resolve 1 of 1 incident\(s\): PT4KHLK: Invalid Input Provided: Incident Already Resolved/);
    const put = vendor.of('PUT', '/incidents')[0]!;
    assert.strictEqual(put.headers.from, 'default@example.com');
    assert.deepStrictEqual(JSON.parse(put.body), { incidents: [{ id: 'PT4KHLK', type: 'incident_reference', status: 'resolved' }] });
    await assert.rejects(source.handleAction('unack', ['PT4KHLK'], undefined), /no "un-acknowledge"/);
    await assert.rejects(source.handleAction('ack', ['NOPE'], undefined), /unknown incident/);
  });

  it('accepts a webhook signed with any of several rotating secrets and applies it', async () => {
    const body = rawFixture('pagerduty', 'webhook-incident-acknowledged.json');
    const sig = pagerDutySignatureHeader(body, [SECRET_OLD, SECRET_NEW]);
    assert.match(sig, /^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const res = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, { 'x-pagerduty-signature': sig });
    assert.strictEqual(res.status, 202);
    const a = bridge.server.world.getAlert('PT4KHLK');
    assert.strictEqual(a?.status, 'acknowledged');
    assert.strictEqual(a.acknowledgedBy?.name, 'Tenex Engineer');
    assert.strictEqual(a.severity, 'critical'); // the webhook's priority P1
    assert.match(a.stackTrace ?? '', /writeSpool/, 'details learned by polling are kept');
    // A redelivery of the same event changes nothing.
    const seq = bridge.server.world.seq;
    assert.strictEqual((await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, { 'x-pagerduty-signature': sig })).status, 202);
    assert.strictEqual(bridge.server.world.seq, seq);
  });

  it('adds a new incident from incident.triggered', async () => {
    const body = rawFixture('pagerduty', 'webhook-incident-triggered.json');
    const res = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, { 'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET_NEW]) });
    assert.strictEqual(res.status, 202);
    const a = bridge.server.world.getAlert('Q2NEW0001');
    assert.strictEqual(a?.title, 'Checkout latency above SLO');
    assert.strictEqual(a.status, 'triggered');
  });

  /** The triggered fixture re-dated and re-signed: what someone holding an old signed body could send. */
  function signedTriggered(occurredAt: string, id = 'Q2NEW0001', eventId = `ev-${occurredAt}`): { body: string; headers: Record<string, string> } {
    const ev = JSON.parse(rawFixture('pagerduty', 'webhook-incident-triggered.json')) as { event: { id: string; occurred_at: string; data: { id: string } } };
    ev.event.id = eventId;
    ev.event.occurred_at = occurredAt;
    ev.event.data.id = id;
    const body = JSON.stringify(ev);
    return { body, headers: { 'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET_NEW]) } };
  }

  it('replay: a correctly signed event older than the tolerance (e.g. from 2019) is ignored with 202 and creates nothing; logged once', async () => {
    const seq = bridge.server.world.seq;
    for (const at of ['2019-06-01T10:00:00Z', new Date(PD_START - WEBHOOK_REPLAY_TOLERANCE_MS - 1000).toISOString()]) {
      const { body, headers } = signedTriggered(at);
      const res = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, headers);
      assert.strictEqual(res.status, 202, 'not a 4xx: PagerDuty would disable the subscription after repeated failures');
      assert.strictEqual(JSON.parse(res.body).ignored, 'stale');
    }
    assert.strictEqual(bridge.server.world.getAlert('Q2NEW0001'), undefined);
    assert.strictEqual(bridge.server.world.seq, seq);
    // Far in the future (a forged clock) is refused too.
    const future = signedTriggered(new Date(PD_START + WEBHOOK_FUTURE_SKEW_MS + 60_000).toISOString());
    assert.strictEqual(JSON.parse((await post(`${bridge.httpUrl}/webhooks/pagerduty`, future.body, future.headers)).body).ignored, 'future');
    assert.strictEqual(bridge.logger.lines.filter((l) => /ignored a signed PagerDuty webhook/.test(l.message)).length, 1);
  });

  it('replay: an event from before the bridge started is ignored (the first poll has newer state), so a restart does not re-accept an applied body', async () => {
    // Applied by this run…
    const { body, headers } = signedTriggered(new Date(PD_START + 30_000).toISOString());
    bridge.clock.advance(60_000);
    assert.strictEqual(JSON.parse((await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, headers)).body).ok, true);
    assert.strictEqual(bridge.server.world.getAlert('Q2NEW0001')?.status, 'triggered');
    // …then the bridge restarts (memory gone) and the incident was resolved in PagerDuty meanwhile.
    await bridge.server.close();
    const restartedAt = PD_START + 5 * 60_000;
    const src2 = new PagerDutySource({ token: PD_TOKEN, apiUrl: vendor.url, webhookSecrets: [SECRET_NEW], fromEmail: 'default@example.com', sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    bridge = await startVendorBridge(src2, restartedAt);
    const res = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, headers);
    assert.strictEqual(res.status, 202);
    assert.strictEqual(JSON.parse(res.body).ignored, 'beforeStart');
    assert.strictEqual(bridge.server.world.getAlert('Q2NEW0001'), undefined, 'the replayed body created no alert after the restart');
    // A genuinely new event after the restart is applied as usual.
    const fresh = signedTriggered(new Date(restartedAt + 1000).toISOString(), 'Q2NEW0001', 'ev-fresh');
    bridge.clock.advance(2000);
    assert.strictEqual(JSON.parse((await post(`${bridge.httpUrl}/webhooks/pagerduty`, fresh.body, fresh.headers)).body).ok, true);
    assert.strictEqual(bridge.server.world.getAlert('Q2NEW0001')?.status, 'triggered');
  });

  it('rejects bad and missing signatures with 401, changes nothing, logs once', async () => {
    const body = rawFixture('pagerduty', 'webhook-incident-acknowledged.json');
    const seq = bridge.server.world.seq;
    const bad = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, { 'x-pagerduty-signature': pagerDutySignatureHeader(body, ['wrong-secret']) });
    assert.strictEqual(bad.status, 401);
    const tampered = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body.replace('acknowledged', 'resolved'), { 'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET_NEW]) });
    assert.strictEqual(tampered.status, 401);
    const missing = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, {});
    assert.strictEqual(missing.status, 401);
    assert.strictEqual(bridge.server.world.seq, seq);
    assert.strictEqual(bridge.server.world.getAlert('PT4KHLK')?.status, 'triggered');
    const rejected = bridge.logger.lines.filter((l) => /rejected a PagerDuty webhook/.test(l.message));
    assert.strictEqual(rejected.length, 1);
    // The variable the bridge really reads (vendorOptions.ts, README).
    assert.match(rejected[0]!.message, /check PAGERDUTY_WEBHOOK_SECRETS /);
  });

  it('rejects a signed but malformed body with 400 and a clear error, changing nothing', async () => {
    const seq = bridge.server.world.seq;
    for (const [body, re] of [
      ['{"event": {', /not valid JSON/],
      ['{"event": {"id": "x", "event_type": "incident.triggered", "occurred_at": "2026-11-23T10:10:00Z", "data": {"type": "incident", "id": "Q", "status": "exploded", "created_at": "2026-11-23T10:00:00Z"}}}', /event\.data is not a PagerDuty incident: status/],
      ['{"hello": 1}', /not a PagerDuty v3 webhook: event/],
    ] as const) {
      const res = await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, { 'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET_NEW]) });
      assert.strictEqual(res.status, 400, body);
      assert.match(JSON.parse(res.body).error, re);
    }
    assert.strictEqual(bridge.server.world.seq, seq);
  });

  it('acknowledges several incidents with ONE bulk PUT /incidents and applies every incident of the answer', async () => {
    vendor.on('PUT /incidents', (req) => {
      const ids = (JSON.parse(req.body) as { incidents: { id: string }[] }).incidents.map((i) => i.id);
      const page1 = (fx('incidents-page1.json') as { incidents: { id: string }[] }).incidents;
      const page2 = (fx('incidents-page2.json') as { incidents: { id: string }[] }).incidents;
      return { body: { incidents: [...page1, ...page2].filter((i) => ids.includes(i.id)).map((i) => ({ ...i, status: 'resolved', resolved_at: '2026-11-23T10:17:00Z', updated_at: '2026-11-23T10:17:00Z' })) } };
    });
    await source.handleAction('resolve', ['PT4KHLK', 'PGR0VU2'], { name: 'Earline', email: 'earline@example.com' });
    const puts = vendor.requests.filter((r) => r.method === 'PUT');
    assert.strictEqual(puts.length, 1);
    assert.strictEqual(puts[0]!.path, '/incidents');
    assert.deepStrictEqual(JSON.parse(puts[0]!.body), {
      incidents: [
        { id: 'PT4KHLK', type: 'incident_reference', status: 'resolved' },
        { id: 'PGR0VU2', type: 'incident_reference', status: 'resolved' },
      ],
    });
    assert.strictEqual(bridge.server.world.getAlert('PT4KHLK')?.status, 'resolved');
    assert.strictEqual(bridge.server.world.getAlert('PGR0VU2')?.status, 'resolved');
  });

  it('a read-only key (403 on updateIncidents) fails the whole bulk with PagerDuty\'s reason, changing nothing', async () => {
    vendor.on('PUT /incidents', { status: 403, body: { error: { message: 'Access Denied', code: 2010, errors: ['The access level of this API key is read-only'] } } });
    const seq = bridge.server.world.seq;
    await assert.rejects(source.handleAction('ack', ['PT4KHLK'], { name: 'E', email: 'e@example.com' }), /could not acknowledge 1 of 1 incident\(s\): PT4KHLK: Access Denied: The access level of this API key is read-only/);
    assert.strictEqual(bridge.server.world.seq, seq);
  });

  it('takes the alert\'s escalation level from /oncalls escalation_level, not from the rule position', async () => {
    // Polled at start: PT4KHLK is assigned to Earline, on call at levels 1 and 2 of its policy: level 1, and the
    // next level pages Kyler Kuhn.
    const a = bridge.server.world.getAlert('PT4KHLK');
    assert.strictEqual(a?.escalation?.level, 1);
    assert.strictEqual(a.escalation.policy, 'Another Escalation Policy');
    assert.deepStrictEqual(a.escalation.targets.map((t) => t.name), ['Kyler Kuhn']);
    assert.strictEqual(a.escalation.nextEscalationAt, undefined, 'no countdown is claimed');
    // Escalated: now assigned to Kyler Kuhn, whom /oncalls lists at level 2 (a user target, no schedule).
    const page1 = fx('incidents-page1.json') as { incidents: Record<string, unknown>[] };
    const inc = { ...page1.incidents[0]!, assignments: [{ at: '2026-11-23T10:10:00Z', assignee: { id: 'PAM4FGS', type: 'user_reference', summary: 'Kyler Kuhn' } }], updated_at: '2026-11-23T10:10:00Z' };
    vendor.once('GET /incidents', { body: { ...page1, incidents: [inc], more: false } });
    await source.pollIncidents();
    const b = bridge.server.world.getAlert('PT4KHLK');
    assert.strictEqual(b?.escalation?.level, 2);
    assert.deepStrictEqual(b.escalation.targets, [], 'level 2 is the last level');
  });

  it('refuses a rejected token at start (401) with what to do', async () => {
    const v2 = new FakeVendor();
    v2.on('GET /incidents', { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } });
    v2.on('GET /schedules', { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } });
    v2.on('GET /escalation_policies', { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } });
    v2.on('GET /oncalls', { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } });
    await v2.start();
    try {
      const s2 = new PagerDutySource({ token: PD_TOKEN, apiUrl: v2.url, sleep: sleeps.sleep });
      await assert.rejects(startVendorBridge(s2), /PagerDuty rejected the API token .*HTTP 401 \(Unauthorized\).*PAGERDUTY_TOKEN/);
      assert.deepStrictEqual(contractViolations(v2.requests, pagerdutyRules(PD_TOKEN)), []);
    } finally {
      await v2.close();
    }
  });

  it('a list reply of the wrong shape is a clear error and resolves nothing', async () => {
    vendor.once('GET /incidents', { body: { incidents: 'none', more: false }, malformed: true });
    await assert.rejects(source.pollIncidents(), /unexpected response \(incidents: expected an array\)/);
    assert.strictEqual(bridge.server.world.getAlert('PT4KHLK')?.status, 'triggered');
  });

  it('never logs the API token, even when PagerDuty fails', async () => {
    vendor.once('GET /incidents', { status: 500, body: 'upstream exploded', malformed: true });
    await assert.rejects(source.pollIncidents(), (e: Error) => !e.message.includes(PD_TOKEN) && /HTTP 500/.test(e.message));
    await source.handleAction('ack', ['PT4KHLK'], { name: 'x', email: 'x@example.com' }).catch((e: Error) => assert.ok(!e.message.includes(PD_TOKEN)));
    for (const l of bridge.logger.lines) assert.ok(!l.message.includes(PD_TOKEN), l.message);
  });
});

describe('PagerDuty escalation rule levels', () => {
  const policy: PdEscalationPolicy = {
    id: 'P1',
    escalation_rules: [
      { id: 'r1', escalation_delay_in_minutes: 10, targets: [{ id: 'S1', type: 'schedule_reference' }] },
      { id: 'r2', escalation_delay_in_minutes: 10, targets: [{ id: 'U1', type: 'user_reference' }] },
    ],
  };
  const oc = (level: number, user: string, schedule?: string): PdOnCall => ({ user: { id: user }, escalation_policy: { id: 'P1' }, escalation_level: level, ...(schedule ? { schedule: { id: schedule } } : { schedule: null }) });
  it('numbers rules as /oncalls does, falling back to the position when ambiguous or colliding', () => {
    assert.deepStrictEqual(ruleLevels(policy, [oc(3, 'X', 'S1'), oc(5, 'U1')]), [3, 5]);
    assert.deepStrictEqual(ruleLevels(policy, []), [1, 2]);
    assert.deepStrictEqual(ruleLevels(policy, [oc(1, 'X', 'S1'), oc(2, 'X', 'S1'), oc(2, 'U1')]), [1, 2]); // S1 at two levels: position
    assert.deepStrictEqual(ruleLevels(policy, [oc(2, 'X', 'S1'), oc(2, 'U1')]), [1, 2]); // would collide: positions
  });
});

describe('PagerDuty webhook signatures', () => {
  const body = Buffer.from('{"event":{}}');
  it('accepts any matching v1 signature and rejects everything else', () => {
    const good = pagerDutySignatureHeader(body, ['s1']);
    assert.ok(verifyPagerDutySignature(body, good, ['s1']));
    assert.ok(verifyPagerDutySignature(body, `v1=${'0'.repeat(64)},${good}`, ['s1']));
    assert.ok(verifyPagerDutySignature(body, good.toUpperCase().replace('V1=', 'v1='), ['s1']));
    assert.ok(verifyPagerDutySignature(body, good, ['other', 's1']));
    assert.ok(!verifyPagerDutySignature(body, good, ['other']));
    assert.ok(!verifyPagerDutySignature(body, good.replace('v1=', 'v2='), ['s1']));
    assert.ok(!verifyPagerDutySignature(body, undefined, ['s1']));
    assert.ok(!verifyPagerDutySignature(body, good, []));
    assert.ok(!verifyPagerDutySignature(body, 'v1=abc', ['s1']));
  });
});

describe('vendor source CLI options (pagerduty, splunk-oncall, grafana-irm)', () => {
  it('parses the sources and refuses misplaced or malformed options', () => {
    const ok = parseBridgeArgs(['--source', 'pagerduty', '--pagerduty-from', 'me@example.com', '--poll-seconds', '15']);
    assert.strictEqual(ok.kind, 'ok');
    if (ok.kind === 'ok') assert.strictEqual(ok.args.vendor?.pollSeconds, 15);
    const err = (argv: string[]): string => {
      const r = parseBridgeArgs(argv);
      return r.kind === 'error' ? r.message : `no error for ${argv.join(' ')}`;
    };
    assert.match(err(['--source', 'splunk-oncall', '--pagerduty-from', 'a@b.c']), /only applies to --source pagerduty/);
    assert.match(err(['--source', 'grafana-irm']), /needs --grafana-irm-url/);
    assert.match(err(['--source', 'pagerduty', '--pagerduty-from', 'nope']), /must be an email/);
    assert.match(err(['--source', 'pagerduty', '--pagerduty-change-events', 'maybe']), /must be "on" or "off"/);
    const off = parseBridgeArgs(['--source', 'pagerduty', '--pagerduty-change-events', 'OFF']);
    assert.ok(off.kind === 'ok' && off.args.vendor?.values['pagerduty-change-events'] === 'OFF');
    assert.match(err(['--source', 'pagerduty', '--poll-seconds', '1']), /between 5 and 3600/);
    assert.match(err(['--demo', '--poll-seconds', '30']), /only applies/);
    assert.match(err(['--source', 'pagerduty', '--pagerduty-api-url', 'https://u:p@api.example.com']), /must not contain a user name or password/);
    // No option takes a secret value on the command line.
    assert.match(err(['--source', 'pagerduty', '--pagerduty-token', 'abc']), /Unknown option/);
  });

  it('reads secrets from the environment only, and fails clearly without them', async () => {
    const r = parseBridgeArgs(['--source', 'pagerduty']);
    assert.ok(r.kind === 'ok' && r.args.vendor);
    if (r.kind !== 'ok' || !r.args.vendor) return;
    await assert.rejects(createVendorSource(r.args.vendor, {}, nullLogger), /set PAGERDUTY_TOKEN or pass --pagerduty-token-file/);
    await assert.rejects(createVendorSource(r.args.vendor, { PAGERDUTY_TOKEN: ' ' }, nullLogger), /empty/);
    const src = await createVendorSource(r.args.vendor, { PAGERDUTY_TOKEN: 'x', PAGERDUTY_WEBHOOK_SECRETS: 'a,b' }, nullLogger);
    assert.strictEqual(src.name, 'pagerduty');
    assert.deepStrictEqual(src.routes?.map((x) => `${x.method} ${x.path} ${x.auth}`), ['POST /webhooks/pagerduty self']);
    assert.ok(src.capabilities.includes('deploys'), 'change events on by default');
    const off = parseBridgeArgs(['--source', 'pagerduty', '--pagerduty-change-events', 'off']);
    assert.ok(off.kind === 'ok' && off.args.vendor);
    if (off.kind !== 'ok' || !off.args.vendor) return;
    assert.ok(!(await createVendorSource(off.args.vendor, { PAGERDUTY_TOKEN: 'x' }, nullLogger)).capabilities.includes('deploys'));
  });
});
