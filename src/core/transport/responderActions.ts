/**
 * Protocol 1.1 responder actions as a connection offers them (docs/protocol.md): each request is answered by one
 * `result`; the promise resolves with it on `ok: true` and rejects with the source's reason otherwise (or when the
 * source does not offer the action, is not connected, or does not answer in time).
 */
import type { ReassignTarget, ReassignTargetKind, RequestCapability, ResultMessage } from '../protocol/types';

export interface OverrideRequest {
  rotationId: string;
  start: Date | string;
  end: Date | string;
  /** Who takes the shift (the source's user id); absent = the configured actor ("me"). */
  userId?: string;
}

export interface ResponderConnection {
  /**
   * Why the connected source does not offer `capability` (in words for the user), or undefined when it does.
   * "not connected" while there is no connection.
   */
  unsupportedReason(capability: RequestCapability): string | undefined;
  /** When reassign is offered: why this kind of target is not (the source's words), or undefined when it is. */
  unsupportedReassignTarget?(kind: ReassignTargetKind): string | undefined;
  snooze(alertIds: readonly string[], until: Date | string): Promise<ResultMessage>;
  reassign(alertIds: readonly string[], to: ReassignTarget): Promise<ResultMessage>;
  escalate(alertIds: readonly string[], level?: number): Promise<ResultMessage>;
  note(alertId: string, text: string): Promise<ResultMessage>;
  override(req: OverrideRequest): Promise<ResultMessage>;
}
