import type { SourceModule } from './types';

/**
 * The source modules the CLI can run, by `--source` name. Each real source (alertmanager, pagerduty,
 * splunk-oncall, grafana-irm) is one module with its own options; "demo" is created by the CLI itself
 * because it needs the demo workspace first.
 */
export const SOURCE_NAMES = ['demo', 'alertmanager', 'pagerduty', 'splunk-oncall', 'grafana-irm'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export type SourceFactory = () => Promise<SourceModule>;
