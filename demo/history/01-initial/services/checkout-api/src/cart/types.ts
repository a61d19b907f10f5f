export interface LineItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Coupon {
  code: string;
  percent: number;
}

export interface Cart {
  id: string;
  customerId: string;
  items: LineItem[];
  coupon?: Coupon;
}

export interface PriceBreakdown {
  subtotalCents: number;
  discountedCents: number;
  taxCents: number;
  totalCents: number;
}
