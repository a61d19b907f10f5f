/**
 * Node-side benchmark processes, one subcommand each (bench/run.mjs starts them):
 *   bridge   — a BridgeServer with a bench-only source driven over HTTP (/bench/*); with --redis URL a clustered
 *              replica (the same Cluster as the CLI's --redis), --port P for a fixed port (nginx's upstream names it)
 *   ingest   — one ingest consumer (mode "client": AlertClient → validation → AlertStore; mode "raw": ws + JSON.parse)
 *   fanout   — K raw ws clients measuring delivery latency of timed events
 *   floor    — the fan-out floor: a raw `ws` server broadcasting the same frames (same alerts, same JSON) to its clients
 *   traces   — index build + trace resolution against the generated 200k-file workspace
 *   suspects — suspectsForTrace over a range of a generated repository (--range N, --rounds K)
 * Every subcommand prints or sends JSON; nothing here asserts.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { BridgeServer } from '../../src/bridge/server';
import { Cluster } from '../../src/bridge/cluster/cluster';
import type { HttpRequestInfo, HttpResponseInfo, Route, SourceContext, SourceModule } from '../../src/bridge/sources/types';
import { GitRepository, suspectsForTrace } from '../../src/core/git/index';
import type { Alert, AlertAction, Person } from '../../src/core/protocol/types';
import { parseStackTrace, StackTraceResolver, WorkspaceFileIndex } from '../../src/core/stackTrace/index';
import { AlertClient } from '../../src/core/transport/alertClient';
import { systemClock } from '../../src/core/util/clock';
import { nullLogger, type Logger } from '../../src/core/util/logger';
import { blockFor, makeAlert, median, percentile, rng, wallMs } from './common';

const [, , cmd, ...args] = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};

// ---------------------------------------------------------------- bridge

class BenchSource implements SourceModule {
  readonly name = 'demo';
  readonly capabilities = ['ack', 'unack', 'resolve'];
  readonly routes: Route[];
  private _ctx: SourceContext | undefined;
  private _next = 0;
  private _rateTimer: ReturnType<typeof setInterval> | undefined;
  server: BridgeServer | undefined;
  cluster: Cluster | undefined;

  constructor() {
    const route = (p: string, handle: (q: URLSearchParams) => unknown): Route => ({
      method: 'POST',
      path: `/bench/${p}`,
      handle: (req: HttpRequestInfo): Promise<HttpResponseInfo> => Promise.resolve({ status: 200, body: handle(new URL(req.url, 'http://x').searchParams) }),
    });
    this.routes = [
      route('burst', (q) => this._burst(Number(q.get('n') ?? 10000))),
      route('fill', (q) => this._fill(Number(q.get('n') ?? 1000), Number(q.get('traces') ?? 200))),
      route('rate', (q) => this._rate(Number(q.get('eps') ?? 1000), Number(q.get('seconds') ?? 5))),
      route('resolveAll', () => this._resolveAll()),
      route('stats', () => ({ ...this.server!.stats(), leader: this.cluster ? this.cluster.lease.isLeader : true, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed, maxBufferedSeen: this.server!.maxBufferedSeen })),
    ];
  }

  start(ctx: SourceContext): Promise<void> {
    this._ctx = ctx;
    return Promise.resolve();
  }

  /** Clustered (--redis): every replica can be driven; the bench sends /bench/rate to the leader only. */
  standby(ctx: SourceContext): Promise<void> {
    return this.start(ctx);
  }

  lead(): Promise<void> {
    return Promise.resolve();
  }

  follow(): Promise<void> {
    return Promise.resolve();
  }

  handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<void> {
    const ctx = this._ctx!;
    for (const id of alertIds) {
      const a = ctx.getAlert(id);
      if (!a) continue;
      // Generated alerts may be dated after the wall clock; an older updatedAt would be ignored as stale.
      const now = new Date(Math.max(Date.now(), Date.parse(a.updatedAt) + 1000)).toISOString();
      if (action === 'resolve') ctx.resolveAlert(id, actor, now);
      else ctx.upsertAlert({ ...a, status: action === 'ack' ? 'acknowledged' : 'triggered', updatedAt: now, ...(action === 'ack' ? { acknowledgedBy: actor ?? { name: 'bench' }, acknowledgedAt: now } : {}) });
    }
    return Promise.resolve();
  }

  stop(): Promise<void> {
    if (this._rateTimer) clearInterval(this._rateTimer);
    return Promise.resolve();
  }

  /** n state events, the mix of a busy feed: half new alerts, a quarter acks, a quarter resolves. */
  private _burst(n: number): unknown {
    const ctx = this._ctx!;
    const from = this.server!.world.seq;
    const fresh: Alert[] = [];
    const r = rng(from + 1);
    for (let i = 0; i < n; i++) {
      const k = i % 4;
      if (k < 2 || fresh.length < 8) {
        const a = makeAlert(this._next++, 7);
        fresh.push(a);
        ctx.upsertAlert(a);
      } else {
        const a = fresh[Math.floor(r() * fresh.length)]!;
        const at = new Date(Date.parse(a.updatedAt) + 1000).toISOString();
        if (k === 2 && a.status === 'triggered') {
          a.status = 'acknowledged';
          a.updatedAt = at;
          a.acknowledgedBy = { name: 'bench' };
          ctx.upsertAlert(a);
        } else if (a.status !== 'resolved' && ctx.resolveAlert(a.id, undefined, at)) {
          a.status = 'resolved';
        } else {
          a.updatedAt = at;
          ctx.upsertAlert(a);
        }
      }
    }
    return { from, to: this.server!.world.seq };
  }

  private _fill(n: number, tracePerMille: number): unknown {
    const ctx = this._ctx!;
    for (let i = 0; i < n; i++) ctx.upsertAlert(makeAlert(this._next++, 9, { tracePerMille }));
    const snapshotBytes = Buffer.byteLength(JSON.stringify(this.server!.world.snapshot()));
    return { seq: this.server!.world.seq, alerts: this.server!.world.alertCount, snapshotBytes };
  }

  /** New alerts at `eps` per second for `seconds`, each stamped with its send time (labels.benchSentAt). */
  private _rate(eps: number, seconds: number): unknown {
    const ctx = this._ctx!;
    if (this._rateTimer) clearInterval(this._rateTimer);
    const total = Math.round(eps * seconds);
    const t0 = wallMs();
    let sent = 0;
    this._rateTimer = setInterval(() => {
      const due = Math.min(total, Math.floor(((wallMs() - t0) * eps) / 1000));
      while (sent < due) {
        sent++;
        ctx.upsertAlert(makeAlert(this._next++, 11, { tracePerMille: 0, labels: { benchSentAt: wallMs().toFixed(3) } }));
      }
      if (sent >= total) {
        clearInterval(this._rateTimer);
        this._rateTimer = undefined;
      }
    }, 1);
    return { total };
  }

  private _resolveAll(): unknown {
    const ctx = this._ctx!;
    let n = 0;
    for (const a of ctx.alerts()) if (a.status !== 'resolved' && ctx.resolveAlert(a.id)) n++;
    return { resolved: n };
  }
}

async function bridgeMain(): Promise<void> {
  const source = new BenchSource();
  const replayBufferSize = Number(arg('replay', '10000'));
  const redis = arg('redis', '');
  // Clustered exactly as the CLI builds it for --redis (cli.ts clusterFromArgs); its warnings and errors on stderr
  // (shown with VERBOSE=1), so a degraded replica is seen, not hidden.
  const warnings: Logger = { ...nullLogger, warn: (m) => process.stderr.write(`warn ${m}\n`), error: (m) => process.stderr.write(`error ${String(m)}\n`) };
  const cluster = redis ? new Cluster({ url: redis, leaseMs: Number(arg('leader-lease-ms', '15000')), world: { replayBufferSize, logger: warnings }, logger: warnings }) : undefined;
  source.cluster = cluster;
  const server = new BridgeServer({
    source,
    port: Number(arg('port', '0')),
    demoMode: true,
    ...(cluster ? { cluster } : {}),
    replayBufferSize,
    // The storm row sends every one of its 100k alerts (~81 MB): above the default open-alert and snapshot-size limits.
    maxOpenAlerts: 1_000_000,
    maxSnapshotAlertChars: 1024 * 1024 * 1024,
    maxClientBufferBytes: Number(arg('max-client-buffer', String(8 * 1024 * 1024))),
    maxClients: Number(arg('max-clients', '1000')),
    // All bench clients dial from 127.0.0.1 at once: the per-address limit on not-yet-accepted connections must not evict them.
    maxConnectionsPerAddress: Math.max(1000, Number(arg('max-clients', '1000'))),
    maxPendingConnections: Math.max(512, Number(arg('max-clients', '1000'))),
    // The bench measures throughput, not liveness: no pings competing with the data (unless told: behind nginx,
    // whose proxy_read_timeout closes a WebSocket silent for 75 s, the cluster row runs the default 30 s pings).
    heartbeatMs: Number(arg('heartbeat-ms', '3600000')),
  });
  source.server = server;
  await server.start();
  process.stdout.write(`bench-bridge listening ${server.url}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

/**
 * The fan-out floor: what broadcasting costs with nothing of the bridge around it — `ws`'s own broadcast (the same
 * data handed to every client's send), the same alerts encoded the same way, a hello and an empty snapshot per
 * client so the bench clients behave exactly as against the bridge. Same /bench/rate and /bench/stats routes.
 */
async function floorMain(): Promise<void> {
  let seq = 0;
  let next = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const hello = JSON.stringify({ type: 'hello', protocol: 1, protocolMinor: 1, server: 'floor', source: 'demo', capabilities: [] });
  const server = http.createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    let body: unknown = { error: 'not found' };
    if (req.url?.startsWith('/bench/stats')) body = { clients: wss.clients.size, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed };
    if (req.url?.startsWith('/bench/rate')) {
      const eps = Number(q.get('eps') ?? 1000);
      const total = Math.round(eps * Number(q.get('seconds') ?? 5));
      const t0 = wallMs();
      let sent = 0;
      if (timer) clearInterval(timer);
      timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((wallMs() - t0) * eps) / 1000));
        while (sent < due) {
          sent++;
          const alert = makeAlert(next++, 11, { tracePerMille: 0, labels: { benchSentAt: wallMs().toFixed(3) } });
          const data = Buffer.from(JSON.stringify({ type: 'alert', seq: ++seq, alert }));
          for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(data, { binary: false });
        }
        if (sent >= total) clearInterval(timer);
      }, 1);
      body = { total };
    }
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  server.maxConnections = 100_000;
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.send(hello);
    ws.on('message', () => ws.send(JSON.stringify({ type: 'snapshot', seq, alerts: [], onCall: { rotations: [] }, deploys: [] })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`bench-bridge listening ws://127.0.0.1:${(server.address() as { port: number }).port}/\n`);
  process.on('SIGTERM', () => process.exit(0));
}

// ---------------------------------------------------------------- ingest consumers

/** How long a consumer blocks after asking for the replay, so it then drains a full queue at its own speed. */
const PILE_UP_MS = 1500;

function send(msg: unknown): void {
  process.send!(msg);
}

async function ingestClient(url: string): Promise<void> {
  const client = new AlertClient({ url, clock: systemClock, logger: nullLogger, allowInsecure: true, heartbeatMs: 3_600_000, requestTimeoutMs: 60_000 });
  client.connect();
  while (client.lastSeq < 0) await new Promise((r) => setTimeout(r, 10));
  client.disconnect();
  send({ ready: true, lastSeq: client.lastSeq });
  let progress = { to: -1, state: 'idle' };
  process.on('message', (m: { go?: { to: number }; status?: boolean; exit?: boolean }) => {
    // A clean exit, so that a --cpu-prof run writes its profile.
    if (m.exit) process.exit(0);
    if (m.status) send({ status: { ...progress, lastSeq: client.lastSeq, stats: client.stats, storeSize: client.store.size, connection: client.state.state, lastError: client.state.lastError } });
    if (!m.go) return;
    const to = m.go.to;
    const from = client.lastSeq;
    progress = { to, state: 'running' };
    let tStart = 0;
    const sub = client.onDidChangeState((s) => {
      if (s.state !== 'connected' || tStart) return;
      blockFor(PILE_UP_MS); // the resume was sent just before this state change
      tStart = wallMs();
    });
    // Completion is "lastSeq reached `to`", checked on every store change and, as a backstop, on a 2 ms
    // timer: an event may legitimately change nothing (a stale update, a resolve of an alert retention
    // already dropped), and if the burst's last event is one of those the store never fires for it.
    const finish = (): void => {
      if (client.lastSeq < to || progress.state === 'done') return;
      const tEnd = wallMs();
      progress = { to, state: 'done' };
      sub.dispose();
      done.dispose();
      clearInterval(poll);
      client.disconnect();
      send({ result: { events: to - from, ms: tEnd - tStart, stats: client.stats, storeSize: client.store.size } });
    };
    const done = client.store.onDidChange(finish);
    const poll = setInterval(finish, 2);
    client.connect();
  });
}

function ingestRaw(url: string): void {
  send({ ready: true });
  let progress: Record<string, unknown> = { state: 'idle' };
  process.on('message', (m: { go?: { from: number; to: number }; status?: boolean }) => {
    if (m.status) send({ status: progress });
    if (!m.go) return;
    const { from, to } = m.go;
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    let tStart = 0;
    let n = 0;
    let lastSeq = from;
    progress = { state: 'running', to, get lastSeq() { return lastSeq; }, get received() { return n; } };
    ws.on('error', (e) => (progress = { ...progress, state: 'error', error: e.message }));
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { type: string; seq?: number };
      if (msg.type === 'hello') {
        ws.send(JSON.stringify({ type: 'resume', lastSeq: from }));
        blockFor(PILE_UP_MS);
        tStart = wallMs();
        return;
      }
      n++;
      lastSeq = msg.seq ?? lastSeq;
      if ((msg.seq ?? 0) >= to) {
        progress = { state: 'done', to, lastSeq, received: n };
        const tEnd = wallMs();
        ws.close();
        send({ result: { events: n, ms: tEnd - tStart } });
      }
    });
  });
}

// ---------------------------------------------------------------- fan-out clients

function fanout(url: string, count: number): void {
  const lat: number[] = [];
  let received = 0;
  let closedEarly = 0;
  const sockets: WebSocket[] = [];
  let open = 0;
  const marker = '"benchSentAt":"';
  // At most 200 handshakes at a time: 10,000 at once overflow the listen backlog (SYN retries of 1-3 s, not the bridge's cost).
  let dialed = 0;
  const dialMore = (): void => {
    while (dialed < count && dialed - open < 200) dial(dialed++);
  };
  // A handshake that fails (the server's first-request timeout on a loaded machine, a reset) is dialled again, as an
  // editor would reconnect: counted, and at most 5 times per editor.
  let redials = 0;
  let stopping = false;
  process.on('message', (m: { status?: boolean }) => {
    if (m.status) send({ status: { dialed, open, received, closedEarly, redials } });
  });
  const dial = (i: number, attempt = 0): void => {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    sockets.push(ws);
    let greeted = false;
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (!greeted && !stopping && attempt < 5) {
        redials++;
        setTimeout(() => dial(i, attempt + 1), 200 * (attempt + 1));
        return;
      }
      if (code !== 1000 && code !== 1005) closedEarly++;
    });
    ws.on('message', (data: Buffer) => {
      const s = data.toString('utf8');
      if (s.startsWith('{"type":"hello"')) {
        greeted = true;
        ws.send('{"type":"resume","lastSeq":-1}');
        if (++open === count) send({ ready: true });
        dialMore();
        return;
      }
      const k = s.indexOf(marker);
      if (k < 0) return;
      received++;
      lat.push(wallMs() - Number(s.slice(k + marker.length, s.indexOf('"', k + marker.length))));
    });
  };
  dialMore();
  process.on('message', (m: { stop?: boolean }) => {
    if (!m.stop) return;
    stopping = true;
    for (const ws of sockets) ws.close(1000);
    lat.sort((a, b) => a - b);
    send({ result: { received, closedEarly, redials, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN } });
  });
}

// ---------------------------------------------------------------- traces

function execGit(cwd: string, gitArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('git', gitArgs, { cwd, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout) => (err ? reject(new Error(err.message)) : resolve(String(stdout)))),
  );
}

const LS_FILES = ['-c', 'core.quotepath=off', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'];

async function traces(dir: string): Promise<void> {
  // Side by side: the raw `git ls-files` the host runs, and the full build (ls-files + split + index).
  const raw: number[] = [];
  const full: number[] = [];
  let index = new WorkspaceFileIndex();
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    await execGit(dir, LS_FILES);
    raw.push(performance.now() - t);
    t = performance.now();
    const list = (await execGit(dir, LS_FILES)).split('\0').filter((s) => s.length > 0);
    index = WorkspaceFileIndex.fromPaths(list, dir);
    full.push(performance.now() - t);
  }
  const files = [...new Set((await execGit(dir, ['ls-files', '-z'])).split('\0').filter(Boolean))];
  const resolver = new StackTraceResolver(index, { read: () => Promise.resolve(undefined) });
  const r = rng(5);
  const texts: string[] = [];
  for (let i = 0; i < 220; i++) {
    const lines = [`Error: checkout failed for order ${i}`];
    for (let f = 0; f < 50; f++) {
      const p = files[Math.floor(r() * files.length)]!;
      lines.push(`    at fn${f} (/app/${p}:${1 + Math.floor(r() * 200)}:${1 + Math.floor(r() * 30)})`);
    }
    texts.push(lines.join('\n'));
  }
  const per: number[] = [];
  let resolvedFrames = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = performance.now();
    const res = await resolver.resolve(parseStackTrace(texts[i]!));
    const ms = performance.now() - t;
    if (i >= 20) per.push(ms); // the first 20 warm the JIT
    resolvedFrames += res.frames.filter((f) => f.resolved).length;
  }
  per.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({ files: index.size, rawMs: median(raw), buildMs: median(full), traceP50: percentile(per, 50), traceP99: percentile(per, 99), traces: per.length, resolvedFrames }) + '\n',
  );
}

// ---------------------------------------------------------------- suspects

/**
 * Suspects for one alert through the core entry point (suspectsForTrace: parse → resolve → rank), over the
 * newest `range` first-parent commits, against the raw `git log -p -U0` of the same range in the same run.
 */
async function suspects(dir: string, range: number, rounds: number): Promise<void> {
  const shas = (await execGit(dir, ['rev-list', '--first-parent', '-n', String(range + 1), 'HEAD'])).trim().split('\n');
  const to = shas[0]!;
  const from = shas[range]!;
  // Frames: lines in files the range touched, innermost first, printed as a node trace from a deploy root.
  const touched = (await execGit(dir, ['log', '--format=', '--name-only', `${from}..${to}`])).split('\n').filter(Boolean);
  const r = rng(3);
  const frameLines = Array.from({ length: 10 }, () => {
    const p = touched[Math.floor(r() * touched.length)]!;
    const line = 2 + Math.floor(r() * 20);
    return `    at fn${line} (/srv/app/${p}:${line}:3)`;
  });
  const trace = parseStackTrace(`Error: boom\n${frameLines.join('\n')}\n`);
  const index = WorkspaceFileIndex.fromPaths((await execGit(dir, ['ls-tree', '-r', '--name-only', to])).split('\n').filter(Boolean), dir);
  const resolver = new StackTraceResolver(index);
  const raw: number[] = [];
  const product: number[] = [];
  let report: Awaited<ReturnType<typeof suspectsForTrace>>['report'];
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    await execGit(dir, ['log', '-p', '-U0', '--no-merges', '--no-color', `${from}..${to}`]);
    raw.push(performance.now() - t);
    // A fresh repository object per round: its runner caches sha-addressed queries.
    const repo = await GitRepository.open(dir, { timeoutMs: 60_000 });
    t = performance.now();
    // The editor's defaults (every commit of a range up to DEFAULT_MAX_COMMITS = 1,000).
    report = (await suspectsForTrace({ trace, resolver, repo, range: { from, to } })).report;
    product.push(performance.now() - t);
  }
  const ratios = product.map((p, i) => p / raw[i]!);
  process.stdout.write(
    JSON.stringify({ rawMs: median(raw), suspectsMs: median(product), ratio: median(ratios), all: product, rangeCommits: report?.rangeCommitCount, frames: report?.frames.length, suspects: report?.suspects.length, warnings: report?.warnings }) + '\n',
  );
}

// ----------------------------------------------------------------

async function main(): Promise<void> {
  switch (cmd) {
    case 'bridge':
      return bridgeMain();
    case 'floor':
      return floorMain();
    case 'ingest':
      return arg('mode', 'client') === 'raw' ? ingestRaw(arg('url', '')) : ingestClient(arg('url', ''));
    case 'fanout':
      return fanout(arg('url', ''), Number(arg('count', '250')));
    case 'traces':
      return traces(path.resolve(arg('dir', '')));
    case 'suspects':
      return suspects(path.resolve(arg('dir', '')), Number(arg('range', '1000')), Number(arg('rounds', '3')));
    default:
      throw new Error(`unknown subcommand ${cmd}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
