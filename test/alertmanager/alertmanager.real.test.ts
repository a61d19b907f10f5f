/**
 * The Alertmanager source against the REAL Alertmanager (Debian's prometheus-alertmanager 0.25, installed
 * by scripts/setup-alertmanager.sh): alerts posted to its API reach a protocol client through the
 * webhook, ack/unack are silences in Alertmanager, resolution flows back, and restarts of either side
 * lose nothing. The its run in order and share one Alertmanager.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert } from '../../src/core/protocol/types';
import { MemoryLogger } from '../../src/core/util/logger';
import { BridgeServer } from '../../src/bridge/server';
import { AlertmanagerSource, RESOLVE_REFUSAL, type AlertmanagerSourceOptions } from '../../src/bridge/sources/alertmanager/alertmanagerSource';
import { ACK_COMMENT, SNOOZE_COMMENT } from '../../src/bridge/sources/alertmanager/mapping';
import { SourceActionError } from '../../src/bridge/sources/types';
import { AlertmanagerProcess, ensureAlertmanager, freePort } from './alertmanagerProcess';
import { TestClient, waitUntil } from '../unit/bridge/helpers';

const TOKEN = 'bridge-test-token-0123456789abcdef';
const WEBHOOK_SECRET = 'am-webhook-secret-0123456789abcdefghij';
const ALICE = { name: 'Alice Example', email: 'alice@example.com' };

const CHECKOUT = {
  labels: { alertname: 'CheckoutErrors', service: 'checkout', severity: 'critical', env: 'prod', commit: 'ABC1234DEF' },
  annotations: {
    summary: 'Checkout error rate above 5%',
    description: 'checkout-api returns 500 for 7% of requests',
    runbook_url: 'https://runbooks.example.com/checkout/errors',
    stack_trace: 'TypeError: Cannot read properties of undefined (reading \'total\')\n    at priceCart (/srv/checkout/src/cart.js:42:17)',
  },
  generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=rate%28errors%29',
};
const PAYMENTS = {
  labels: { alertname: 'PaymentsLatency', job: 'payments-api', severity: 'warning', environment: 'staging' },
  annotations: { summary: 'p99 latency above 2s' },
};

/** The latest state of each alert a client has seen (snapshot + events). */
function alertsOf(client: TestClient): Map<string, Alert> {
  const out = new Map<string, Alert>();
  for (const m of client.messages) {
    if (m.type === 'snapshot') {
      out.clear();
      for (const a of m.alerts) out.set(a.id, a);
    } else if (m.type === 'alert') out.set(m.alert.id, m.alert);
    else if (m.type === 'alertResolved') {
      const a = out.get(m.alertResolved.id);
      if (a) out.set(a.id, { ...a, status: 'resolved', resolvedAt: m.alertResolved.resolvedAt });
    }
  }
  return out;
}

function iso(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

describe('Alertmanager source against the real Alertmanager', function () {
  this.timeout(30_000);

  let dir: string;
  let am: AlertmanagerProcess;
  let bridgePort: number;
  let bridge: BridgeServer | undefined;
  let source: AlertmanagerSource;
  let logger: MemoryLogger;
  let client: TestClient | undefined;
  let fpCheckout: string;
  let fpPayments: string;

  async function startBridge(opts: Partial<AlertmanagerSourceOptions>): Promise<TestClient> {
    logger = new MemoryLogger();
    source = new AlertmanagerSource({ url: am.url, webhookToken: WEBHOOK_SECRET, ...opts });
    bridge = new BridgeServer({ source, port: bridgePort, token: TOKEN, logger, heartbeatMs: 86_400_000 });
    await bridge.start();
    const c = new TestClient(bridge.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const first = await c.handshake(-1);
    assert.strictEqual(first.type, 'snapshot');
    return c;
  }

  async function stopBridge(): Promise<void> {
    client?.close();
    client = undefined;
    await bridge?.close();
    bridge = undefined;
  }

  async function request(type: 'ack' | 'unack' | 'resolve', ids: string[], requestId: string, extra: Record<string, unknown> = {}): Promise<{ ok: boolean; error?: string }> {
    const c = client!;
    c.send({ type, requestId, alertIds: ids, actor: ALICE, ...extra });
    await waitUntil(`result ${requestId}`, () => c.messages.some((m) => m.type === 'result' && m.requestId === requestId), 10_000);
    const r = c.messages.find((m) => m.type === 'result' && m.requestId === requestId);
    return r as { ok: boolean; error?: string };
  }

  const seen = (id: string): Alert | undefined => alertsOf(client!).get(id);

  before(async function () {
    this.timeout(15 * 60_000); // a first install of the Debian package
    ensureAlertmanager();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-am-'));
    bridgePort = await freePort();
    const amPort = await freePort();
    am = new AlertmanagerProcess({ dir, port: amPort, webhookUrl: `http://127.0.0.1:${bridgePort}/webhooks/alertmanager`, webhookToken: WEBHOOK_SECRET });
    await am.start();
    // A long reconcile interval: what reaches the client before it can only have come through the webhook.
    client = await startBridge({ reconcileIntervalMs: 3_600_000, restartGraceMs: 60_000 });
  });

  after(async () => {
    await stopBridge();
    await am?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('alerts posted to Alertmanager reach a protocol client through the webhook', async () => {
    await am.postAlerts([CHECKOUT, PAYMENTS]);
    const listed = await am.alerts();
    fpCheckout = listed.find((a) => a.labels.alertname === 'CheckoutErrors')!.fingerprint;
    fpPayments = listed.find((a) => a.labels.alertname === 'PaymentsLatency')!.fingerprint;
    await waitUntil('both alerts at the client', () => seen(fpCheckout) !== undefined && seen(fpPayments) !== undefined, 10_000);

    const a = seen(fpCheckout)!;
    assert.strictEqual(a.status, 'triggered');
    assert.strictEqual(a.title, 'Checkout error rate above 5%');
    assert.strictEqual(a.description, 'checkout-api returns 500 for 7% of requests');
    assert.strictEqual(a.severity, 'critical');
    assert.strictEqual(a.service, 'checkout');
    assert.strictEqual(a.environment, 'prod');
    assert.strictEqual(a.runbookUrl, CHECKOUT.annotations.runbook_url);
    assert.strictEqual(a.url, CHECKOUT.generatorURL);
    assert.strictEqual(a.stackTrace, CHECKOUT.annotations.stack_trace);
    assert.strictEqual(a.commitSha, 'abc1234def');
    assert.strictEqual(a.source, 'alertmanager');
    assert.deepStrictEqual(a.labels, CHECKOUT.labels);
    const p = seen(fpPayments)!;
    assert.strictEqual(p.service, 'payments-api'); // from `job`
    assert.strictEqual(p.environment, 'staging');
    assert.strictEqual(p.severity, 'warning');
    assert.ok(!logger.lines.some((l) => l.level === 'error' || l.level === 'warn'), JSON.stringify(logger.lines));
  });

  it('ack creates a silence in Alertmanager with the alert\'s labels and the acking person; the alert shows acknowledged by them', async () => {
    const r = await request('ack', [fpCheckout], 'ack-1');
    assert.deepStrictEqual(r.ok, true, r.error);
    await waitUntil('acknowledged at the client', () => seen(fpCheckout)?.status === 'acknowledged');
    assert.deepStrictEqual(seen(fpCheckout)!.acknowledgedBy, ALICE);

    const active = (await am.silences()).filter((s) => s.status.state === 'active');
    assert.strictEqual(active.length, 1);
    const s = active[0]!;
    assert.strictEqual(s.createdBy, 'Alice Example <alice@example.com>');
    assert.strictEqual(s.comment, ACK_COMMENT);
    assert.deepStrictEqual(
      s.matchers.map((m) => [m.name, m.value, m.isEqual, m.isRegex]).sort(),
      Object.entries(CHECKOUT.labels).map(([k, v]) => [k, v, true, false]).sort(),
    );
    const ends = Date.parse(s.endsAt) - Date.now();
    assert.ok(ends > 115 * 60_000 && ends <= 120 * 60_000, `silence ends in ${ends} ms (default 2 h)`);
    const inAm = (await am.alerts()).find((a) => a.fingerprint === fpCheckout)!;
    assert.deepStrictEqual(inAm.status.silencedBy, [s.id]);

    // A reconcile agrees with what the ack already showed: no event at all.
    const before = client!.messages.length;
    assert.strictEqual(await source.reconcile(), true);
    await client!.quiet(200);
    assert.deepStrictEqual(client!.messages.slice(before).map((m) => m.type), []);
  });

  it('unack expires that silence; ack again works; resolve is refused with the reason', async () => {
    const silenceId = (await am.silences()).find((s) => s.status.state === 'active')!.id;
    const r = await request('unack', [fpCheckout], 'unack-1');
    assert.strictEqual(r.ok, true, r.error);
    await waitUntil('triggered again at the client', () => seen(fpCheckout)?.status === 'triggered');
    assert.strictEqual(seen(fpCheckout)!.acknowledgedBy, undefined);
    const s = (await am.silences()).find((x) => x.id === silenceId)!;
    assert.strictEqual(s.status.state, 'expired');
    assert.deepStrictEqual((await am.alerts()).find((a) => a.fingerprint === fpCheckout)!.status.silencedBy, []);

    assert.strictEqual((await request('ack', [fpCheckout], 'ack-2')).ok, true);
    await waitUntil('acknowledged again', () => seen(fpCheckout)?.status === 'acknowledged');

    const res = await request('resolve', [fpPayments], 'resolve-1');
    assert.strictEqual(res.ok, false);
    assert.strictEqual(res.error, RESOLVE_REFUSAL); // not in capabilities; the reason is hello's unsupportedActions.resolve
    await assert.rejects(source.handleAction('resolve', [fpPayments], ALICE), (e: unknown) => e instanceof SourceActionError && e.message === RESOLVE_REFUSAL);
  });

  async function send(msg: Record<string, unknown>): Promise<{ ok: boolean; error?: string }> {
    const c = client!;
    const requestId = String(msg.requestId);
    c.send({ actor: ALICE, ...msg });
    await waitUntil(`result ${requestId}`, () => c.messages.some((m) => m.type === 'result' && m.requestId === requestId), 10_000);
    return c.messages.find((m) => m.type === 'result' && m.requestId === requestId) as { ok: boolean; error?: string };
  }

  it('protocol 1.1: hello offers snooze and note, and says why reassign/escalate/override are missing', () => {
    const hello = bridge!.hello();
    assert.deepStrictEqual([...hello.capabilities].sort(), ['ack', 'note', 'snapshotChunks', 'snooze', 'unack']);
    assert.match(hello.unsupportedActions?.reassign ?? '', /no assignees/);
    assert.match(hello.unsupportedActions?.escalate ?? '', /no escalation levels/);
    assert.match(hello.unsupportedActions?.override ?? '', /no on-call schedules/);
  });

  it('snooze = a silence until the chosen time; note = its comment; both survive a reconcile; a note needs a silence', async function () {
    this.timeout(40_000);
    // 15 minutes on the triggered payments alert.
    const until = new Date(Date.now() + 15 * 60_000);
    until.setMilliseconds(0);
    assert.strictEqual((await send({ type: 'snooze', requestId: 'snooze-1', alertIds: [fpPayments], until: until.toISOString() })).ok, true);
    await waitUntil('snoozed at the client', () => seen(fpPayments)?.snoozedUntil !== undefined);
    assert.strictEqual(seen(fpPayments)!.status, 'acknowledged');
    assert.strictEqual(Date.parse(seen(fpPayments)!.snoozedUntil!), until.getTime());
    assert.deepStrictEqual(seen(fpPayments)!.acknowledgedBy, ALICE);
    const snoozeSilence = (await am.silences()).find((x) => x.status.state === 'active' && x.comment === SNOOZE_COMMENT)!;
    assert.ok(snoozeSilence, 'a snooze silence in Alertmanager');
    assert.strictEqual(Date.parse(snoozeSilence.endsAt), until.getTime(), 'it ends exactly at the chosen time');
    assert.deepStrictEqual((await am.alerts()).find((a) => a.fingerprint === fpPayments)!.status.silencedBy, [snoozeSilence.id]);

    // A note becomes the silence's comment (after the marker) and shows on the alert.
    assert.strictEqual((await send({ type: 'note', requestId: 'note-1', alertId: fpPayments, text: 'waiting for the DB failover' })).ok, true);
    await waitUntil('the note at the client', () => seen(fpPayments)?.notes?.[0]?.text === 'waiting for the DB failover');
    assert.deepStrictEqual(seen(fpPayments)!.notes![0]!.author, ALICE);
    const withNote = (await am.silences()).filter((x) => x.status.state === 'active' && x.comment.startsWith(SNOOZE_COMMENT));
    assert.strictEqual(withNote.length, 1, 'updated, not a second silence');
    assert.strictEqual(withNote[0]!.comment, `${SNOOZE_COMMENT}\nwaiting for the DB failover`);
    assert.strictEqual(Date.parse(withNote[0]!.endsAt), until.getTime(), 'the note keeps the snooze time');
    // A reconcile reads the same from Alertmanager: no event.
    const before = client!.messages.length;
    assert.strictEqual(await source.reconcile(), true);
    await client!.quiet(200);
    assert.deepStrictEqual(client!.messages.slice(before).map((m) => m.type), []);

    // Snoozing the acknowledged checkout alert for 1 h replaces its ack silence (one silence of ours per alert).
    const ackSid = (await am.silences()).find((x) => x.status.state === 'active' && x.comment === ACK_COMMENT)!.id;
    const hour = new Date(Date.now() + 60 * 60_000);
    hour.setMilliseconds(0);
    assert.strictEqual((await send({ type: 'snooze', requestId: 'snooze-2', alertIds: [fpCheckout], until: hour.toISOString() })).ok, true);
    await waitUntil('checkout snoozed', () => seen(fpCheckout)?.snoozedUntil === hour.toISOString());
    await waitUntil('old ack silence expired', () => logger.lines.some((l) => l.message.includes(`expired silence ${ackSid}`)), 5000);

    // A short snooze comes back on its own: Alertmanager ends the silence, the next reconcile triggers the alert again.
    const soon = new Date(Date.now() + 2000);
    assert.strictEqual((await send({ type: 'snooze', requestId: 'snooze-3', alertIds: [fpPayments], until: soon.toISOString() })).ok, true);
    await waitUntil('re-snoozed', () => seen(fpPayments)?.snoozedUntil === soon.toISOString());
    assert.strictEqual(seen(fpPayments)!.notes?.[0]?.text, 'waiting for the DB failover', 'the note is carried to the new silence');
    await new Promise((r) => setTimeout(r, Math.max(0, soon.getTime() - Date.now()) + 500));
    assert.strictEqual(await source.reconcile(), true);
    await waitUntil('triggered again after the snooze', () => seen(fpPayments)?.status === 'triggered');
    assert.strictEqual(seen(fpPayments)!.snoozedUntil, undefined);

    // Without a silence there is nowhere for a note in Alertmanager: refused with what to do.
    const refused = await send({ type: 'note', requestId: 'note-2', alertId: fpPayments, text: 'x' });
    assert.strictEqual(refused.ok, false);
    assert.match(refused.error ?? '', /acknowledge or snooze it first/);
    const far = await send({ type: 'snooze', requestId: 'snooze-4', alertIds: [fpPayments], until: new Date(Date.now() + 8 * 24 * 3_600_000).toISOString() });
    assert.match(far.error ?? '', /at most 168 h/);
    assert.strictEqual((await am.silences()).filter((x) => x.status.state === 'active').length, 1, 'only checkout\'s snooze is active');
  });

  it('a restart of Alertmanager (same storage) loses nothing', async function () {
    this.timeout(40_000);
    const mark = client!.messages.length;
    await am.stop();
    // Down: the reconcile fails, says why once, and changes nothing.
    assert.strictEqual(await source.reconcile(), false);
    assert.strictEqual(await source.reconcile(), false);
    const errors = logger.lines.filter((l) => l.level === 'error');
    assert.strictEqual(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]!.message, /unreachable \(connection refused\)/);

    await am.start();
    // Alertmanager keeps silences on disk but alerts only in memory: until Prometheus sends them again,
    // the bridge must keep them open (restart grace), not resolve them.
    assert.strictEqual((await am.alerts()).length, 0);
    assert.strictEqual(await source.reconcile(), true);
    assert.ok(logger.lines.some((l) => /keeping them open/.test(l.message)), JSON.stringify(logger.lines.slice(-5)));
    assert.strictEqual(seen(fpCheckout)?.status, 'acknowledged');
    assert.strictEqual(seen(fpPayments)?.status, 'triggered');
    const ackSilence = (await am.silences()).filter((s) => s.status.state === 'active');
    assert.strictEqual(ackSilence.length, 1, 'the ack silence survived the restart');

    // Prometheus re-sends its firing alerts; the silence still applies.
    await am.postAlerts([CHECKOUT, PAYMENTS]);
    assert.deepStrictEqual((await am.alerts()).find((a) => a.fingerprint === fpCheckout)!.status.silencedBy, [ackSilence[0]!.id]);
    assert.strictEqual(await source.reconcile(), true);
    await client!.quiet(300);
    const types = client!.messages.slice(mark).map((m) => m.type);
    assert.ok(!types.includes('alertResolved'), `no alert was resolved: ${types.join(',')}`);
    assert.strictEqual(seen(fpCheckout)?.status, 'acknowledged');
    assert.deepStrictEqual(seen(fpCheckout)?.acknowledgedBy, ALICE);
    assert.strictEqual(seen(fpPayments)?.status, 'triggered');
  });

  it('a restart of the bridge restores alerts and ack state from Alertmanager, and unack still finds the silence', async () => {
    await stopBridge();
    client = await startBridge({ reconcileIntervalMs: 1000, restartGraceMs: 2000 });
    const snap = client.messages.find((m) => m.type === 'snapshot');
    assert.ok(snap && snap.type === 'snapshot');
    const byId = new Map(snap.alerts.map((a) => [a.id, a]));
    assert.strictEqual(byId.get(fpCheckout)?.status, 'acknowledged');
    assert.deepStrictEqual(byId.get(fpCheckout)?.acknowledgedBy, ALICE);
    assert.strictEqual(byId.get(fpPayments)?.status, 'triggered');

    // The new bridge recognises the old bridge's silence as its ack (comment + exact matchers).
    const sid = (await am.silences()).find((s) => s.status.state === 'active')!.id;
    assert.strictEqual((await request('unack', [fpCheckout], 'unack-2')).ok, true);
    assert.strictEqual((await am.silences()).find((s) => s.id === sid)!.status.state, 'expired');
    await waitUntil('triggered', () => seen(fpCheckout)?.status === 'triggered');
    assert.strictEqual((await request('ack', [fpCheckout], 'ack-3')).ok, true);
    await waitUntil('acknowledged', () => seen(fpCheckout)?.status === 'acknowledged');
  });

  it('resolving in Alertmanager resolves in the client and expires the ack silence', async function () {
    this.timeout(20_000);
    const sid = (await am.silences()).find((s) => s.status.state === 'active')!.id;
    // Prometheus resolves by sending the alert with endsAt in the past.
    await am.postAlerts([{ ...PAYMENTS, endsAt: iso(-1000) }]);
    await waitUntil('payments resolved at the client', () => seen(fpPayments)?.status === 'resolved', 10_000);
    // A silenced alert is not notified, so its resolution comes from the periodic reconcile (1 s here).
    await am.postAlerts([{ ...CHECKOUT, endsAt: iso(-1000) }]);
    await waitUntil('checkout resolved at the client', () => seen(fpCheckout)?.status === 'resolved', 10_000);
    await waitUntil('ack silence expired', () => logger.lines.some((l) => l.message.includes(`expired silence ${sid}`)), 5000);
    assert.strictEqual((await am.silences()).find((s) => s.id === sid)!.status.state, 'expired');
    assert.ok(!logger.lines.some((l) => l.level === 'error'), JSON.stringify(logger.lines.filter((l) => l.level === 'error')));
  });
});
