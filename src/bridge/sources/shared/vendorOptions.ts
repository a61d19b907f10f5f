/**
 * Command-line options of the PagerDuty, Splunk On-Call and Grafana IRM sources, in one place:
 * args.ts spreads VENDOR_CLI_OPTIONS into its parser and calls `parseVendorArgs` (pure), cli.ts calls
 * `createVendorSource`, which reads the secrets.
 *
 * Secrets never come from the command line (it shows up in `ps` and shell history): only from an
 * environment variable or a `--*-file` (first line; the webhook secrets file: one per line).
 */
import * as fs from 'node:fs/promises';
import type { Logger } from '../../../core/util/logger';
import { readTokenFile } from '../../auth';
import { BridgeConfigError } from '../../server';
import { GrafanaIrmSource } from '../grafanaIrm/grafanaIrmSource';
import { PagerDutySource } from '../pagerduty/pagerdutySource';
import { SplunkOnCallSource } from '../splunkOnCall/splunkOnCallSource';
import type { SourceModule } from '../types';
import { errorText } from '../../../core/util/errors';

export const VENDOR_SOURCES = ['pagerduty', 'splunk-oncall', 'grafana-irm'] as const;
export type VendorSourceName = (typeof VENDOR_SOURCES)[number];

export const VENDOR_CLI_OPTIONS = {
  'poll-seconds': { type: 'string' },
  'pagerduty-token-file': { type: 'string' },
  'pagerduty-webhook-secret-file': { type: 'string' },
  'pagerduty-from': { type: 'string' },
  'pagerduty-api-url': { type: 'string' },
  'pagerduty-service-ids': { type: 'string' },
  'pagerduty-team-ids': { type: 'string' },
  'pagerduty-schedule-ids': { type: 'string' },
  'pagerduty-escalation-policy-ids': { type: 'string' },
  'pagerduty-change-events': { type: 'string' },
  'splunk-oncall-api-id': { type: 'string' },
  'splunk-oncall-key-file': { type: 'string' },
  'splunk-oncall-user': { type: 'string' },
  'splunk-oncall-teams': { type: 'string' },
  'splunk-oncall-api-url': { type: 'string' },
  'grafana-irm-url': { type: 'string' },
  'grafana-irm-token-file': { type: 'string' },
  'grafana-url': { type: 'string' },
  'grafana-irm-schedule-ids': { type: 'string' },
  'grafana-auth-scheme': { type: 'string' },
  'grafana-irm-webhook-secret-file': { type: 'string' },
} as const;

export const VENDOR_USAGE = `PagerDuty (--source pagerduty):
  PAGERDUTY_TOKEN / --pagerduty-token-file PATH   REST API key (required)
  PAGERDUTY_WEBHOOK_SECRETS / --pagerduty-webhook-secret-file PATH
                              Webhooks v3 signing secret(s), comma-separated / one per line; enables
                              POST /webhooks/pagerduty (without it: polling only)
  --pagerduty-from EMAIL      "From" for ack/resolve when the user's identity is not an email
  --pagerduty-service-ids A,B / --pagerduty-team-ids A,B      only these incidents
  --pagerduty-schedule-ids A,B / --pagerduty-escalation-policy-ids A,B   only this on-call data
  --pagerduty-api-url URL     default https://api.pagerduty.com (EU: https://api.eu.pagerduty.com)
  --pagerduty-change-events on|off   change events (listChangeEvents) as deploys (default on)

Splunk On-Call (--source splunk-oncall):
  SPLUNK_ONCALL_API_ID / --splunk-oncall-api-id ID          API id (required)
  SPLUNK_ONCALL_API_KEY / --splunk-oncall-key-file PATH     API key (required)
  --splunk-oncall-user NAME   Splunk On-Call user name for ack/resolve when the user has no handle
  --splunk-oncall-teams A,B   team slugs whose schedules are shown (default: teams on call now)
  --splunk-oncall-api-url URL default https://api.victorops.com

Grafana IRM / OnCall (--source grafana-irm):
  --grafana-irm-url URL       OnCall API URL (required; Grafana Cloud: Alerts & IRM → OnCall → Settings)
  GRAFANA_IRM_TOKEN / --grafana-irm-token-file PATH         API token (required)
  --grafana-url URL           Grafana stack URL, sent as X-Grafana-URL (needed with a glsa_ service-account
                              token; such tokens may only read: no ack/resolve from the editor)
  --grafana-auth-scheme none|bearer   "Authorization: <token>" (default, as the OnCall API reference)
                              or "Authorization: Bearer <token>"
  --grafana-irm-schedule-ids A,B                            only these schedules
  GRAFANA_IRM_WEBHOOK_SECRET / --grafana-irm-webhook-secret-file PATH
                              shared secret(s) of OnCall outgoing webhooks (their "Authorization Header");
                              enables POST /webhooks/grafana-irm (without it: polling only)

PagerDuty, Splunk On-Call, Grafana IRM:
  --poll-seconds N            poll interval (default 30; backs off on errors and rate limits)
`;

export interface VendorArgs {
  source: VendorSourceName;
  pollSeconds: number;
  /** Raw option values (validated); secrets are read from env/files by createVendorSource. */
  values: { -readonly [K in keyof typeof VENDOR_CLI_OPTIONS]?: string };
}

type Values = { [K in keyof typeof VENDOR_CLI_OPTIONS]?: string | undefined };

const PREFIX: Record<VendorSourceName, string> = { pagerduty: 'pagerduty-', 'splunk-oncall': 'splunk-oncall-', 'grafana-irm': 'grafana-' };

function httpUrl(name: string, raw: string): string | undefined {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return `--${name} must be an http(s) URL, got ${u.protocol}`;
    if (u.username || u.password) return `--${name} must not contain a user name or password (use the token options)`;
    return undefined;
  } catch {
    return `--${name} must be an http(s) URL, got "${raw.replace(/\/\/[^@/]*@/, '//…@')}"`;
  }
}

/** `undefined`: not a vendor source and no vendor option given; a string: the error to print. */
export function parseVendorArgs(values: Values, source: string): VendorArgs | undefined | string {
  const isVendor = (VENDOR_SOURCES as readonly string[]).includes(source);
  for (const [name, prefix] of Object.entries(PREFIX)) {
    if (name === source) continue;
    const stray = Object.keys(VENDOR_CLI_OPTIONS).find((k) => k.startsWith(prefix) && !(source === 'grafana-irm' && k.startsWith('grafana-')) && values[k as keyof Values] !== undefined);
    if (stray) return `--${stray} only applies to --source ${name}`;
  }
  if (!isVendor) return values['poll-seconds'] !== undefined ? '--poll-seconds only applies to --source pagerduty, splunk-oncall or grafana-irm' : undefined;
  const raw = values['poll-seconds'] ?? '30';
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 5 || Number(raw) > 3600) return `--poll-seconds must be a whole number between 5 and 3600, got "${raw}"`;
  for (const k of ['pagerduty-api-url', 'splunk-oncall-api-url', 'grafana-irm-url', 'grafana-url'] as const) {
    const v = values[k];
    if (v !== undefined) {
      const err = httpUrl(k, v.trim());
      if (err) return err;
    }
  }
  if (source === 'grafana-irm' && !values['grafana-irm-url']?.trim()) return '--source grafana-irm needs --grafana-irm-url URL (the OnCall API URL)';
  const scheme = values['grafana-auth-scheme'];
  if (scheme !== undefined && !['none', 'bearer'].includes(scheme.trim().toLowerCase())) return `--grafana-auth-scheme must be "none" or "bearer", got "${scheme}"`;
  const changes = values['pagerduty-change-events'];
  if (changes !== undefined && !['on', 'off'].includes(changes.trim().toLowerCase())) return `--pagerduty-change-events must be "on" or "off", got "${changes}"`;
  const from = values['pagerduty-from'];
  if (from !== undefined && !/^[^\s@]+@[^\s@]+$/.test(from.trim())) return `--pagerduty-from must be an email address, got "${from}"`;
  const out: VendorArgs = { source: source as VendorSourceName, pollSeconds: Number(raw), values: {} };
  for (const [k, v] of Object.entries(values)) if (k in VENDOR_CLI_OPTIONS && typeof v === 'string') out.values[k as keyof Values] = v.trim();
  return out;
}

const list = (s: string | undefined): string[] | undefined => {
  const xs = (s ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  return xs.length ? xs : undefined;
};

/** One secret: from the environment variable or the file, not both, never empty. */
async function secret(env: NodeJS.ProcessEnv, envName: string, file: string | undefined, fileOpt: string, required: boolean): Promise<string | undefined> {
  const fromEnv = env[envName];
  if (file !== undefined) {
    if (fromEnv !== undefined && fromEnv !== '') throw new BridgeConfigError(`both ${envName} and --${fileOpt} are set; use one`);
    try {
      return await readTokenFile(file);
    } catch (e) {
      throw new BridgeConfigError(`cannot use --${fileOpt}: ${errorText(e)}`);
    }
  }
  const t = fromEnv?.trim();
  if (fromEnv !== undefined && (!t || /\s/.test(t))) throw new BridgeConfigError(`${envName} is set but empty or contains whitespace`);
  if (!t && required) throw new BridgeConfigError(`set ${envName} or pass --${fileOpt}`);
  return t || undefined;
}

async function webhookSecrets(env: NodeJS.ProcessEnv, file: string | undefined, envName = 'PAGERDUTY_WEBHOOK_SECRETS', fileOpt = 'pagerduty-webhook-secret-file'): Promise<string[]> {
  const fromEnv = env[envName];
  if (file !== undefined) {
    if (fromEnv) throw new BridgeConfigError(`both ${envName} and --${fileOpt} are set; use one`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw new BridgeConfigError(`cannot use --${fileOpt}: ${errorText(e)}`);
    }
    const xs = text.split(/\r?\n|,/).map((x) => x.trim()).filter((x) => x.length > 0);
    if (!xs.length) throw new BridgeConfigError(`--${fileOpt} ${file} is empty`);
    return xs;
  }
  return (fromEnv ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
}

export async function createVendorSource(a: VendorArgs, env: NodeJS.ProcessEnv, _logger: Logger): Promise<SourceModule> {
  const o = a.values;
  const pollIntervalMs = a.pollSeconds * 1000;
  switch (a.source) {
    case 'pagerduty': {
      const token = (await secret(env, 'PAGERDUTY_TOKEN', o['pagerduty-token-file'], 'pagerduty-token-file', true))!;
      const secrets = await webhookSecrets(env, o['pagerduty-webhook-secret-file']);
      return new PagerDutySource({
        token,
        webhookSecrets: secrets,
        pollIntervalMs,
        ...(o['pagerduty-api-url'] ? { apiUrl: o['pagerduty-api-url'] } : {}),
        ...(o['pagerduty-from'] ? { fromEmail: o['pagerduty-from'] } : {}),
        ...(o['pagerduty-change-events']?.toLowerCase() === 'off' ? { changeEvents: false } : {}),
        ...(list(o['pagerduty-service-ids']) ? { serviceIds: list(o['pagerduty-service-ids']) } : {}),
        ...(list(o['pagerduty-team-ids']) ? { teamIds: list(o['pagerduty-team-ids']) } : {}),
        ...(list(o['pagerduty-schedule-ids']) ? { scheduleIds: list(o['pagerduty-schedule-ids']) } : {}),
        ...(list(o['pagerduty-escalation-policy-ids']) ? { escalationPolicyIds: list(o['pagerduty-escalation-policy-ids']) } : {}),
      });
    }
    case 'splunk-oncall': {
      const apiId = o['splunk-oncall-api-id'] || env.SPLUNK_ONCALL_API_ID?.trim();
      if (!apiId) throw new BridgeConfigError('set SPLUNK_ONCALL_API_ID or pass --splunk-oncall-api-id');
      const apiKey = (await secret(env, 'SPLUNK_ONCALL_API_KEY', o['splunk-oncall-key-file'], 'splunk-oncall-key-file', true))!;
      return new SplunkOnCallSource({
        apiId,
        apiKey,
        pollIntervalMs,
        ...(o['splunk-oncall-api-url'] ? { apiUrl: o['splunk-oncall-api-url'] } : {}),
        ...(o['splunk-oncall-user'] ? { defaultUser: o['splunk-oncall-user'] } : {}),
        ...(list(o['splunk-oncall-teams']) ? { teams: list(o['splunk-oncall-teams']) } : {}),
      });
    }
    case 'grafana-irm': {
      const token = (await secret(env, 'GRAFANA_IRM_TOKEN', o['grafana-irm-token-file'], 'grafana-irm-token-file', true))!;
      const hooks = await webhookSecrets(env, o['grafana-irm-webhook-secret-file'], 'GRAFANA_IRM_WEBHOOK_SECRET', 'grafana-irm-webhook-secret-file');
      return new GrafanaIrmSource({
        apiUrl: o['grafana-irm-url']!,
        token,
        pollIntervalMs,
        webhookSecrets: hooks,
        ...(o['grafana-auth-scheme']?.toLowerCase() === 'bearer' ? { authScheme: 'bearer' as const } : {}),
        ...(o['grafana-url'] ? { grafanaUrl: o['grafana-url'] } : {}),
        ...(list(o['grafana-irm-schedule-ids']) ? { scheduleIds: list(o['grafana-irm-schedule-ids']) } : {}),
      });
    }
  }
}
