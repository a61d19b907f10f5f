import * as assert from 'node:assert/strict';
import { watchProcessErrors } from '../fuzz/harness';
import { DISRUPTIONS, runChaos } from './chaosRun';

export function describeChaos(alerts: number, disruptions: number): void {
  describe(`chaos: ${alerts} alert changes, ${disruptions} forced disconnects`, function () {
    this.timeout(Math.max(120_000, disruptions * 1000));
    watchProcessErrors();

    it('the client ends with exactly the server state: 0 lost, 0 applied twice, memory and queues bounded', async () => {
      const r = await runChaos({ alerts, disruptions, maxClientBufferBytes: 256 * 1024 });
      if (process.env.CHAOS_VERBOSE) console.log(r);
      for (const d of DISRUPTIONS) assert.ok(r.counts[d] >= 1, `disruption ${d} exercised`);
      assert.ok(r.reconnects >= disruptions * 0.6, `the client reconnected (${r.reconnects} times)`);
      assert.ok(r.snapshots >= 2, 'bridge restarts forced snapshots');
      // Generous: a leak of the stream (alerts × frames) would be far above this.
      assert.ok(r.heapDeltaMb < 64, `heap grew by ${r.heapDeltaMb.toFixed(1)} MB`);
      assert.ok(r.maxBufferedSeen <= 256 * 1024 + 64 * 1024, `bridge queue peaked at ${r.maxBufferedSeen} bytes`);
    });
  });
}

