/**
 * WebSocket close codes of the protocol (docs/protocol.md, "Close codes"): the bridge closes with them, the
 * client decides by them whether to retry. Beside `PROTOCOL_VERSION` (types.ts) so the two sides cannot drift.
 */
export const CloseCodes = {
  /** The client closes on purpose (disconnect, dispose). */
  normal: 1000,
  /** The server restarts or shuts down: reconnect with backoff, then resume. */
  goingAway: 1001,
  /** Bad or missing token: the client stops retrying and asks for a new one. */
  unauthorized: 4001,
  /** The server's send queue for this client overflowed: reconnect, then resume. */
  slowClient: 4008,
  /** The client kept sending faster than the per-client message rate: reconnect, then resume. */
  rateLimited: 4029,
} as const;

export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];
