// PLACEHOLDER (being written): validation of inbound protocol messages.
import type { ClientMessage, ServerMessage } from './types';

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses and validates one text frame from the server. Never throws. */
export function decodeServerMessage(_data: string): DecodeResult<ServerMessage> {
  return { ok: false, error: 'decoder not written yet' };
}

/** Parses and validates one text frame from a client. Never throws. */
export function decodeClientMessage(_data: string): DecodeResult<ClientMessage> {
  return { ok: false, error: 'decoder not written yet' };
}
