import type { Request, Response } from 'express';
import { priceCart } from '../cart/pricing';
import type { Cart } from '../cart/types';
import { InventoryClient } from '../clients/inventory';

export class CheckoutHandler {
  constructor(
    private readonly carts: Map<string, Cart>,
    private readonly inventory: InventoryClient,
  ) {}

  quote = (req: Request, res: Response): void => {
    const cart = this.carts.get(req.params.cartId);
    if (!cart) {
      res.status(404).json({ error: 'no such cart' });
      return;
    }
    const price = priceCart(cart);
    res.json({ cartId: cart.id, ...price });
  };

  placeOrder = async (req: Request, res: Response): Promise<void> => {
    const cart = this.carts.get(req.params.cartId);
    if (!cart) {
      res.status(404).json({ error: 'no such cart' });
      return;
    }
    await this.inventory.reserve(cart.items);
    const price = priceCart(cart);
    res.status(201).json({ orderId: cart.id, totalCents: price.totalCents });
  };
}
