/**
 * Contract tests of PagerDuty's protocol 1.1 responder actions: a loopback server plays PagerDuty (fixtures of
 * test/fixtures/pagerduty) and every request the bridge sends, and every fake reply, is checked against our rules
 * from PagerDuty's OpenAPI description (vendorContract.ts pagerdutyRules).
 */
import * as assert from 'node:assert';
import { PagerDutySource } from '../../../src/bridge/sources/pagerduty/pagerdutySource';
import { ALERT_LIMITS } from '../../../src/core/protocol/limits';
import { BRIDGE_TOKEN, FakeVendor, loadFixture, post, recordingSleep, startVendorBridge, type Recorded, type VendorBridge } from './vendorFake';
import { TestClient } from './helpers';
import { contractViolations, pagerdutyRules } from './vendorContract';
import { pagerDutySignatureHeader } from '../../../src/bridge/sources/pagerduty/signature';

const PD_TOKEN = 'pd-rest-token-SECRET-1234';
const SECRET = 'signing-secret';
const PD_START = Date.parse('2026-11-23T10:09:00Z');
const fx = (name: string): unknown => loadFixture('pagerduty', name);
type Inc = Record<string, unknown> & { id: string };
const incidents = (): Inc[] => [...(fx('incidents-page1.json') as { incidents: Inc[] }).incidents, ...(fx('incidents-page2.json') as { incidents: Inc[] }).incidents];
const READ_ONLY = { status: 403, body: { error: { message: 'Access Denied', code: 2010, errors: ['The access level of this API key is read-only'] } } };
const ME = { name: 'Earline', email: 'earline@example.com' };
const bodyOf = (r: Recorded): unknown => JSON.parse(r.body);

/** A PUT /incidents answer: every incident asked for, with the asked fields applied the way PagerDuty reports them. */
function putAnswer(req: Recorded): { body: unknown } {
  const asked = (JSON.parse(req.body) as { incidents: Array<{ id: string; status?: string; assignments?: Array<{ assignee: { id: string } }> }> }).incidents;
  const all = incidents();
  return {
    body: {
      incidents: asked.map((a) => {
        const inc = all.find((i) => i.id === a.id) ?? { id: a.id, type: 'incident', status: 'triggered', created_at: '2026-11-23T10:00:00Z' };
        return {
          ...inc,
          ...(a.status ? { status: a.status } : {}),
          ...(a.assignments ? { assignments: a.assignments.map((x) => ({ at: '2026-11-23T10:20:00Z', assignee: { ...x.assignee, summary: 'Kyler Kuhn' } })) } : {}),
          updated_at: '2026-11-23T10:20:00Z',
        };
      }),
    },
  };
}

describe('PagerDuty responder actions (protocol 1.1, contract)', () => {
  let vendor: FakeVendor;
  let source: PagerDutySource;
  let bridge: VendorBridge;
  let sleeps: ReturnType<typeof recordingSleep>;

  beforeEach(async () => {
    vendor = new FakeVendor();
    vendor.on('GET /incidents', (req) => (req.query.get('offset') === '1' ? { body: fx('incidents-page2.json') } : { body: fx('incidents-page1.json') }));
    vendor.on('GET /incidents/PT4KHLK/alerts', { body: fx('incident-alerts.json') });
    vendor.on('GET /incidents/PGR0VU2/alerts', { body: { alerts: [], more: false } });
    vendor.on('GET /incidents/PT4KHLK/notes', {
      body: { notes: [{ id: 'PWL7QXS', user: { id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' }, channel: { summary: 'The PagerDuty website or APIs' }, content: 'Firefighters are on the scene.', created_at: '2026-11-23T10:05:00Z' }] },
    });
    vendor.on('GET /incidents/PGR0VU2/notes', { body: { notes: [] } });
    vendor.on('GET /schedules', { body: fx('schedules.json') });
    vendor.on('GET /escalation_policies', { body: fx('escalation_policies.json') });
    vendor.on('GET /oncalls', { body: fx('oncalls.json') });
    vendor.on('PUT /incidents', putAnswer);
    await vendor.start();
    sleeps = recordingSleep();
    source = new PagerDutySource({ token: PD_TOKEN, apiUrl: vendor.url, webhookSecrets: [SECRET], sleep: sleeps.sleep, pollIntervalMs: 3_600_000 });
    bridge = await startVendorBridge(source, PD_START);
  });

  afterEach(async () => {
    await bridge.server.close();
    await vendor.close();
    assert.deepStrictEqual(contractViolations(vendor.requests, pagerdutyRules(PD_TOKEN)), []);
  });

  const snoozeAnswer = (id: string): { status: number; body: unknown } => ({
    status: 201,
    body: { incident: { ...incidents().find((i) => i.id === id)!, status: 'acknowledged', updated_at: '2026-11-23T10:20:00Z', pending_actions: [{ type: 'unacknowledge', at: '2026-11-23T11:09:00Z' }] } },
  });

  it('offers every responder action but unack in hello, and says why unack is missing', () => {
    const hello = bridge.server.hello();
    for (const cap of ['ack', 'resolve', 'snooze', 'reassign', 'escalate', 'note', 'override']) assert.ok(hello.capabilities.includes(cap), cap);
    assert.ok(!hello.capabilities.includes('unack'));
    assert.match(hello.unsupportedActions?.unack ?? '', /PagerDuty has no "un-acknowledge"/);
  });

  it('snooze: acknowledges a triggered incident first (one bulk PUT), then createIncidentSnooze with the duration in seconds and From; the alert reads snoozed until', async () => {
    vendor.on('POST /incidents/PT4KHLK/snooze', snoozeAnswer('PT4KHLK'));
    const client = new TestClient(bridge.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    await client.handshake();
    const until = new Date(PD_START + 3_600_000).toISOString();
    client.send({ type: 'snooze', requestId: 's1', alertIds: ['PT4KHLK'], until, actor: ME });
    const result = await client.nextOfType('result');
    client.close();
    assert.strictEqual(result.ok, true, result.error);
    assert.match(result.note ?? '', /acknowledged 1 triggered incident\(s\) first: PagerDuty snoozes only acknowledged incidents/);
    const put = vendor.of('PUT', '/incidents');
    assert.strictEqual(put.length, 1);
    assert.deepStrictEqual(bodyOf(put[0]!), { incidents: [{ id: 'PT4KHLK', type: 'incident_reference', status: 'acknowledged' }] });
    const snooze = vendor.of('POST', '/incidents/PT4KHLK/snooze');
    assert.strictEqual(snooze.length, 1);
    assert.strictEqual(snooze[0]!.headers.from, ME.email);
    assert.deepStrictEqual(bodyOf(snooze[0]!), { duration: 3600 });
    const a = bridge.server.world.getAlert('PT4KHLK');
    assert.strictEqual(a?.status, 'acknowledged');
    assert.strictEqual(a.snoozedUntil, until);
    // The snooze ends: PagerDuty triggers the incident again, and the alert no longer claims to be snoozed.
    // (PagerDuty bumps updated_at when it re-triggers; the clock is not advanced, so no timed poll races this one.)
    const page1 = fx('incidents-page1.json') as { incidents: Inc[] };
    vendor.once('GET /incidents', { body: { ...page1, incidents: [{ ...page1.incidents[0]!, status: 'triggered', updated_at: until }, ...page1.incidents.slice(1)] } });
    await source.pollIncidents();
    const b = bridge.server.world.getAlert('PT4KHLK');
    assert.strictEqual(b?.status, 'triggered');
    assert.strictEqual(b.snoozedUntil, undefined);
  });

  it('snooze: an acknowledged incident is snoozed without a PUT; a read-only key is refused with what to do, changing nothing', async () => {
    vendor.once('POST /incidents/PGR0VU2/snooze', READ_ONLY);
    const seq = bridge.server.world.seq;
    await assert.rejects(
      source.snooze(['PGR0VU2'], PD_START + 900_000, ME),
      /PagerDuty could not snooze 1 of 1 incident\(s\): PGR0VU2: Access Denied: The access level of this API key is read-only — this PagerDuty key is read-only or lacks access: use a full-access key/,
    );
    assert.strictEqual(bridge.server.world.seq, seq);
    assert.strictEqual(bridge.server.world.getAlert('PGR0VU2')?.snoozedUntil, undefined);
    // 429 with Retry-After: waited for (the shared client), then snoozed for 15 min.
    vendor.once('POST /incidents/PGR0VU2/snooze', { status: 429, headers: { 'retry-after': '3' }, body: { error: { message: 'Rate Limit Exceeded', code: 2020 } } });
    vendor.on('POST /incidents/PGR0VU2/snooze', snoozeAnswer('PGR0VU2'));
    await source.snooze(['PGR0VU2'], PD_START + 900_000, ME);
    assert.deepStrictEqual(sleeps.waits, [3000]);
    assert.strictEqual(vendor.of('PUT', '/incidents').length, 0);
    assert.deepStrictEqual(vendor.of('POST', '/incidents/PGR0VU2/snooze').map(bodyOf), [{ duration: 900 }, { duration: 900 }, { duration: 900 }]);
    assert.strictEqual(bridge.server.world.getAlert('PGR0VU2')?.snoozedUntil, new Date(PD_START + 900_000).toISOString());
  });

  it('snooze: refuses resolved and unknown incidents, and writes without a From email, before calling PagerDuty', async () => {
    await assert.rejects(source.snooze(['NOPE'], PD_START + 60_000, ME), /unknown incident\(s\): NOPE/);
    await assert.rejects(source.snooze(['PT4KHLK'], PD_START + 60_000, { name: 'no email' }), /PagerDuty needs the email of a PagerDuty user/);
    assert.strictEqual(vendor.requests.filter((r) => r.method !== 'GET').length, 0);
  });

  it('snooze: a malformed answer is a clear refusal, not a crash', async () => {
    vendor.on('POST /incidents/PGR0VU2/snooze', { status: 201, body: '{"incident": ', malformed: true });
    await assert.rejects(source.snooze(['PGR0VU2'], PD_START + 60_000, ME), /PGR0VU2: .*not valid JSON/);
    assert.strictEqual(bridge.server.world.getAlert('PGR0VU2')?.snoozedUntil, undefined);
  });

  it('reassign to a person: updateIncidents with assignments (user_reference), 250 incidents per bulk request', async () => {
    // 260 open incidents, so the bulk update needs two requests.
    const many = Array.from({ length: 260 }, (_, i) => ({ ...incidents()[0]!, id: `PX${String(i).padStart(4, '0')}`, incident_number: 5000 + i }));
    vendor.once('GET /incidents', { body: { incidents: many, limit: 100, offset: 0, more: false, total: null } });
    await source.pollIncidents();
    const ids = many.map((i) => i.id);
    await source.reassign(ids, { userId: 'PAM4FGS' }, ME);
    const puts = vendor.of('PUT', '/incidents');
    assert.deepStrictEqual(
      puts.map((p) => (bodyOf(p) as { incidents: unknown[] }).incidents.length),
      [250, 10],
    );
    assert.deepStrictEqual((bodyOf(puts[0]!) as { incidents: unknown[] }).incidents[0], { id: 'PX0000', type: 'incident_reference', assignments: [{ assignee: { id: 'PAM4FGS', type: 'user_reference' } }] });
    for (const p of puts) assert.strictEqual(p.headers.from, ME.email);
    assert.deepStrictEqual(bridge.server.world.getAlert('PX0259')?.assignees.map((a) => a.name), ['Kyler Kuhn']);
  });

  it('reassign to a policy: updateIncidents with escalation_policy (escalation_policy_reference); a refusal carries PagerDuty\'s reason', async () => {
    await source.reassign(['PT4KHLK'], { policyId: 'PANZZEQ' }, ME);
    assert.deepStrictEqual(bodyOf(vendor.of('PUT', '/incidents')[0]!), { incidents: [{ id: 'PT4KHLK', type: 'incident_reference', escalation_policy: { id: 'PANZZEQ', type: 'escalation_policy_reference' } }] });
    vendor.once('PUT /incidents', { status: 400, body: { error: { message: 'Invalid Input Provided', code: 2001, errors: ['Escalation Policy not found'] } } });
    await assert.rejects(source.reassign(['PT4KHLK'], { policyId: 'PZZZZZZ' }, ME), /PagerDuty could not reassign 1 of 1 incident\(s\): PT4KHLK: Invalid Input Provided: Escalation Policy not found/);
  });

  it('escalate: escalation_level = current level + 1 (from /oncalls), a given level as is; past the last level or an unknown level is refused', async () => {
    assert.strictEqual(bridge.server.world.getAlert('PT4KHLK')?.escalation?.level, 1);
    const client = new TestClient(bridge.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    await client.handshake();
    client.send({ type: 'escalate', requestId: 'e1', alertIds: ['PT4KHLK'], actor: ME });
    const r1 = await client.nextOfType('result');
    assert.strictEqual(r1.ok, true, r1.error);
    assert.deepStrictEqual(bodyOf(vendor.of('PUT', '/incidents')[0]!), { incidents: [{ id: 'PT4KHLK', type: 'incident_reference', escalation_level: 2 }] });
    client.send({ type: 'reassign', requestId: 'e2', alertIds: ['PT4KHLK'], to: { escalationLevel: 1 }, actor: ME });
    assert.strictEqual((await client.nextOfType('result')).ok, true);
    assert.deepStrictEqual(bodyOf(vendor.of('PUT', '/incidents')[1]!), { incidents: [{ id: 'PT4KHLK', type: 'incident_reference', escalation_level: 1 }] });
    client.send({ type: 'escalate', requestId: 'e3', alertIds: ['PT4KHLK'], level: 3, actor: ME });
    const r3 = await client.nextOfType('result');
    client.close();
    assert.strictEqual(r3.ok, false);
    assert.match(r3.error ?? '', /its escalation policy has 2 level\(s\): reassign it to someone instead/);
    // PGR0VU2 is assigned outside its policy's on-call: its level is not known, so "next" cannot be told.
    await assert.rejects(source.escalate(['PGR0VU2'], undefined, ME), /its current escalation level is not known .*: pick a level/);
    assert.strictEqual(vendor.of('PUT', '/incidents').length, 2);
  });

  it('notes: listIncidentNotes is read with the incidents and shown on the alert; createIncidentNote posts {note: {content}} with From and shows it', async () => {
    const a = bridge.server.world.getAlert('PT4KHLK');
    assert.deepStrictEqual(a?.notes, [{ id: 'PWL7QXS', text: 'Firefighters are on the scene.', at: '2026-11-23T10:05:00Z', author: { id: 'PXPGF42', name: 'Earline Greenholt' } }]);
    vendor.on('POST /incidents/PT4KHLK/notes', (req) => ({
      body: { note: { id: 'PNEW001', user: { id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' }, channel: { summary: 'The PagerDuty website or APIs' }, content: (bodyOf(req) as { note: { content: string } }).note.content, created_at: '2026-11-23T10:21:00Z' } },
    }));
    const client = new TestClient(bridge.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    await client.handshake();
    client.send({ type: 'note', requestId: 'n1', alertId: 'PT4KHLK', text: 'Deploy anyway: hotfix for the spool', actor: ME });
    const ev = await client.nextOfType('alert');
    const result = await client.nextOfType('result');
    client.close();
    assert.strictEqual(result.ok, true, result.error);
    const post1 = vendor.of('POST', '/incidents/PT4KHLK/notes');
    assert.strictEqual(post1.length, 1);
    assert.strictEqual(post1[0]!.headers.from, ME.email);
    assert.deepStrictEqual(bodyOf(post1[0]!), { note: { content: 'Deploy anyway: hotfix for the spool' } });
    assert.deepStrictEqual(
      ev.alert.notes?.map((n) => n.text),
      ['Firefighters are on the scene.', 'Deploy anyway: hotfix for the spool'],
    );
    vendor.once('POST /incidents/PT4KHLK/notes', READ_ONLY);
    await assert.rejects(source.note('PT4KHLK', 'x', ME), /could not add the note to PT4KHLK: Access Denied: .*use a full-access key/);
  });

  it('notes: bounded to the newest kept, read again only after the interval or a note webhook (not on every poll)', async () => {
    const notes = Array.from({ length: ALERT_LIMITS.maxNotes + 10 }, (_, i) => ({ id: `N${i}`, content: `note ${i}`, created_at: new Date(PD_START - 3_600_000 + i * 60_000).toISOString(), user: { id: 'PXPGF42', type: 'user_reference' } }));
    vendor.on('GET /incidents/PGR0VU2/notes', { body: { notes } });
    const reads = (): number => vendor.of('GET', '/incidents/PGR0VU2/notes').length;
    const before = reads();
    await source.pollIncidents();
    assert.strictEqual(reads(), before, 'notes are not re-read on every incident poll');
    // A signed incident.annotated webhook for the incident: its notes are read again.
    const body = JSON.stringify({
      event: {
        id: 'ev-note-1',
        event_type: 'incident.annotated',
        resource_type: 'incident',
        occurred_at: new Date(PD_START + 60_000).toISOString(),
        agent: { id: 'PXPGF42', type: 'user_reference' },
        data: { incident: { id: 'PGR0VU2', type: 'incident_reference' }, id: 'N99', content: 'note', trimmed: false, type: 'incident_note' },
      },
    });
    bridge.clock.advance(60_000);
    assert.strictEqual((await post(`${bridge.httpUrl}/webhooks/pagerduty`, body, { 'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET]) })).status, 202);
    // The webhook's quick poll reads them; a poll right after does not read them again.
    for (let i = 0; i < 100 && reads() === before; i++) await new Promise((r) => setTimeout(r, 10));
    await source.pollIncidents();
    assert.strictEqual(reads(), before + 1);
    const kept = bridge.server.world.getAlert('PGR0VU2')?.notes ?? [];
    assert.strictEqual(kept.length, ALERT_LIMITS.maxNotes);
    assert.strictEqual(kept[kept.length - 1]?.text, `note ${ALERT_LIMITS.maxNotes + 9}`, 'the newest are kept, oldest first');
  });

  it('override (take on-call): createScheduleOverride for me, found by email among the on-call users; the on-call state is re-read', async () => {
    vendor.on('POST /schedules/PI7DH85/overrides', (req) => {
      const o = (bodyOf(req) as { overrides: Array<{ start: string; end: string; user: { id: string } }> }).overrides[0]!;
      return { status: 201, body: [{ status: 201, override: { id: 'Q1OVR', start: o.start, end: o.end, user: { id: o.user.id, type: 'user_reference', summary: 'Kyler Kuhn' } } }] };
    });
    const oncallReads = vendor.of('GET', '/oncalls').length;
    const client = new TestClient(bridge.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    await client.handshake();
    const start = new Date(PD_START + 60_000).toISOString();
    const end = new Date(PD_START + 4 * 3_600_000).toISOString();
    client.send({ type: 'override', requestId: 'o1', rotationId: 'PI7DH85', start, end, actor: { name: 'Kyler', email: 'Kyler.Kuhn@example.com' } });
    const result = await client.nextOfType('result');
    client.close();
    assert.strictEqual(result.ok, true, result.error);
    assert.match(result.note ?? '', /Kyler Kuhn is on call for .* \(PagerDuty override\)/);
    const req = vendor.of('POST', '/schedules/PI7DH85/overrides');
    assert.deepStrictEqual(bodyOf(req[0]!), { overrides: [{ start, end, user: { id: 'PAM4FGS', type: 'user_reference' } }] });
    assert.strictEqual(vendor.of('GET', '/users').filter((r) => r.query.has('query')).length, 0, 'no user lookup when the on-call data has the email');
    for (let i = 0; i < 20 && vendor.of('GET', '/oncalls').length === oncallReads; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(vendor.of('GET', '/oncalls').length > oncallReads, 'the on-call state is re-read to show the override');
  });

  it('override: an unknown email is looked up with listUsers; PagerDuty\'s per-override errors and unknown schedules are refused with the reason', async () => {
    vendor.on('GET /users', (req) => ({ body: { users: req.query.get('query') === 'new.hire@example.com' ? [{ id: 'PNEWHIR', type: 'user', name: 'New Hire', email: 'new.hire@example.com' }] : [], limit: 25, offset: 0, more: false, total: null } }));
    vendor.on('POST /schedules/PI7DH85/overrides', { status: 201, body: [{ status: 400, errors: ['Override must end after its start'], override: { start: '2026-11-23T12:00:00Z', end: '2026-11-23T11:00:00Z', user: { id: 'PNEWHIR', type: 'user_reference' } } }] });
    const req = { rotationId: 'PI7DH85', start: PD_START + 60_000, end: PD_START + 3_600_000 };
    await assert.rejects(source.override(req, { name: 'New', email: 'new.hire@example.com' }), /PagerDuty refused the override on .*: Override must end after its start/);
    assert.strictEqual((bodyOf(vendor.of('POST', '/schedules/PI7DH85/overrides')[0]!) as { overrides: Array<{ user: { id: string } }> }).overrides[0]!.user.id, 'PNEWHIR');
    await assert.rejects(source.override(req, { name: 'Ghost', email: 'ghost@example.com' }), /no PagerDuty user has the email ghost@example\.com/);
    await assert.rejects(source.override({ ...req, rotationId: 'PNOPE00' }, ME), /PNOPE00 is not a PagerDuty schedule the bridge knows/);
    vendor.once('POST /schedules/PI7DH85/overrides', READ_ONLY);
    await assert.rejects(source.override({ ...req, userId: 'PAM4FGS' }, ME), /could not create the override .*: Access Denied: .*use a full-access key/);
  });
});
