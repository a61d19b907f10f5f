import type { Severity } from '../../../core/protocol/types';

/** The demo's services and the kinds of alert each raises (titles get live numbers from the PRNG). */
export interface DemoService {
  name: string;
  runtime: string;
  team: 'payments' | 'platform';
  /** Workspace directory of the service. */
  dir: string;
}

export const SERVICES: readonly DemoService[] = [
  { name: 'checkout-api', runtime: 'node', team: 'payments', dir: 'services/checkout-api' },
  { name: 'billing-worker', runtime: 'python', team: 'payments', dir: 'services/billing-worker' },
  { name: 'inventory-service', runtime: 'java', team: 'platform', dir: 'services/inventory-service' },
  { name: 'edge-gateway', runtime: 'go', team: 'platform', dir: 'services/edge-gateway' },
];

export interface AlertTemplate {
  service: string;
  alertname: string;
  /** `{n}` is replaced by a number from `range`. */
  title: string;
  description: string;
  severity: Severity;
  environment: 'production' | 'staging';
  range?: [number, number];
  /** Id of a trace in traces.ts. */
  trace?: string;
  runbook: string;
  /** Share of instances that resolve by themselves on a later tick (flapping checks). */
  autoResolves: boolean;
}

export const TEMPLATES: readonly AlertTemplate[] = [
  {
    service: 'checkout-api', alertname: 'CheckoutHighErrorRate', severity: 'critical', environment: 'production', range: [5, 14],
    title: 'checkout-api: 5xx rate {n}% on /carts/:cartId/quote',
    description: "Quotes fail with TypeError: Cannot read properties of undefined (reading 'percent').", trace: 'checkout-coupon', runbook: 'checkout-api/high-error-rate', autoResolves: false,
  },
  {
    service: 'checkout-api', alertname: 'CheckoutInventoryUnavailable', severity: 'high', environment: 'production', range: [20, 90],
    title: 'checkout-api: {n} orders failed to reserve stock in 5 min',
    description: 'inventory-service answers 503 to stock reservations.', trace: 'checkout-inventory', runbook: 'checkout-api/inventory-unavailable', autoResolves: true,
  },
  {
    service: 'checkout-api', alertname: 'CheckoutLatencyHigh', severity: 'warning', environment: 'staging', range: [800, 1900],
    title: 'checkout-api staging: p95 latency {n} ms', description: 'Canary latency above the 800 ms objective.', runbook: 'checkout-api/latency', autoResolves: true,
  },
  {
    service: 'billing-worker', alertname: 'BillingJobFailures', severity: 'high', environment: 'production', range: [3, 40],
    title: 'billing-worker: {n} invoice jobs failed (DivisionByZero)', description: 'Bundles with a quantity of 0 break per-unit pricing.', trace: 'billing-division', runbook: 'billing-worker/job-failures', autoResolves: false,
  },
  {
    service: 'billing-worker', alertname: 'BillingChargeFailed', severity: 'critical', environment: 'production', range: [2, 12],
    title: 'billing-worker: {n} charges failed after 3 attempts', description: 'Stripe API connection errors; customers are not being charged.', trace: 'billing-charge', runbook: 'billing-worker/charge-failed', autoResolves: true,
  },
  {
    service: 'billing-worker', alertname: 'BillingQueueDepth', severity: 'info', environment: 'staging', range: [5000, 12000],
    title: 'billing-worker staging: queue depth {n}', description: 'Jobs are piling up in the staging queue.', runbook: 'billing-worker/queue-depth', autoResolves: true,
  },
  {
    service: 'inventory-service', alertname: 'StockReservationConflicts', severity: 'warning', environment: 'production', range: [2, 9],
    title: 'inventory-service: {n}% of stock reservations conflict', description: 'Optimistic locking retries exhausted under concurrent checkouts.', trace: 'inventory-lock', runbook: 'inventory-service/reservation-conflicts', autoResolves: true,
  },
  {
    service: 'inventory-service', alertname: 'InventoryNullPointer', severity: 'high', environment: 'production', range: [10, 80],
    title: 'inventory-service: {n} NullPointerExceptions/min in StockRepository.decrement', description: 'Reservations for unknown SKUs.', trace: 'inventory-npe', runbook: 'inventory-service/npe', autoResolves: true,
  },
  {
    service: 'edge-gateway', alertname: 'GatewayCrashLoop', severity: 'critical', environment: 'production', range: [3, 12],
    title: 'edge-gateway: {n} pods in CrashLoopBackOff', description: 'panic: runtime error: index out of range during ratelimit warm-up.', trace: 'gateway-index', runbook: 'edge-gateway/crash-loop', autoResolves: false,
  },
  {
    service: 'edge-gateway', alertname: 'GatewayHandlerPanics', severity: 'high', environment: 'production', range: [5, 60],
    title: 'edge-gateway: {n} handler panics/min (assignment to entry in nil map)', description: 'Requests through the rate limiter panic.', trace: 'gateway-nilmap', runbook: 'edge-gateway/handler-panics', autoResolves: true,
  },
  {
    service: 'edge-gateway', alertname: 'GatewayCertExpiry', severity: 'info', environment: 'production', range: [10, 20],
    title: 'edge-gateway: TLS certificate for shop.acme.example expires in {n} days', description: 'cert-manager has not renewed it yet.', runbook: 'edge-gateway/cert-expiry', autoResolves: true,
  },
];

export const RUNBOOK_BASE = 'https://runbooks.acme.example/';
export const ALERTS_BASE = 'https://alerts.acme.example/incidents/';
export const GIT_BASE = 'https://git.acme.example/acme/shop/';
export const DEPLOYS_BASE = 'https://ci.acme.example/deploys/';

/** Small, fast, seedable PRNG (mulberry32): the demo world must be reproducible under `--seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
