import type { Cart, LineItem, PriceBreakdown } from './types';

const TAX_RATE = 0.19;

/** Sum of the line items before discounts and tax, in cents. */
export function subtotal(items: LineItem[]): number {
  return items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
}

/** Applies the cart coupon, if there is one. */
export function applyDiscount(cart: Cart, amountCents: number): number {
  const percent = cart.coupon?.percent ?? 0;
  const discount = Math.round((amountCents * percent) / 100);
  return Math.max(0, amountCents - discount);
}

export function priceCart(cart: Cart): PriceBreakdown {
  const base = subtotal(cart.items);
  const tax = Math.round(base * TAX_RATE);
  const total = applyDiscount(cart, base + tax);
  return { subtotalCents: base, discountedCents: total - tax, taxCents: tax, totalCents: total };
}
