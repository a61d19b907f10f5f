import express from 'express';
import { CheckoutHandler } from './routes/checkout';
import type { Cart } from './cart/types';

const app = express();
const carts = new Map<string, Cart>();
const handler = new CheckoutHandler(carts);

app.use(express.json());
app.get('/carts/:cartId/quote', (req, res) => handler.quote(req, res));
app.post('/carts/:cartId/orders', (req, res, next) => handler.placeOrder(req, res).catch(next));

app.listen(Number(process.env.PORT ?? 3000), () => console.log('checkout-api listening'));
