/**
 * Clustered mode (`--redis URL` or ONCALL_BRIDGE_REDIS_URL): replicas behind a load balancer share one world in
 * Redis (RedisStore), one replica at a time leads (LeaderLease) and runs the source's work, webhooks are
 * de-duplicated across replicas. Client library: node-redis (`redis` 5, Redis's official client).
 *
 * Status API for /readyz and /metrics (wired by the server's HTTP side):
 *
 *   cluster.clusterStatus(): {
 *     redis: 'up' | 'down' | 'off',        // 'off': not clustered (the in-memory bridge never has a Cluster)
 *     redisLatencyMs?: number,             // the last PING round trip
 *     leader: { self: boolean, id?: string, since?: string },   // id: the holder's replica id; since: ISO time
 *     streamLost?: boolean,                // Redis lost the stream and no new epoch is seeded yet
 *   }
 *   cluster.events: EventEmitter with
 *     'redisLatency' (ms: number)          // after every PING (every 5 s)
 *     'leaderChange' (info: LeaderInfo)    // this replica gained or lost leadership
 *     'redisState' ('up' | 'down')         // reachability changed
 *     'streamReset' ()                     // a new epoch: every editor was sent a fresh snapshot
 *
 * `clusterStatus` (the free function) gives `{ redis: 'off', leader: { self: true } }` without a cluster.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import type { Logger } from '../../core/util/logger';
import { tagged } from '../../core/util/logger';
import { redactUrl } from '../../core/util/url';
import { errorText } from '../../core/util/errors';
import { systemClock, type Clock } from '../../core/util/clock';
import type { WorldOptions } from '../world';
import type { HttpResponseInfo, Route } from '../sources/types';
import { LeaderLease, type LeaderInfo, type LeaseBackend } from './lease';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT, Scripts, arr, clusterKeys, int, makeClient, optStr, redisUrlProblem, send, str, type RedisClient, type Reply } from './redis';
import { RedisStore } from './redisStore';

export interface ClusterStatus {
  redis: 'up' | 'down' | 'off';
  redisLatencyMs?: number;
  leader: LeaderInfo;
  streamLost?: boolean;
}

/** Status without a cluster: the one in-memory bridge is its own leader. */
export function clusterStatus(cluster?: Cluster): ClusterStatus {
  return cluster ? cluster.clusterStatus() : { redis: 'off', leader: { self: true } };
}

export interface ClusterOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS). Never logged with its password. */
  url: string;
  /** Key prefix: clusters sharing one Redis need different ones. Default "oncall". */
  prefix?: string;
  /** Default 15 s. */
  leaseMs?: number;
  world: Omit<WorldOptions, 'initialSeq'>;
  logger: Logger;
  clock?: Clock;
  /** How long a webhook's body hash is remembered (a redelivery within it is acknowledged, not applied again). Default 10 min. */
  webhookDedupeMs?: number;
}

/** How long a replica's claim on a webhook delivery being handled lasts (the handler plus the wait for Redis: SETTLE_TIMEOUT_MS). */
export const WEBHOOK_CLAIM_MS = 30_000;

/** Redis cannot be used at start: the CLI prints the message and exits 2. */
export class ClusterConfigError extends Error {}

export class Cluster {
  readonly id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly store: RedisStore;
  readonly lease: LeaderLease;
  readonly events = new EventEmitter();
  private readonly _client: RedisClient;
  private readonly _tail: RedisClient;
  private readonly _keys: ReturnType<typeof clusterKeys>;
  private readonly _scripts = new Scripts();
  private readonly _log: Logger;
  private readonly _url: string;
  private readonly _dedupeMs: number;
  private _latency: number | undefined;
  private _up = false;
  private _ping: ReturnType<typeof setInterval> | undefined;
  private _lastError = '';

  constructor(_o: ClusterOptions) {
    const problem = redisUrlProblem(_o.url);
    if (problem) throw new ClusterConfigError(`--redis ${redactUrl(_o.url)} ${problem}`);
    this._url = _o.url;
    this._log = tagged(_o.logger, 'cluster');
    this._keys = clusterKeys(_o.prefix ?? 'oncall');
    this._dedupeMs = _o.webhookDedupeMs ?? 600_000;
    const onError = (text: string) => {
      if (text !== this._lastError) this._log.warn(`Redis ${redactUrl(this._url)}: ${text}`);
      this._lastError = text;
      this._setUp(false, text);
    };
    this._client = makeClient(_o.url, 'oncall-bridge', onError);
    this._tail = makeClient(_o.url, 'oncall-bridge-tail', onError);
    this._client.on('ready', () => this._setUp(true));
    this.store = new RedisStore({
      client: this._client,
      tailClient: this._tail,
      keys: this._keys,
      scripts: this._scripts,
      world: _o.world,
      logger: tagged(_o.logger, 'store'),
      isLeader: () => this.lease.isLeader,
    });
    this.store.onReset(() => this.events.emit('streamReset'));
    const backend: LeaseBackend = {
      acquire: async (id, ms) => holderReply(await this._scripts.run(this._client, ACQUIRE_SCRIPT, [this._keys.leader], [id, ms])),
      renew: async (id, ms) => holderReply(await this._scripts.run(this._client, RENEW_SCRIPT, [this._keys.leader], [id, ms])),
      release: async (id) => void (await this._scripts.run(this._client, RELEASE_SCRIPT, [this._keys.leader], [id])),
    };
    const leaseMs = _o.leaseMs ?? 15_000;
    // A free lease with no epoch in Redis: Redis lost its data, the old leader may not know yet (it finds out at its next renew).
    const grace = async (): Promise<number> => {
      const epoch = await send(this._client, ['GET', this._keys.epoch]).catch(() => null);
      return epoch === null || this.store.streamLost ? Math.ceil(leaseMs / 3) + 250 : 0;
    };
    this.lease = new LeaderLease(backend, this.id, leaseMs, _o.clock ?? systemClock, tagged(_o.logger, 'leader'), grace);
    this.lease.onChange(() => this.events.emit('leaderChange', this.lease.info()));
  }

  /** Connects (both connections), loads the shared state, starts tailing and the lease. Unreachable → ClusterConfigError. */
  async start(): Promise<void> {
    const where = redactUrl(this._url);
    try {
      await Promise.race([
        Promise.all([this._client.connect(), this._tail.connect()]),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
      ]);
      await this._measure();
    } catch (e) {
      await this._quit();
      throw new ClusterConfigError(
        `cannot reach Redis at ${where}: ${this._lastError || errorText(e)}. Start Redis (or fix --redis / ONCALL_BRIDGE_REDIS_URL: redis://[user:password@]host:port, rediss:// for TLS), or run without --redis for a single in-memory bridge.`,
      );
    }
    this._setUp(true);
    await this.store.start();
    this._log.info(`clustered on Redis ${where} as replica ${this.id}`);
    await this.lease.start();
    this._ping = setInterval(() => void this._measure().catch(() => undefined), 5000);
    this._ping.unref();
  }

  clusterStatus(): ClusterStatus {
    const s: ClusterStatus = { redis: this._up ? 'up' : 'down', leader: this.lease.info() };
    if (this._latency !== undefined) s.redisLatencyMs = this._latency;
    if (this.store.streamLost) s.streamLost = true;
    return s;
  }

  /**
   * Wraps a webhook route so that a delivery that reached another replica first (or this one before: vendors
   * retry) is acknowledged without being applied twice. The key is the body's SHA-256 (with the path), claimed
   * with SET NX before the handler runs (for a short while: a replica that dies holding it does not block the
   * retries for long); a handler that fails gives the claim back so the vendor's retry is applied.
   *
   * A 2xx is answered only once what the handler changed is recorded in Redis for every replica. If it cannot be
   * (Redis went away meanwhile) the answer is 503 and the claim is given back: the sender retries, and applying the
   * delivery again is harmless (the change is still pending here, and the World ignores a deploy it already holds).
   */
  dedupeWebhook(route: Route): Route {
    if (route.method !== 'POST') return route;
    return {
      ...route,
      handle: async (req): Promise<HttpResponseInfo> => {
        const key = this._keys.webhook(createHash('sha256').update(route.path).update('\n').update(req.body).digest('hex'));
        let claimed: Reply;
        try {
          claimed = await send(this._client, ['SET', key, 'pending', 'NX', 'PX', String(WEBHOOK_CLAIM_MS)]);
        } catch (e) {
          return { status: 503, body: { error: `the bridge's shared state (Redis) is unreachable: ${errorText(e)}; retry later` } };
        }
        if (claimed === null) {
          const state = optStr(await send(this._client, ['GET', key]).catch(() => null), 'webhook');
          if (state === 'pending') return { status: 503, body: { error: 'the same delivery is being processed by another replica; retry later' } };
          return { status: 200, body: { ok: true, duplicate: true } };
        }
        let res: HttpResponseInfo;
        try {
          res = await route.handle(req);
        } catch (e) {
          await send(this._client, ['DEL', key]).catch(() => undefined);
          throw e;
        }
        if (res.status >= 200 && res.status < 300) {
          try {
            await this.store.settled();
          } catch (e) {
            await send(this._client, ['DEL', key]).catch(() => undefined);
            return { status: 503, body: { error: `the bridge could not record this delivery for every replica (${errorText(e)}); retry later` } };
          }
          await send(this._client, ['SET', key, 'done', 'XX', 'PX', String(this._dedupeMs)]).catch(() => undefined);
        } else await send(this._client, ['DEL', key]).catch(() => undefined);
        return res;
      },
    };
  }

  async close(): Promise<void> {
    if (this._ping) clearInterval(this._ping);
    await this.lease.stop();
    await this.store.dispose();
    await this._quit();
  }

  private async _measure(): Promise<void> {
    const t0 = performance.now();
    const r = await send(this._client, ['PING']);
    if (str(r, 'ping') !== 'PONG') throw new Error('PING did not answer PONG');
    this._latency = Math.round((performance.now() - t0) * 1000) / 1000;
    this.events.emit('redisLatency', this._latency);
  }

  private _setUp(up: boolean, reason?: string): void {
    this.store.setReachable(up, reason);
    if (up === this._up) return;
    this._up = up;
    if (up) this._lastError = '';
    this.events.emit('redisState', up ? 'up' : 'down');
  }

  private _quit(): Promise<void> {
    for (const c of [this._client, this._tail]) {
      try {
        if (c.isOpen) c.destroy();
      } catch {
        // closing anyway
      }
    }
    return Promise.resolve();
  }
}

function holderReply(r: Reply): { ok: boolean; holder: string } {
  const [ok, holder] = arr(r, 'lease');
  return { ok: int(ok ?? null, 'lease') === 1, holder: holder === null || holder === undefined ? '' : str(holder, 'lease holder') };
}
