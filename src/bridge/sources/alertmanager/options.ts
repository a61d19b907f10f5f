/**
 * The Alertmanager source's command-line options: declared here (args.ts spreads them into its parser
 * and calls `parseAlertmanagerArgs`), so the source's flags, defaults and checks live in one place.
 */
import { readTokenFile, isLoopbackHost, weakTokenReason } from '../../auth';
import type { Logger } from '../../../core/util/logger';
import { AlertmanagerSource } from './alertmanagerSource';
import { errorText } from '../../../core/util/errors';

export const ALERTMANAGER_CLI_OPTIONS = {
  'alertmanager-url': { type: 'string' },
  'alertmanager-severity-label': { type: 'string' },
  'alertmanager-service-labels': { type: 'string' },
  'alertmanager-trace-annotation': { type: 'string' },
  'alertmanager-reconcile-seconds': { type: 'string' },
  'alertmanager-restart-grace-seconds': { type: 'string' },
  'ack-silence-minutes': { type: 'string' },
  'webhook-token-file': { type: 'string' },
} as const;

export const ALERTMANAGER_USAGE = `Alertmanager (--source alertmanager):
  --alertmanager-url URL      Alertmanager's base URL, e.g. http://127.0.0.1:9093 (required)
  --webhook-token-file PATH   shared secret (at least 32 bytes) Alertmanager sends as
                              "Authorization: Bearer" on POST /webhooks/alertmanager. Without it the
                              bridge generates one on first run in --state-dir (file webhook-secret,
                              0600) and prints the Alertmanager configuration that uses it
  --ack-silence-minutes N     how long an acknowledge silences the alert (default 120)
  --alertmanager-severity-label NAME      label holding the severity (default severity)
  --alertmanager-service-labels A,B,C     first set label names the service (default service,job,app)
  --alertmanager-trace-annotation NAME    annotation holding a stack trace (default stack_trace)
  --alertmanager-reconcile-seconds N      re-read GET /api/v2/alerts this often (default 30)
  --alertmanager-restart-grace-seconds N  after Alertmanager restarts, keep alerts it has not been
                              sent again for this long before resolving them (default 180)
`;

export interface AlertmanagerArgs {
  url: string;
  severityLabel: string;
  serviceLabels: string[];
  traceAnnotation: string;
  ackSilenceMinutes: number;
  reconcileSeconds: number;
  restartGraceSeconds: number;
  webhookTokenFile?: string;
}

type Values = { [K in keyof typeof ALERTMANAGER_CLI_OPTIONS]?: string | undefined };

function int(name: string, raw: string | undefined, def: number, min: number, max: number): number | string {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw.trim())) return `--${name} must be a whole number, got "${raw}"`;
  const n = Number(raw);
  if (n < min || n > max) return `--${name} must be between ${min} and ${max}, got ${raw}`;
  return n;
}

/** Label/annotation names as Alertmanager 0.25 accepts them. */
const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks the Alertmanager options. `undefined` = the source is not alertmanager and none was given;
 * a string = the error to print.
 */
export function parseAlertmanagerArgs(values: Values, source: string): AlertmanagerArgs | undefined | string {
  if (source !== 'alertmanager') {
    const stray = Object.keys(ALERTMANAGER_CLI_OPTIONS).find((k) => (k.startsWith('alertmanager-') || k === 'ack-silence-minutes') && values[k as keyof Values] !== undefined);
    return stray ? `--${stray} only applies to --source alertmanager` : undefined;
  }
  const url = values['alertmanager-url']?.trim();
  if (!url) return '--source alertmanager needs --alertmanager-url URL (e.g. http://127.0.0.1:9093)';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Credentials in a malformed URL are still credentials: never echo them.
    return `--alertmanager-url must be an http(s) URL, got "${url.replace(/\/\/[^@/]*@/, '//…@')}"`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `--alertmanager-url must be an http(s) URL, got ${parsed.protocol}`;
  if (parsed.search || parsed.hash) return '--alertmanager-url must not have a query or fragment (give the base URL, e.g. http://host:9093)';

  const severityLabel = values['alertmanager-severity-label']?.trim() ?? 'severity';
  if (!NAME_RE.test(severityLabel)) return `--alertmanager-severity-label must be a label name, got "${severityLabel}"`;
  const traceAnnotation = values['alertmanager-trace-annotation']?.trim() ?? 'stack_trace';
  if (!NAME_RE.test(traceAnnotation)) return `--alertmanager-trace-annotation must be an annotation name, got "${traceAnnotation}"`;
  const serviceLabels = (values['alertmanager-service-labels'] ?? 'service,job,app').split(',').map((s) => s.trim()).filter(Boolean);
  if (serviceLabels.length === 0 || !serviceLabels.every((s) => NAME_RE.test(s))) return `--alertmanager-service-labels must be label names separated by commas, got "${values['alertmanager-service-labels'] ?? ''}"`;

  const ack = int('ack-silence-minutes', values['ack-silence-minutes'], 120, 1, 7 * 24 * 60);
  if (typeof ack === 'string') return ack;
  const every = int('alertmanager-reconcile-seconds', values['alertmanager-reconcile-seconds'], 30, 1, 3600);
  if (typeof every === 'string') return every;
  const grace = int('alertmanager-restart-grace-seconds', values['alertmanager-restart-grace-seconds'], 180, 0, 86_400);
  if (typeof grace === 'string') return grace;
  const tokenFile = values['webhook-token-file'];
  if (tokenFile !== undefined && !tokenFile.trim()) return '--webhook-token-file needs a path';

  const out: AlertmanagerArgs = { url, severityLabel, serviceLabels, traceAnnotation, ackSilenceMinutes: ack, reconcileSeconds: every, restartGraceSeconds: grace };
  if (tokenFile !== undefined) out.webhookTokenFile = tokenFile;
  return out;
}

/** Thrown for a configuration the bridge must not run with (the CLI turns it into exit 2). */
export class AlertmanagerConfigError extends Error {}

/**
 * Builds the source from its options. Without a webhook secret, anyone who can reach the bridge could
 * post fake alerts: that is only acceptable when the bridge listens on loopback.
 */
export async function createAlertmanagerSource(args: AlertmanagerArgs, host: string, logger: Logger): Promise<AlertmanagerSource> {
  let webhookToken: string | undefined;
  if (args.webhookTokenFile !== undefined) {
    try {
      webhookToken = await readTokenFile(args.webhookTokenFile);
    } catch (e) {
      throw new AlertmanagerConfigError(`cannot use --webhook-token-file: ${errorText(e)}`);
    }
    const weak = weakTokenReason(webhookToken, `the webhook secret in ${args.webhookTokenFile}`);
    if (weak) throw new AlertmanagerConfigError(weak);
  } else if (!isLoopbackHost(host)) {
    throw new AlertmanagerConfigError(
      `the bridge listens on ${host}, so POST /webhooks/alertmanager would accept alerts from anyone: drop --insecure-unauthenticated-webhooks (the bridge then uses its webhook secret) or pass --webhook-token-file, and set the same secret in Alertmanager's webhook_configs http_config.authorization.credentials_file`,
    );
  } else {
    logger.warn('--insecure-unauthenticated-webhooks: the Alertmanager webhook accepts unauthenticated posts from this machine (the bridge listens on loopback; web pages and foreign Host names are refused)');
  }
  const opts: ConstructorParameters<typeof AlertmanagerSource>[0] = {
    url: args.url,
    severityLabel: args.severityLabel,
    serviceLabels: args.serviceLabels,
    traceAnnotation: args.traceAnnotation,
    ackSilenceMinutes: args.ackSilenceMinutes,
    reconcileIntervalMs: args.reconcileSeconds * 1000,
    restartGraceMs: args.restartGraceSeconds * 1000,
  };
  if (webhookToken !== undefined) opts.webhookToken = webhookToken;
  return new AlertmanagerSource(opts);
}
