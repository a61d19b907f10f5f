/**
 * Builds the connection for the configured source type (`oncall.sourceType`):
 *  - "bridge" (default): the On-Call protocol (AlertClient) — the demo, Alertmanager, PagerDuty,
 *    Splunk On-Call, Grafana IRM all come this way, through the bridge;
 *  - "ntfy" / "gotify": direct WebSocket to the push service, no bridge.
 */
import { AlertClient, type AlertClientOptions } from './alertClient';
import type { AlertSourceConnection } from './connection';
import { GotifyConnection, type GotifyConnectionOptions } from './gotifyConnection';
import { NtfyConnection, type NtfyConnectionOptions } from './ntfyConnection';

export const SOURCE_TYPES = ['bridge', 'ntfy', 'gotify'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export function isSourceType(x: unknown): x is SourceType {
  return typeof x === 'string' && (SOURCE_TYPES as readonly string[]).includes(x);
}

export type ConnectionOptions = AlertClientOptions & Partial<Pick<GotifyConnectionOptions, 'allowDelete' | 'fetch' | 'catchUpLimit'>> & Partial<Pick<NtfyConnectionOptions, 'initialSince'>>;

export function createConnection(kind: SourceType, options: ConnectionOptions): AlertSourceConnection {
  const direct = {
    url: options.url,
    clock: options.clock,
    logger: options.logger,
    ...(options.getToken ? { getToken: options.getToken } : {}),
    ...(options.allowInsecure !== undefined ? { allowInsecure: options.allowInsecure } : {}),
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.stableAfterMs !== undefined ? { stableAfterMs: options.stableAfterMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxResolved !== undefined ? { maxResolved: options.maxResolved } : {}),
    ...(options.maxResolvedAgeMs !== undefined ? { maxResolvedAgeMs: options.maxResolvedAgeMs } : {}),
  };
  switch (kind) {
    case 'ntfy':
      return new NtfyConnection({ ...direct, ...(options.initialSince !== undefined ? { initialSince: options.initialSince } : {}) });
    case 'gotify':
      return new GotifyConnection({
        ...direct,
        allowDelete: options.allowDelete ?? false,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.catchUpLimit !== undefined ? { catchUpLimit: options.catchUpLimit } : {}),
      });
    case 'bridge':
      return new AlertClient(options);
  }
}
