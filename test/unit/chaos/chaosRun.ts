/**
 * Chaos: a real bridge and a real AlertClient (system clock, real sockets through a misbehaving TCP
 * proxy) while a stream of alert changes flows and the connection is broken in every way we know:
 * bridge killed and restarted on the same port, half-open paths, TCP resets both ways, FIN without a
 * close frame, server closes with each reconnecting close code, and a slow reader. At the end the
 * client holds exactly the server's world: nothing lost, nothing applied twice, memory bounded.
 */
import * as assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { BridgeServer } from '../../../src/bridge/server';
import { SourceActionError, type SourceContext, type SourceModule } from '../../../src/bridge/sources/types';
import type { Alert, AlertStatus } from '../../../src/core/protocol/types';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { systemClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { waitUntil } from '../bridge/helpers';
import { collectGarbage } from '../fuzz/harness';
import { ChaosProxy } from './proxy';

export const TOKEN = 'chaos-token-3f9a1c-0123456789abcdef';

/** A source whose state survives bridge restarts (like a vendor's): the test pushes changes through ctx. */
export class StreamSource implements SourceModule {
  readonly name = 'chaos';
  readonly capabilities: readonly string[] = [];
  ctx: SourceContext | undefined;
  constructor(private readonly _initial: readonly Alert[] = []) {}
  start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    for (const a of this._initial) ctx.upsertAlert(a);
    return Promise.resolve();
  }
  handleAction(): Promise<void> {
    return Promise.reject(new SourceActionError('read-only test source'));
  }
  stop(): Promise<void> {
    this.ctx = undefined;
    return Promise.resolve();
  }
}

const T_BASE = Date.parse('2026-11-23T10:00:00Z');
const iso = (i: number): string => new Date(T_BASE + i * 1000).toISOString();

export function streamAlert(id: string, status: AlertStatus, i: number): Alert {
  return {
    id,
    title: `alert ${id} change ${i}`,
    severity: (['critical', 'high', 'warning', 'info'] as const)[i % 4]!,
    status,
    service: `svc-${id.length % 5}`,
    startedAt: iso(0),
    updatedAt: iso(i),
    ...(status === 'acknowledged' ? { acknowledgedBy: { name: 'Alice' }, acknowledgedAt: iso(i) } : {}),
    assignees: [],
    labels: { i: String(i) },
    source: 'chaos',
  };
}

export type Disruption = 'kill' | 'stall' | 'resetClient' | 'resetBridge' | 'fin' | 'close1000' | 'close1001' | 'close1011' | 'close4000' | 'close4008' | 'slow';
export const DISRUPTIONS: readonly Disruption[] = ['kill', 'stall', 'resetClient', 'resetBridge', 'fin', 'close1000', 'close1001', 'close1011', 'close4000', 'close4008', 'slow'];

export interface ChaosOptions {
  alerts: number;
  disruptions: number;
  /** Distinct alert ids (≤ the bridge's 500 kept resolved alerts, so both sides keep the same set). */
  ids?: number;
  maxClientBufferBytes?: number;
}

export interface ChaosResult {
  applied: number;
  snapshots: number;
  /** Connections established after the first one. */
  reconnects: number;
  counts: Record<Disruption, number>;
  heapDeltaMb: number;
  maxBufferedSeen: number;
  ms: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reaches the bridge's live sockets to close them with a given code (no public API does that, on purpose). */
function bridgeSockets(server: BridgeServer): WebSocket[] {
  return [...(server as unknown as { _clients: Map<number, { ws: WebSocket }> })._clients.values()].map((c) => c.ws);
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const ids = opts.ids ?? 300;
  const maxBuf = opts.maxClientBufferBytes ?? 256 * 1024;
  const bridgeLog = new MemoryLogger();
  let server = new BridgeServer({ source: new StreamSource(), port: 0, token: TOKEN, logger: bridgeLog, maxClientBufferBytes: maxBuf, slowClientGraceMs: 500, initialSeq: 1000 });
  await server.start();
  const port = server.address().port;
  let maxBufferedSeen = 0;
  const proxy = new ChaosProxy(() => port);
  await proxy.listen();

  const clientLog = new MemoryLogger();
  const client = new AlertClient({
    url: proxy.url,
    getToken: () => Promise.resolve(TOKEN),
    clock: systemClock,
    logger: clientLog,
    heartbeatMs: 100,
    requestTimeoutMs: 3000,
    backoff: { baseMs: 5, capMs: 60 },
    stableAfterMs: 50,
    maxResolved: 1_000_000,
    maxResolvedAgeMs: Number.POSITIVE_INFINITY,
  });
  // Every seq the client applies, in order: proves nothing is applied twice or out of order.
  const applied: number[] = [];
  let snapshots = 0;
  const store = client.store;
  const upsert = store.upsert.bind(store);
  const resolve = store.resolve.bind(store);
  const replaceAll = store.replaceAll.bind(store);
  store.upsert = (a) => (applied.push(client.lastSeq), upsert(a));
  store.resolve = (id, at, by) => (applied.push(client.lastSeq), resolve(id, at, by));
  store.replaceAll = (as) => (snapshots++, replaceAll(as));
  // A snapshot in parts (protocol 1.1, which the bridge offers) ends with removeAllExcept instead of replaceAll.
  const removeAllExcept = store.removeAllExcept.bind(store);
  store.removeAllExcept = (keep) => (snapshots++, removeAllExcept(keep));

  let connects = 0;
  client.onDidChangeState((st) => void (st.state === 'connected' && connects++));
  client.connect();
  await waitUntil('first connection', () => client.state.state === 'connected' && client.lastSeq === server.world.seq, 10_000);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;

  const status = new Map<string, AlertStatus>();
  let i = 0;
  const produce = async (n: number): Promise<void> => {
    for (let k = 0; k < n && i < opts.alerts; k++, i++) {
      const ctx = (server as unknown as { _opts: { source: StreamSource } })._opts.source.ctx;
      assert.ok(ctx, 'source running');
      const id = `c-${(i * 7919) % ids}`;
      const cur = status.get(id);
      if (cur && cur !== 'resolved' && i % 5 === 4) {
        ctx.resolveAlert(id, undefined, iso(i));
        status.set(id, 'resolved');
      } else {
        // Only transitions the state machine allows: a resolved alert re-triggers, never jumps to acked.
        const next: AlertStatus = cur === undefined || cur === 'resolved' || cur === 'acknowledged' ? 'triggered' : i % 2 ? 'acknowledged' : 'triggered';
        ctx.upsertAlert(streamAlert(id, next, i));
        status.set(id, next);
      }
      maxBufferedSeen = Math.max(maxBufferedSeen, server.maxBufferedSeen);
      if (k % 4 === 3) await sleep(1);
    }
  };

  const counts = Object.fromEntries(DISRUPTIONS.map((d) => [d, 0])) as Record<Disruption, number>;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const disrupt = async (kind: Disruption): Promise<void> => {
    counts[kind]++;
    switch (kind) {
      case 'kill': {
        maxBufferedSeen = Math.max(maxBufferedSeen, server.maxBufferedSeen);
        const alerts = server.world.alerts();
        const seq = server.world.seq;
        await server.close();
        // Same port; seqs of the new run start above the old run's, so a resuming client gets a snapshot.
        server = new BridgeServer({ source: new StreamSource(alerts), port, token: TOKEN, logger: bridgeLog, maxClientBufferBytes: maxBuf, slowClientGraceMs: 500, initialSeq: seq + 1_000_000 });
        await server.start();
        return;
      }
      case 'stall':
        proxy.mode = 'stall';
        later(400, () => proxy.mode === 'stall' && (proxy.mode = 'pass'));
        return;
      case 'slow':
        proxy.mode = 'slow';
        later(300, () => proxy.mode === 'slow' && (proxy.mode = 'pass'));
        return;
      case 'resetClient':
        return proxy.resetClients();
      case 'resetBridge':
        return proxy.resetUpstreams();
      case 'fin':
        return proxy.endAll();
      default: {
        const code = Number(kind.slice('close'.length));
        for (const ws of bridgeSockets(server)) ws.close(code, 'chaos');
        return;
      }
    }
  };

  const per = Math.max(2, Math.floor(opts.alerts / opts.disruptions));
  for (let d = 0; d < opts.disruptions; d++) {
    const kind = DISRUPTIONS[d % DISRUPTIONS.length]!;
    const before = connects;
    await produce(Math.floor(per / 2));
    await disrupt(kind);
    await produce(per - Math.floor(per / 2));
    // Each blow but a slow spell costs the connection; most of the time we wait for the client to be
    // back before the next one, every fourth lands while it is still recovering.
    if (kind !== 'slow' && d % 4 !== 3) await waitUntil(`a new connection after ${kind} (#${d})`, () => connects > before && client.state.state === 'connected', 15_000);
  }
  await produce(opts.alerts - i);
  for (const t of timers) clearTimeout(t);
  proxy.mode = 'pass';

  await waitUntil('the client to catch up with the server', () => client.state.state === 'connected' && client.lastSeq === server.world.seq, 30_000);
  maxBufferedSeen = Math.max(maxBufferedSeen, server.maxBufferedSeen);

  // ---- the client's final state is the server's
  const byId = (a: Alert, b: Alert): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const want = server.world.alerts().sort(byId);
  const got = [...client.store.values()].sort(byId);
  assert.equal(got.length, want.length, 'same number of alerts');
  assert.deepEqual(got, want, 'client store equals the server world (ids, status, updatedAt, every field)');
  assert.equal(want.length, Math.min(ids, i), 'every alert id that was produced is present');
  for (let k = 1; k < applied.length; k++) assert.ok(applied[k]! > applied[k - 1]!, `seq ${applied[k]} applied after ${applied[k - 1]}: duplicate or out of order`);
  assert.equal(client.stats.rejected, 0, 'no frame rejected');

  collectGarbage();
  const heapDeltaMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const result: ChaosResult = { applied: applied.length, snapshots, reconnects: connects - 1, counts, heapDeltaMb, maxBufferedSeen, ms: Date.now() - t0 };
  client.dispose();
  await server.close();
  await proxy.close();
  return result;
}
