import type { LineItem } from '../cart/types';

const TIMEOUT_MS = 3000;

/** Talks to inventory-service; a reservation that takes longer than TIMEOUT_MS fails the order. */
export class InventoryClient {
  constructor(private readonly baseUrl: string) {}

  async reserve(items: LineItem[]): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(new URL('/stock/reservations', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
        signal: controller.signal,
      });
      if (!res.ok) {
        throw new Error('inventory-service answered ' + res.status + ' to a stock reservation');
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
