import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeClientMessage, encodeMessage } from '../../../src/core/protocol/decode';
import type { StateEvent } from '../../../src/core/protocol/types';
import { AlertClient } from '../../../src/core/transport/alertClient';
import { systemClock } from '../../../src/core/util/clock';
import { MemoryLogger } from '../../../src/core/util/logger';
import { makeAlert, serverExamples } from '../../mocks/protocolExamples';

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A tiny protocol-1 server: snapshot on resume -1, otherwise replay of every event after lastSeq. */
class MiniBridge {
  readonly wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  readonly authHeaders: Array<string | undefined> = [];
  readonly resumes: number[] = [];
  readonly events: StateEvent[] = [];
  private readonly _clients = new Set<WebSocket>();
  /** Set: the snapshot goes out in parts (protocol 1.1), each part only when `nextPart()` is called. */
  chunked: { ids: string[][]; sent: number; ws?: WebSocket } | undefined;

  constructor() {
    this.wss.on('connection', (ws, req) => {
      this.authHeaders.push(req.headers.authorization);
      this._clients.add(ws);
      ws.on('close', () => this._clients.delete(ws));
      const hello = this.chunked ? { ...serverExamples.hello, capabilities: [...(serverExamples.hello as { capabilities: string[] }).capabilities, 'snapshotChunks'] } : serverExamples.hello;
      ws.send(encodeMessage(hello));
      ws.on('message', (data: Buffer) => {
        const r = decodeClientMessage(data.toString('utf8'));
        if (!r.ok || r.value.type !== 'resume') return;
        const lastSeq = r.value.lastSeq;
        this.resumes.push(lastSeq);
        if (lastSeq === -1 && this.chunked && r.value.snapshotChunks === true) {
          this.chunked.sent = 0;
          this.chunked.ws = ws;
          this.nextPart();
        } else if (lastSeq === -1) {
          ws.send(encodeMessage({ type: 'snapshot', seq: this.seq, alerts: [], oncall: null, deploys: [] }));
        } else {
          for (const e of this.events) if (e.seq > lastSeq) ws.send(encodeMessage(e));
        }
      });
    });
  }

  /** Sends the next part of the snapshot in parts, or its end (`snapshot` with `chunks`) after the last part. */
  nextPart(): void {
    const c = this.chunked;
    if (!c?.ws) throw new Error('no chunked snapshot under way');
    const count = c.ids.length;
    if (c.sent < count) {
      c.ws.send(encodeMessage({ type: 'snapshotChunk', seq: this.seq, index: c.sent, count, alerts: c.ids[c.sent]!.map((id) => makeAlert({ id })) }));
      c.sent++;
    } else c.ws.send(encodeMessage({ type: 'snapshot', seq: this.seq, alerts: [], oncall: null, deploys: [], chunks: count }));
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/`;
  }

  get seq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  /** Records an event and sends it to connected clients. */
  publish(id: string): void {
    const e: StateEvent = { type: 'alert', seq: this.seq + 1, alert: makeAlert({ id }) };
    this.events.push(e);
    for (const c of this._clients) c.send(encodeMessage(e));
  }

  dropClients(code = 1001): void {
    for (const c of this._clients) c.close(code, 'going away');
  }

  close(): Promise<void> {
    for (const c of this._clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

describe('AlertClient over a real ws server', () => {
  let bridge: MiniBridge;
  let client: AlertClient | undefined;

  beforeEach(async () => {
    bridge = new MiniBridge();
    await new Promise<void>((r) => bridge.wss.once('listening', () => r()));
  });

  afterEach(async () => {
    client?.dispose();
    await bridge.close();
  });

  it('sends the bearer token, resumes after the server drops it, and gets the missed events replayed', async () => {
    bridge.publish('before');
    client = new AlertClient({
      url: bridge.url,
      getToken: () => Promise.resolve('tok-123'),
      clock: systemClock,
      logger: new MemoryLogger(),
      backoff: { baseMs: 20, capMs: 50 },
    });
    client.connect();
    await until(() => client!.lastSeq === 1, 'the snapshot');
    assert.deepEqual(bridge.authHeaders, ['Bearer tok-123']);
    assert.equal(client.state.state, 'connected');

    bridge.publish('live');
    await until(() => client!.store.has('live'), 'a live event');

    bridge.dropClients(1001);
    await until(() => client!.state.state === 'reconnecting', 'reconnecting');
    bridge.publish('missed-1');
    bridge.publish('missed-2');
    await until(() => client!.store.has('missed-2'), 'the replay');

    assert.deepEqual(bridge.resumes, [-1, 2]);
    assert.deepEqual(bridge.authHeaders, ['Bearer tok-123', 'Bearer tok-123']);
    assert.equal(client.lastSeq, 4);
    assert.deepEqual([...client.store.values()].map((a) => a.id).sort(), ['live', 'missed-1', 'missed-2']);
    assert.equal(client.stats.reconnects, 1);
    assert.equal(client.stats.rejected, 0);
  });

  it('synced: false while a snapshot comes in parts (slowly), true at its end; a resume with replay is synced at once', async () => {
    bridge.publish('e1');
    bridge.chunked = { ids: [['p1', 'p2'], ['p3']], sent: 0 };
    const log = new MemoryLogger();
    client = new AlertClient({ url: bridge.url, getToken: () => Promise.resolve('t'), clock: systemClock, logger: log, backoff: { baseMs: 20, capMs: 50 } });
    const states: Array<[string, boolean | undefined]> = [];
    client.onDidChangeState((st) => states.push([st.state, st.synced]));
    client.connect();
    await until(() => client!.store.has('p2'), 'the first part');
    assert.equal(client.state.state, 'connected');
    assert.equal(client.state.synced, false);
    await new Promise((r) => setTimeout(r, 50));
    bridge.nextPart();
    await until(() => client!.store.has('p3'), 'the second part');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(client.state.synced, false, 'every part in, the end not yet: still loading');
    bridge.nextPart();
    await until(() => client!.state.synced === true, 'the end of the snapshot');
    assert.equal(client.lastSeq, 1);

    // Watched through the state events, not by polling: with a 20 ms backoff the client may be connected again
    // before a poll sees "reconnecting" (a loaded CI machine missed it).
    const before = states.length;
    bridge.dropClients(1001);
    await until(() => states.slice(before).some(([st]) => st === 'reconnecting'), 'reconnecting');
    assert.deepEqual(states.slice(before).find(([st]) => st === 'reconnecting'), ['reconnecting', undefined], 'not synced while reconnecting');
    bridge.publish('missed');
    await until(() => client!.state.state === 'connected', 'reconnected');
    assert.equal(client.state.synced, true, 'resumed with state: synced at hello, before the replay');
    await until(() => client!.store.has('missed'), 'the replay');
    assert.deepEqual(bridge.resumes, [-1, 1]);
    assert.deepEqual(states.filter(([st]) => st === 'connected'), [['connected', false], ['connected', true], ['connected', true]]);
  });
});
