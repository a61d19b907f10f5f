import type { Alert } from '../../core/protocol/types';
import type { Event } from '../../core/util/event';
import type { GroupBy } from '../config';

/** What the Alerts view needs from the alert store (adapted from core's AlertStore in alertsFeature.ts). */
export interface AlertGroup {
  key: string;
  label: string;
  alerts: readonly Alert[];
  triggered: number;
}

export interface AlertsModel {
  readonly onDidChange: Event<unknown>;
  get(id: string): Alert | undefined;
  groups(groupBy: GroupBy): readonly AlertGroup[];
  readonly triggeredCount: number;
  readonly size: number;
  /** Open alerts the source holds but did not send (its open-alert limit): shown as one "N more alerts not shown" row. */
  readonly omitted: number;
}
