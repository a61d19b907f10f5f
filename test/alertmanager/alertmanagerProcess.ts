/**
 * A real Alertmanager for the tests: Debian's /usr/bin/prometheus-alertmanager (installed by
 * scripts/setup-alertmanager.sh), run on a free loopback port with its own config and storage in a
 * temp dir, clustering off. Used by alertmanager.real.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import axios from 'axios';
import { ensureInstalled, freePort } from '../testUtil/realServers';

export { freePort };

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** Makes sure Alertmanager is installed, through the project's setup script (fails the suite with its reason). */
export function ensureAlertmanager(): void {
  ensureInstalled(ALERTMANAGER_BIN, 'setup-alertmanager.sh');
}


export interface AlertmanagerProcessOptions {
  dir: string;
  port: number;
  webhookUrl: string;
  webhookToken: string;
}

export class AlertmanagerProcess {
  private _child: ChildProcess | undefined;
  private _log = '';
  readonly url: string;

  constructor(private readonly _o: AlertmanagerProcessOptions) {
    this.url = `http://127.0.0.1:${_o.port}`;
    fs.mkdirSync(path.join(_o.dir, 'data'), { recursive: true });
    // Short group timers so notifications come within a second or two; send_resolved is the webhook default.
    fs.writeFileSync(
      path.join(_o.dir, 'alertmanager.yml'),
      [
        'global:',
        '  resolve_timeout: 5m',
        'route:',
        '  receiver: oncall-bridge',
        "  group_by: ['alertname']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1m',
        'receivers:',
        '  - name: oncall-bridge',
        '    webhook_configs:',
        `      - url: ${_o.webhookUrl}`,
        '        send_resolved: true',
        '        http_config:',
        '          authorization:',
        `            credentials: ${_o.webhookToken}`,
        '',
      ].join('\n'),
    );
  }

  get log(): string {
    return this._log;
  }

  async start(): Promise<void> {
    const child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${path.join(this._o.dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(this._o.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this._o.port}`,
        '--cluster.listen-address=',
        '--log.level=info',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this._child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this._log = (this._log + d.toString()).slice(-20_000);
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${this._log}`);
      try {
        const r = await axios.get(`${this.url}/-/ready`, { timeout: 1000, validateStatus: () => true, proxy: false });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`alertmanager not ready within 15 s:\n${this._log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (Alertmanager writes its silence snapshot on a clean shutdown) and wait for the exit. */
  async stop(): Promise<void> {
    const child = this._child;
    this._child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async postAlerts(alerts: unknown[]): Promise<void> {
    const r = await axios.post(`${this.url}/api/v2/alerts`, alerts, { validateStatus: () => true, proxy: false });
    if (r.status !== 200) throw new Error(`POST /api/v2/alerts: HTTP ${r.status} ${JSON.stringify(r.data)}`);
  }

  async alerts(): Promise<Array<{ fingerprint: string; labels: Record<string, string>; status: { silencedBy: string[]; state: string } }>> {
    return (await axios.get(`${this.url}/api/v2/alerts`, { proxy: false })).data as never;
  }

  async silences(): Promise<Array<{ id: string; status: { state: string }; matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>; createdBy: string; comment: string; endsAt: string }>> {
    return (await axios.get(`${this.url}/api/v2/silences`, { proxy: false })).data as never;
  }
}
