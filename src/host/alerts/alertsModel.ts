import type { Alert } from '../../core/protocol/types';
import type { Event } from '../../core/util/event';
import type { GroupBy } from '../config';

/** What the Alerts view needs from the alert store (adapted from core's AlertStore in alertsFeature.ts). */
export interface AlertGroup {
  key: string;
  label: string;
  size: number;
  triggered: number;
  /** The first `n` alerts in display order: only what the page shows is ordered (a storm has 100k). */
  top(n: number): readonly Alert[];
}

export interface AlertsModel {
  readonly onDidChange: Event<unknown>;
  get(id: string): Alert | undefined;
  /** The key of the group `alert` belongs to under `groupBy`. */
  groupKeyOf(alert: Alert, groupBy: GroupBy): string;
  groups(groupBy: GroupBy): readonly AlertGroup[];
  readonly triggeredCount: number;
  readonly size: number;
  /** Open alerts the source holds but did not send (its open-alert limit): shown as one "N more alerts not shown" row. */
  readonly omitted: number;
}
