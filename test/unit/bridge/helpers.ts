import WebSocket from 'ws';
import { decodeServerMessage } from '../../../src/core/protocol/decode';
import type { ServerMessage } from '../../../src/core/protocol/types';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { BridgeServer, type BridgeServerOptions } from '../../../src/bridge/server';
import { DemoSource } from '../../../src/bridge/sources/demo/demoSource';
import { builtinDemoCommits } from '../../../src/bridge/sources/demo/workspace';

/** A Monday morning in UTC; the demo world is computed from "now", so any fixed instant works. */
export const T0 = Date.parse('2026-11-23T10:17:00Z');

export interface TestBridge {
  server: BridgeServer;
  source: DemoSource;
  clock: ManualClock;
  logger: MemoryLogger;
  url: string;
}

export async function startTestBridge(opts: Partial<BridgeServerOptions> = {}): Promise<TestBridge> {
  const clock = new ManualClock(T0);
  const logger = new MemoryLogger();
  // A long interval: tests drive the world with source.tick() and clock.advance().
  const source = new DemoSource({ commits: builtinDemoCommits(), seed: 42, intervalMs: 3_600_000 });
  // Heartbeat far away unless a test wants it: advancing the ManualClock fires due timers synchronously.
  const server = new BridgeServer({ source, port: 0, demoMode: true, clock, logger, initialSeq: 100, heartbeatMs: 86_400_000, ...opts });
  await server.start();
  return { server, source, clock, logger, url: server.url };
}

/**
 * Bridges and ws clients that a describe block's tests open, all closed after each test (registers the
 * afterEach hook; call it inside `describe`). `start` opens a bridge; `dial` a client of the current one
 * (or of any URL).
 */
export function useTestBridges(): {
  start(opts?: Partial<BridgeServerOptions>): Promise<TestBridge>;
  dial(url?: string, headers?: Record<string, string>): TestClient;
  /** Closes this client after the test too (one made with other options). */
  track(c: TestClient): TestClient;
  readonly bridge: TestBridge;
} {
  let current: TestBridge | undefined;
  /** Every bridge started in this test (a test may start a second one): all are closed after it. */
  const started: TestBridge[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    current = undefined;
    await Promise.all(started.splice(0).map((b) => b.server.close()));
  });
  return {
    async start(opts = {}) {
      current = await startTestBridge(opts);
      started.push(current);
      return current;
    },
    dial(url, headers) {
      const target = url ?? current?.url;
      if (!target) throw new Error('useTestBridges: dial() before start()');
      const c = new TestClient(target, headers ? { headers } : undefined);
      clients.push(c);
      return c;
    },
    track(c) {
      clients.push(c);
      return c;
    },
    get bridge() {
      if (!current) throw new Error('useTestBridges: no bridge started in this test');
      return current;
    },
  };
}

/** A real ws client that records every message (validated by the protocol decoder) and waits for them. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  readonly ws: WebSocket;
  closeCode: number | undefined;
  private _waiters: Array<() => void> = [];
  private _read = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(url: string, options?: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve((this.closeCode = code))));
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data: Buffer) => {
      const r = decodeServerMessage(data.toString());
      if (!r.ok) throw new Error(`server sent an invalid message: ${r.error}\n${data.toString().slice(0, 300)}`);
      this.messages.push(r.value);
      for (const w of this._waiters.splice(0)) w();
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next message not yet consumed by `next`, waiting for it if needed. */
  async next(timeoutMs = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this._read >= this.messages.length) {
      if (Date.now() > deadline) throw new Error(`no message within ${timeoutMs} ms (got ${this.messages.map((m) => m.type).join(', ')})`);
      await new Promise<void>((resolve) => {
        this._waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.messages[this._read++]!;
  }

  async nextOfType<T extends ServerMessage['type']>(type: T, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.type === type) return m as Extract<ServerMessage, { type: T }>;
    }
  }

  /** hello + resume(lastSeq) → the answer's first message. */
  async handshake(lastSeq = -1): Promise<ServerMessage> {
    await this.opened;
    const hello = await this.next();
    if (hello.type !== 'hello') throw new Error(`expected hello, got ${hello.type}`);
    this.send({ type: 'resume', lastSeq });
    return this.next();
  }

  /** Nothing more arrives within `ms`. */
  async quiet(ms = 150): Promise<ServerMessage[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.messages.slice(this._read);
  }

  close(): void {
    this.ws.close();
  }
}

export async function waitUntil(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
