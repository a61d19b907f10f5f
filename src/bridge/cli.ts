import type { Logger } from '../core/util/logger';
import { tagged } from '../core/util/logger';
import type { BridgeArgs } from './args';
import { defaultStateDir, loadOrCreateWebhookSecret, readTokenFile, weakTokenReason } from './auth';
import { BridgeConfigError, BridgeServer } from './server';
import { AlertmanagerConfigError, createAlertmanagerSource } from './sources/alertmanager/options';
import { DemoSource } from './sources/demo/demoSource';
import { createVendorSource } from './sources/shared/vendorOptions';
import type { Route, SourceModule } from './sources/types';
import type { BridgeStore } from './store';
import { builtinDemoCommits, ensureDemoWorkspace, NotADemoWorkspaceError, writeDemoSettings, type DemoCommits } from './sources/demo/workspace';
import { DemoFilesError, loadDemoFiles } from './sources/demo/workspaceFiles';
import { errorText } from '../core/util/errors';
import { Cluster, ClusterConfigError } from './cluster/cluster';

export interface RunningBridge {
  server: BridgeServer;
  url: string;
}

/**
 * Turns parsed arguments into a running bridge. Configuration problems are thrown as
 * BridgeConfigError (the CLI exits 2); anything else is a runtime failure (exit 1).
 */
/**
 * `routes`: extra HTTP routes (the deploy webhooks), registered before the bridge listens so that the very first
 * hello already lists what they provide (`deploys`).
 */
export async function startFromArgs(args: BridgeArgs, env: NodeJS.ProcessEnv, logger: Logger, routes?: (store: BridgeStore) => Route[]): Promise<RunningBridge> {
  const log = tagged(logger, 'bridge');
  const token = await resolveToken(args, env);
  const metricsToken = await resolveMetricsToken(args, env);
  const secret = await webhookSecret(args, env);
  if (secret && args.alertmanager) args = { ...args, alertmanager: { ...args.alertmanager, webhookTokenFile: secret.file } };

  if (args.source === 'demo') {
    // Read demo/history/ now: without it the demo has no workspace and no traces, so say so before listening.
    try {
      log.info(`demo files: ${loadDemoFiles().root}`);
    } catch (e) {
      if (e instanceof DemoFilesError) throw new BridgeConfigError(e.message);
      throw e;
    }
  }
  let commits: DemoCommits = builtinDemoCommits();
  if (args.demoWorkspace) {
    try {
      const ws = await ensureDemoWorkspace(args.demoWorkspace);
      commits = ws.commits;
      log.info(`demo workspace ${ws.created ? 'created' : 'reused'}: ${args.demoWorkspace}`);
    } catch (e) {
      if (e instanceof NotADemoWorkspaceError) throw new BridgeConfigError(e.message);
      // Without git the demo still runs: deploys then carry the precomputed shas of the demo history.
      log.warn(`could not prepare the demo workspace (${errorText(e)}); continuing without it`);
    }
  }
  const seed = args.seed ?? Math.floor(Math.random() * 0xffffffff);
  const source = args.alertmanager
    ? await alertmanagerSource(args.alertmanager, args.host, logger)
    : args.vendor
      ? await createVendorSource(args.vendor, env, logger)
      : new DemoSource({ commits, seed, intervalMs: args.demoIntervalMs });
  const cluster = clusterFromArgs(args, env, logger);
  const server = new BridgeServer({
    ...(cluster ? { cluster } : {}),
    source,
    host: args.host,
    port: args.port,
    token,
    demoMode: args.source === 'demo',
    replayBufferSize: args.replayBuffer,
    maxOpenAlerts: args.maxOpenAlerts,
    maxClientBufferBytes: args.maxClientBufferBytes,
    publicHosts: args.publicHosts,
    maxConnectionsPerAddress: args.maxConnectionsPerAddress,
    maxClients: args.maxClients,
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    // Above any seq a previous run on this machine can have reached (see WorldOptions.initialSeq).
    initialSeq: Date.now(),
    logger,
  });
  for (const r of routes?.(server.store) ?? []) {
    server.addRoute(r);
    log.info(`route ${r.method} ${r.path}`);
  }
  try {
    await server.start();
  } catch (e) {
    await server.close().catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof ClusterConfigError) throw new BridgeConfigError(e.message);
    if (code === 'EADDRINUSE') throw new BridgeConfigError(`port ${args.port} on ${args.host} is already in use (use --port 0 for any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new BridgeConfigError(`cannot bind to ${args.host}: ${code}`);
    throw e;
  }
  if (args.demoWorkspace) {
    try {
      await writeDemoSettings(args.demoWorkspace, server.address().port, args.host === '0.0.0.0' || args.host === '::' ? '127.0.0.1' : args.host);
    } catch (e) {
      log.warn(`could not write the demo workspace settings: ${errorText(e)}`);
    }
  }
  if (secret) log.info(webhookSecretHelp(secret, server, args));
  return { server, url: server.url };
}

/**
 * Alertmanager's webhook needs a shared secret unless the operator opts out: without one, any web page the user
 * visits could post alerts to a loopback bridge (docs/security.md). The operator's own (--webhook-token-file) wins;
 * otherwise the bridge's generated one in the state dir is used (made on first run).
 */
async function webhookSecret(args: BridgeArgs, env: NodeJS.ProcessEnv): Promise<{ file: string; created: boolean } | undefined> {
  if (!args.alertmanager || args.alertmanager.webhookTokenFile !== undefined || args.insecureUnauthenticatedWebhooks) return undefined;
  const dir = args.stateDir ?? defaultStateDir(env);
  try {
    const { file, created } = await loadOrCreateWebhookSecret(dir);
    return { file, created };
  } catch (e) {
    throw new BridgeConfigError(
      `cannot prepare the webhook secret in ${dir}: ${errorText(e)} (choose another directory with --state-dir, or give your own secret with --webhook-token-file)`,
    );
  }
}

function webhookSecretHelp(secret: { file: string; created: boolean }, server: BridgeServer, args: BridgeArgs): string {
  const a = server.address();
  const host = args.host === '0.0.0.0' || args.host === '::' ? (args.publicHosts[0] ?? 'BRIDGE-HOST') : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const url = `http://${host}:${a.port}/webhooks/alertmanager`;
  if (!secret.created) return `Alertmanager webhook: POST ${url} needs "Authorization: Bearer" with the secret in ${secret.file}`;
  return [
    `generated a webhook secret in ${secret.file} (readable only by you). Alertmanager must send it; in alertmanager.yml:`,
    '  receivers:',
    '    - name: oncall-bridge',
    '      webhook_configs:',
    `        - url: ${url}`,
    '          send_resolved: true',
    '          http_config:',
    '            authorization:',
    '              type: Bearer',
    `              credentials_file: ${secret.file}   # or a copy readable by the alertmanager user`,
  ].join('\n');
}

/** --redis or ONCALL_BRIDGE_REDIS_URL (the flag wins): a Cluster, or undefined for the in-memory bridge. */
function clusterFromArgs(args: BridgeArgs, env: NodeJS.ProcessEnv, logger: Logger): Cluster | undefined {
  const fromEnv = env.ONCALL_BRIDGE_REDIS_URL?.trim();
  const url = args.redisUrl ?? (fromEnv || undefined);
  if (url === undefined) return undefined;
  try {
    return new Cluster({
      url,
      leaseMs: args.leaderLeaseMs,
      world: { replayBufferSize: args.replayBuffer, maxOpenAlerts: args.maxOpenAlerts, logger: tagged(logger, 'world') },
      logger,
    });
  } catch (e) {
    if (e instanceof ClusterConfigError) throw new BridgeConfigError(e.message);
    throw e;
  }
}

async function resolveToken(args: BridgeArgs, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnv = env.ONCALL_BRIDGE_TOKEN;
  if (args.tokenFile !== undefined) {
    if (fromEnv !== undefined && fromEnv !== '') throw new BridgeConfigError('both ONCALL_BRIDGE_TOKEN and --token-file are set; use one');
    try {
      return await readTokenFile(args.tokenFile);
    } catch (e) {
      throw new BridgeConfigError(`cannot use --token-file: ${errorText(e)}`);
    }
  }
  if (fromEnv === undefined) return undefined;
  const t = fromEnv.trim();
  // Set but empty is a mistake, not a request for "no auth".
  if (!t || /\s/.test(t)) throw new BridgeConfigError('ONCALL_BRIDGE_TOKEN is set but empty or contains whitespace');
  return t;
}

/** The /metrics-only token: --metrics-token-file or ONCALL_BRIDGE_METRICS_TOKEN (never both), at least 32 bytes. */
async function resolveMetricsToken(args: BridgeArgs, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnv = env.ONCALL_BRIDGE_METRICS_TOKEN;
  let t: string | undefined;
  if (args.metricsTokenFile !== undefined) {
    if (fromEnv !== undefined && fromEnv !== '') throw new BridgeConfigError('both ONCALL_BRIDGE_METRICS_TOKEN and --metrics-token-file are set; use one');
    try {
      t = await readTokenFile(args.metricsTokenFile);
    } catch (e) {
      throw new BridgeConfigError(`cannot use --metrics-token-file: ${errorText(e)}`);
    }
  } else if (fromEnv !== undefined) {
    t = fromEnv.trim();
    if (!t || /\s/.test(t)) throw new BridgeConfigError('ONCALL_BRIDGE_METRICS_TOKEN is set but empty or contains whitespace');
  }
  if (t === undefined) return undefined;
  const weak = weakTokenReason(t, 'the metrics token (ONCALL_BRIDGE_METRICS_TOKEN or --metrics-token-file)');
  if (weak) throw new BridgeConfigError(weak);
  return t;
}

async function alertmanagerSource(am: NonNullable<BridgeArgs['alertmanager']>, host: string, logger: Logger): Promise<SourceModule> {
  try {
    return await createAlertmanagerSource(am, host, tagged(logger, 'source:alertmanager'));
  } catch (e) {
    if (e instanceof AlertmanagerConfigError) throw new BridgeConfigError(e.message);
    throw e;
  }
}
