/**
 * Shared by the suites that run real servers (Alertmanager, redis-server, nginx): install through the project's own
 * setup script when missing, and free loopback ports.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** Installs `bin` through `scripts/<script>` when missing; fails the suite with the script's reason (never a silent skip). */
export function ensureInstalled(bin: string, script: string): void {
  if (fs.existsSync(bin)) return;
  const r = spawnSync('bash', [path.join(repoRoot, 'scripts', script)], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status === 0 && fs.existsSync(bin)) return;
  throw new Error(`cannot install ${bin} with scripts/${script} (exit ${r.status ?? r.signal}): ${(r.stdout + r.stderr).trim().split('\n').slice(-5).join(' | ')}`);
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
