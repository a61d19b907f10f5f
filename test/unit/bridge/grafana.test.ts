/** Contract tests of the Grafana IRM / OnCall module against its documented payloads (test/fixtures/grafana-irm). */
import * as assert from 'node:assert';
import { GrafanaIrmSource } from '../../../src/bridge/sources/grafanaIrm/grafanaIrmSource';
import { contractViolations, grafanaRules } from './vendorContract';
import { BRIDGE_TOKEN, FakeVendor, loadFixture, post, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';
import { T0, TestClient } from './helpers';

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
      .on('GET /oncall/api/v1/schedules/SBM7DV7BKFUYU/final_shifts', { body: fx('final-shifts.json') })
      .on('GET /oncall/api/v1/resolution_notes/', (req) => ({
        body: {
          count: req.query.get('alert_group_id') === 'I5LAZ2MYFHKEM' ? 1 : 0,
          next: null,
          previous: null,
          results: req.query.get('alert_group_id') === 'I5LAZ2MYFHKEM' ? [{ id: 'M4BTQUS3PRHYQ', alert_group_id: 'I5LAZ2MYFHKEM', author: 'U9XM1G7KTE3KW', source: 'web', created_at: '2026-11-23T09:30:00Z', text: 'Looking at the p99 dashboard' }] : [],
        },
      }));
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
    assert.deepStrictEqual(bridge.server.world.getAlert('I5LAZ2MYFHKEM')?.acknowledgedBy, { id: 'UCGEIXI1MR1NZ', name: 'carol', email: 'carol@example.com', handle: 'carol', timeZone: 'Europe/Berlin' });
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
      targets: [{ id: 'U9XM1G7KTE3KW', name: 'bob', email: 'bob@example.com', handle: 'bob', timeZone: 'UTC' }],
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
  describe('responder actions (protocol 1.1)', () => {
    const ALEX = { name: 'Alex', email: 'alex@example.com' };
    const GROUP = 'I68T24C13IFW1';
    const lastBody = (method: string, path: string): unknown => JSON.parse(vendor.of(method, path).at(-1)!.body);
    const group = (over: Record<string, unknown>): object => ({ ...(fx('alert-group-acknowledged.json') as object), acknowledged_at: null, acknowledged_by: null, ...over });

    it('announces snooze, reassign, escalate, note and override with a user token', () => {
      const hello = bridge.server.hello();
      for (const cap of ['snooze', 'reassign', 'escalate', 'note', 'override']) assert.ok(hello.capabilities.includes(cap), cap);
      assert.strictEqual(hello.unsupportedActions?.snooze, undefined);
      assert.match(hello.unsupportedReassignTargets?.policyId ?? '', /cannot move an alert group to another escalation chain/, 'the editor offers no other chains');
      assert.strictEqual(hello.unsupportedReassignTargets?.userId, undefined);
    });

    it('snoozes with POST …/silence {delay} in seconds and shows until when once the group reads silenced', async () => {
      vendor.on(`POST /oncall/api/v1/alert_groups/${GROUP}/silence`, { status: 200 });
      vendor.on(`GET /oncall/api/v1/alert_groups/${GROUP}/`, { body: group({ state: 'silenced', silenced_at: '2026-11-23T10:17:00Z' }) });
      await source.snooze([GROUP], T0 + 90 * 60_000, undefined);
      assert.deepStrictEqual(lastBody('POST', `/oncall/api/v1/alert_groups/${GROUP}/silence`), { delay: 5400 });
      const a = bridge.server.world.getAlert(GROUP);
      assert.strictEqual(a?.status, 'acknowledged');
      assert.strictEqual(a.snoozedUntil, '2026-11-23T11:47:00.000Z');
      assert.strictEqual(a.labels.silenced, 'true');
      assert.strictEqual(a.escalation?.nextEscalationAt, undefined, 'silenced: no countdown');
      // Unsilenced elsewhere: the next read drops snoozedUntil.
      vendor.on(`GET /oncall/api/v1/alert_groups/${GROUP}/`, { body: group({ state: 'new' }) });
      vendor.on(`POST /oncall/api/v1/alert_groups/${GROUP}/acknowledge`, { status: 200 });
      await source.handleAction('ack', [GROUP], undefined);
      assert.strictEqual(bridge.server.world.getAlert(GROUP)?.snoozedUntil, undefined);
    });

    it('escalates by paging the next step of the chain on the group (POST /escalation/) and says whom', async () => {
      vendor.on('POST /oncall/api/v1/escalation/', { body: group({ state: 'firing' }) });
      const out = await source.escalate([GROUP], undefined, undefined);
      // At 10:17 the group is at step 2 of "default" (see the countdown test): step 3 pages bob.
      assert.deepStrictEqual(lastBody('POST', '/oncall/api/v1/escalation/'), { alert_group_id: GROUP, users: [{ id: 'U9XM1G7KTE3KW', important: false }] });
      assert.strictEqual(out.note, `Grafana OnCall paged ${GROUP}: step 3 of default (bob)`);
      await assert.rejects(source.escalate([GROUP], 9, undefined), /default has steps 1–3; there is no step 9/);
    });

    it('reassigns to a person or a step by paging them; a policy target is refused with the reason, nothing sent', async () => {
      vendor.on('POST /oncall/api/v1/escalation/', { body: group({ state: 'firing' }) });
      const out = await source.reassign([GROUP], { userId: 'UCGEIXI1MR1NZ' }, undefined);
      assert.deepStrictEqual(lastBody('POST', '/oncall/api/v1/escalation/'), { alert_group_id: GROUP, users: [{ id: 'UCGEIXI1MR1NZ', important: false }] });
      assert.match(out?.note ?? '', /paged carol; the escalation chain goes on as configured/);
      // Step 2 pages the schedule: alex is on call in it at 10:17.
      await source.reassign([GROUP], { escalationLevel: 2 }, undefined);
      assert.deepStrictEqual(lastBody('POST', '/oncall/api/v1/escalation/'), { alert_group_id: GROUP, users: [{ id: 'U4DNY931HHJS5', important: false }] });
      const n = vendor.of('POST', '/oncall/api/v1/escalation/').length;
      await assert.rejects(source.reassign([GROUP], { policyId: 'F5JU6KJET33FE' }, undefined), /cannot move an alert group to another escalation chain/);
      await assert.rejects(source.reassign([GROUP], { userId: 'UNOBODY' }, undefined), /UNOBODY is not a Grafana OnCall user/);
      assert.strictEqual(vendor.of('POST', '/oncall/api/v1/escalation/').length, n);
    });

    it('adds a resolution note (POST /resolution_notes/) and shows the note the API answered', async () => {
      vendor.on('POST /oncall/api/v1/resolution_notes/', { status: 201, body: { id: 'M4BTQUS3PRHYQ', alert_group_id: GROUP, author: 'U4DNY931HHJS5', source: 'web', created_at: '2026-11-23T10:17:30Z', text: 'Deploy anyway: hotfix for INC-7' } });
      await source.note(GROUP, 'Deploy anyway: hotfix for INC-7', ALEX);
      assert.deepStrictEqual(lastBody('POST', '/oncall/api/v1/resolution_notes/'), { alert_group_id: GROUP, text: 'Deploy anyway: hotfix for INC-7' });
      const notes = bridge.server.world.getAlert(GROUP)?.notes;
      assert.deepStrictEqual(notes?.map((x) => [x.id, x.text, x.author?.handle, x.at]), [['M4BTQUS3PRHYQ', 'Deploy anyway: hotfix for INC-7', 'alex', '2026-11-23T10:17:30Z']]);
      // Kept through the next poll (the list carries no notes).
      await source.pollAlertGroups();
      assert.strictEqual(bridge.server.world.getAlert(GROUP)?.notes?.length, 1);
    });

    it('reads the notes of a group once, when it is first seen (GET /resolution_notes/?alert_group_id=)', async () => {
      assert.deepStrictEqual(bridge.server.world.getAlert('I5LAZ2MYFHKEM')?.notes, [{ id: 'M4BTQUS3PRHYQ', text: 'Looking at the p99 dashboard', at: '2026-11-23T09:30:00Z', author: { id: 'U9XM1G7KTE3KW', name: 'bob', email: 'bob@example.com', handle: 'bob', timeZone: 'UTC' } }]);
      const n = vendor.of('GET', '/oncall/api/v1/resolution_notes/').length;
      assert.strictEqual(n, 3, 'one read for each open group');
      await source.pollAlertGroups();
      assert.strictEqual(vendor.of('GET', '/oncall/api/v1/resolution_notes/').length, n, 'not read again');
    });

    it('takes on-call with a shift swap request taken at once by the taker', async () => {
      vendor
        .on('POST /oncall/api/v1/shift_swaps/', { status: 201, body: { id: 'SSRG1TDNBMJQ1NC', schedule: 'SBM7DV7BKFUYU', status: 'open', swap_start: '2026-11-23T17:00:00.000000Z', swap_end: '2026-11-24T09:00:00.000000Z', beneficiary: 'U9XM1G7KTE3KW', benefactor: null, description: 'x' } })
        .on('POST /oncall/api/v1/shift_swaps/SSRG1TDNBMJQ1NC/take', { body: { id: 'SSRG1TDNBMJQ1NC', schedule: 'SBM7DV7BKFUYU', status: 'taken', swap_start: '2026-11-23T17:00:00.000000Z', swap_end: '2026-11-24T09:00:00.000000Z', beneficiary: 'U9XM1G7KTE3KW', benefactor: 'U4DNY931HHJS5' } });
      const polls = vendor.of('GET', '/oncall/api/v1/schedules/').length;
      await source.override({ rotationId: 'SBM7DV7BKFUYU', start: Date.parse('2026-11-23T17:00:00Z'), end: Date.parse('2026-11-24T09:00:00Z') }, ALEX);
      // bob is on call then: bob's request, taken by alex (the identity's email → OnCall user).
      assert.deepStrictEqual(lastBody('POST', '/oncall/api/v1/shift_swaps/'), {
        schedule: 'SBM7DV7BKFUYU',
        swap_start: '2026-11-23T17:00:00.000Z',
        swap_end: '2026-11-24T09:00:00.000Z',
        description: 'Taken by alex from VS Code (On-Call)',
        beneficiary: 'U9XM1G7KTE3KW',
      });
      assert.deepStrictEqual(lastBody('POST', '/oncall/api/v1/shift_swaps/SSRG1TDNBMJQ1NC/take'), { benefactor: 'U4DNY931HHJS5' });
      await source.idle();
      assert.ok(vendor.of('GET', '/oncall/api/v1/schedules/').length > polls, 'the schedules are read again');
      await assert.rejects(source.override({ rotationId: 'SBM7DV7BKFUYU', start: T0, end: T0 + 3_600_000 }, ALEX), /alex is already on call for Demo schedule Calendar then/);
      await assert.rejects(source.override({ rotationId: 'SBM7DV7BKFUYU', start: T0, end: T0 + 3_600_000 }, { name: 'Stranger', email: 'x@y.z' }), /which OnCall user you are/);
    });

    it('deletes a swap request it could not take, and turns refusals into reasons the user can act on', async () => {
      vendor
        .on('POST /oncall/api/v1/shift_swaps/', { status: 201, body: { id: 'SSR2', schedule: 'SBM7DV7BKFUYU', status: 'open', swap_start: '2026-11-23T17:00:00Z', beneficiary: 'U9XM1G7KTE3KW' } })
        .on('POST /oncall/api/v1/shift_swaps/SSR2/take', { status: 403, body: { detail: 'You do not have permission to perform this action.' } })
        .on('DELETE /oncall/api/v1/shift_swaps/SSR2/', { status: 204 });
      await assert.rejects(
        source.override({ rotationId: 'SBM7DV7BKFUYU', start: Date.parse('2026-11-23T17:00:00Z'), end: Date.parse('2026-11-23T18:00:00Z') }, ALEX),
        /could not let alex take bob's shift \(HTTP 403\): this token is read-only here .*You do not have permission/,
      );
      assert.strictEqual(vendor.of('DELETE', '/oncall/api/v1/shift_swaps/SSR2/').length, 1);
      vendor.once(`POST /oncall/api/v1/alert_groups/${GROUP}/silence`, { status: 403, body: { detail: 'You do not have permission to perform this action.' } });
      await assert.rejects(source.snooze([GROUP], T0 + 3_600_000, undefined), /could not silence I68T24C13IFW1 \(HTTP 403\): this token is read-only here \(its user may not silence alert groups\)/);
      vendor.once(`POST /oncall/api/v1/alert_groups/${GROUP}/silence`, { status: 404, body: { detail: 'Not found.' } });
      await assert.rejects(source.snooze([GROUP], T0 + 3_600_000, undefined), /HTTP 404\): alert group I68T24C13IFW1 no longer exists/);
      vendor.once('POST /oncall/api/v1/resolution_notes/', { status: 429, headers: { 'retry-after': '120' } });
      await assert.rejects(source.note(GROUP, 'x', undefined), /rate limiting this bridge — try again in 120 s/);
      vendor.once('POST /oncall/api/v1/resolution_notes/', { status: 201, body: { id: 'M1' }, malformed: true });
      await assert.rejects(source.note(GROUP, 'x', undefined), /unexpected response .*check in Grafana IRM whether it happened/);
      vendor.once('POST /oncall/api/v1/resolution_notes/', { status: 401 });
      await assert.rejects(source.note(GROUP, 'x', undefined), /HTTP 401\): it refused the API token/);
      // Nothing changed locally.
      const a = bridge.server.world.getAlert(GROUP);
      assert.deepStrictEqual([a?.status, a?.snoozedUntil, a?.notes], ['triggered', undefined, undefined]);
    });
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
      assert.deepStrictEqual(hello.capabilities, ['oncall', 'snapshotChunks']);
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
