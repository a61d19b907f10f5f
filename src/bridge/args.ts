import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from './log';
import { PLANNED_SOURCES, SOURCE_NAMES, type SourceName } from './sources/registry';
import { ALERTMANAGER_CLI_OPTIONS, ALERTMANAGER_USAGE, parseAlertmanagerArgs, type AlertmanagerArgs } from './sources/alertmanager/options';
import { VENDOR_CLI_OPTIONS, VENDOR_USAGE, parseVendorArgs, type VendorArgs } from './sources/shared/vendorOptions';
import { DEPLOY_WEBHOOK_CLI_OPTIONS, DEPLOY_WEBHOOK_USAGE, parseDeployWebhookArgs, type DeployWebhookArgs } from './deployWebhooks/options';

export interface BridgeArgs {
  source: SourceName;
  host: string;
  port: number;
  demoWorkspace?: string;
  seed?: number;
  demoIntervalMs: number;
  tokenFile?: string;
  replayBuffer: number;
  logLevel: LogLevel;
  maxClientBufferBytes: number;
  /** Set with --source alertmanager. */
  alertmanager?: AlertmanagerArgs;
  /** Set with --source pagerduty | splunk-oncall | grafana-irm. */
  vendor?: VendorArgs;
  /** Deploy webhooks (any source): secret files given on the command line. */
  deployWebhooks?: DeployWebhookArgs;
}

export type ParseResult = { kind: 'help' } | { kind: 'ok'; args: BridgeArgs } | { kind: 'error'; message: string };

export const USAGE = `Usage: oncall-bridge (--demo | --source NAME) [options]

Serves the On-Call alert protocol (WebSocket) to VS Code on ws://HOST:PORT/.
When listening it prints one line to stdout: "oncall-bridge listening ws://HOST:PORT/".

Sources:
  --demo                      the embedded demo world (same as --source demo)
  --source NAME               ${SOURCE_NAMES.join(', ')}${PLANNED_SOURCES.length ? ` (${PLANNED_SOURCES.join(', ')}: planned)` : ''}

Options:
  --host HOST                 address to bind (default 127.0.0.1)
  --port PORT                 port, 0 = any free port (default 8787)
  --token-file PATH           file whose first line is the bearer token clients must send
                              (or set ONCALL_BRIDGE_TOKEN). Without a token the bridge only
                              runs in demo mode on a loopback address.
  --replay-buffer N           events kept for clients that resume (default 10000)
  --max-client-buffer-mib N   close a client that falls this far behind with 4008 (default 8)
  --log-level LEVEL           ${LOG_LEVELS.join('|')} (default info; logs go to stderr)
  -h, --help                  show this help

Demo:
  --demo-workspace DIR        create (or reuse) the demo git workspace in DIR and use its commits;
                              writes DIR/.vscode/settings.json pointing at this bridge
  --seed N                    PRNG seed: same seed, same world (default: random)
  --demo-interval-ms MS       time between two changes of the demo world (default 20000)

${ALERTMANAGER_USAGE}
${VENDOR_USAGE}
${DEPLOY_WEBHOOK_USAGE}
Environment:
  ONCALL_BRIDGE_TOKEN         the bearer token (never put it on the command line)

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 bad arguments or configuration.
`;

function int(name: string, raw: string | undefined, min: number, max: number): number | string {
  if (raw === undefined) return `--${name} needs a value`;
  if (!/^-?\d+$/.test(raw.trim())) return `--${name} must be an integer, got "${raw}"`;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `--${name} must be between ${min} and ${max}, got ${raw}`;
  return n;
}

/** Parses the command line (without node and script). Pure: no I/O, no process.exit. */
export function parseBridgeArgs(argv: readonly string[]): ParseResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        demo: { type: 'boolean' },
        source: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'token-file': { type: 'string' },
        'replay-buffer': { type: 'string' },
        'max-client-buffer-mib': { type: 'string' },
        'log-level': { type: 'string' },
        'demo-workspace': { type: 'string' },
        seed: { type: 'string' },
        'demo-interval-ms': { type: 'string' },
        ...ALERTMANAGER_CLI_OPTIONS,
        ...VENDOR_CLI_OPTIONS,
        ...DEPLOY_WEBHOOK_CLI_OPTIONS,
      },
    }));
  } catch (e) {
    return { kind: 'error', message: e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e) };
  }
  if (values.help) return { kind: 'help' };

  let source: string | undefined = values.source;
  if (values.demo) {
    if (source !== undefined && source !== 'demo') return { kind: 'error', message: `--demo and --source ${source} cannot be combined` };
    source = 'demo';
  }
  if (source === undefined) return { kind: 'error', message: 'choose an alert source: --demo, or --source NAME' };
  if ((PLANNED_SOURCES as readonly string[]).includes(source)) return { kind: 'error', message: `the ${source} source is not available in this version yet (available: ${SOURCE_NAMES.join(', ')})` };
  if (!(SOURCE_NAMES as readonly string[]).includes(source)) return { kind: 'error', message: `unknown source "${source}" (available: ${SOURCE_NAMES.join(', ')})` };

  const host = values.host ?? '127.0.0.1';
  if (!host.trim() || /[\s/]/.test(host)) return { kind: 'error', message: `--host must be a host name or IP address, got "${host}"` };

  const port = int('port', values.port ?? '8787', 0, 65535);
  if (typeof port === 'string') return { kind: 'error', message: port };
  const replayBuffer = int('replay-buffer', values['replay-buffer'] ?? '10000', 1, 1_000_000);
  if (typeof replayBuffer === 'string') return { kind: 'error', message: replayBuffer };
  const mib = int('max-client-buffer-mib', values['max-client-buffer-mib'] ?? '8', 1, 1024);
  if (typeof mib === 'string') return { kind: 'error', message: mib };
  const interval = int('demo-interval-ms', values['demo-interval-ms'] ?? '20000', 10, 86_400_000);
  if (typeof interval === 'string') return { kind: 'error', message: interval };
  let seed: number | undefined;
  if (values.seed !== undefined) {
    const s = int('seed', values.seed, 0, 0xffffffff);
    if (typeof s === 'string') return { kind: 'error', message: s };
    seed = s;
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return { kind: 'error', message: `--log-level must be one of ${LOG_LEVELS.join('|')}, got "${logLevel}"` };
  if (values['token-file'] !== undefined && !values['token-file'].trim()) return { kind: 'error', message: '--token-file needs a path' };
  if (values['demo-workspace'] !== undefined && !values['demo-workspace'].trim()) return { kind: 'error', message: '--demo-workspace needs a path' };
  const alertmanager = parseAlertmanagerArgs(values, source);
  if (typeof alertmanager === 'string') return { kind: 'error', message: alertmanager };
  const vendor = parseVendorArgs(values, source);
  if (typeof vendor === 'string') return { kind: 'error', message: vendor };
  const deployWebhooks = parseDeployWebhookArgs(values);
  if (typeof deployWebhooks === 'string') return { kind: 'error', message: deployWebhooks };

  const args: BridgeArgs = {
    source: source as SourceName,
    host,
    port,
    demoIntervalMs: interval,
    replayBuffer,
    logLevel: logLevel as LogLevel,
    maxClientBufferBytes: mib * 1024 * 1024,
  };
  if (seed !== undefined) args.seed = seed;
  if (values['token-file'] !== undefined) args.tokenFile = values['token-file'];
  if (values['demo-workspace'] !== undefined) args.demoWorkspace = values['demo-workspace'];
  if (alertmanager) args.alertmanager = alertmanager;
  if (vendor) args.vendor = vendor;
  if (Object.keys(deployWebhooks).length) args.deployWebhooks = deployWebhooks;
  return { kind: 'ok', args };
}
