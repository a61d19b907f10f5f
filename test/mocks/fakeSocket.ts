import type { SocketFactory, SocketLike, SocketOptions } from '../../src/core/transport/socket';
import { encodeMessage } from '../../src/core/protocol/decode';
import type { ClientMessage, ServerMessage } from '../../src/core/protocol/types';

type Listener = (...args: never[]) => void;

/** A scriptable SocketLike: tests play the server by calling open/receive/serverClose. */
export class FakeSocket implements SocketLike {
  readonly sent: string[] = [];
  pings = 0;
  closed: { code?: number; reason?: string } | undefined;
  terminated = false;
  private readonly _listeners = new Map<string, Listener[]>();

  constructor(
    readonly url: string,
    readonly options: SocketOptions,
  ) {}

  on(event: string, listener: Listener): void {
    const ls = this._listeners.get(event) ?? [];
    ls.push(listener);
    this._listeners.set(event, ls);
  }

  send(data: string): void {
    if (this.closed || this.terminated) throw new Error('socket is closed');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }

  terminate(): void {
    this.terminated = true;
  }

  ping(): void {
    this.pings++;
  }

  /** Client messages sent so far, parsed. */
  get messages(): ClientMessage[] {
    return this.sent.map((s) => JSON.parse(s) as ClientMessage);
  }

  lastMessage(): ClientMessage | undefined {
    return this.messages.at(-1);
  }

  // ---- the server side ----

  emit(event: string, ...args: unknown[]): void {
    for (const l of this._listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  }

  open(): void {
    this.emit('open');
  }

  receive(msg: ServerMessage | string): void {
    this.emit('message', typeof msg === 'string' ? msg : encodeMessage(msg));
  }

  pong(): void {
    this.emit('pong');
  }

  serverClose(code = 1006, reason = ''): void {
    this.emit('close', code, reason);
  }

  error(err: Error): void {
    this.emit('error', err);
  }
}

/** A SocketFactory that records every socket it makes. */
export class FakeSocketFactory {
  readonly sockets: FakeSocket[] = [];
  readonly create: SocketFactory = (url, options) => {
    const s = new FakeSocket(url, options);
    this.sockets.push(s);
    return s;
  };

  get last(): FakeSocket {
    const s = this.sockets.at(-1);
    if (!s) throw new Error('no socket was created');
    return s;
  }
}
