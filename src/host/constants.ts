/** One source of truth for ids. package.json is checked against these by scripts/check-commands.mjs. */
export const EXTENSION_ID = 'oncall.vscode-oncall';

export const Commands = {
  showLogs: 'oncall.showLogs',
} as const;

export const Views = {
  container: 'oncall',
  alerts: 'oncall.alerts',
} as const;

export const ContextKeys = {
  configured: 'oncall.configured',
} as const;

export const ConfigSection = 'oncall';
