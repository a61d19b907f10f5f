import type * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';

/**
 * A row under an alert in the Alerts view (stack frames, suspect commits, the deploy in effect, ...).
 * Features contribute them through `AlertChildrenContributor`, so the tree provider stays generic.
 * Labels/descriptions must already be sanitised (displayText) — they come from alert data.
 */
export interface AlertChild {
  /** Unique among the alert's children (stable across refreshes, for selection and expansion). */
  id: string;
  label: string;
  description?: string;
  tooltip?: string | vscode.MarkdownString;
  icon?: vscode.ThemeIcon;
  command?: vscode.Command;
  contextValue?: string;
  /** Nested rows (e.g. frames under "Stack"); collapsed unless `expanded`. */
  children?: AlertChild[];
  expanded?: boolean;
}

export interface AlertChildrenContributor {
  /** Lower comes first. */
  readonly order: number;
  /** Cheap check: does this alert have rows from this contributor? (decides whether the alert is expandable) */
  hasChildren(alert: Alert): boolean;
  /** May be slow (git, file index): called only when the user expands the alert. */
  children(alert: Alert): Promise<AlertChild[]>;
}
