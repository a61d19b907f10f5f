/**
 * The clustered bridge against real servers: Debian's redis-server, nginx with deploy/nginx/oncall-bridge.conf in
 * front of three replicas (child processes of dist/bridge.js --source pagerduty --redis …, polling a fake PagerDuty
 * that records who asked), and editors that are the real core AlertClient dialling nginx.
 *
 * The stream is driven by signed deploy webhooks posted through nginx (any replica takes them): each has a unique
 * id, so "0 lost, 0 applied twice" is checked exactly on every editor; the alerts come from the vendor's polls.
 * The tests run in order and share the servers.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AlertClient } from '../../src/core/transport/alertClient';
import { systemClock } from '../../src/core/util/clock';
import { MemoryLogger } from '../../src/core/util/logger';
import { deploySignature } from '../../src/bridge/deployWebhooks/deployWebhooks';
import type { ServerMessage } from '../../src/core/protocol/types';
import { fixture, repoRoot } from '../testUtil/paths';
import { TestClient, waitUntil } from '../unit/bridge/helpers';
import { FakeVendor } from '../unit/bridge/vendorFake';
import { BridgeReplica, NGINX_BIN, NginxProcess, REDIS_BIN, RedisProcess, ensureInstalled, freePort } from './clusterProcesses';

const TOKEN = 'cluster-test-token-0123456789abcdefghij';
const DEPLOY_SECRET = 'cluster-deploy-secret-0123456789abcdef';
const LEASE_MS = 3000;
const POLL_S = 5;
const fx = (name: string): unknown => JSON.parse(fs.readFileSync(fixture('pagerduty', name), 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('clustered bridge: redis-server + nginx + 3 replicas', function () {
  this.timeout(90_000);

  let dir: string;
  let vendor: FakeVendor;
  let redis: RedisProcess;
  let nginx: NginxProcess;
  const replicas: BridgeReplica[] = [];
  const editors: AlertClient[] = [];
  /** Every deploy id the bridge accepted (202), in order. */
  const posted: string[] = [];
  let deployN = 0;

  before(async function () {
    this.timeout(180_000);
    ensureInstalled(REDIS_BIN, 'setup-redis.sh');
    ensureInstalled(NGINX_BIN, 'setup-nginx.sh');
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'bridge.js'))) throw new Error('dist/bridge.js is missing: run "npm run build" (npm run test:cluster does)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-cluster-'));
    vendor = new FakeVendor();
    vendor.on('GET /incidents', (req) => (req.query.get('offset') === '1' ? { body: fx('incidents-page2.json') } : { body: fx('incidents-page1.json') }));
    vendor.on('GET /incidents/PT4KHLK/alerts', { body: fx('incident-alerts.json') });
    vendor.on('GET /incidents/PGR0VU2/alerts', { body: { alerts: [], more: false } });
    vendor.on('GET /incidents/Q2NEW0001/alerts', { body: { alerts: [], more: false } });
    vendor.on('GET /schedules', { body: fx('schedules.json') });
    vendor.on('GET /escalation_policies', { body: fx('escalation_policies.json') });
    vendor.on('GET /oncalls', { body: fx('oncalls.json') });
    const vendorUrl = await vendor.start();
    redis = new RedisProcess(await freePort(), path.join(dir, 'redis'));
    await redis.start();
    for (const name of ['a', 'b', 'c']) {
      const port = await freePort();
      replicas.push(
        new BridgeReplica(
          name,
          port,
          () => ['--source', 'pagerduty', '--pagerduty-api-url', vendorUrl, '--poll-seconds', String(POLL_S), '--redis', redis.url, '--leader-lease-ms', String(LEASE_MS), '--state-dir', path.join(dir, `state-${name}`)],
          () => ({ ONCALL_BRIDGE_TOKEN: TOKEN, ONCALL_DEPLOY_WEBHOOK_SECRET: DEPLOY_SECRET }),
        ),
      );
    }
    for (const r of replicas) await r.start();
    nginx = new NginxProcess(await freePort(), path.join(dir, 'nginx'), replicas.map((r) => r.port));
    await nginx.start();
  });

  after(async function () {
    this.timeout(60_000);
    for (const e of editors.splice(0)) e.dispose();
    if (this.currentTest?.state === 'failed' || process.env.ONCALL_TEST_VERBOSE) for (const r of replicas) console.log(`--- replica ${r.name}\n${r.log.slice(-4000)}`);
    for (const r of replicas) await r.stop();
    await nginx?.stop();
    await redis?.stop();
    await vendor?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const r of replicas) console.log(`--- replica ${r.name} (${r.running ? 'running' : 'stopped'})\n${r.log.slice(-6000)}`);
  });

  /** Posts one signed deploy (through nginx unless `base` says otherwise), retrying while the cluster says "later". */
  async function postDeploy(base = nginx.httpUrl): Promise<string> {
    const n = ++deployN;
    const body = JSON.stringify({
      service: 'checkout',
      environment: 'production',
      sha: n.toString(16).padStart(40, '0'),
      author: { name: 'Ada Lovelace', email: 'ada@example.com' },
      time: new Date().toISOString(),
      status: 'succeeded',
    });
    const deadline = Date.now() + 30_000;
    let last = '';
    while (Date.now() < deadline) {
      const ts = Math.floor(Date.now() / 1000);
      try {
        const r = await fetch(`${base}/webhooks/deploy`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-oncall-timestamp': String(ts), 'x-oncall-signature': deploySignature(DEPLOY_SECRET, ts, body) },
          body,
          signal: AbortSignal.timeout(5000),
        });
        const text = await r.text();
        if (r.status === 202 || r.status === 200) {
          const id = (JSON.parse(text) as { id?: string }).id;
          if (r.status === 202 && typeof id === 'string') {
            posted.push(id);
            return id;
          }
          if (r.status === 200) throw new Error(`deploy ${n} was taken as a duplicate: ${text}`);
        }
        last = `${r.status} ${text.slice(0, 200)}`;
      } catch (e) {
        if (e instanceof Error && /duplicate/.test(e.message)) throw e;
        last = String(e);
      }
      await sleep(100);
    }
    throw new Error(`deploy ${n} not accepted within 30 s: ${last}`);
  }

  /** Error codes each editor was sent (`degraded` while Redis is unreachable). */
  const errorsOf = new Map<AlertClient, string[]>();

  function editor(): AlertClient {
    const c = new AlertClient({ url: nginx.wsUrl, getToken: () => Promise.resolve(TOKEN), clock: systemClock, logger: new MemoryLogger(), heartbeatMs: 2000, backoff: { baseMs: 50, capMs: 500 }, maxResolvedAgeMs: Number.POSITIVE_INFINITY });
    editors.push(c);
    const errs: string[] = [];
    errorsOf.set(c, errs);
    c.onDidReceiveError((e) => errs.push(e.code));
    c.connect();
    return c;
  }

  /** Every posted deploy exactly once, nothing else. */
  function assertDeploys(c: AlertClient, label: string): void {
    const ids = c.deploys.map((d) => d.id);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const lost = posted.filter((id) => !counts.has(id));
    const extra = ids.filter((id) => !posted.includes(id));
    assert.deepStrictEqual({ twice, lost, extra }, { twice: [], lost: [], extra: [] }, `${label}: deploys applied twice / lost / unknown`);
  }

  function alertState(c: AlertClient): string[] {
    return [...c.store.values()].map((a) => `${a.id}:${a.status}`).sort();
  }

  /** A fresh editor's view: what the cluster holds now (the vendor's incidents and every deploy). */
  async function freshView(): Promise<{ alerts: string[]; deploys: string[] }> {
    const c = editor();
    await waitUntil('fresh editor connected', () => c.state.state === 'connected' && c.lastSeq > 0, 20_000);
    await sleep(300);
    const view = { alerts: alertState(c), deploys: c.deploys.map((d) => d.id) };
    c.dispose();
    editors.splice(editors.indexOf(c), 1);
    return view;
  }

  async function leader(): Promise<BridgeReplica> {
    const { createClient } = await import('redis');
    const rc = createClient({ url: redis.url });
    await rc.connect();
    try {
      const holder = await rc.get('oncall:{bridge}:leader');
      const pid = Number(holder?.split(':')[1]);
      const r = replicas.find((x) => x.pid === pid);
      if (!r) throw new Error(`no running replica holds the lease (holder ${holder ?? 'none'})`);
      return r;
    } finally {
      rc.destroy();
    }
  }

  /** The vendor's poll log as runs of one token: [token, firstAt, lastAt]. */
  /** The vendor's polls grouped into runs of one token, from `since` on. */
  function pollRuns(since = 0): Array<{ token: string; from: number; to: number }> {
    const runs: Array<{ token: string; from: number; to: number }> = [];
    for (const r of vendor.of('GET', '/oncalls').filter((x) => x.at > since)) {
      const token = String(r.headers.authorization ?? '').replace(/^Token token=/, '');
      const at = r.at;
      const lastRun = runs[runs.length - 1];
      if (lastRun && lastRun.token === token) lastRun.to = at;
      else runs.push({ token, from: at, to: at });
    }
    return runs;
  }

  async function settledEverywhere(count: number): Promise<void> {
    await waitUntil(`every editor has all ${posted.length} deploys`, () => editors.every((e) => e.state.state === 'connected' && posted.every((id) => e.deploys.some((d) => d.id === id))), 30_000);
    assert.ok(editors.length >= count);
    await sleep(500);
  }

  it('one leader polls; a replay on replica B continues a stream served by replica A', async () => {
    await waitUntil('a leader polled the vendor', () => vendor.of('GET', '/oncalls').length > 0, 15_000);
    const [a, b] = [replicas[0]!, replicas[1]!];
    const onA = new TestClient(`ws://127.0.0.1:${a.port}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const first = await onA.handshake(-1);
    assert.strictEqual(first.type, 'snapshot');
    const before = onA.messages.length;
    for (let i = 0; i < 5; i++) await postDeploy(`http://127.0.0.1:${a.port}`);
    const deploysOnA = (): ServerMessage[] => onA.messages.slice(before).filter((m) => m.type === 'deploy');
    await waitUntil('A sent the 5 deploys', () => deploysOnA().length === 5, 10_000);
    const seqs = deploysOnA().map((m) => (m as { seq: number }).seq);
    const fromSeq = seqs[0]! - 1;
    const afterA = onA.messages.filter((m) => 'seq' in m && (m as { seq: number }).seq > fromSeq && m.type !== 'snapshot');
    onA.close();
    const onB = new TestClient(`ws://127.0.0.1:${b.port}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await onB.handshake(fromSeq);
    await waitUntil('B replayed them', () => onB.messages.filter((m) => m.type === 'deploy').length >= 5, 10_000);
    const replayed = onB.messages.filter((m) => m.type !== 'hello' && m.type !== 'error').slice(0, afterA.length);
    assert.ok(!onB.messages.some((m) => m.type === 'snapshot'), 'B answered with a snapshot instead of a replay');
    assert.deepStrictEqual(replayed, afterA, 'B replays exactly what A sent after that seq');
    onB.close();
  });

  it('a replica killed mid-stream: its editors resume on another through nginx; 0 lost, 0 applied twice', async () => {
    for (let i = 0; i < 6; i++) editor();
    await waitUntil('6 editors connected', () => editors.every((e) => e.state.state === 'connected' && e.lastSeq > 0), 20_000);
    const lead = await leader();
    const victim = replicas.find((r) => r !== lead && r.running)!;
    const posting = (async () => {
      for (let i = 0; i < 40; i++) {
        await postDeploy();
        await sleep(20);
      }
    })();
    await waitUntil('stream under way', () => posted.length >= 15, 20_000);
    await victim.kill();
    await posting;
    await settledEverywhere(6);
    for (const [i, e] of editors.entries()) assertDeploys(e, `editor ${i}`);
    assert.ok(editors.some((e) => e.stats.reconnects > 0), 'no editor was on the killed replica (nginx least_conn should have spread them)');
    await victim.start();
    const fresh = await freshView();
    for (const [i, e] of editors.entries()) assert.deepStrictEqual({ alerts: alertState(e), deploys: e.deploys.map((d) => d.id).sort() }, { alerts: fresh.alerts, deploys: [...fresh.deploys].sort() }, `editor ${i} differs from the cluster`);
    assert.ok(fresh.alerts.length > 0, 'the vendor\'s incidents reached the cluster');
  });

  // Redis restarts empty: the leader seeds a new epoch from its World, which may not hold yet what a follower
  // committed (and answered 202 for) a moment before; every replica applies those again on the new epoch (journal.ts).
  it('Redis restarted (empty) mid-stream: editors get a fresh snapshot; 0 lost, 0 applied twice', async () => {
    const posting = (async () => {
      for (let i = 0; i < 40; i++) {
        await postDeploy();
        await sleep(20);
      }
    })();
    await waitUntil('stream under way', () => posted.length >= 60, 20_000);
    await redis.stop();
    // Unreachable: every editor is told (protocol `error`, code "degraded"), and an action is refused, not acknowledged.
    await waitUntil('editors told the bridge is degraded', () => editors.every((e) => errorsOf.get(e)!.includes('degraded')), 10_000);
    const putsBefore = vendor.requests.filter((r) => r.method === 'PUT').length;
    const someAlert = [...editors[0]!.store.values()].find((a) => a.status === 'triggered');
    assert.ok(someAlert, 'an open alert to act on');
    // AlertClient turns `result ok:false` into a rejection carrying the bridge's sentence.
    const refusal = await editors[0]!.ack([someAlert.id]).then(
      (r) => (r.ok ? 'acknowledged' : (r.error ?? '')),
      (e: unknown) => String(e),
    );
    assert.match(refusal, /Redis\) is unreachable/, 'an ack while Redis is down must be refused, not acknowledged');
    assert.strictEqual(vendor.requests.filter((r) => r.method === 'PUT').length, putsBefore, 'the vendor was not called');
    await redis.start();
    await posting;
    await settledEverywhere(6);
    for (const [i, e] of editors.entries()) assertDeploys(e, `editor ${i}`);
    const fresh = await freshView();
    for (const [i, e] of editors.entries()) assert.deepStrictEqual({ alerts: alertState(e), deploys: e.deploys.map((d) => d.id).sort() }, { alerts: fresh.alerts, deploys: [...fresh.deploys].sort() }, `editor ${i} differs from the cluster`);
    assert.ok(replicas.some((r) => /new epoch|seeding a new one/.test(r.log)), 'no replica noticed that Redis lost the stream');
  });

  it('the same webhook delivery sent to two replicas directly is applied once (editors and stream)', async () => {
    const [a, b] = [replicas[0]!, replicas[1]!];
    assert.ok(a.running && b.running);
    const n = ++deployN;
    const body = JSON.stringify({ service: 'checkout', environment: 'production', sha: `dd${n.toString(16).padStart(38, '0')}`, author: { name: 'Ada Lovelace' }, time: new Date().toISOString(), status: 'succeeded' });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', 'x-oncall-timestamp': String(ts), 'x-oncall-signature': deploySignature(DEPLOY_SECRET, ts, body) };
    const deliver = async (r: BridgeReplica) => {
      const res = await fetch(`http://127.0.0.1:${r.port}/webhooks/deploy`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      return { status: res.status, body: (await res.json()) as { id?: string; duplicate?: boolean; error?: string } };
    };
    // At once to both (a vendor's retry racing the first delivery), then again to each (later redeliveries).
    const first = await Promise.all([deliver(a), deliver(b)]);
    const applied = first.filter((x) => x.status === 202 && typeof x.body.id === 'string');
    assert.strictEqual(applied.length, 1, `exactly one replica applies it: ${JSON.stringify(first)}`);
    const other = first.find((x) => x !== applied[0])!;
    assert.ok((other.status === 200 && other.body.duplicate === true) || other.status === 503, `the other answers duplicate, or "being processed" (retry): ${JSON.stringify(other)}`);
    const id = applied[0]!.body.id!;
    posted.push(id);
    for (const r of [a, b, a]) {
      const again = await deliver(r);
      assert.deepStrictEqual([again.status, again.body.duplicate], [200, true], `a redelivery to replica ${r.name} is acknowledged as a duplicate: ${JSON.stringify(again)}`);
    }
    await settledEverywhere(6);
    for (const [i, e] of editors.entries()) assertDeploys(e, `editor ${i}`);
    const { createClient } = await import('redis');
    const rc = createClient({ url: redis.url });
    await rc.connect();
    try {
      const entries = await rc.xRange('oncall:{bridge}:events', '-', '+');
      const inStream = entries.filter((e) => {
        const m = JSON.parse(e.message.f ?? '{}') as { type?: string; deploy?: { id?: string } };
        return m.type === 'deploy' && m.deploy?.id === id;
      });
      assert.strictEqual(inStream.length, 1, `the stream holds the deploy once (${inStream.length} times)`);
    } finally {
      rc.destroy();
    }
  });

  it('the leader killed: another replica polls within one lease; never two pollers at once', async () => {
    const lead = await leader();
    const oldToken = lead.token;
    await lead.kill();
    const killedAt = Date.now();
    await waitUntil('another replica polls', () => vendor.of('GET', '/oncalls').some((r) => r.at > killedAt && !String(r.headers.authorization).includes(oldToken)), LEASE_MS + POLL_S * 1000 + 5000);
    const firstNew = vendor.of('GET', '/oncalls').find((r) => r.at > killedAt)!;
    const tookMs = firstNew.at - killedAt;
    console.log(`      takeover: the new leader polled ${tookMs} ms after the leader was killed (lease ${LEASE_MS} ms)`);
    // Followers try every tenth of the lease (lease.ts); 1.5 s is for the new leader's first poll on a loaded machine.
    assert.ok(tookMs <= LEASE_MS + Math.ceil(LEASE_MS / 10) + 1500, `takeover took ${tookMs} ms (lease ${LEASE_MS} ms)`);
    await lead.start();
    await sleep(POLL_S * 1000 + 500);
    // Since the kill (the Redis restart before may have moved the lease back and forth, one holder at a time): the
    // new leader polls on; the old leader, restarted with a new token, does not poll beside it.
    const runs = pollRuns(killedAt);
    const tokens = runs.map((r) => r.token);
    assert.ok(!tokens.includes(oldToken), 'the killed leader polled after its death');
    assert.ok(!tokens.includes(lead.token), `the restarted replica polled beside the new leader (runs: ${tokens.join(' → ')})`);
    assert.strictEqual(new Set(tokens).size, tokens.length, `two replicas polled in turn (runs: ${tokens.join(' → ')})`);
  });

  it('the firing history is shared: a firing the leader saw shows in a snapshot from another replica', async () => {
    // An incident that opens, then opens again (a new start): two firings of one alert. A history rebuilt from the
    // alerts Redis holds would have only the last; the shared one has both, on every replica.
    const page2 = fx('incidents-page2.json') as { incidents: Array<Record<string, unknown>> };
    const opened = (at: string) => ({ ...page2.incidents[0]!, id: 'QHIST0001', incident_number: 4242, title: 'Disk full on db-7', created_at: at, updated_at: at, last_status_change_at: at, status: 'triggered' });
    vendor.on('GET /incidents/QHIST0001/alerts', { body: { alerts: [], more: false } });
    for (const id of ['QHIST0001', 'PT4KHLK', 'PGR0VU2']) {
      vendor.on(`GET /incidents/${id}/notes`, { body: { notes: [] } });
      vendor.on(`GET /incidents/${id}/log_entries`, { body: { log_entries: [], more: false } });
    }
    const serve = (inc: Record<string, unknown>) => vendor.on('GET /incidents', (req) => (req.query.get('offset') === '1' ? { body: { ...page2, incidents: [...page2.incidents, inc] } } : { body: fx('incidents-page1.json') }));
    const firedAt = (m: ServerMessage | undefined) => ((m as { history?: Array<{ alertId: string; firedAt: string }> } | undefined)?.history ?? []).filter((f) => f.alertId === 'QHIST0001').map((f) => new Date(f.firedAt).toISOString()).sort();
    const snapshotOn = async (r: BridgeReplica): Promise<ServerMessage | undefined> => {
      const c = new TestClient(`ws://127.0.0.1:${r.port}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
      try {
        return await c.handshake(-1);
      } finally {
        c.close();
      }
    };
    const lead = await leader();
    const other = replicas.find((r) => r !== lead && r.running)!;
    const watcher = editor();
    const startedOnEditor = () => watcher.store.get('QHIST0001')?.startedAt;
    serve(opened('2026-11-23T12:00:00Z'));
    await waitUntil('the leader polled the first opening', () => Date.parse(startedOnEditor() ?? '') === Date.parse('2026-11-23T12:00:00Z'), POLL_S * 5000);
    serve(opened('2026-11-23T13:00:00Z'));
    await waitUntil('the leader polled the second opening', () => Date.parse(startedOnEditor() ?? '') === Date.parse('2026-11-23T13:00:00Z'), POLL_S * 5000);
    await sleep(300);
    // A replica started now has nothing of its own: its snapshot is what Redis holds.
    await other.kill();
    await other.start();
    const expected = ['2026-11-23T12:00:00Z', '2026-11-23T13:00:00Z'].map((t) => new Date(t).toISOString());
    assert.deepStrictEqual(firedAt(await snapshotOn(other)), expected, `replica ${other.name} (restarted): both firings`);
  });
});
