/**
 * Contract tests of PagerDuty's timeline, escalation countdown, people directory and change events as deploys
 * (issue 16): a loopback server plays PagerDuty (test/fixtures/pagerduty) and every request the bridge sends, and
 * every fake reply, is checked against our rules from PagerDuty's OpenAPI description (vendorContract.ts).
 */
import * as assert from 'node:assert';
import { PagerDutySource } from '../../../src/bridge/sources/pagerduty/pagerdutySource';
import { changeEventToDeploy } from '../../../src/bridge/sources/pagerduty/changeEvents';
import { countdownOf, readIncidentLog } from '../../../src/bridge/sources/pagerduty/logEntries';
import type { EscalationPolicy } from '../../../src/core/protocol/types';
import { BRIDGE_TOKEN, FakeVendor, loadFixture, recordingSleep, startVendorBridge, type VendorBridge } from './vendorFake';
import { TestClient } from './helpers';
import { contractViolations, pagerdutyRules } from './vendorContract';

const PD_TOKEN = 'pd-rest-token-SECRET-1234';
const PD_START = Date.parse('2026-11-23T10:09:00Z');
const fx = (name: string): unknown => loadFixture('pagerduty', name);
type Inc = Record<string, unknown> & { id: string };
const page1 = (): { incidents: Inc[] } & Record<string, unknown> => fx('incidents-page1.json') as { incidents: Inc[] };
const RATE_LIMITED = { status: 429, headers: { 'retry-after': '3' }, body: { error: { message: 'Rate Limit Exceeded', code: 2020 } } };
const FORBIDDEN = { status: 403, body: { error: { message: 'Access Denied', code: 2010, errors: ['Your API key may not read this'] } } };
const usersPage2 = { users: [{ id: 'PTUXL6G', type: 'user', name: 'Rosa Díaz', email: 'rosa@example.com', time_zone: 'Europe/Madrid' }], limit: 2, offset: 2, more: false, total: null };

describe('PagerDuty timeline, countdown, directory and change events (contract)', () => {
  let vendor: FakeVendor;
  let source: PagerDutySource;
  let bridge: VendorBridge | undefined;
  let sleeps: ReturnType<typeof recordingSleep>;

  async function start(opts: { routes?: (v: FakeVendor) => void } = {}): Promise<VendorBridge> {
    opts.routes?.(vendor);
    await vendor.start();
    // Timed polls far away: tests poll by hand, so advancing the clock runs no poll behind their back.
    source = new PagerDutySource({ token: PD_TOKEN, apiUrl: vendor.url, sleep: sleeps.sleep, pollIntervalMs: 30 * 86_400_000, onCallIntervalMs: 30 * 86_400_000 });
    bridge = await startVendorBridge(source, PD_START);
    return bridge;
  }

  beforeEach(() => {
    vendor = new FakeVendor();
    sleeps = recordingSleep();
    vendor.on('GET /incidents', (req) => (req.query.get('offset') === '1' ? { body: fx('incidents-page2.json') } : { body: fx('incidents-page1.json') }));
    vendor.on('GET /incidents/PT4KHLK/alerts', { body: fx('incident-alerts.json') });
    vendor.on('GET /incidents/PGR0VU2/alerts', { body: { alerts: [], more: false } });
    vendor.on('GET /incidents/PT4KHLK/notes', { body: { notes: [] } });
    vendor.on('GET /incidents/PGR0VU2/notes', { body: { notes: [] } });
    vendor.on('GET /incidents/PT4KHLK/log_entries', { body: fx('log-entries.json') });
    vendor.on('GET /incidents/PGR0VU2/log_entries', {
      body: {
        log_entries: [
          { id: 'Q9ACK', type: 'acknowledge_log_entry', summary: 'Acknowledged by Rosa', created_at: '2026-11-23T09:03:00Z', agent: { id: 'PTUXL6G', type: 'user_reference', summary: 'Rosa Díaz' }, channel: { type: 'website' } },
          { id: 'Q9TRG', type: 'trigger_log_entry', summary: 'Triggered through the website', created_at: '2026-11-23T09:00:00Z', agent: { id: 'PF9KMXH', type: 'service_reference', summary: 'API Service' }, channel: { type: 'api' } },
        ],
        limit: 100,
        offset: 0,
        more: false,
      },
    });
    vendor.on('GET /schedules', { body: fx('schedules.json') });
    vendor.on('GET /escalation_policies', { body: fx('escalation_policies.json') });
    vendor.on('GET /oncalls', { body: fx('oncalls.json') });
    vendor.on('GET /users', (req) => ({ body: req.query.get('offset') === '2' ? usersPage2 : fx('users.json') }));
    vendor.on('GET /change_events', { body: fx('change-events.json') });
  });

  afterEach(async () => {
    await bridge?.server.close();
    bridge = undefined;
    await vendor.close();
    assert.deepStrictEqual(contractViolations(vendor.requests, pagerdutyRules(PD_TOKEN)), []);
  });

  it('countdown: a triggered incident escalates at its log\'s trigger time + its level\'s escalation_delay_in_minutes, to the next rule\'s people', async () => {
    const b = await start();
    // PT4KHLK triggered at 10:00 (trigger_log_entry); Earline is on call at level 1 (/oncalls), whose rule waits 30 min;
    // level 2 pages Kyler Kuhn.
    const a = b.server.world.getAlert('PT4KHLK');
    assert.deepStrictEqual(a?.escalation, { level: 1, policy: 'Another Escalation Policy', nextEscalationAt: '2026-11-23T10:30:00.000Z', targets: [{ id: 'PAM4FGS', name: 'Kyler Kuhn' }] });
    const logs = vendor.of('GET', '/incidents/PT4KHLK/log_entries');
    assert.strictEqual(logs.length, 1);
    assert.strictEqual(logs[0]!.query.get('time_zone'), 'UTC');
    // An unchanged incident's log is not read again on the next poll (cached by status, its change time, assignees).
    await source.pollIncidents();
    assert.strictEqual(vendor.of('GET', '/incidents/PT4KHLK/log_entries').length, 1);
    // A client sees the countdown.
    const client = new TestClient(b.server.url, { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } });
    const snap = await client.handshake();
    client.close();
    assert.ok(snap.type === 'snapshot');
    assert.strictEqual(snap.alerts.find((x) => x.id === 'PT4KHLK')?.escalation?.nextEscalationAt, '2026-11-23T10:30:00.000Z');
  });

  it('countdown: escalated by hand (escalate_log_entry) the wait restarts at the escalation; acknowledged: the level stays, no countdown', async () => {
    const b = await start();
    const escalated = { ...page1().incidents[0]!, assignments: [{ at: '2026-11-23T10:08:00Z', assignee: { id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' } }], last_status_change_at: '2026-11-23T10:00:00Z', updated_at: '2026-11-23T10:08:00Z' };
    const log = fx('log-entries.json') as { log_entries: unknown[] };
    vendor.once('GET /incidents/PT4KHLK/log_entries', {
      body: { ...log, log_entries: [{ id: 'QESC1', type: 'escalate_log_entry', summary: 'Escalated to level 1 by Kyler', created_at: '2026-11-23T10:08:00Z', agent: { id: 'PAM4FGS', type: 'user_reference', summary: 'Kyler Kuhn' }, assignees: [{ id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' }] }, ...log.log_entries] },
    });
    // A new assignment (even to the same person) is a new state: its log is read again.
    vendor.once('GET /incidents', { body: { ...page1(), incidents: [escalated], more: false } });
    await source.pollIncidents();
    const a = b.server.world.getAlert('PT4KHLK');
    assert.strictEqual(a?.escalation?.nextEscalationAt, '2026-11-23T10:38:00.000Z');
    assert.deepStrictEqual(
      a.timeline?.map((t) => [t.kind, t.actor?.name]),
      [
        ['triggered', undefined],
        ['note', 'Earline Greenholt'],
        ['escalated', 'Kyler Kuhn'],
      ],
    );
    // Acknowledged: nobody will be paged — the level is kept, the countdown is gone.
    const acked = { ...escalated, status: 'acknowledged', last_status_change_at: '2026-11-23T10:09:00Z', acknowledgements: [{ at: '2026-11-23T10:09:00Z', acknowledger: { id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' } }] };
    vendor.once('GET /incidents', { body: { ...page1(), incidents: [acked], more: false } });
    await source.pollIncidents();
    const c = b.server.world.getAlert('PT4KHLK');
    assert.strictEqual(c?.escalation?.level, 1);
    assert.strictEqual(c.escalation.nextEscalationAt, undefined);
  });

  it('countdown: a state the log was not read for (a webhook\'s newer incident) claims no countdown until the log is read', async () => {
    const b = await start();
    // A log read fails (429 three times): the incident moved on (re-assigned), so the cached log no longer fits it.
    vendor.once('GET /incidents/PT4KHLK/log_entries', RATE_LIMITED, RATE_LIMITED, RATE_LIMITED);
    const moved = { ...page1().incidents[0]!, assignments: [{ at: '2026-11-23T10:08:30Z', assignee: { id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' } }, { at: '2026-11-23T10:08:30Z', assignee: { id: 'PAM4FGS', type: 'user_reference', summary: 'Kyler Kuhn' } }] };
    vendor.once('GET /incidents', { body: { ...page1(), incidents: [moved], more: false } });
    await source.pollIncidents();
    assert.deepStrictEqual(sleeps.waits, [3000, 3000], 'Retry-After is honoured');
    const a = b.server.world.getAlert('PT4KHLK');
    assert.strictEqual(a?.escalation?.level, 1);
    assert.strictEqual(a.escalation.nextEscalationAt, undefined);
    // The next poll reads the log (429 then the page) and the countdown is back.
    vendor.once('GET /incidents', { body: { ...page1(), incidents: [moved], more: false } });
    vendor.once('GET /incidents/PT4KHLK/log_entries', RATE_LIMITED);
    await source.pollIncidents();
    assert.strictEqual(b.server.world.getAlert('PT4KHLK')?.escalation?.nextEscalationAt, '2026-11-23T10:30:00.000Z');
  });

  it('timeline: trigger, note and acknowledge entries with actor and time, oldest first; notify entries left out', async () => {
    const b = await start();
    assert.deepStrictEqual(b.server.world.getAlert('PT4KHLK')?.timeline, [
      { at: '2026-11-23T10:00:00Z', kind: 'triggered', text: 'Triggered through the API' },
      { at: '2026-11-23T10:05:00Z', kind: 'note', actor: { id: 'PXPGF42', name: 'Earline Greenholt' }, text: 'Firefighters are on the scene.' },
    ]);
    assert.deepStrictEqual(b.server.world.getAlert('PGR0VU2')?.timeline, [
      { at: '2026-11-23T09:00:00Z', kind: 'triggered', text: 'Triggered through the website' },
      { at: '2026-11-23T09:03:00Z', kind: 'acknowledged', actor: { id: 'PTUXL6G', name: 'Rosa Díaz' }, text: 'Acknowledged by Rosa' },
    ]);
  });

  it('log entries: every page is read; a malformed or 403 reply keeps the last timeline and loses no alert', async () => {
    const log = fx('log-entries.json') as { log_entries: unknown[] };
    const b = await start({
      routes: (v) =>
        v.on('GET /incidents/PT4KHLK/log_entries', (req) =>
          req.query.get('offset') === '0' ? { body: { ...log, log_entries: log.log_entries.slice(0, 2), limit: 2, more: true } } : { body: { ...log, log_entries: log.log_entries.slice(2), limit: 2, offset: 2 } },
        ),
    });
    assert.deepStrictEqual(
      vendor.of('GET', '/incidents/PT4KHLK/log_entries').map((r) => r.query.get('offset')),
      ['0', '2'],
    );
    assert.strictEqual(b.server.world.getAlert('PT4KHLK')?.timeline?.length, 2);
    let minute = 10;
    for (const bad of [{ body: '{"log_entries": [ broken', malformed: true }, { body: { log_entries: 'none' }, malformed: true }, FORBIDDEN]) {
      // Re-assigned: a new state whose log is read (and fails).
      const inc = { ...page1().incidents[0]!, assignments: [{ at: `2026-11-23T10:${minute++}:00Z`, assignee: { id: 'PXPGF42', type: 'user_reference', summary: 'Earline Greenholt' } }] };
      vendor.once('GET /incidents', { body: { ...page1(), incidents: [inc], more: false } });
      vendor.once('GET /incidents/PT4KHLK/log_entries', bad);
      await source.pollIncidents();
      const a = b.server.world.getAlert('PT4KHLK');
      assert.strictEqual(a?.status, 'triggered');
      assert.strictEqual(a.timeline?.length, 2);
    }
  });

  it('people directory: every page of listUsers (id, name, email, time zone) in oncall.people; kept when a later read fails', async () => {
    const b = await start();
    const people = b.server.world.snapshot().oncall?.people;
    assert.deepStrictEqual(people, [
      { id: 'PXPGF42', name: 'Earline Greenholt', email: '125.greenholt.earline@graham.name', timeZone: 'America/Lima' },
      { id: 'PAM4FGS', name: 'Kyler Kuhn', email: '126.kuhn.kyler@graham.name', timeZone: 'Asia/Hong_Kong' },
      { id: 'PTUXL6G', name: 'Rosa Díaz', email: 'rosa@example.com', timeZone: 'Europe/Madrid' },
    ]);
    assert.deepStrictEqual(
      vendor.of('GET', '/users').map((r) => r.query.get('offset')),
      ['0', '2'],
    );
    // Refreshed rarely: the next on-call poll does not read it again.
    await source.pollOnCall();
    assert.strictEqual(vendor.of('GET', '/users').length, 2);
    // Six hours later the read fails (429 ×3, then 401, then malformed): the last copy stays, logged once.
    for (const bad of [[RATE_LIMITED, RATE_LIMITED, RATE_LIMITED], [{ status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } }], [{ body: '<html>', malformed: true }]]) {
      b.clock.advance(6 * 3_600_000);
      vendor.once('GET /users', ...bad);
      await source.pollOnCall();
      assert.strictEqual(b.server.world.snapshot().oncall?.people?.length, 3);
    }
    assert.strictEqual(b.logger.lines.filter((l) => /could not read the PagerDuty user directory/.test(l.message)).length, 1);
  });

  it('change events: listChangeEvents since the last poll become deploy events (sha, previous sha, environment, author, url, time); de-duplicated; no sha, no deploy', async () => {
    const b = await start();
    const deploys = b.server.world.snapshot().deploys;
    assert.deepStrictEqual(deploys, [
      {
        id: 'pagerduty:01BBYA6PDIXPL8KO1HPIUL9CZN',
        service: 'My Mail Service',
        environment: 'production',
        commitSha: '4567def',
        previousSha: '0123abc',
        author: { name: 'kkuhn' },
        deployedAt: '2026-11-23T07:42:58Z',
        url: 'https://github.com/acme/mail/compare/0123abc...4567def',
      },
      {
        id: 'pagerduty:01BBYA6PEVW6A852BUO6QYUE7O',
        service: 'My Mail Service',
        environment: 'staging',
        commitSha: '9f2c4e1a7b3d5e6f8091a2b3c4d5e6f708192a3b',
        previousSha: '1a2b3c4d5e6f',
        author: { name: 'Kyler Kuhn', email: 'kyler@example.com' },
        deployedAt: '2026-11-23T08:42:58Z',
        url: 'https://acme.pagerduty.dev/build/2',
        status: 'succeeded',
      },
    ]);
    const first = vendor.of('GET', '/change_events')[0]!;
    assert.strictEqual(first.query.get('since'), '2026-11-22T10:09:00Z');
    assert.strictEqual(first.query.get('until'), '2026-11-23T10:09:00Z');
    // The next poll starts where this one ended (5 min overlap), and the same events are not sent twice.
    b.clock.advance(60_000);
    await source.pollChangeEvents();
    const second = vendor.of('GET', '/change_events')[1]!;
    assert.strictEqual(second.query.get('since'), '2026-11-23T10:04:00Z');
    assert.strictEqual(second.query.get('until'), '2026-11-23T10:10:00Z');
    assert.strictEqual(b.server.world.snapshot().deploys.length, 2);
    // A client sees them in the snapshot, and hello announces deploys.
    assert.ok(b.server.hello().capabilities.includes('deploys'));
  });

  it('change events: pages, 429 Retry-After, 403 logged once without stopping the bridge, malformed replies change nothing', async () => {
    const ev = fx('change-events.json') as { change_events: unknown[] };
    const b = await start({
      routes: (v) =>
        v.once('GET /change_events', RATE_LIMITED, { body: { ...ev, change_events: ev.change_events.slice(0, 1), limit: 1, more: true } }, { body: { ...ev, change_events: ev.change_events.slice(1), limit: 1, offset: 1 } }),
    });
    assert.deepStrictEqual(sleeps.waits, [3000]);
    assert.deepStrictEqual(
      vendor.of('GET', '/change_events').map((r) => r.query.get('offset')),
      ['0', '0', '1'],
    );
    assert.strictEqual(b.server.world.snapshot().deploys.length, 2);
    const seq = b.server.world.seq;
    vendor.once('GET /change_events', FORBIDDEN, FORBIDDEN);
    await source.pollChangeEvents();
    await source.pollChangeEvents();
    assert.strictEqual(b.logger.lines.filter((l) => /PagerDuty refused to list change events/.test(l.message)).length, 1);
    vendor.once('GET /change_events', { body: '{"change_events": [', malformed: true });
    await assert.rejects(source.pollChangeEvents(), /not valid JSON/);
    vendor.once('GET /change_events', { body: { change_events: [{ id: 7 }, { nope: true }], more: false }, malformed: true });
    await source.pollChangeEvents();
    assert.strictEqual(b.server.world.seq, seq);
  });

  it('changeEvents: false polls no change events and does not announce deploys', async () => {
    await vendor.start();
    source = new PagerDutySource({ token: PD_TOKEN, apiUrl: vendor.url, sleep: sleeps.sleep, pollIntervalMs: 30 * 86_400_000, onCallIntervalMs: 30 * 86_400_000, changeEvents: false });
    bridge = await startVendorBridge(source, PD_START);
    assert.strictEqual(vendor.of('GET', '/change_events').length, 0);
    assert.ok(!bridge.server.hello().capabilities.includes('deploys'));
  });

  it('a token that may not read users, log entries or change events (403) still starts the bridge with incidents and on-call', async () => {
    const b = await start({
      routes: (v) => {
        v.on('GET /users', FORBIDDEN);
        v.on('GET /incidents/PT4KHLK/log_entries', FORBIDDEN);
        v.on('GET /change_events', FORBIDDEN);
      },
    });
    const a = b.server.world.getAlert('PT4KHLK');
    assert.strictEqual(a?.escalation?.level, 1);
    assert.strictEqual(a.escalation.nextEscalationAt, undefined, 'no countdown without the log');
    assert.ok(b.server.world.snapshot().oncall);
    assert.strictEqual(b.server.world.snapshot().oncall?.people, undefined);
  });
});

describe('PagerDuty log entries and change events (mapping)', () => {
  const policy: EscalationPolicy = {
    id: 'P1',
    name: 'Web',
    services: [],
    tiers: [
      { level: 1, delayMinutes: 10, targets: [{ type: 'person', person: { name: 'Ann' } }] },
      { level: 2, delayMinutes: 20, targets: [{ type: 'person', person: { name: 'Bob' } }] },
    ],
  };
  const T = Date.parse('2026-11-23T10:00:00Z');

  it('countdownOf: the next rule, then the first again while num_loops remain, none when our level is stale', () => {
    assert.deepStrictEqual(countdownOf(policy, 0, 0, 1, T, T + 60_000, undefined), { nextEscalationAt: '2026-11-23T10:10:00.000Z', targets: [{ name: 'Bob' }] });
    assert.strictEqual(countdownOf(policy, 0, 0, 2, T, T + 60_000, undefined), undefined, 'the last rule, no loops');
    assert.deepStrictEqual(countdownOf(policy, 2, 1, 2, T, T + 60_000, undefined), { nextEscalationAt: '2026-11-23T10:20:00.000Z', targets: [{ name: 'Ann' }] });
    assert.strictEqual(countdownOf(policy, 2, 2, 2, T, T + 60_000, undefined), undefined, 'every loop used');
    assert.strictEqual(countdownOf(policy, 0, 0, 1, T, T + 11 * 60_000, undefined), undefined, 'PagerDuty should have escalated already');
    assert.strictEqual(countdownOf(policy, 0, 0, 3, T, T, undefined), undefined, 'no such level');
  });

  it('readIncidentLog: the latest trigger/escalate/assign/unacknowledge/repeat entry restarts the wait; repeats counted since the trigger', () => {
    const e = (type: string, at: string): { type: string; created_at: string } => ({ type, created_at: at });
    const log = readIncidentLog([
      e('trigger_log_entry', '2026-11-23T10:00:00Z'),
      e('repeat_escalation_path_log_entry', '2026-11-23T10:30:00Z'),
      e('acknowledge_log_entry', '2026-11-23T10:31:00Z'),
      e('unacknowledge_log_entry', '2026-11-23T10:40:00Z'),
      e('notify_log_entry', '2026-11-23T10:41:00Z'),
      e('snooze_log_entry', 'not a time'),
    ]);
    assert.strictEqual(log.restartedAtMs, Date.parse('2026-11-23T10:40:00Z'));
    assert.strictEqual(log.loopsDone, 1);
    assert.deepStrictEqual(
      log.timeline.map((t) => t.kind),
      ['triggered', 'acknowledged', 'unacknowledged'],
    );
    const many = readIncidentLog(Array.from({ length: 300 }, (_, i) => e('annotate_log_entry', new Date(T + i * 1000).toISOString())));
    assert.strictEqual(many.timeline.length, 100);
    assert.strictEqual(many.timeline[99]!.at, new Date(T + 299_000).toISOString());
  });

  it('changeEventToDeploy: custom_details keys, commit links, hostile values', () => {
    const at = '2026-11-23T10:00:00.000Z';
    const d = changeEventToDeploy(
      { id: 'X', custom_details: { commit_sha: 'ABCDEF1', env: 'prod-eu', author_name: 'Ann', author_email: 'ann@example.com', service: 'checkout', status: 'failed' }, links: [{ href: 'javascript:alert(1)' }] },
      () => undefined,
      at,
    );
    assert.deepStrictEqual(d, { id: 'pagerduty:X', service: 'checkout', environment: 'prod-eu', commitSha: 'abcdef1', author: { name: 'Ann', email: 'ann@example.com' }, deployedAt: at, status: 'failed' });
    assert.strictEqual(changeEventToDeploy({ id: 'Y', custom_details: { sha: 'not-hex!' } }, () => undefined, at), undefined);
    assert.strictEqual(changeEventToDeploy({ id: 'Z', custom_details: ['sha'] }, () => undefined, at), undefined);
    const c = changeEventToDeploy({ id: 'W', source: 'ci', services: [{ id: 'S1', summary: 'Web' }], links: [{ href: 'https://git.example.com/o/r/commit/0123456789abcdef' }] }, () => undefined, at);
    assert.strictEqual(c?.commitSha, '0123456789abcdef');
    assert.strictEqual(c.service, 'Web');
    assert.deepStrictEqual(c.author, { name: 'ci' });
  });
});
