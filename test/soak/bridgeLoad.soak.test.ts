/**
 * Bridge under load: 500 clients (in another process) and 1,000 events/s on loopback for 60 s
 * (SOAK_LOAD_SECONDS / SOAK_LOAD_CLIENTS to change). The bridge's memory stays bounded and every client
 * ends at the bridge's seq: nothing lost on the way, slow clients recover through resume.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { BridgeServer } from '../../src/bridge/server';
import { MemoryLogger } from '../../src/core/util/logger';
import { StreamSource, streamAlert } from '../unit/chaos/chaosRun';
import { collectGarbage, watchProcessErrors } from '../unit/fuzz/harness';

const SECONDS = Number(process.env.SOAK_LOAD_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_LOAD_CLIENTS ?? 500);
const RATE = Number(process.env.SOAK_LOAD_RATE ?? 1000);
const TOKEN = 'load-test-token-7b2e-0123456789abcdef';

interface Report {
  messages: number;
  events: number;
  snapshots: number;
  gaps: number;
  duplicates: number;
  closes: Record<string, number>;
  connects: number;
  open: number;
  minSeq: number;
  maxSeq: number;
}

describe(`bridge load: ${CLIENTS} clients, ${RATE} events/s for ${SECONDS} s`, function () {
  this.timeout((SECONDS + 120) * 1000);
  watchProcessErrors();

  it('memory stays bounded and every client ends at the bridge seq', async () => {
    const logger = new MemoryLogger();
    const source = new StreamSource();
    const server = new BridgeServer({ source, port: 0, token: TOKEN, logger, maxClients: CLIENTS + 10, maxConnectionsPerAddress: CLIENTS + 10 }); // the swarm dials from one address at once
    await server.start();
    const swarm = spawn(process.execPath, [path.join(__dirname, 'swarm.js'), server.url, TOKEN, String(CLIENTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: swarm.stdout });
    const reports: Report[] = [];
    const waiters: Array<(r: Report) => void> = [];
    lines.on('line', (l) => {
      const r = JSON.parse(l) as Report;
      reports.push(r);
      waiters.shift()?.(r);
    });
    const report = (): Promise<Report> => new Promise((resolve) => (waiters.push(resolve), swarm.stdin.write('report\n')));
    try {
      const deadline = Date.now() + 60_000;
      while (server.stats().clients < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(server.stats().clients, CLIENTS, 'all clients connected');

      let produced = 0;
      const tickMs = 10;
      const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
      const rss: number[] = [];
      collectGarbage();
      const rssStart = process.memoryUsage().rss;
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          // Catch up to the wall clock: the target rate holds even when a tick runs late.
          const due = Math.min(Math.floor(((Date.now() - started) / 1000) * RATE), RATE * SECONDS);
          for (let k = 0; produced < due && k < perTick * 20; k++, produced++) source.ctx!.upsertAlert(streamAlert(`load-${produced % 2000}`, produced % 3 ? 'triggered' : 'acknowledged', produced + 1));
          if (produced % 1000 < perTick) rss.push(process.memoryUsage().rss);
          if (Date.now() - started >= SECONDS * 1000 && produced >= RATE * SECONDS) {
            clearInterval(timer);
            resolve();
          }
        }, tickMs);
      });
      const elapsed = (Date.now() - started) / 1000;
      const endSeq = server.world.seq;
      const catchUp = Date.now() + 60_000;
      let r = await report();
      while ((r.minSeq !== endSeq || r.open !== CLIENTS) && Date.now() < catchUp) {
        await new Promise((res) => setTimeout(res, 500));
        r = await report();
      }
      const rssPeakMb = (Math.max(...rss) - rssStart) / 1024 / 1024;
      const summary = { produced, elapsed, rate: Math.round(produced / elapsed), rssStartMb: Math.round(rssStart / 1048576), rssPeakGrowthMb: Math.round(rssPeakMb), maxBufferedSeen: server.maxBufferedSeen, ...r };
      console.log(`      ${JSON.stringify(summary)}`);
      // The achieved rate is printed above, not asserted: speed belongs in bench/ (it depends on the machine).
      assert.equal(r.open, CLIENTS, 'every client connected at the end');
      assert.equal(r.minSeq, endSeq, 'every client caught up to the bridge seq (nothing lost)');
      assert.equal(r.maxSeq, endSeq);
      assert.equal(r.duplicates, 0, 'no event delivered twice on one connection');
      // Per client at most the 8 MiB queue limit, plus the world and replay buffer: far below 2 GB.
      assert.ok(rssPeakMb < 1024, `bridge RSS grew by ${rssPeakMb.toFixed(0)} MB`);
      assert.ok(server.maxBufferedSeen <= 8 * 1024 * 1024 + 64 * 1024, `per-client queue peaked at ${server.maxBufferedSeen}`);
    } finally {
      swarm.stdin.write('stop\n');
      await new Promise((r) => swarm.once('exit', r));
      await server.close();
    }
  });
});
