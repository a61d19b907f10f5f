/**
 * The socket seam: AlertClient talks to a `SocketLike`, so tests drive it with a fake and the
 * extension uses `ws`. Only what the client needs is exposed.
 */
import WebSocket from 'ws';

export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without a closing handshake (half-open peers never answer one). */
  terminate(): void;
  ping(): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: string) => void): void;
  on(event: 'close', listener: (code: number, reason: string) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'pong', listener: () => void): void;
}

export interface SocketOptions {
  headers: Record<string, string>;
}

export type SocketFactory = (url: string, options: SocketOptions) => SocketLike;

/**
 * Largest frame accepted; bigger frames close the socket (1009). A snapshot of a 100k-alert storm measured
 * 81 MB in bench/ (one alert in five with a 12-frame stack trace), past the former 64 MiB: the client then
 * reconnected forever and never showed the storm. 256 MiB leaves room for ~300k such alerts; the frame is
 * transient (parsed, then dropped). Chunked snapshots would bound it for good (see bench/README.md).
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Default factory over `ws`. TLS verification stays on (no `rejectUnauthorized: false`, ever);
 * redirects are not followed so the Authorization header cannot be carried to another host.
 */
export const wsSocketFactory: SocketFactory = (url, options) => {
  const ws = new WebSocket(url, {
    headers: options.headers,
    maxPayload: MAX_PAYLOAD_BYTES,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    followRedirects: false,
  });
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
    on(event: 'open' | 'message' | 'close' | 'error' | 'pong', listener: (...args: never[]) => void): void {
      const l = listener as (...args: unknown[]) => void;
      switch (event) {
        case 'message':
          ws.on('message', (data: WebSocket.RawData) => l(rawToString(data)));
          break;
        case 'close':
          ws.on('close', (code: number, reason: Buffer) => l(code, reason.toString('utf8')));
          break;
        case 'error':
          ws.on('error', (err: Error) => l(err));
          break;
        case 'open':
          ws.on('open', () => l());
          break;
        case 'pong':
          ws.on('pong', () => l());
          break;
      }
    },
  };
};

function rawToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
