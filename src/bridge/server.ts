import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { CloseCodes } from '../core/protocol/closeCodes';
import { decodeClientMessage, encodeMessage } from '../core/protocol/decode';
import { MAX_NOTE_CHARS } from '../core/protocol/schemas';
import { AuthFailureLimiter, RateLimiter, type AuthBackoffOptions } from './rateLimit';
import {
  PROTOCOL_MINOR,
  PROTOCOL_VERSION,
  REQUEST_CAPABILITIES,
  RESPONDER_ACTIONS,
  reassignTargetKind,
  type AlertActionMessage,
  type AnnotateMessage,
  type ClientMessage,
  type ErrorMessage,
  type HelloMessage,
  type RequestCapability,
  type ResponderAction,
  type ResponderMessage,
  type ResultMessage,
  type SnapshotChunkMessage,
  type SnapshotMessage,
  SNAPSHOT_CHUNKS_CAPABILITY,
  MAX_SNAPSHOT_CHUNKS,
} from '../core/protocol/types';
import { systemClock, type Clock } from '../core/util/clock';
import type { IDisposable } from '../core/util/disposable';
import { nullLogger, tagged, type Logger } from '../core/util/logger';
import { checkBearer, isAllowedHostHeader, isBrowserRequest, isLoopbackHost, weakTokenReason } from './auth';
import { ConnectionGuard } from './connections';
import { Router } from './http';
import { ciRoutes } from './ciRoutes';
import { BridgeMetrics, readiness, type ClusterStatusProvider } from './metrics';
import { SourceActionError, type ActionOutcome, type Route, type SourceContext, type SourceModule } from './sources/types';
import { World } from './world';
import { MemoryStore, type BridgeStore, type ResumeAnswer } from './store';
import type { Cluster } from './cluster/cluster';
import { errorText } from '../core/util/errors';

export const BRIDGE_VERSION = '0.1.0';

export const METRICS_PATH = '/metrics';
/** The close reason editors get when a bridge drains (1001: reconnect, then resume from the last seq). */
export const DRAIN_CLOSE_REASON = 'bridge draining: reconnect (another replica serves you)';
const SEND_TEXT = { binary: false } as const;

/** Longest snooze the bridge passes on (vendors may allow less and say so): "15 min to a week" is what responders ask for. */
export const MAX_SNOOZE_MS = 7 * 24 * 3_600_000;
/** Longest override ("take on-call" / "cover me") the bridge passes on. */
export const MAX_OVERRIDE_MS = 31 * 24 * 3_600_000;

const ACTION_WORDS: Record<RequestCapability, string> = {
  ack: 'acknowledging alerts',
  unack: 'unacknowledging alerts',
  resolve: 'resolving alerts',
  annotate: 'annotations',
  snooze: 'snoozing alerts',
  reassign: 'reassigning alerts',
  escalate: 'escalating alerts',
  note: 'notes on alerts',
  override: 'on-call overrides (take on-call)',
};

export interface BridgeServerOptions {
  source: SourceModule;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** Bearer token clients must present. Without one the bridge only starts on loopback in demo mode. */
  token?: string;
  demoMode?: boolean;
  /** Events kept for resume. Default 10,000. */
  replayBufferSize?: number;
  /** Open alerts sent to clients; the lowest-ranked beyond it are set aside and counted (see World). Default 20,000. */
  maxOpenAlerts?: number;
  /** Encoded size of all alerts a snapshot carries; beyond it open alerts are set aside like over `maxOpenAlerts` (see World). Default 64 MiB. */
  maxSnapshotAlertChars?: number;
  /** Protocol 1.1: alerts per `snapshotChunk` part for a client that asks for parts. Default 1,000 (about 1 MB a frame). */
  snapshotChunkAlerts?: number;
  /** A client whose unsent data exceeds this is closed with 4008. Default 8 MiB. */
  maxClientBufferBytes?: number;
  /** Largest inbound frame. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Ping interval; a client that has not answered the previous ping is terminated. Default 30 s. */
  heartbeatMs?: number;
  /** Inbound messages a client may send per second (token bucket). Default 50. */
  maxMessagesPerSecond?: number;
  /** Burst allowed above the rate. Default 200. */
  messageBurst?: number;
  /** A client that has had this many messages dropped for rate is closed with 4029. Default 2,000. */
  maxDroppedMessages?: number;
  /** Connections beyond this are refused with 503. Default 1,000. */
  maxClients?: number;
  /**
   * Host names (besides IP literals and localhost) that requests on unauthenticated routes, and unauthenticated
   * WebSocket upgrades, may name in `Host` (--public-host). Anything else is refused (DNS rebinding).
   */
  publicHosts?: readonly string[];
  /** A connection must send its first complete request (or WebSocket upgrade) within this. Default 10 s. */
  firstRequestTimeoutMs?: number;
  /** Connections from one address (IPv4, IPv6 /64) not yet accepted as clients; the oldest idle one makes room. Default 32. */
  maxConnectionsPerAddress?: number;
  /** The same over all addresses. Default 512. The hard cap (server.maxConnections) is this plus maxClients plus 16. */
  maxPendingConnections?: number;
  /** Back-off after failed token checks (per address). */
  authBackoff?: AuthBackoffOptions;
  /** How long a closing slow client gets to read its close frame before its socket is destroyed. Default 10 s. */
  slowClientGraceMs?: number;
  /**
   * A second bearer token that may read /metrics only (a Prometheus scraper should not hold a token that can ack
   * alerts). The bridge token reads /metrics too.
   */
  metricsToken?: string;
  /** The clustered mode's view of Redis and the leader lease, for /readyz and /metrics. Default: in memory (ready). */
  clusterStatus?: ClusterStatusProvider;
  /** Node process metrics on /metrics (CPU, RSS, heap, event loop, GC). Default true. */
  processMetrics?: boolean;
  initialSeq?: number;
  /**
   * Clustered mode (--redis): the state is shared through Redis, the source's work runs on the leader only, webhooks
   * are de-duplicated across replicas. Started by `start` (before the source), closed by `close`.
   */
  cluster?: Cluster;
  clock?: Clock;
  logger?: Logger;
}

/** Thrown by `start` for a configuration the bridge refuses to run with (the CLI prints it, exit 2). */
export class BridgeConfigError extends Error {}

interface Client {
  id: number;
  ws: WebSocket;
  remote: string;
  /** Receives live events only after its resume was answered (it would otherwise see events twice). */
  live: boolean;
  /** The seq the client is at after its last resume answer: live events up to it are not sent again. */
  sentSeq: number;
  /** Bumped by every resume: an answer that arrives after a newer resume is dropped. */
  resumeGen: number;
  /** Protocol 1.1: its resume asked for snapshots in parts (`snapshotChunks`). */
  snapshotChunks: boolean;
  alive: boolean;
  closing: boolean;
  invalidCount: number;
  timers: IDisposable[];
  rate: RateLimiter;
  /** When the client was last told it is rate limited (told at most once a second). */
  rateToldAt: number;
}

export interface BridgeStats {
  ok: true;
  seq: number;
  clients: number;
  alerts: number;
  /** Open alerts held but not sent to clients (over the open-alert limit). */
  omittedAlerts: number;
}

/**
 * The bridge: one HTTP server carrying the WebSocket protocol on "/" plus health and source routes.
 * It owns the world (through `World`), auth, per-client flow control and the source module's lifecycle.
 */
export class BridgeServer {
  /** The World (in clustered mode this replica's copy: write through `store`). */
  readonly world: World;
  /** Where the state lives: in memory, or shared through Redis (`cluster`). */
  readonly store: BridgeStore;
  private readonly _opts: Required<Omit<BridgeServerOptions, 'token' | 'initialSeq' | 'maxOpenAlerts' | 'maxSnapshotAlertChars' | 'cluster' | 'metricsToken' | 'clusterStatus'>> &
    Pick<BridgeServerOptions, 'token' | 'maxOpenAlerts' | 'maxSnapshotAlertChars' | 'cluster' | 'metricsToken' | 'clusterStatus'>;
  readonly metrics: BridgeMetrics;
  /** Leadership changes run one after another (lead, then follow, never both at once). */
  private _leadership: Promise<void> = Promise.resolve();
  private readonly _log: Logger;
  private readonly _http: http.Server;
  private readonly _wss: WebSocketServer;
  private readonly _router: Router;
  private readonly _limiter: AuthFailureLimiter;
  private readonly _connections: ConnectionGuard;
  private readonly _clients = new Map<number, Client>();
  private _nextClientId = 1;
  private _heartbeat: IDisposable | undefined;
  private _started = false;
  private _closed = false;
  /** Largest `bufferedAmount` seen when sending: evidence, in tests and /healthz-like stats, that the queue is bounded. */
  private _maxBufferedSeen = 0;
  /** A deploy webhook route is registered (hello lists "deploys"). */
  private _deployRoutes = false;
  /** SIGTERM: new editors are refused, actions finish, then editors are closed with 1001 (see drain()). */
  private _draining: Promise<void> | undefined;
  /** Actions sent to the source and not answered yet: the drain waits for them (bounded). */
  private readonly _inFlight = new Set<Promise<void>>();

  constructor(opts: BridgeServerOptions) {
    this._opts = {
      host: '127.0.0.1',
      demoMode: false,
      replayBufferSize: 10_000,
      maxClientBufferBytes: 8 * 1024 * 1024,
      snapshotChunkAlerts: 1000,
      maxPayloadBytes: 1024 * 1024,
      heartbeatMs: 30_000,
      maxClients: 1000,
      maxMessagesPerSecond: 50,
      messageBurst: 200,
      maxDroppedMessages: 2000,
      slowClientGraceMs: 10_000,
      publicHosts: [],
      firstRequestTimeoutMs: 10_000,
      maxConnectionsPerAddress: 32,
      maxPendingConnections: 512,
      authBackoff: {},
      processMetrics: true,
      clock: systemClock,
      logger: nullLogger,
      ...opts,
    };
    // Clustered: /readyz and /metrics read Redis and the lease from the cluster unless told otherwise.
    const cluster = opts.cluster;
    if (!this._opts.clusterStatus && cluster) this._opts.clusterStatus = () => cluster.clusterStatus();
    this._log = tagged(this._opts.logger, 'server');
    if (opts.cluster) {
      this.store = opts.cluster.store;
      this.world = opts.cluster.store.world;
    } else {
      this.world = new World({
        replayBufferSize: this._opts.replayBufferSize,
        initialSeq: opts.initialSeq,
        ...(opts.maxOpenAlerts !== undefined ? { maxOpenAlerts: opts.maxOpenAlerts } : {}),
        ...(opts.maxSnapshotAlertChars !== undefined ? { maxSnapshotAlertChars: opts.maxSnapshotAlertChars } : {}),
        logger: tagged(this._opts.logger, 'world'),
        now: () => this._opts.clock.now(),
      });
      this.store = new MemoryStore(this.world);
    }
    this._limiter = new AuthFailureLimiter(this._opts.clock, tagged(this._opts.logger, 'auth'), this._opts.authBackoff);
    this._router = new Router(tagged(this._opts.logger, 'http'), {
      tokenConfigured: this._opts.token !== undefined,
      authorize: (req, route) =>
        this._authorized(req.headers) || (route.path === METRICS_PATH && this._opts.metricsToken !== undefined && checkBearer(req.headers, this._opts.metricsToken)),
      publicHosts: this._opts.publicHosts,
      limiter: this._limiter,
    });
    this.metrics = new BridgeMetrics(
      {
        editors: () => this._clients.size,
        queuedBytes: () => {
          let n = 0;
          for (const c of this._clients.values()) n += c.ws.bufferedAmount;
          return n;
        },
        draining: () => this._draining !== undefined,
        inFlightActions: () => this._inFlight.size,
      },
      { processMetrics: this._opts.processMetrics, ...(this._opts.clusterStatus ? { cluster: this._opts.clusterStatus } : {}) },
    );
    // Liveness: the process answers. Readiness: a load balancer may send editors here.
    this._router.add({ method: 'GET', path: '/healthz', auth: 'none', handle: () => Promise.resolve({ status: 200, body: this.stats() }) });
    // The deploy guard's CI step: the schedule, and "deploy anyway" posted to the source (token-authenticated).
    for (const r of ciRoutes({ oncall: () => this.world.oncall, alerts: () => this.world.alerts(), source: this._opts.source, capabilities: () => this._capabilities(), logger: tagged(this._opts.logger, 'ci') })) this._router.add(r);
    this._router.add({
      method: 'GET',
      path: '/readyz',
      auth: 'none',
      handle: () => {
        const r = this.readiness();
        return Promise.resolve({ status: r.ready ? 200 : 503, body: r });
      },
    });
    // The bridge token (or the metrics-only token) when one is configured: counts of editors and vendor errors are
    // not for anyone who can reach the port. Prometheus sends it with `authorization: { credentials_file: … }`.
    this._router.add({ method: 'GET', path: METRICS_PATH, handle: async () => ({ status: 200, body: await this.metrics.text() }) });
    // Node checks headersTimeout/requestTimeout only every connectionsCheckingInterval (30 s by default).
    this._http = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => this._router.handle(req, res));
    // Slow-loris protection. Node's timeouts start at a request's first byte, so a connection that sends nothing
    // (or never finishes its first request head) is closed by the ConnectionGuard after firstRequestTimeoutMs;
    // later stages: the request head within 10 s, the whole request within 30 s. Upgraded WebSocket connections
    // are covered by the heartbeat.
    this._http.headersTimeout = Math.min(10_000, this._opts.firstRequestTimeoutMs);
    this._http.requestTimeout = 30_000;
    this._http.maxConnections = this._opts.maxClients + this._opts.maxPendingConnections + 16;
    this._connections = new ConnectionGuard(
      { firstRequestTimeoutMs: this._opts.firstRequestTimeoutMs, maxPerAddress: this._opts.maxConnectionsPerAddress, maxPending: this._opts.maxPendingConnections },
      tagged(this._opts.logger, 'connections'),
    );
    this._connections.attach(this._http);
    this._wss = new WebSocketServer({ noServer: true, maxPayload: this._opts.maxPayloadBytes, perMessageDeflate: false });
    this._http.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this._onUpgrade(req, socket, head));
    this.store.onEvent((ev) => {
      this.metrics.events.inc();
      // Encoded once: every editor's socket is handed the same Buffer (ws frames it without copying the payload),
      // so an event queued for 10,000 editors costs its bytes once plus a small header per editor.
      const frame = Buffer.from(ev.frame, 'utf8');
      let sent = 0;
      for (const c of this._clients.values()) if (c.live && ev.seq > c.sentSeq && this._send(c, frame)) sent++;
      if (sent) this.metrics.framesSent.inc(sent);
    });
    // Redis lost the stream and a new one was seeded: nobody's state can be continued; everyone gets a snapshot.
    this.store.onReset(() => {
      for (const c of this._clients.values()) if (c.live) this._resume(c, -1);
    });
    this.store.onDegraded((reason) => {
      if (reason === undefined) return;
      const frame = encodeMessage({ type: 'error', error: { code: 'degraded', message: reason } } satisfies ErrorMessage);
      for (const c of this._clients.values()) this._send(c, frame);
    });
  }

  /** Registers an extra HTTP route (source modules' routes are added by `start`). */
  addRoute(route: Route): void {
    this._router.add(this._opts.cluster ? this._opts.cluster.dedupeWebhook(route) : route);
    if (route.providesDeploys) this._deployRoutes = true;
  }

  /**
   * The hello every client gets: the capabilities are exactly what the source can do (a responder action is listed
   * only when the module implements it), and every request it cannot serve has a reason in `unsupportedActions`.
   */
  hello(): HelloMessage {
    const src = this._opts.source;
    const capabilities = this._capabilities();
    const unsupported: Partial<Record<RequestCapability, string>> = {};
    for (const cap of REQUEST_CAPABILITIES) {
      if (capabilities.has(cap)) continue;
      unsupported[cap] = src.unsupportedActions?.[cap] ?? src.actionsUnavailableReason ?? `the ${src.name} source does not offer ${ACTION_WORDS[cap]}`;
    }
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      protocolMinor: PROTOCOL_MINOR,
      server: `oncall-bridge/${BRIDGE_VERSION}`,
      source: src.name,
      capabilities: [...capabilities],
      ...(src.actionsUnavailableReason ? { actionsUnavailableReason: src.actionsUnavailableReason } : {}),
      ...(Object.keys(unsupported).length > 0 ? { unsupportedActions: unsupported } : {}),
      ...(capabilities.has('reassign') && src.unsupportedReassignTargets && Object.keys(src.unsupportedReassignTargets).length > 0
        ? { unsupportedReassignTargets: { ...src.unsupportedReassignTargets } }
        : {}),
    };
  }

  private _capabilities(): Set<string> {
    const src = this._opts.source;
    const out = new Set<string>();
    for (const cap of src.capabilities) {
      if ((RESPONDER_ACTIONS as readonly string[]).includes(cap) && typeof src[cap as ResponderAction] !== 'function') continue;
      if (cap === 'annotate' && typeof src.annotate !== 'function') continue;
      out.add(cap);
    }
    // Deploys come from the source (it lists "deploys") or from the bridge's own deploy webhooks.
    if (this._deployRoutes) out.add('deploys');
    out.add(SNAPSHOT_CHUNKS_CAPABILITY);
    return out;
  }

  /** The reason `cap` is refused (the same one hello announced), or undefined when the source offers it. */
  private _unsupported(cap: RequestCapability): string | undefined {
    if (this._capabilities().has(cap)) return undefined;
    return this.hello().unsupportedActions?.[cap] ?? `this alert source does not support ${cap}`;
  }

  stats(): BridgeStats {
    return { ok: true, seq: this.store.seq, clients: this._clients.size, alerts: this.store.alertCount, omittedAlerts: this.store.omitted };
  }

  /** What /readyz answers. */
  readiness(): { ready: boolean; reasons: string[] } {
    return readiness(this._opts.clusterStatus, this._draining !== undefined);
  }

  get draining(): boolean {
    return this._draining !== undefined;
  }

  /**
   * Graceful stop (SIGTERM): /readyz turns 503 and new WebSocket upgrades are refused (503, Retry-After) at once;
   * actions already sent to the source get up to `timeoutMs` to finish and be answered; new ones are refused with
   * a reason; then every editor is closed with 1001 ("reconnect") — behind a load balancer they come back on another
   * replica and resume from their last seq — and the bridge closes. Idempotent.
   */
  drain(timeoutMs = 20_000): Promise<void> {
    this._draining ??= (async () => {
      this._log.info(`draining: refusing new editors; ${this._inFlight.size} action(s) in flight, ${this._clients.size} editor(s) connected`);
      if (this._inFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)));
        const done = Promise.allSettled([...this._inFlight]).then(() => false);
        if (await Promise.race([done, timedOut])) this._log.warn(`drain: ${this._inFlight.size} action(s) still unanswered after ${timeoutMs / 1000} s; closing anyway (their editors see them fail)`);
        clearTimeout(timer);
      }
      await this.close(DRAIN_CLOSE_REASON);
    })();
    return this._draining;
  }

  get maxBufferedSeen(): number {
    return this._maxBufferedSeen;
  }

  /** Starts the source, then listens. Resolves with the bound address. */
  async start(): Promise<AddressInfo> {
    if (this._started) throw new Error('already started');
    this._started = true;
    const { host, token, demoMode } = this._opts;
    const weak = token === undefined ? undefined : weakTokenReason(token, 'the bridge token (ONCALL_BRIDGE_TOKEN or --token-file)');
    if (weak) throw new BridgeConfigError(weak);
    if (token === undefined) {
      if (!isLoopbackHost(host) || !demoMode) {
        throw new BridgeConfigError(
          `no token configured: set ONCALL_BRIDGE_TOKEN or pass --token-file. Running without a token is only allowed in demo mode on a loopback address (host is ${host}${demoMode ? '' : ', not in demo mode'}).`,
        );
      }
      this._log.warn('no token configured: accepting unauthenticated connections (demo mode, loopback only)');
    }
    const cluster = this._opts.cluster;
    for (const r of this._opts.source.routes ?? []) this.addRoute(r);
    if (cluster) await this._startClustered(cluster);
    else await this._opts.source.start(this._context());
    await new Promise<void>((resolve, reject) => {
      this._http.once('error', reject);
      this._http.listen(this._opts.port, host, () => {
        this._http.off('error', reject);
        // E.g. EMFILE from accept(): logged, never an uncaught exception that stops the bridge.
        this._http.on('error', (e) => this._log.error(`listener: ${errorText(e)}`));
        resolve();
      });
    });
    this._heartbeat = this._opts.clock.setInterval(() => this._beat(), this._opts.heartbeatMs);
    return this.address();
  }

  /** Every replica can serve actions and webhooks (standby); only the lease holder runs the source's work. */
  private async _startClustered(cluster: Cluster): Promise<void> {
    const src = this._opts.source;
    if (!src.standby || !src.lead || !src.follow) throw new BridgeConfigError(`the ${src.name} source cannot run clustered (--redis)`);
    await cluster.start();
    await src.standby(this._context());
    const follow = src.follow.bind(src);
    const lead = src.lead.bind(src);
    const change = (leader: boolean) => {
      this._leadership = this._leadership.then(async () => {
        if (this._closed) return;
        try {
          if (leader) await lead();
          else await follow();
        } catch (e) {
          this._log.error(`source ${src.name}: ${leader ? 'starting' : 'stopping'} its work failed: ${errorText(e)}`);
        }
      });
    };
    cluster.lease.onChange(change);
    if (cluster.lease.isLeader) change(true);
    await this._leadership;
  }

  address(): AddressInfo {
    const a = this._http.address();
    if (a === null || typeof a === 'string') throw new Error('not listening');
    return a;
  }

  /** ws://host:port/ as clients should dial it. */
  get url(): string {
    const a = this.address();
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `ws://${host}:${a.port}/`;
  }

  /** Closes every client with 1001, stops the source and the listener. */
  async close(reason = 'bridge shutting down'): Promise<void> {
    if (this._closed) return;
    this._closed = true;
    this._heartbeat?.dispose();
    this._limiter.dispose();
    this._connections.dispose();
    const closing = [...this._clients.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.ws.close(CloseCodes.goingAway, reason);
        }),
    );
    const grace = new Promise<void>((r) => setTimeout(r, 2000).unref());
    await Promise.race([Promise.all(closing), grace]);
    for (const c of this._clients.values()) c.ws.terminate();
    try {
      await this._leadership;
      await this._opts.source.stop();
    } catch (e) {
      this._log.error(`source ${this._opts.source.name} failed to stop: ${errorText(e)}`);
    }
    this._wss.close();
    if (this._opts.cluster) await this._opts.cluster.close();
    else await this.store.dispose();
    await new Promise<void>((resolve) => {
      if (!this._http.listening) return resolve();
      this._http.close(() => resolve());
      this._http.closeAllConnections();
    });
  }

  // ---- connections

  private _authorized(headers: http.IncomingHttpHeaders): boolean {
    return this._opts.token === undefined || checkBearer(headers, this._opts.token);
  }

  private _onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    let pathname = '';
    try {
      pathname = new URL(req.url ?? '/', 'http://bridge.invalid').pathname;
    } catch {
      // handled below
    }
    if (pathname !== '/') return rejectUpgrade(socket, 404, 'Not Found');
    if (this._closed || this._draining) return rejectUpgrade(socket, 503, 'Service Unavailable', { 'Retry-After': '1' });
    if (this._opts.token === undefined) {
      // Unauthenticated (demo) mode: a browser tab on any web site could dial ws://127.0.0.1 — it always sends
      // Origin; the extension's Node client does not. A page on a name made to resolve to 127.0.0.1 (DNS
      // rebinding) is caught by its Host.
      if (isBrowserRequest(req.headers)) {
        this._log.warn(`refused a browser connection from ${remote} (Origin or Sec-Fetch-Site header present, no token configured)`);
        return rejectUpgrade(socket, 403, 'Forbidden');
      }
      if (!isAllowedHostHeader(req.headers.host, this._opts.publicHosts)) {
        this._log.warn(`refused a connection from ${remote} for Host "${String(req.headers.host ?? '').slice(0, 100)}" (not an IP address, localhost or a --public-host name)`);
        return rejectUpgrade(socket, 421, 'Misdirected Request');
      }
    } else {
      const address = req.socket.remoteAddress ?? '?';
      const wait = this._limiter.blockedFor(address);
      if (wait > 0) {
        this._limiter.refused(address);
        return rejectUpgrade(socket, 429, 'Too Many Requests', { 'Retry-After': String(Math.ceil(wait / 1000)) });
      }
      if (!this._authorized(req.headers)) {
        this._limiter.failed(address, `connection (${req.headers.authorization === undefined ? 'no token' : 'wrong token'})`);
        return rejectUpgrade(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
      }
    }
    if (this._clients.size >= this._opts.maxClients) {
      this._log.warn(`refused a connection from ${remote}: ${this._clients.size} clients connected (limit)`);
      return rejectUpgrade(socket, 503, 'Service Unavailable');
    }
    this._wss.handleUpgrade(req, socket, head, (ws) => this._onConnection(ws, remote));
  }

  private _onConnection(ws: WebSocket, remote: string): void {
    const c: Client = {
      id: this._nextClientId++, ws, remote, live: false, sentSeq: -1, resumeGen: 0, snapshotChunks: false, alive: true, closing: false, invalidCount: 0, timers: [],
      rate: new RateLimiter(this._opts.clock, this._opts.maxMessagesPerSecond, this._opts.messageBurst),
      rateToldAt: -Infinity,
    };
    this._clients.set(c.id, c);
    this._log.info(`client #${c.id} connected from ${remote} (${this._clients.size} connected)`);
    // Either direction of the heartbeat proves the peer is there.
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('ping', () => {
      c.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this._onMessage(c, data, isBinary));
    ws.on('error', (e) => this._log.debug(`client #${c.id}: socket error: ${e.message}`));
    ws.on('close', (code: number) => {
      this._clients.delete(c.id);
      for (const t of c.timers) t.dispose();
      this._log.info(`client #${c.id} disconnected (${code}; ${this._clients.size} connected)`);
    });
    this._send(c, encodeMessage(this.hello()));
  }

  private _onMessage(c: Client, data: RawData, isBinary: boolean): void {
    c.alive = true;
    if (c.closing) return;
    if (!c.rate.take()) return this._rateLimited(c);
    if (isBinary) return this._invalid(c, 'message: binary frames are not supported (send JSON text)');
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const r = decodeClientMessage(text);
    if (!r.ok) return this._invalid(c, r.error);
    this._handle(c, r.value);
  }

  /** Dropped for rate: the client is told (once a second), the log gets one line per 1,000 drops; a flood ends the connection. */
  private _rateLimited(c: Client): void {
    const now = this._opts.clock.now();
    if (c.rate.dropped === 1 || c.rate.dropped % 1000 === 0) {
      this._log.warn(`client #${c.id}: over ${this._opts.maxMessagesPerSecond} messages/s; ${c.rate.dropped} dropped`);
    }
    if (c.rate.dropped >= this._opts.maxDroppedMessages) {
      c.closing = true;
      this._log.warn(`client #${c.id}: closed for flooding (${c.rate.dropped} messages dropped)`);
      c.ws.close(CloseCodes.rateLimited, 'rate limited');
      return;
    }
    if (now - c.rateToldAt >= 1000) {
      c.rateToldAt = now;
      const msg: ErrorMessage = { type: 'error', error: { code: 'rate_limited', message: `too many messages: at most ${this._opts.maxMessagesPerSecond}/s; messages were dropped` } };
      this._send(c, encodeMessage(msg));
    }
  }

  /** The connection survives a bad frame: the client learns why, the log gets one line (rate-limited). */
  private _invalid(c: Client, reason: string): void {
    const msg: ErrorMessage = { type: 'error', error: { code: 'invalid_message', message: reason } };
    this._send(c, encodeMessage(msg));
    c.invalidCount++;
    if (c.invalidCount <= 20 || c.invalidCount % 1000 === 0) {
      this._log.warn(`client #${c.id}: invalid message: ${reason}${c.invalidCount === 20 ? ' (further ones logged every 1000th)' : ''}`);
    }
  }

  private _handle(c: Client, msg: ClientMessage): void {
    switch (msg.type) {
      case 'resume':
        c.snapshotChunks = msg.snapshotChunks === true;
        this._resume(c, msg.lastSeq);
        return;
      case 'ack':
      case 'unack':
      case 'resolve':
        return this._track(c, msg.requestId, () => this._action(c, msg));
      case 'annotate':
        return this._track(c, msg.requestId, () => this._annotate(c, msg));
      case 'snooze':
      case 'reassign':
      case 'escalate':
      case 'note':
      case 'override':
        return this._track(c, msg.requestId, () => this._responder(c, msg));
    }
  }

  /** Answers a resume: at once from memory, or (clustered) once the replay or snapshot is loaded; live events wait meanwhile. */
  private _resume(c: Client, lastSeq: number): void {
    const gen = ++c.resumeGen;
    const answer = (a: ResumeAnswer) => {
      if (gen !== c.resumeGen) return;
      this._log.debug(`client #${c.id}: resume from ${lastSeq} → ${a.snapshot ? `snapshot at ${a.seq}` : `replay of ${a.frames.length} events`}`);
      this.metrics.resumes.inc({ kind: a.snapshot ? 'snapshot' : 'replay' });
      if (a.snapshot && c.snapshotChunks && a.frames[0] !== undefined) {
        // Clustered: the shared store hands over the snapshot encoded; parsed once here to be sent in parts.
        let snap: SnapshotMessage;
        try {
          snap = JSON.parse(a.frames[0]) as SnapshotMessage;
        } catch (e) {
          return this._resumeFailed(c, e);
        }
        return this._sendInParts(c, gen, snap, a.frames.slice(1), a.seq);
      }
      for (const f of a.frames) this._send(c, f);
      if (!a.snapshot) this.metrics.framesSent.inc(a.frames.length);
      c.sentSeq = a.seq;
      c.live = true;
    };
    // In memory, a snapshot in parts is built from the world directly: no 80 MB frame encoded only to be split.
    if (c.snapshotChunks && this.store instanceof MemoryStore && this.world.planResume(lastSeq).kind === 'snapshot') {
      this._log.debug(`client #${c.id}: resume from ${lastSeq} → snapshot at ${this.world.seq} in parts`);
      this.metrics.resumes.inc({ kind: 'snapshot' });
      return this._sendInParts(c, gen, this.world.snapshot(), [], this.world.seq);
    }
    let r: ResumeAnswer | Promise<ResumeAnswer>;
    try {
      r = this.store.resume(lastSeq);
    } catch (e) {
      return this._resumeFailed(c, e);
    }
    if (!(r instanceof Promise)) return answer(r);
    c.live = false;
    r.then(answer, (e: unknown) => {
      if (gen === c.resumeGen) this._resumeFailed(c, e);
    });
  }

  /**
   * Protocol 1.1 chunked snapshot: `snapshotChunk` parts of `snapshotChunkAlerts` alerts, encoded one at a time and
   * paced by the socket's send buffer (at most half the slow-client limit queued), then the `snapshot` that ends the
   * set, then `after` (events the store had after the snapshot). Live events wait meanwhile and are caught up by a
   * resume from the snapshot's seq. A newer resume or a closed socket abandons the set.
   */
  private _sendInParts(c: Client, gen: number, snap: SnapshotMessage, after: readonly string[], seqAfter: number): void {
    c.live = false;
    const alerts = snap.alerts;
    // At most MAX_SNAPSHOT_CHUNKS parts (the client's bound): bigger parts for a truly huge state.
    const per = Math.max(1, Math.floor(this._opts.snapshotChunkAlerts) || 1, Math.ceil(alerts.length / MAX_SNAPSHOT_CHUNKS));
    const count = Math.max(1, Math.ceil(alerts.length / per));
    const highWater = Math.max(1, Math.floor(this._opts.maxClientBufferBytes / 2));
    let index = 0;
    const step = (): void => {
      if (gen !== c.resumeGen || c.closing || c.ws.readyState !== WebSocket.OPEN) return;
      while (index < count && c.ws.bufferedAmount < highWater) {
        const part: SnapshotChunkMessage = { type: 'snapshotChunk', seq: snap.seq, index, count, alerts: alerts.slice(index * per, (index + 1) * per) };
        c.ws.send(encodeMessage(part), SEND_TEXT);
        index++;
      }
      if (index < count) {
        // Waits for the client to read (one timer at a time; disposed with the client's timers on close).
        const t: IDisposable = this._opts.clock.setTimeout(() => {
          c.timers.splice(c.timers.indexOf(t), 1);
          step();
        }, 5);
        c.timers.push(t);
        return;
      }
      const end: SnapshotMessage = { ...snap, alerts: [], chunks: count };
      c.ws.send(encodeMessage(end), SEND_TEXT);
      for (const f of after) this._send(c, f);
      this._log.debug(`client #${c.id}: snapshot at ${snap.seq} sent in ${count} parts`);
      // Catch up with what happened while the parts went out (a replay from the seq the client now has).
      c.sentSeq = seqAfter;
      this._resume(c, seqAfter);
    };
    step();
  }

  /** The state could not be loaded (Redis unreachable): the client is told and reconnects (to this or another replica). */
  private _resumeFailed(c: Client, e: unknown): void {
    this._log.warn(`client #${c.id}: cannot answer its resume: ${errorText(e)}`);
    this._send(c, encodeMessage({ type: 'error', error: { code: 'degraded', message: `the bridge cannot load the alert state (${errorText(e)}); reconnecting` } } satisfies ErrorMessage));
    c.closing = true;
    c.ws.close(CloseCodes.goingAway, 'state unavailable, reconnect');
  }

  /**
   * Clustered mode: an action is acknowledged only once what it changed is recorded for every replica; while Redis is
   * unreachable it is refused before the vendor is called. The reason, or undefined when it is done.
   */
  private _notRecorded(): string | undefined {
    return this.store.degradedReason;
  }

  private async _recorded(): Promise<string | undefined> {
    try {
      await this.store.settled();
      return undefined;
    } catch (e) {
      return `the source accepted it, but the bridge could not record the change for every editor (${errorText(e)}); it shows up when the source is next polled`;
    }
  }

  /** Runs an action so that a drain can wait for it; while draining, new ones are refused (never half done). */
  private _track(c: Client, requestId: string, run: () => Promise<void>): void {
    if (this._draining) return this._result(c, requestId, 'the bridge is shutting down and did not send this to the alert source; try again in a moment (the editor reconnects by itself)');
    const p = run().finally(() => this._inFlight.delete(p));
    this._inFlight.add(p);
  }

  /** Protocol 1.1 responder actions: capability, then the request's times, then the source. */
  private async _responder(c: Client, msg: ResponderMessage): Promise<void> {
    const refused = this._unsupported(msg.type);
    if (refused) return this._result(c, msg.requestId, refused);
    const invalid = this._checkResponder(msg);
    if (invalid) return this._result(c, msg.requestId, invalid);
    const down = this._notRecorded();
    if (down) return this._result(c, msg.requestId, down);
    const src = this._opts.source;
    try {
      let outcome: ActionOutcome | undefined | void;
      let what: string;
      switch (msg.type) {
        case 'snooze':
          outcome = await src.snooze!(msg.alertIds, Date.parse(msg.until), msg.actor);
          what = `snooze ${msg.alertIds.length} alert(s) until ${msg.until}`;
          break;
        case 'reassign':
          outcome = await src.reassign!(msg.alertIds, msg.to, msg.actor);
          what = `reassign ${msg.alertIds.length} alert(s) to ${JSON.stringify(msg.to)}`;
          break;
        case 'escalate':
          outcome = await src.escalate!(msg.alertIds, msg.level, msg.actor);
          what = `escalate ${msg.alertIds.length} alert(s)${msg.level !== undefined ? ` to level ${msg.level}` : ''}`;
          break;
        case 'note':
          outcome = await src.note!(msg.alertId, msg.text, msg.actor);
          what = `note on ${msg.alertId} (${msg.text.length} characters)`;
          break;
        case 'override':
          outcome = await src.override!(
            { rotationId: msg.rotationId, start: Date.parse(msg.start), end: Date.parse(msg.end), ...(msg.userId !== undefined ? { userId: msg.userId } : {}) },
            msg.actor,
          );
          what = `override on ${msg.rotationId} ${msg.start}..${msg.end}${msg.userId !== undefined ? ` for ${msg.userId}` : ''}`;
          break;
      }
      this._log.info(`client #${c.id}: ${what} (${msg.requestId})${outcome?.note ? `: ${outcome.note}` : ''}`);
      const lost = await this._recorded();
      if (lost) return this._result(c, msg.requestId, lost);
      this._result(c, msg.requestId, undefined, outcome?.note);
    } catch (e) {
      this._result(c, msg.requestId, this._failure(c, msg.type, e));
    }
  }

  /** What the decoder cannot know: times relative to now. A sentence for the user, or undefined. */
  private _checkResponder(msg: ResponderMessage): string | undefined {
    const now = this._opts.clock.now();
    const hours = (ms: number) => `${Math.round(ms / 3_600_000)} h`;
    if (msg.type === 'snooze') {
      const until = Date.parse(msg.until);
      if (until <= now) return `snooze: ${msg.until} is not in the future (the bridge's clock says ${new Date(now).toISOString()})`;
      if (until - now > MAX_SNOOZE_MS) return `snooze: at most ${hours(MAX_SNOOZE_MS)} ahead (7 days); pick an earlier time or resolve the alert`;
    }
    if (msg.type === 'reassign') {
      const why = this._opts.source.unsupportedReassignTargets?.[reassignTargetKind(msg.to)];
      if (why !== undefined) return `reassign: ${why}`;
    }
    if (msg.type === 'override') {
      const start = Date.parse(msg.start);
      const end = Date.parse(msg.end);
      if (end <= now) return `override: it ends (${msg.end}) in the past`;
      if (end - Math.max(start, now) > MAX_OVERRIDE_MS) return `override: at most ${hours(MAX_OVERRIDE_MS)} (31 days) at a time`;
    }
    return undefined;
  }

  private async _action(c: Client, msg: AlertActionMessage): Promise<void> {
    const src = this._opts.source;
    if (!src.capabilities.includes(msg.type)) {
      // The same reason hello gave (the source's own, e.g. "Alertmanager alerts resolve when their condition clears").
      const given = src.unsupportedActions?.[msg.type];
      return this._result(c, msg.requestId, given ?? `this alert source does not support ${msg.type}${src.actionsUnavailableReason ? `: ${src.actionsUnavailableReason}` : ''}`);
    }
    const down = this._notRecorded();
    if (down) return this._result(c, msg.requestId, down);
    try {
      const outcome = await src.handleAction(msg.type, msg.alertIds, msg.actor);
      this._log.info(`client #${c.id}: ${msg.type} ${msg.alertIds.length} alert(s) (${msg.requestId})${outcome?.note ? `: ${outcome.note}` : ''}`);
      const lost = await this._recorded();
      if (lost) return this._result(c, msg.requestId, lost);
      this._result(c, msg.requestId, undefined, outcome?.note);
    } catch (e) {
      this._result(c, msg.requestId, this._failure(c, msg.type, e));
    }
  }

  private async _annotate(c: Client, msg: AnnotateMessage): Promise<void> {
    const src = this._opts.source;
    const alertId = msg.annotation.alertId;
    if (alertId !== undefined && src.note && this._capabilities().has('note')) {
      // Protocol 1.1: an annotation about one alert is a note where the source has notes (annotate stays an alias).
      const text = msg.annotation.text.trim().slice(0, MAX_NOTE_CHARS);
      if (!text) return this._result(c, msg.requestId, 'annotate: the text is empty');
      try {
        const outcome = await src.note(alertId, text, msg.annotation.actor);
        this._result(c, msg.requestId, undefined, outcome?.note);
      } catch (e) {
        this._result(c, msg.requestId, this._failure(c, 'note', e));
      }
      return;
    }
    if (!src.annotate || !src.capabilities.includes('annotate')) return this._result(c, msg.requestId, 'this alert source does not support annotations');
    try {
      await src.annotate(msg.annotation);
      this._result(c, msg.requestId);
    } catch (e) {
      this._result(c, msg.requestId, this._failure(c, 'annotate', e));
    }
  }

  /** A SourceActionError's message is meant for the user; anything else is logged and reported generically. */
  private _failure(c: Client, what: string, e: unknown): string {
    if (e instanceof SourceActionError) {
      this._log.info(`client #${c.id}: ${what} refused: ${e.message}`);
      return e.message;
    }
    this._log.error(`client #${c.id}: ${what} failed: ${errorText(e)}`);
    return `the alert source failed to ${what}; see the bridge log`;
  }

  private _result(c: Client, requestId: string, error?: string, note?: string): void {
    const msg: ResultMessage = error === undefined ? { type: 'result', requestId, ok: true, ...(note ? { note: note.slice(0, 500) } : {}) } : { type: 'result', requestId, ok: false, error };
    this._send(c, encodeMessage(msg));
  }

  /**
   * Flow control: ws queues without limit, so before each send we look at what the client has not
   * taken yet. Above the limit it is closed with 4008 and gets nothing more: memory per client stays
   * below the limit plus one frame.
   */
  private _send(c: Client, frame: string | Buffer): boolean {
    if (c.closing || c.ws.readyState !== WebSocket.OPEN) return false;
    const queued = c.ws.bufferedAmount;
    if (queued > this._maxBufferedSeen) this._maxBufferedSeen = queued;
    if (queued > this._opts.maxClientBufferBytes) {
      this._closeSlow(c, queued);
      return false;
    }
    // A Buffer goes out as a text frame (binary: false); a failed write surfaces as the socket's error and close.
    c.ws.send(frame, SEND_TEXT);
    return true;
  }

  private _closeSlow(c: Client, queued: number): void {
    c.closing = true;
    c.live = false;
    this._log.warn(`client #${c.id} (${c.remote}) is not reading (${queued} bytes queued): closing it with ${CloseCodes.slowClient}`);
    this.metrics.slowClientCloses.inc();
    c.ws.close(CloseCodes.slowClient, 'slow client');
    // The close frame waits behind the queued data; a client that never reads is cut off.
    c.timers.push(this._opts.clock.setTimeout(() => c.ws.terminate(), this._opts.slowClientGraceMs));
  }

  private _beat(): void {
    for (const c of this._clients.values()) {
      if (!c.alive) {
        this._log.info(`client #${c.id} did not answer the last ping: terminating`);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        // closing socket: the close handler cleans up
      }
    }
  }

  private _context(): SourceContext {
    const w = this.store;
    const clock = this._opts.clock;
    return {
      clock,
      logger: tagged(this._opts.logger, `source:${this._opts.source.name}`),
      upsertAlert: (a) => w.upsertAlert(a),
      resolveAlert: (id, by, at) => w.resolveAlert(id, at ?? new Date(clock.now()).toISOString(), by),
      getAlert: (id) => w.getAlert(id),
      alerts: () => w.alerts(),
      setOnCall: (s) => w.setOnCall(s),
      addDeploy: (d) => w.addDeploy(d),
      addFirings: (f) => w.addFirings(f),
      observeVendorCall: (call) => this.metrics.observeVendorCall(call),
    };
  }
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, headers: Record<string, string> = {}): void {
  const body = `${reason}\n`;
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Connection: close', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
}

