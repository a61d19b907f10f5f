/** A loopback server speaking ntfy's or Gotify's WebSocket + REST, recording upgrades and requests. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Upgrade {
  url: string;
  headers: http.IncomingHttpHeaders;
}

export class FakePushServer {
  readonly upgrades: Upgrade[] = [];
  readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  readonly sockets: WebSocket[] = [];
  rest: (method: string, url: string) => { status: number; body?: unknown } = () => ({ status: 404 });
  /** Called for each new socket (after it is recorded). */
  onSocket: (ws: WebSocket, up: Upgrade) => void = () => undefined;
  private readonly _http = http.createServer((req, res) => {
    this.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    const r = this.rest(req.method ?? 'GET', req.url ?? '/');
    const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(text);
  });
  private readonly _wss = new WebSocketServer({ noServer: true });
  port = 0;

  async start(): Promise<void> {
    this._http.on('upgrade', (req: http.IncomingMessage, socket, head) => {
      const up: Upgrade = { url: req.url ?? '/', headers: req.headers };
      this.upgrades.push(up);
      this._wss.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.push(ws);
        this.onSocket(ws, up);
      });
    });
    await new Promise<void>((r) => this._http.listen(0, '127.0.0.1', r));
    this.port = (this._http.address() as AddressInfo).port;
  }

  get last(): WebSocket {
    const ws = this.sockets[this.sockets.length - 1];
    if (!ws) throw new Error('no socket yet');
    return ws;
  }

  send(frame: unknown): void {
    this.last.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this._wss.close();
    this._http.closeAllConnections();
    await new Promise<void>((r) => this._http.close(() => r()));
  }
}
