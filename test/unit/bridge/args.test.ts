import * as assert from 'node:assert';
import { parseBridgeArgs, USAGE } from '../../../src/bridge/args';

describe('bridge CLI arguments', () => {
  const ok = (argv: string[]) => {
    const r = parseBridgeArgs(argv);
    if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
    return r.args;
  };
  const err = (argv: string[]) => {
    const r = parseBridgeArgs(argv);
    if (r.kind !== 'error') throw new Error(`expected an error for ${argv.join(' ')}`);
    return r.message;
  };

  it('defaults', () => {
    assert.deepStrictEqual(ok(['--demo']), {
      source: 'demo', host: '127.0.0.1', port: 8787, demoIntervalMs: 20000, replayBuffer: 10000, maxOpenAlerts: 20000, logLevel: 'info', maxClientBufferBytes: 8 * 1024 * 1024,
      publicHosts: [], insecureUnauthenticatedWebhooks: false, maxConnectionsPerAddress: 32, logFormat: 'text', maxClients: 1000, drainTimeoutMs: 20_000, leaderLeaseMs: 15000,
    });
  });

  it('operations: --log-format (or ONCALL_BRIDGE_LOG_FORMAT, the flag wins), --max-clients, --drain-timeout-s, --metrics-token-file', () => {
    assert.strictEqual(ok(['--demo', '--log-format', 'json']).logFormat, 'json');
    assert.strictEqual((parseBridgeArgs(['--demo'], { ONCALL_BRIDGE_LOG_FORMAT: 'json' }) as { args: { logFormat: string } }).args.logFormat, 'json');
    assert.strictEqual((parseBridgeArgs(['--demo', '--log-format', 'text'], { ONCALL_BRIDGE_LOG_FORMAT: 'json' }) as { args: { logFormat: string } }).args.logFormat, 'text');
    assert.strictEqual((parseBridgeArgs(['--demo'], { ONCALL_BRIDGE_LOG_FORMAT: '' }) as { args: { logFormat: string } }).args.logFormat, 'text');
    assert.match(err(['--demo', '--log-format', 'xml']), /--log-format must be one of text\|json, got "xml"/);
    const fromEnv = parseBridgeArgs(['--demo'], { ONCALL_BRIDGE_LOG_FORMAT: 'yaml' });
    assert.deepStrictEqual(fromEnv, { kind: 'error', message: 'ONCALL_BRIDGE_LOG_FORMAT must be one of text|json, got "yaml"' });
    const a = ok(['--demo', '--max-clients', '12000', '--drain-timeout-s', '45', '--metrics-token-file', '/run/m']);
    assert.strictEqual(a.maxClients, 12000);
    assert.strictEqual(a.drainTimeoutMs, 45_000);
    assert.strictEqual(a.metricsTokenFile, '/run/m');
    assert.match(err(['--demo', '--max-clients', '0']), /--max-clients must be between 1/);
    assert.match(err(['--demo', '--drain-timeout-s', 'soon']), /--drain-timeout-s must be an integer/);
    assert.match(err(['--demo', '--metrics-token-file', ' ']), /--metrics-token-file needs a path/);
    assert.match(USAGE, /GET \/readyz/);
  });

  it('every option', () => {
    const a = ok(['--source', 'demo', '--host', '::1', '--port', '0', '--demo-workspace', '/tmp/w', '--seed', '7', '--demo-interval-ms', '600000',
      '--token-file', '/run/t', '--replay-buffer', '50', '--log-level', 'debug', '--max-client-buffer-mib', '2']);
    assert.deepStrictEqual(a, {
      source: 'demo', host: '::1', port: 0, demoWorkspace: '/tmp/w', seed: 7, demoIntervalMs: 600000, tokenFile: '/run/t', replayBuffer: 50, maxOpenAlerts: 20000, logLevel: 'debug', maxClientBufferBytes: 2 * 1024 * 1024,
      publicHosts: [], insecureUnauthenticatedWebhooks: false, maxConnectionsPerAddress: 32, logFormat: 'text', maxClients: 1000, drainTimeoutMs: 20_000, leaderLeaseMs: 15000,
    });
    assert.strictEqual(ok(['--demo', '--port=9000']).port, 9000);
  });

  it('help', () => {
    assert.deepStrictEqual(parseBridgeArgs(['--help']), { kind: 'help' });
    assert.deepStrictEqual(parseBridgeArgs(['-h', '--bogus-ignored-after-help']).kind, 'error');
    assert.match(USAGE, /--demo-workspace DIR/);
  });

  it('clear errors for bad arguments', () => {
    assert.match(err([]), /--demo, or --source/);
    assert.match(err(['--demo', '--bogus']), /bogus/);
    assert.match(err(['--demo', 'extra']), /extra|positional/i);
    assert.match(err(['--demo', '--port', '70000']), /--port must be between 0 and 65535/);
    assert.match(err(['--demo', '--port', 'abc']), /--port must be an integer/);
    assert.match(err(['--demo', '--port']), /port/);
    assert.match(err(['--demo', '--seed', '-1']), /--seed/);
    assert.match(err(['--demo', '--demo-interval-ms', '0']), /--demo-interval-ms/);
    assert.match(err(['--demo', '--replay-buffer', '0']), /--replay-buffer/);
    assert.match(err(['--demo', '--log-level', 'loud']), /--log-level must be one of/);
    assert.match(err(['--demo', '--host', 'a b']), /--host/);
    assert.match(err(['--source', 'nagios']), /unknown source "nagios"/);
    assert.match(err(['--demo', '--source', 'pagerduty']), /cannot be combined/);
  });
});
