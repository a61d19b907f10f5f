/**
 * A TCP proxy between a client and the bridge that can misbehave on command: black-hole traffic (a
 * half-open path: nothing arrives, nothing fails), throttle the server→client direction (a slow
 * reader), reset either side (RST), or close either side (FIN without a WebSocket close).
 */
import * as net from 'node:net';

export type ProxyMode = 'pass' | 'stall' | 'slow' | 'block';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class ChaosProxy {
  private readonly _server: net.Server;
  private readonly _pairs = new Set<Pair>();
  private _mode: ProxyMode = 'pass';
  /** Delay per server→client chunk in 'slow' mode. */
  slowDelayMs = 3;
  connections = 0;

  constructor(private readonly _target: () => number) {
    this._server = net.createServer((client) => this._accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this._server.listen(0, '127.0.0.1', r));
    return (this._server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this._server.address() as net.AddressInfo).port}/`;
  }

  /**
   * pass: forward; stall: drop everything both ways (half-open); slow: delay each server→client chunk;
   * block: stop reading from the bridge (a client that does not read: the bridge's queue grows).
   */
  get mode(): ProxyMode {
    return this._mode;
  }

  set mode(m: ProxyMode) {
    this._mode = m;
    for (const p of this._pairs) {
      if (m === 'block') p.upstream.pause();
      else p.upstream.resume();
    }
  }

  get open(): number {
    return this._pairs.size;
  }

  /** RST to the client (it sees ECONNRESET), and the bridge side is dropped. */
  resetClients(): void {
    for (const p of this._pairs) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
  }

  /** RST to the bridge; the client side is then closed too (FIN). */
  resetUpstreams(): void {
    for (const p of this._pairs) p.upstream.resetAndDestroy();
  }

  /** FIN both ways without a WebSocket closing handshake (the client sees 1006). */
  endAll(): void {
    for (const p of this._pairs) {
      p.client.end();
      p.upstream.end();
    }
  }

  async close(): Promise<void> {
    for (const p of this._pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((r) => this._server.close(() => r()));
  }

  private _accept(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this._target(), '127.0.0.1');
    const pair: Pair = { client, upstream };
    if (this._mode === 'block') upstream.pause();
    this._pairs.add(pair);
    const drop = (): void => {
      this._pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('data', (d: Buffer) => {
      if (this.mode === 'stall') return; // black hole
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (this.mode === 'stall') return;
      if (this.mode === 'slow') {
        // Real back-pressure: the proxy stops reading from the bridge while it dawdles.
        upstream.pause();
        setTimeout(() => {
          if (!client.destroyed) client.write(d);
          if (this._mode !== 'block') upstream.resume();
        }, this.slowDelayMs);
        return;
      }
      client.write(d);
    });
  }
}
