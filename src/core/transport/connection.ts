/**
 * The transport contract: what the extension needs from any alert source connection, whoever implements it —
 * `AlertClient` (the bridge protocol, alertClient.ts) or a direct connection to ntfy/Gotify
 * (directConnection.ts). Types only: the features, the socket layer and each implementation import this
 * file, never each other (issue 15 §5: this broke the alertClient ↔ reconnectingSocket import cycle).
 */
import type { AlertStore } from '../alerts/alertStore';
import type { FiringHistory } from '../alerts/firingHistory';
import type { Deploy, ErrorMessage, HelloMessage, OnCallState, ResultMessage } from '../protocol/types';
import type { IDisposable } from '../util/disposable';
import type { Event } from '../util/event';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionStateInfo {
  state: ConnectionState;
  /** Epoch ms of the next connection attempt, while one is scheduled. */
  retryAt?: number;
  /** Why the last connection failed or closed, in words for the user. */
  lastError?: string;
  /** The server's hello, while connected. */
  server?: HelloMessage;
  /**
   * While connected: whether the source's current state is in. False from `hello` until the first complete
   * snapshot on this connection is applied (a 100k-alert snapshot in parts takes seconds; meanwhile "0 firing"
   * would be false comfort); true at once when the client resumed and holds state, and for sources without a
   * snapshot phase (ntfy, Gotify). Absent when not connected (and from connections that do not say: read as true).
   * Requests work while it is false: it says what the list shows, not whether actions can be sent.
   */
  synced?: boolean;
}

export interface ClientStats {
  /** Frames received. */
  received: number;
  /** State events and snapshots applied. */
  applied: number;
  /** Frames that failed validation (each logged once). */
  rejected: number;
  /** State events with seq <= lastSeq, ignored. */
  duplicates: number;
  /** Times a seq gap was detected (each sends a resume). */
  gaps: number;
  /** Reconnect attempts started. */
  reconnects: number;
}

export interface Annotation {
  kind: string;
  text: string;
  service?: string;
}

/**
 * What the extension needs from any alert source connection. AlertClient (the bridge protocol) and the
 * direct ntfy/Gotify connections implement it.
 */
/** How much of a snapshot in parts is in. */
export interface SnapshotProgress {
  readonly received: number;
  readonly total: number;
}

export interface AlertSourceConnection extends IDisposable {
  readonly state: ConnectionStateInfo;
  readonly onDidChangeState: Event<ConnectionStateInfo>;
  readonly store: AlertStore;
  /** Latest on-call state, or null before the source sent one. */
  readonly oncall: OnCallState | null;
  readonly onDidChangeOnCall: Event<OnCallState | null>;
  /** Known deploys, deduplicated by id, oldest first. */
  readonly deploys: readonly Deploy[];
  /** A live deploy event (new deploy or a status change of a known one). */
  readonly onDidReceiveDeploy: Event<Deploy>;
  /** The deploy list was replaced (snapshot) or changed. */
  readonly onDidChangeDeploys: Event<readonly Deploy[]>;
  readonly onDidReceiveError: Event<ErrorMessage['error']>;
  /**
   * Open alerts the source holds but did not send (its open-alert limit; docs/protocol.md), as of the last
   * state applied. Absent or 0 for sources without a limit.
   */
  readonly omittedAlerts?: number;
  readonly onDidChangeOmittedAlerts?: Event<number>;
  /** Protocol 1.1: recent firings per rule and service (the bridge's `snapshot.history` plus live events). */
  readonly history?: FiringHistory;
  /** True once the source sent a history (a source without one: "no history"). */
  readonly hasHistory?: boolean;
  readonly onDidChangeHistory?: Event<void>;
  /** While a snapshot arrives in parts (protocol 1.1): how many of how many are in. */
  readonly snapshotProgress?: SnapshotProgress | undefined;
  readonly stats: Readonly<ClientStats>;
  connect(): void;
  disconnect(): void;
  ack(alertIds: readonly string[]): Promise<ResultMessage>;
  unack(alertIds: readonly string[]): Promise<ResultMessage>;
  resolve(alertIds: readonly string[]): Promise<ResultMessage>;
  annotate(annotation: Annotation): Promise<ResultMessage>;
}
