/**
 * A loopback HTTP server that plays a vendor API (PagerDuty, Splunk On-Call, Grafana IRM) in the
 * contract tests: it replays fixtures and records every request (method, path, query, headers, body)
 * so tests can assert exactly what the bridge sent.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from '../../testUtil/paths';
import { ManualClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { BridgeServer } from '../../../src/bridge/server';
import type { SourceModule } from '../../../src/bridge/sources/types';
import { T0 } from './helpers';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When it arrived (Date.now()): the cluster suite checks that two replicas never poll at once. */
  at: number;
  /** What the fake answered (contract tests check replies too). */
  reply?: { status: number; body: string; malformed: boolean };
}

export interface Reply {
  status?: number;
  /** Object → JSON; string → sent as is (malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
  /** A deliberately broken reply (malformed-body tests): left out of the response contract checks. */
  malformed?: boolean;
}

export type Responder = Reply | ((req: Recorded) => Reply);

export class FakeVendor {
  readonly requests: Recorded[] = [];
  private readonly _once = new Map<string, Responder[]>();
  private readonly _always = new Map<string, Responder>();
  private _server: http.Server | undefined;
  url = '';

  /** Every request to `METHOD /path` (exact pathname) gets this answer. */
  on(key: string, r: Responder): this {
    this._always.set(key, r);
    return this;
  }

  /** The next request(s) to `key` get these answers, in order, before falling back to `on`. */
  once(key: string, ...rs: Responder[]): this {
    this._once.set(key, [...(this._once.get(key) ?? []), ...rs]);
    return this;
  }

  of(method: string, path: string): Recorded[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  async start(): Promise<string> {
    this._server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://fake.invalid');
        const rec: Recorded = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        this.requests.push(rec);
        const key = `${rec.method} ${rec.path}`;
        const queue = this._once.get(key);
        const responder = queue?.length ? queue.shift()! : this._always.get(key);
        const reply: Reply = responder === undefined ? { status: 404, body: { error: { message: `no fake for ${key}` } } } : typeof responder === 'function' ? responder(rec) : responder;
        const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        rec.reply = { status: reply.status ?? 200, body: text, malformed: reply.malformed === true || responder === undefined };
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(text);
      });
    });
    await new Promise<void>((r) => this._server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this._server.address() as AddressInfo).port}`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      if (!this._server) return r();
      this._server.closeAllConnections();
      this._server.close(() => r());
    });
  }
}

export function loadFixture(vendor: string, name: string): unknown {
  return JSON.parse(fs.readFileSync(fixture(vendor, name), 'utf8'));
}

export function rawFixture(vendor: string, name: string): string {
  return fs.readFileSync(fixture(vendor, name), 'utf8');
}

export const BRIDGE_TOKEN = 'bridge-test-token-0123456789abcdef';

export interface VendorBridge {
  server: BridgeServer;
  clock: ManualClock;
  logger: MemoryLogger;
  httpUrl: string;
}

/** A real bridge around a vendor module; ManualClock so polls happen only when a test asks. */
export async function startVendorBridge(source: SourceModule, now = T0): Promise<VendorBridge> {
  const clock = new ManualClock(now);
  const logger = new MemoryLogger();
  const server = new BridgeServer({ source, port: 0, token: BRIDGE_TOKEN, clock, logger, initialSeq: 100, heartbeatMs: 86_400_000 });
  await server.start();
  const a = server.address();
  return { server, clock, logger, httpUrl: `http://127.0.0.1:${a.port}` };
}

/** Recorded sleeps (Retry-After waits) that return at once. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: await res.text() };
}
