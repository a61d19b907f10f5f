/**
 * Shared by the benchmark processes: a deterministic alert generator (realistic sizes: labels, a
 * description, a stack trace on one alert in five) and small statistics helpers. Bench-only code.
 */
import type { Alert, Severity } from '../../src/core/protocol/types';

export const SERVICES = ['checkout', 'payments', 'search', 'catalog', 'auth', 'notifications', 'inventory', 'shipping'];
const SEVERITIES: Severity[] = ['critical', 'high', 'warning', 'info'];
/**
 * Alerts start one hour before the generating process started (whole hour, so a run is reproducible within
 * the hour). A fixed calendar date goes stale: the store drops resolved alerts older than its retention age
 * (4 h) at once, which silently turned half of every burst into no-ops and hung the ingest row.
 */
const BASE_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;

/** xorshift32: the same seed gives the same stream in every process. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A node-style trace of `frames` frames under /app/ (paths exist in the generated workspace when `paths` is given). */
export function nodeTrace(r: () => number, frames: number, paths?: readonly string[]): string {
  const lines = [`TypeError: Cannot read properties of undefined (reading 'id')`];
  for (let i = 0; i < frames; i++) {
    const p = paths ? paths[Math.floor(r() * paths.length)]! : `src/module${Math.floor(r() * 40)}/file${Math.floor(r() * 90)}.ts`;
    lines.push(`    at handler${i} (/app/${p}:${1 + Math.floor(r() * 300)}:${1 + Math.floor(r() * 40)})`);
  }
  return lines.join('\n');
}

export interface AlertGenOptions {
  /** Per-mille of alerts that carry a 12-frame stack trace. Default 200. */
  tracePerMille?: number;
  /** Extra labels (e.g. the send time for latency runs). */
  labels?: Record<string, string>;
}

export function makeAlert(i: number, seed = 1, o: AlertGenOptions = {}): Alert {
  const r = rng(seed * 1_000_003 + i);
  const service = SERVICES[i % SERVICES.length]!;
  const severity = SEVERITIES[Math.floor(r() * 4)]!;
  const started = new Date(BASE_MS + i * 1000).toISOString();
  const a: Alert = {
    id: `bench-${seed}-${i}`,
    title: `${service}: error rate above 5% on /api/v1/${service}/items (${i})`,
    description: `The 5-minute error rate of ${service} in eu-west-1 is ${(5 + r() * 20).toFixed(1)}% (threshold 5%). Check recent deploys and the dependency dashboard.`,
    severity,
    status: 'triggered',
    service,
    environment: 'production',
    startedAt: started,
    updatedAt: started,
    assignees: [{ id: `u${i % 17}`, name: `Engineer ${i % 17}` }],
    runbookUrl: `https://runbooks.example.com/${service}/error-rate`,
    url: `https://alerts.example.com/alerts/${i}`,
    labels: { alertname: 'HighErrorRate', service, team: `team-${i % 5}`, region: 'eu-west-1', pod: `${service}-${(i * 7919) % 100000}`, ...o.labels },
    source: 'demo',
  };
  if (Math.floor(r() * 1000) < (o.tracePerMille ?? 200)) a.stackTrace = nodeTrace(r, 12);
  return a;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: readonly number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Blocks the event loop (so a socket's data piles up in the kernel and the sender's queue). */
export function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
