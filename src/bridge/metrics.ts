/**
 * What an operator watches on a running bridge: Prometheus metrics (prom-client, in a Registry of the bridge's
 * own, never the library's global one) and readiness (/readyz). The clustered mode's state (Redis, the leader
 * lease) comes from an optional provider; without one the bridge is a single in-memory replica: Redis "off",
 * leader itself.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VendorCall } from './sources/shared/vendorHttp';

/** What the clustered mode reports about itself (the in-memory bridge: `{ redis: 'off', leader: { self: true } }`). */
export interface ClusterStatus {
  redis: 'up' | 'down' | 'off';
  /** Round trip of the last Redis command or PING, when known. */
  redisLatencyMs?: number;
  /** `self`: this replica holds the source lease; `id`: who does, when known; `since`: ISO time the lease was taken. */
  leader: { self: boolean; id?: string; since?: string };
  /** The Redis stream was lost (Redis restarted empty): editors are being sent fresh snapshots. */
  streamLost?: boolean;
}

export type ClusterStatusProvider = () => ClusterStatus;

export const IN_MEMORY_STATUS: ClusterStatus = { redis: 'off', leader: { self: true } };

export interface Readiness {
  ready: boolean;
  /** Why not, one sentence each (empty when ready). */
  reasons: string[];
}

/**
 * Ready = a load balancer may send editors here: not draining, Redis reachable (when clustered), a leader known
 * (someone polls the sources). A provider that throws counts as not ready, with its error as the reason.
 */
export function readiness(provider: ClusterStatusProvider | undefined, draining: boolean): Readiness {
  const reasons: string[] = [];
  if (draining) reasons.push('draining: the bridge is shutting down and accepts no new editors');
  let s: ClusterStatus;
  try {
    s = provider ? provider() : IN_MEMORY_STATUS;
  } catch (e) {
    reasons.push(`the cluster status is unavailable: ${e instanceof Error ? e.message : String(e)}`);
    return { ready: false, reasons };
  }
  if (s.redis === 'down') reasons.push('Redis is unreachable');
  if (!s.leader.self && s.leader.id === undefined) reasons.push('no leader is known: no replica holds the source lease');
  return { ready: reasons.length === 0, reasons };
}

/** Read by the gauges at scrape time (no bookkeeping on the hot path). */
export interface MetricsGauges {
  editors(): number;
  queuedBytes(): number;
  draining(): boolean;
  inFlightActions(): number;
}

export interface BridgeMetricsOptions {
  /** Node process metrics (CPU, RSS, heap, event loop lag, GC): default true. */
  processMetrics?: boolean;
  cluster?: ClusterStatusProvider;
}

const PREFIX = 'oncall_bridge_';

export class BridgeMetrics {
  readonly registry = new Registry();
  /** State events the bridge took from its source(s) (each gets a seq). */
  readonly events: Counter;
  /** Event frames written to editors (one per editor per event, replays included). */
  readonly framesSent: Counter;
  readonly resumes: Counter<'kind'>;
  readonly slowClientCloses: Counter;
  readonly vendorDuration: Histogram<'source' | 'method' | 'outcome'>;
  readonly vendorErrors: Counter<'source' | 'outcome'>;

  constructor(gauges: MetricsGauges, opts: BridgeMetricsOptions = {}) {
    const registers = [this.registry];
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.events = new Counter({ name: `${PREFIX}events_total`, help: 'State events taken from the alert source(s) and broadcast (rate() gives events/s).', registers });
    this.framesSent = new Counter({ name: `${PREFIX}event_frames_sent_total`, help: 'Event frames written to editors (one per editor per event, replays included).', registers });
    this.resumes = new Counter({ name: `${PREFIX}resumes_total`, help: 'Editor resumes, by how they were answered: replay (missed events) or snapshot (full state).', labelNames: ['kind'], registers });
    for (const kind of ['replay', 'snapshot']) this.resumes.inc({ kind }, 0);
    this.slowClientCloses = new Counter({ name: `${PREFIX}slow_client_closes_total`, help: 'Editors closed with 4008 because they did not read (their send queue exceeded the limit).', registers });
    this.vendorDuration = new Histogram({
      name: `${PREFIX}vendor_request_duration_seconds`,
      help: 'Vendor API requests (PagerDuty, Splunk On-Call, Grafana IRM), by source, method and outcome.',
      labelNames: ['source', 'method', 'outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    });
    this.vendorErrors = new Counter({
      name: `${PREFIX}vendor_request_errors_total`,
      help: 'Failed vendor API requests by source and outcome (http_error, rate_limited, network, invalid_response).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    new Gauge({ name: `${PREFIX}editors_connected`, help: 'Editors (WebSocket clients) connected to this replica.', registers, collect() { this.set(gauges.editors()); } });
    new Gauge({ name: `${PREFIX}queued_bytes`, help: 'Bytes queued for editors and not yet written to their sockets (sum of bufferedAmount).', registers, collect() { this.set(gauges.queuedBytes()); } });
    new Gauge({ name: `${PREFIX}draining`, help: '1 while the bridge drains (SIGTERM): new editors are refused.', registers, collect() { this.set(gauges.draining() ? 1 : 0); } });
    new Gauge({ name: `${PREFIX}actions_in_flight`, help: 'Editor actions (ack, snooze, …) sent to the source and not answered yet.', registers, collect() { this.set(gauges.inFlightActions()); } });
    const status = (): ClusterStatus | undefined => {
      try {
        return opts.cluster ? opts.cluster() : IN_MEMORY_STATUS;
      } catch {
        return undefined;
      }
    };
    new Gauge({
      name: `${PREFIX}leader`,
      help: '1 when this replica holds the source lease (polls the vendors); always 1 for a single in-memory bridge.',
      registers,
      collect() { this.set(status()?.leader.self ? 1 : 0); },
    });
    new Gauge({
      name: `${PREFIX}leader_known`,
      help: '1 when some replica (this one or another) is known to hold the source lease.',
      registers,
      collect() { const s = status(); this.set(s && (s.leader.self || s.leader.id !== undefined) ? 1 : 0); },
    });
    new Gauge({
      name: `${PREFIX}redis_state`,
      help: 'Redis as this replica sees it: 1 for the current state (up, down, or off = in-memory mode, no Redis).',
      labelNames: ['state'],
      registers,
      collect() {
        const s = status();
        for (const state of ['up', 'down', 'off']) this.set({ state }, s?.redis === state ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}redis_latency_seconds`,
      help: 'Round trip of the last Redis command (NaN when unknown or in-memory mode).',
      registers,
      collect() { const ms = status()?.redisLatencyMs; this.set(typeof ms === 'number' && Number.isFinite(ms) ? ms / 1000 : NaN); },
    });
  }

  /** A vendor HTTP exchange (VendorHttp's observer). */
  observeVendorCall(c: VendorCall): void {
    this.vendorDuration.observe({ source: c.vendor, method: c.method, outcome: c.outcome }, Math.max(0, c.durationMs) / 1000);
    if (c.outcome !== 'ok') this.vendorErrors.inc({ source: c.vendor, outcome: c.outcome });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
