import { parseArgs } from 'node:util';
import { normalisePublicHost } from './auth';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log';
import { SOURCE_NAMES, type SourceName } from './sources/registry';
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
  /** Open alerts sent to editors; beyond it the lowest-ranked are set aside and counted (default 20,000). */
  maxOpenAlerts: number;
  logLevel: LogLevel;
  /** --log-format / ONCALL_BRIDGE_LOG_FORMAT: text (default) or json (one object per line). */
  logFormat: LogFormat;
  maxClientBufferBytes: number;
  /** --max-clients: editors one bridge serves before refusing (503). Default 1,000. */
  maxClients: number;
  /** --drain-timeout-s: on SIGTERM, how long in-flight actions may take before editors are closed anyway. */
  drainTimeoutMs: number;
  /** --metrics-token-file: a token that may read /metrics only (or ONCALL_BRIDGE_METRICS_TOKEN). */
  metricsTokenFile?: string;
  /** --public-host names (lower case, no port): the Host names unauthenticated requests may use besides IPs and localhost. */
  publicHosts: string[];
  /** --state-dir: where the generated webhook secret is kept (default $XDG_STATE_HOME/oncall-bridge or ~/.local/state/oncall-bridge). */
  stateDir?: string;
  /** --insecure-unauthenticated-webhooks: no webhook secret (loopback only). */
  insecureUnauthenticatedWebhooks: boolean;
  maxConnectionsPerAddress: number;
  /** Set with --source alertmanager. */
  alertmanager?: AlertmanagerArgs;
  /** Set with --source pagerduty | splunk-oncall | grafana-irm. */
  vendor?: VendorArgs;
  /** Deploy webhooks (any source): secret files given on the command line. */
  deployWebhooks?: DeployWebhookArgs;
  /** --redis URL: clustered mode (ONCALL_BRIDGE_REDIS_URL is read by the CLI, not here). */
  redisUrl?: string;
  /** --leader-lease-ms: how long a leader's lease lasts without renewal (clustered mode). */
  leaderLeaseMs: number;
}

export type ParseResult =
  | { kind: 'help' }
  | { kind: 'ok'; args: BridgeArgs }
  /** --generate-token [FILE]: print a new token, or write it to FILE (0600). */
  | { kind: 'generate-token'; file?: string }
  | { kind: 'error'; message: string };

export const USAGE = `Usage: oncall-bridge (--demo | --source NAME) [options]

Serves the On-Call alert protocol (WebSocket) to VS Code on ws://HOST:PORT/.
When listening it prints one line to stdout: "oncall-bridge listening ws://HOST:PORT/".

Sources:
  --demo                      the embedded demo world (same as --source demo)
  --source NAME               ${SOURCE_NAMES.join(', ')}

Options:
  --host HOST                 address to bind (default 127.0.0.1)
  --port PORT                 port, 0 = any free port (default 8787)
  --token-file PATH           file whose first line is the bearer token clients must send
                              (or set ONCALL_BRIDGE_TOKEN); at least 32 bytes. Without a token
                              the bridge only runs in demo mode on a loopback address.
  --generate-token [FILE]     write a new random token to FILE (created 0600, never overwritten)
                              or print it, and exit. Use it for --token-file and in the editor.
  --public-host NAME          a host name clients and webhooks use to reach this bridge (e.g.
                              oncall.example.com; repeat or separate with commas). Requests on
                              routes without a token must name an IP address, localhost or one
                              of these in Host (DNS rebinding protection).
  --state-dir DIR             where the bridge keeps its generated webhook secret (default
                              $XDG_STATE_HOME/oncall-bridge, else ~/.local/state/oncall-bridge)
  --insecure-unauthenticated-webhooks
                              accept webhooks without a secret (loopback only; browsers and
                              foreign Host names are still refused)
  --max-connections-per-address N
                              connections one address may hold open before they are clients
                              (the oldest idle one is closed to make room; default 32)
  --replay-buffer N           events kept for clients that resume (default 10000)
  --max-open-alerts N         open alerts sent to editors (default 20000); beyond it the lowest
                              severity, then oldest, are held back and editors show how many
  --max-client-buffer-mib N   close a client that falls this far behind with 4008 (default 8)
  --max-clients N             editors this bridge serves; more are refused with 503 (default 1000)
  --log-level LEVEL           ${LOG_LEVELS.join('|')} (default info; logs go to stderr)
  --log-format FORMAT         ${LOG_FORMATS.join('|')} (default text; json = one JSON object per line:
                              time, level, msg, component), or set ONCALL_BRIDGE_LOG_FORMAT

Operations (docs/deploy.md):
  GET /healthz                liveness (no token; refuses browsers)
  GET /readyz                 200 when this replica should get editors, else 503 with reasons
                              (draining, Redis unreachable, no leader)
  GET /metrics                Prometheus metrics; needs "Authorization: Bearer" with the bridge
                              token or the metrics token when a token is configured
  --metrics-token-file PATH   a token that may read /metrics and nothing else (or set
                              ONCALL_BRIDGE_METRICS_TOKEN); at least 32 bytes
  --drain-timeout-s N         on SIGTERM: refuse new editors, give actions in flight up to N s
                              (default 20), close editors with 1001 (they reconnect), exit 0

Clustered mode (several replicas behind a load balancer, sharing state in Redis):
  --redis URL                 redis://[user:password@]host:port[/db], rediss:// for TLS (or set
                              ONCALL_BRIDGE_REDIS_URL: a password there stays out of the process list).
                              Events go to a Redis Stream, one replica at a time runs the source's work.
  --leader-lease-ms MS        the leader's lease; another replica takes over within it when the
                              leader dies (default 15000)

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
  ONCALL_BRIDGE_METRICS_TOKEN a token for /metrics only (Prometheus)
  ONCALL_BRIDGE_LOG_FORMAT    text|json, when --log-format is not given

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 bad arguments or configuration.
`;

function int(name: string, raw: string | undefined, min: number, max: number): number | string {
  if (raw === undefined) return `--${name} needs a value`;
  if (!/^-?\d+$/.test(raw.trim())) return `--${name} must be an integer, got "${raw}"`;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `--${name} must be between ${min} and ${max}, got ${raw}`;
  return n;
}

/**
 * Parses the command line (without node and script) and the few settings that may come from the environment
 * instead (`ONCALL_BRIDGE_LOG_FORMAT`; the command line wins). Pure: no I/O, no process.exit.
 */
export function parseBridgeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParseResult {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      // Only --generate-token takes one (its optional FILE); anything else is refused below.
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        demo: { type: 'boolean' },
        source: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'token-file': { type: 'string' },
        'replay-buffer': { type: 'string' },
        'max-open-alerts': { type: 'string' },
        'max-client-buffer-mib': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'max-clients': { type: 'string' },
        'drain-timeout-s': { type: 'string' },
        'metrics-token-file': { type: 'string' },
        'demo-workspace': { type: 'string' },
        seed: { type: 'string' },
        'demo-interval-ms': { type: 'string' },
        'generate-token': { type: 'boolean' },
        'public-host': { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'insecure-unauthenticated-webhooks': { type: 'boolean' },
        'max-connections-per-address': { type: 'string' },
        redis: { type: 'string' },
        'leader-lease-ms': { type: 'string' },
        ...ALERTMANAGER_CLI_OPTIONS,
        ...VENDOR_CLI_OPTIONS,
        ...DEPLOY_WEBHOOK_CLI_OPTIONS,
      },
    }));
  } catch (e) {
    return { kind: 'error', message: e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e) };
  }
  if (values.help) return { kind: 'help' };
  if (values['generate-token']) {
    const others = Object.keys(values).filter((k) => k !== 'generate-token');
    if (others.length) return { kind: 'error', message: `--generate-token cannot be combined with --${others[0]}` };
    if (positionals.length > 1) return { kind: 'error', message: `--generate-token takes at most one FILE, got ${positionals.length}` };
    const file = positionals[0];
    if (file !== undefined && !file.trim()) return { kind: 'error', message: '--generate-token FILE needs a path' };
    return file === undefined ? { kind: 'generate-token' } : { kind: 'generate-token', file };
  }
  if (positionals.length) return { kind: 'error', message: `unexpected argument "${positionals[0]}" (this command takes no positional arguments)` };

  let source: string | undefined = values.source;
  if (values.demo) {
    if (source !== undefined && source !== 'demo') return { kind: 'error', message: `--demo and --source ${source} cannot be combined` };
    source = 'demo';
  }
  if (source === undefined) return { kind: 'error', message: 'choose an alert source: --demo, or --source NAME' };
  if (!(SOURCE_NAMES as readonly string[]).includes(source)) return { kind: 'error', message: `unknown source "${source}" (available: ${SOURCE_NAMES.join(', ')})` };

  const host = values.host ?? '127.0.0.1';
  if (!host.trim() || /[\s/]/.test(host)) return { kind: 'error', message: `--host must be a host name or IP address, got "${host}"` };

  const port = int('port', values.port ?? '8787', 0, 65535);
  if (typeof port === 'string') return { kind: 'error', message: port };
  const replayBuffer = int('replay-buffer', values['replay-buffer'] ?? '10000', 1, 1_000_000);
  if (typeof replayBuffer === 'string') return { kind: 'error', message: replayBuffer };
  const maxOpenAlerts = int('max-open-alerts', values['max-open-alerts'] ?? '20000', 1, 1_000_000);
  if (typeof maxOpenAlerts === 'string') return { kind: 'error', message: maxOpenAlerts };
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
  const logFormat = values['log-format'] ?? (env.ONCALL_BRIDGE_LOG_FORMAT?.trim() || 'text');
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    const from = values['log-format'] !== undefined ? '--log-format' : 'ONCALL_BRIDGE_LOG_FORMAT';
    return { kind: 'error', message: `${from} must be one of ${LOG_FORMATS.join('|')}, got "${logFormat}"` };
  }
  const maxClients = int('max-clients', values['max-clients'] ?? '1000', 1, 1_000_000);
  if (typeof maxClients === 'string') return { kind: 'error', message: maxClients };
  const drainS = int('drain-timeout-s', values['drain-timeout-s'] ?? '20', 0, 3600);
  if (typeof drainS === 'string') return { kind: 'error', message: drainS };
  if (values['metrics-token-file'] !== undefined && !values['metrics-token-file'].trim()) return { kind: 'error', message: '--metrics-token-file needs a path' };
  if (values['token-file'] !== undefined && !values['token-file'].trim()) return { kind: 'error', message: '--token-file needs a path' };
  if (values['demo-workspace'] !== undefined && !values['demo-workspace'].trim()) return { kind: 'error', message: '--demo-workspace needs a path' };
  if (values['state-dir'] !== undefined && !values['state-dir'].trim()) return { kind: 'error', message: '--state-dir needs a path' };
  const publicHosts: string[] = [];
  for (const raw of (values['public-host'] ?? []).flatMap((v) => v.split(','))) {
    const h = normalisePublicHost(raw);
    if (h === undefined) return { kind: 'error', message: `--public-host must be a host name without scheme, port or path (e.g. oncall.example.com), got "${raw.trim()}"` };
    if (!publicHosts.includes(h)) publicHosts.push(h);
  }
  if (values['insecure-unauthenticated-webhooks'] && source !== 'alertmanager') return { kind: 'error', message: '--insecure-unauthenticated-webhooks only applies to --source alertmanager' };
  if (values['insecure-unauthenticated-webhooks'] && values['webhook-token-file'] !== undefined) return { kind: 'error', message: '--insecure-unauthenticated-webhooks and --webhook-token-file cannot be combined' };
  const perAddress = int('max-connections-per-address', values['max-connections-per-address'] ?? '32', 1, 100_000);
  if (typeof perAddress === 'string') return { kind: 'error', message: perAddress };
  const lease = int('leader-lease-ms', values['leader-lease-ms'] ?? '15000', 1000, 600_000);
  if (typeof lease === 'string') return { kind: 'error', message: lease };
  if (values.redis !== undefined && !/^rediss?:\/\/[^\s]+$/.test(values.redis.trim())) return { kind: 'error', message: '--redis must be a redis:// or rediss:// URL' };
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
    maxOpenAlerts,
    logLevel: logLevel as LogLevel,
    logFormat: logFormat as LogFormat,
    maxClientBufferBytes: mib * 1024 * 1024,
    maxClients,
    drainTimeoutMs: drainS * 1000,
    publicHosts,
    insecureUnauthenticatedWebhooks: values['insecure-unauthenticated-webhooks'] === true,
    maxConnectionsPerAddress: perAddress,
    leaderLeaseMs: lease,
  };
  if (values.redis !== undefined) args.redisUrl = values.redis.trim();
  if (values['state-dir'] !== undefined) args.stateDir = values['state-dir'];
  if (seed !== undefined) args.seed = seed;
  if (values['token-file'] !== undefined) args.tokenFile = values['token-file'];
  if (values['metrics-token-file'] !== undefined) args.metricsTokenFile = values['metrics-token-file'];
  if (values['demo-workspace'] !== undefined) args.demoWorkspace = values['demo-workspace'];
  if (alertmanager) args.alertmanager = alertmanager;
  if (vendor) args.vendor = vendor;
  if (Object.keys(deployWebhooks).length) args.deployWebhooks = deployWebhooks;
  return { kind: 'ok', args };
}
