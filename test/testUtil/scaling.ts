/**
 * Complexity checks that hold on a loaded machine: instead of a wall-clock bound (which a shared 2-core machine
 * breaks by 3–5×), the same work is timed at n and at 4n in the same moment, and the larger must take less than
 * `factor` times the smaller (linear ≈ 4×, n log n ≈ 4.5×, quadratic 16×), plus a small slack for timer noise.
 * Each size is run `rounds` times, interleaved, and the fastest run of each counts.
 */
import * as assert from 'node:assert';
import { performance } from 'node:perf_hooks';

export interface ScalingOptions {
  rounds?: number;
  factor?: number;
  slackMs?: number;
}

export function assertScalesLinearly(label: string, run: (n: number) => void, n: number, opts: ScalingOptions = {}): { smallMs: number; bigMs: number } {
  const { rounds = 2, factor = 10, slackMs = 50 } = opts;
  let smallMs = Infinity;
  let bigMs = Infinity;
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    run(n);
    smallMs = Math.min(smallMs, performance.now() - t);
    t = performance.now();
    run(4 * n);
    bigMs = Math.min(bigMs, performance.now() - t);
  }
  assert.ok(bigMs < factor * smallMs + slackMs, `${label}: ${Math.round(bigMs)} ms at ${4 * n} vs ${Math.round(smallMs)} ms at ${n} — grows faster than linear (over ${factor}×)`);
  return { smallMs, bigMs };
}
