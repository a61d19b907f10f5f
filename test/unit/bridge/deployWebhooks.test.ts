/**
 * Deploy webhooks (any source): POST /webhooks/deploy (our signed body), GitHub deployment_status and
 * GitLab deployment events, through a real bridge; good, bad and replayed signatures.
 */
import * as assert from 'node:assert';
import { parseBridgeArgs } from '../../../src/bridge/args';
import { deploySignature, deployWebhookRoutes, verifyHmac } from '../../../src/bridge/deployWebhooks/deployWebhooks';
import { readDeployWebhookSecrets } from '../../../src/bridge/deployWebhooks/options';
import { createHmac } from 'node:crypto';
import { rawFixture } from './vendorFake';
import { startTestBridge, T0, TestClient, type TestBridge } from './helpers';
import type { SourceModule } from '../../../src/bridge/sources/types';

const SECRET = 'deploy-secret-0123456789abcdef';
const GH_SECRET = 'github-secret-0123456789abcdef';
const GL_TOKEN = 'gitlab-token-0123456789abcdef';
const NOW_S = Math.floor(T0 / 1000);

const body = JSON.stringify({
  service: 'checkout',
  environment: 'production',
  sha: 'A84D88E7554FC1FA21BCBC4EFAE3C782A70D2B9D',
  previousSha: '9fceb02d0ae598e95dc970b74767f19372d61af8',
  author: { name: 'Ada Lovelace', email: 'ada@example.com' },
  time: '2026-11-23T10:16:30Z',
  url: 'https://ci.example.com/runs/7',
  status: 'succeeded',
});

describe('deploy webhooks (any source)', () => {
  let bridge: TestBridge;
  let url: string;

  beforeEach(async () => {
    bridge = await startTestBridge();
    for (const r of deployWebhookRoutes({ addDeploy: (d) => bridge.server.world.addDeploy(d), clock: bridge.clock, logger: bridge.logger, deploySecret: SECRET, githubSecret: GH_SECRET, gitlabToken: GL_TOKEN })) {
      bridge.server.addRoute(r);
    }
    url = `http://127.0.0.1:${bridge.server.address().port}`;
  });

  afterEach(() => bridge.server.close());

  const post = async (path: string, b: string, headers: Record<string, string>): Promise<{ status: number; json: { error?: string; duplicate?: boolean; ignored?: string } }> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.status, json: (await res.json()) as { error?: string } };
  };
  const signed = (b: string, ts = NOW_S, secret = SECRET): Record<string, string> => ({ 'x-oncall-timestamp': String(ts), 'x-oncall-signature': deploySignature(secret, ts, b) });
  const deploys = (): number => bridge.server.world.snapshot().deploys.length;

  it('a signed POST /webhooks/deploy reaches a connected editor as a deploy event', async () => {
    const client = new TestClient(bridge.server.url);
    await client.handshake();
    const res = await post('/webhooks/deploy', body, signed(body));
    assert.strictEqual(res.status, 202, JSON.stringify(res.json));
    const ev = await client.nextOfType('deploy');
    client.close();
    assert.deepStrictEqual(ev.deploy, {
      id: 'checkout:production:a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
      service: 'checkout',
      environment: 'production',
      commitSha: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
      previousSha: '9fceb02d0ae598e95dc970b74767f19372d61af8',
      author: { name: 'Ada Lovelace', email: 'ada@example.com' },
      deployedAt: '2026-11-23T10:16:30.000Z',
      url: 'https://ci.example.com/runs/7',
      status: 'succeeded',
    });
  });

  it('refuses bad, missing and wrong-secret signatures, a tampered body, and timestamps outside the tolerance', async () => {
    const before = deploys();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{}, body, /missing X-Oncall-Timestamp/],
      [signed(body, NOW_S, 'another-secret-0123456789'), body, /signature does not match/],
      [signed(body), body.replace('checkout', 'checkuot'), /signature does not match/],
      [{ ...signed(body), 'x-oncall-signature': 'sha256=zz' }, body, /signature does not match/],
      [signed(body, NOW_S - 301), body, /more than 300 s away/],
      [signed(body, NOW_S + 301), body, /more than 300 s away/],
      [{ ...signed(body), 'x-oncall-timestamp': '1e9' }, body, /unix seconds/],
    ];
    for (const [headers, b, re] of cases) {
      const res = await post('/webhooks/deploy', b, headers);
      assert.strictEqual(res.status, 401, `${JSON.stringify(headers)} → ${res.status}`);
      assert.match(res.json.error ?? '', re);
    }
    assert.strictEqual(deploys(), before);
    // Logged once (then every 100th), naming what to check.
    const warned = bridge.logger.lines.filter((l) => /rejected a deploy webhook on \/webhooks\/deploy/.test(l.message));
    assert.strictEqual(warned.length, 1);
  });

  it('a replayed delivery (same signature) is answered but not applied twice', async () => {
    const h = signed(body);
    assert.strictEqual((await post('/webhooks/deploy', body, h)).status, 202);
    const seq = bridge.server.world.seq;
    const again = await post('/webhooks/deploy', body, h);
    assert.strictEqual(again.status, 202);
    assert.strictEqual(again.json.duplicate, true);
    assert.strictEqual(bridge.server.world.seq, seq);
    // The same capture replayed after the tolerance is refused outright.
    bridge.clock.advance(301_000);
    assert.strictEqual((await post('/webhooks/deploy', body, h)).status, 401);
  });

  it('refuses browser-originated requests and bodies that are not application/json, before any signature check', async () => {
    const before = deploys();
    const browsers: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-origin' }];
    for (const headers of browsers) {
      const res = await post('/webhooks/deploy', body, { ...signed(body), ...headers });
      assert.strictEqual(res.status, 403, JSON.stringify(headers));
    }
    const plain = await fetch(`${url}/webhooks/deploy`, { method: 'POST', body, headers: { 'content-type': 'text/plain', ...signed(body) } });
    assert.strictEqual(plain.status, 415);
    // sec-fetch-site: none is a user typing a URL, not a page: allowed.
    assert.strictEqual((await post('/webhooks/deploy', body, { ...signed(body), 'sec-fetch-site': 'none' })).status, 202);
    assert.strictEqual(deploys(), before + 1);
  });

  it('a signed but invalid body is a 400 naming the field', async () => {
    for (const [b, re] of [
      ['{"service": ', /not valid JSON/],
      [JSON.stringify({ ...JSON.parse(body), sha: 'not-a-sha' }), /sha: sha must be 7–40 hex/],
      [JSON.stringify({ ...JSON.parse(body), status: 'exploded' }), /status/],
      [JSON.stringify({ service: 'x', environment: 'y', sha: 'abcdef1' }), /author/],
    ] as const) {
      const res = await post('/webhooks/deploy', b, signed(b));
      assert.strictEqual(res.status, 400, b);
      assert.match(res.json.error ?? '', re);
    }
  });

  it('GitHub deployment_status: verified X-Hub-Signature-256, mapped to a deploy, de-duplicated on X-GitHub-Delivery', async () => {
    const gh = rawFixture('deploy-webhooks', 'github-deployment_status.json');
    const sig = `sha256=${createHmac('sha256', GH_SECRET).update(gh).digest('hex')}`;
    const headers = { 'x-hub-signature-256': sig, 'x-github-event': 'deployment_status', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    const client = new TestClient(bridge.server.url);
    await client.handshake();
    assert.strictEqual((await post('/webhooks/github', gh, headers)).status, 202);
    const ev = await client.nextOfType('deploy');
    client.close();
    assert.deepStrictEqual(ev.deploy, {
      id: 'github:octo-org/checkout:1234567',
      service: 'checkout',
      environment: 'production',
      commitSha: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
      author: { name: 'octocat' },
      deployedAt: '2026-11-23T10:15:00.000Z',
      url: 'https://checkout.example.com',
      status: 'succeeded',
    });
    const seq = bridge.server.world.seq;
    assert.strictEqual((await post('/webhooks/github', gh, headers)).json.duplicate, true);
    // Bad signature, missing signature: 401, nothing applied.
    assert.strictEqual((await post('/webhooks/github', gh, { ...headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'x-github-delivery': 'other' })).status, 401);
    assert.strictEqual((await post('/webhooks/github', gh, { 'x-github-event': 'deployment_status' })).status, 401);
    // Other events are acknowledged and ignored; ping answers 200.
    const push = '{"ref":"refs/heads/main"}';
    const pushSig = `sha256=${createHmac('sha256', GH_SECRET).update(push).digest('hex')}`;
    assert.strictEqual((await post('/webhooks/github', push, { 'x-hub-signature-256': pushSig, 'x-github-event': 'push' })).json.ignored, 'push');
    assert.strictEqual((await post('/webhooks/github', push, { 'x-hub-signature-256': pushSig, 'x-github-event': 'ping' })).status, 200);
    assert.strictEqual(bridge.server.world.seq, seq);
    // A captured delivery re-posted later under a new delivery id: the status id was seen; and an old event is refused.
    assert.strictEqual((await post('/webhooks/github', gh, { ...headers, 'x-github-delivery': 'new-id' })).json.duplicate, true);
    const old = gh.replace(/"id": 987654/, '"id": 987655');
    const count = deploys();
    bridge.clock.advance(2 * 3_600_000);
    const oldSig = `sha256=${createHmac('sha256', GH_SECRET).update(old).digest('hex')}`;
    const res = await post('/webhooks/github', old, { ...headers, 'x-hub-signature-256': oldSig, 'x-github-delivery': 'later' });
    assert.strictEqual(res.status, 401);
    assert.match(res.json.error ?? '', /outside the accepted window/);
    assert.strictEqual(deploys(), count);
  });

  it('GitLab deployment events: X-Gitlab-Token, full sha from commit_url, de-duplicated on X-Gitlab-Event-UUID', async () => {
    const gl = rawFixture('deploy-webhooks', 'gitlab-deployment.json');
    const headers = { 'x-gitlab-token': GL_TOKEN, 'x-gitlab-event': 'Deployment Hook', 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e' };
    assert.strictEqual((await post('/webhooks/gitlab', gl, headers)).status, 202);
    const d = bridge.server.world.snapshot().deploys.at(-1);
    assert.deepStrictEqual(d, {
      id: 'gitlab:acme/cart:15',
      service: 'cart',
      environment: 'staging',
      commitSha: '279484c09fbe69ededfced8c1bb6e6d24616b468',
      author: { name: 'Administrator', email: 'admin@example.com' },
      deployedAt: '2026-11-23T10:14:30.000Z',
      url: 'https://gitlab.example.com/acme/cart/-/jobs/796',
      status: 'succeeded',
    });
    const seq = bridge.server.world.seq;
    assert.strictEqual((await post('/webhooks/gitlab', gl, headers)).json.duplicate, true);
    assert.strictEqual((await post('/webhooks/gitlab', gl, { ...headers, 'x-gitlab-token': 'wrong', 'x-gitlab-event-uuid': 'u2' })).status, 401);
    assert.strictEqual((await post('/webhooks/gitlab', gl, { 'x-gitlab-event-uuid': 'u3' })).status, 401);
    assert.strictEqual((await post('/webhooks/gitlab', '{"object_kind":"push"}', { ...headers, 'x-gitlab-event-uuid': 'u4' })).json.ignored, 'push');
    assert.strictEqual(bridge.server.world.seq, seq);
    // running → started, with the short sha when commit_url is absent
    const running = JSON.stringify({ ...JSON.parse(gl), status: 'running', commit_url: null, deployment_id: 16 });
    assert.strictEqual((await post('/webhooks/gitlab', running, { ...headers, 'x-gitlab-event-uuid': 'u5' })).status, 202);
    const r = bridge.server.world.snapshot().deploys.at(-1);
    assert.strictEqual(r?.status, 'started');
    assert.strictEqual(r.commitSha, '279484c0');
  });

  it('the routes are only there for the secrets configured', () => {
    const noop = { addDeploy: () => undefined, clock: bridge.clock, logger: bridge.logger };
    assert.deepStrictEqual(deployWebhookRoutes(noop), []);
    assert.deepStrictEqual(deployWebhookRoutes({ ...noop, gitlabToken: GL_TOKEN }).map((r) => `${r.method} ${r.path} ${r.auth}`), ['POST /webhooks/gitlab none']);
  });
});

describe('deploy webhook options', () => {
  it('parses the file flags with any source and reads secrets from the environment, refusing weak or doubled ones', async () => {
    const ok = parseBridgeArgs(['--demo', '--github-webhook-secret-file', '/tmp/x']);
    assert.ok(ok.kind === 'ok');
    if (ok.kind === 'ok') assert.deepStrictEqual(ok.args.deployWebhooks, { githubSecretFile: '/tmp/x' });
    const bad = parseBridgeArgs(['--demo', '--deploy-webhook-secret-file', ' ']);
    assert.ok(bad.kind === 'error' && /needs a path/.test(bad.message));
    assert.deepStrictEqual(await readDeployWebhookSecrets(undefined, { ONCALL_DEPLOY_WEBHOOK_SECRET: SECRET }), { deploySecret: SECRET });
    await assert.rejects(readDeployWebhookSecrets(undefined, { ONCALL_DEPLOY_WEBHOOK_SECRET: 'short' }), /too short/);
    await assert.rejects(readDeployWebhookSecrets(undefined, { ONCALL_GITLAB_WEBHOOK_TOKEN: ' ' }), /empty/);
    await assert.rejects(readDeployWebhookSecrets({ deploySecretFile: '/nonexistent/file' }, { ONCALL_DEPLOY_WEBHOOK_SECRET: SECRET }), /both ONCALL_DEPLOY_WEBHOOK_SECRET and --deploy-webhook-secret-file/);
    await assert.rejects(readDeployWebhookSecrets({ deploySecretFile: '/nonexistent/file' }, {}), /cannot use --deploy-webhook-secret-file/);
  });

  it('verifyHmac accepts only the exact sha256= form', () => {
    const data = Buffer.from('x');
    const good = `sha256=${createHmac('sha256', 's').update(data).digest('hex')}`;
    assert.ok(verifyHmac(good, 's', data));
    assert.ok(verifyHmac(good.toUpperCase().replace('SHA256=', 'sha256='), 's', data));
    assert.ok(!verifyHmac(good, 't', data));
    assert.ok(!verifyHmac(good.replace('sha256=', 'sha1='), 's', data));
    assert.ok(!verifyHmac(good.slice(0, -2), 's', data));
  });
});

describe('hello "deploys" capability', () => {
  /** A source that sends no deploys of its own (like Alertmanager). */
  const quiet = (): SourceModule => ({ name: 'alertmanager', capabilities: ['ack', 'resolve'], start: () => Promise.resolve(), handleAction: () => Promise.resolve(), stop: () => Promise.resolve() });

  it('is listed once the deploy webhooks are registered, and not before, for a source without deploys of its own', async () => {
    const bridge = await startTestBridge({ source: quiet() });
    try {
      assert.ok(!bridge.server.hello().capabilities.includes('deploys'), 'no deploy source yet');
      for (const r of deployWebhookRoutes({ addDeploy: (d) => bridge.server.world.addDeploy(d), clock: bridge.clock, logger: bridge.logger, deploySecret: SECRET })) bridge.server.addRoute(r);
      const client = new TestClient(bridge.server.url);
      const hello = await client.next();
      client.close();
      assert.ok(hello.type === 'hello' && hello.capabilities.includes('deploys'), JSON.stringify(hello));
      assert.deepStrictEqual(hello.type === 'hello' && [...hello.capabilities].sort(), ['ack', 'deploys', 'resolve', 'snapshotChunks']);
    } finally {
      await bridge.server.close();
    }
  });

  it('is not listed when no deploy webhook is configured (no secrets: no routes)', async () => {
    const bridge = await startTestBridge({ source: quiet() });
    try {
      for (const r of deployWebhookRoutes({ addDeploy: (d) => bridge.server.world.addDeploy(d), clock: bridge.clock, logger: bridge.logger })) bridge.server.addRoute(r);
      assert.ok(!bridge.server.hello().capabilities.includes('deploys'));
    } finally {
      await bridge.server.close();
    }
  });
});
