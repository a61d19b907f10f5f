// The bridge CLI (bundled to dist/bridge.js): `node dist/bridge.js --help`.
import { parseBridgeArgs, USAGE } from './args';
import { startFromArgs } from './cli';
import { StreamLogger } from './log';
import { BridgeConfigError } from './server';

async function main(argv: string[]): Promise<void> {
  const parsed = parseBridgeArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    console.error(`oncall-bridge: ${parsed.message}\nRun "oncall-bridge --help" for usage.`);
    process.exit(2);
  }
  const logger = new StreamLogger(parsed.args.logLevel);
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
    running = await startFromArgs(parsed.args, process.env, logger);
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
    logger.info(`${signal}: closing clients and stopping`);
    setTimeout(() => process.exit(0), 5000).unref();
    server.close().then(
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
  console.error(`oncall-bridge: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
