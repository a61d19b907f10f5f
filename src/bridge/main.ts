// The bridge CLI (bundled to dist/bridge.js): `node dist/bridge.js --help`.
import { parseBridgeArgs, USAGE } from './args';
import { generateToken, writeNewSecretFile } from './auth';
import { startFromArgs } from './cli';
import { StreamLogger } from './log';
import { BridgeConfigError } from './server';
import { deployWebhookRoutes } from './deployWebhooks/deployWebhooks';
import { readDeployWebhookSecrets } from './deployWebhooks/options';
import { systemClock } from '../core/util/clock';
import { tagged } from '../core/util/logger';
import { errorText } from '../core/util/errors';

async function main(argv: string[]): Promise<void> {
  const parsed = parseBridgeArgs(argv, process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    console.error(`oncall-bridge: ${parsed.message}\nRun "oncall-bridge --help" for usage.`);
    process.exit(2);
  }
  if (parsed.kind === 'generate-token') return generate(parsed.file);
  const logger = new StreamLogger(parsed.args.logLevel, undefined, undefined, parsed.args.logFormat);
  process.on('uncaughtException', (e) => {
    logger.error(e);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    logger.error(e instanceof Error ? e : String(e));
    process.exit(1);
  });

  let running;
  try {
    // Read before the bridge starts: a bad secret file is a configuration error (exit 2).
    const deploySecrets = await readDeployWebhookSecrets(parsed.args.deployWebhooks, process.env);
    // Deploys from CI/CD, whatever the alert source: each becomes a `deploy` event for every editor. Registered
    // before the bridge listens, so the first hello already says `deploys`.
    running = await startFromArgs(parsed.args, process.env, logger, (store) =>
      deployWebhookRoutes({ ...deploySecrets, addDeploy: (d) => store.addDeploy(d), clock: systemClock, logger: tagged(logger, 'deploys') }),
    );
  } catch (e) {
    if (e instanceof BridgeConfigError) {
      console.error(`oncall-bridge: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const { server, url } = running;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(0); // a second Ctrl-C does not wait
    stopping = true;
    const drainMs = parsed.args.drainTimeoutMs;
    logger.info(`${signal}: draining (new editors refused, up to ${drainMs / 1000} s for actions in flight), then closing editors with 1001`);
    // The drain's own bound, plus the close's 2 s grace for editors to answer the close frame, plus a margin.
    setTimeout(() => process.exit(0), drainMs + 5000).unref();
    server.drain(drainMs).then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error(e instanceof Error ? e : String(e));
        process.exit(0);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  logger.info(`serving the ${parsed.args.source} source on ${url}`);
  // The one machine-readable line (scripts and the extension wait for it).
  process.stdout.write(`oncall-bridge listening ${url}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`oncall-bridge: ${errorText(e)}`);
  process.exit(1);
});

/** --generate-token [FILE]: the token on stdout, or in a new 0600 file (an existing one is never replaced). */
async function generate(file: string | undefined): Promise<void> {
  const token = generateToken();
  if (file === undefined) {
    process.stdout.write(`${token}\n`);
    return;
  }
  try {
    await writeNewSecretFile(file, token);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(`oncall-bridge: cannot write ${file}: ${code === 'EEXIST' ? 'it already exists (remove it first to replace the token; editors holding it will have to be given the new one)' : errorText(e)}`);
    process.exit(2);
  }
  process.stderr.write(`oncall-bridge: wrote a new token to ${file} (readable only by you). Start the bridge with --token-file ${file}; in VS Code run "On Call: Connect to Alert Source…" and paste the token (it is kept in the OS keychain).\n`);
}
