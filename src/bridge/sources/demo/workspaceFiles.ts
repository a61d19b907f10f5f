/**
 * The demo workspace: a small "acme shop" monorepo (TypeScript, Python, Java, Go services) and the
 * script that builds its git history.
 *
 * The files live here, as strings, rather than only under demo/workspace/ because the packaged
 * extension ships nothing but dist/bridge.js: "Try the Demo" must be able to create the workspace from
 * the bundle alone. demo/workspace/ is a byte-for-byte mirror for browsing; a unit test keeps the two
 * equal (run it with UPDATE_DEMO_TEMPLATE=1 to rewrite the mirror after editing this file).
 *
 * Demo stack traces are generated from these contents (see traces.ts), so every in-app frame points
 * at a real file, line and the code the trace quotes. Avoid backticks and "${" in the contents.
 */

export interface DemoAuthor {
  name: string;
  email: string;
}

export const YOU: DemoAuthor = { name: 'You', email: 'you@example.com' };
export const ALICE: DemoAuthor = { name: 'Alice Chen', email: 'alice.chen@acme.example' };
export const DIEGO: DemoAuthor = { name: 'Diego Alvarez', email: 'diego.alvarez@acme.example' };
export const PRIYA: DemoAuthor = { name: 'Priya Raman', email: 'priya.raman@acme.example' };
export const KENJI: DemoAuthor = { name: 'Kenji Watanabe', email: 'kenji.watanabe@acme.example' };
export const BOB: DemoAuthor = { name: 'Bob Lindqvist', email: 'bob.lindqvist@acme.example' };

const lines = (...l: string[]): string => l.join('\n') + '\n';

// ---------------------------------------------------------------- checkout-api (Node / TypeScript)

export const PRICING_TS = 'services/checkout-api/src/cart/pricing.ts';
/** The line the bug commit introduces and the top frame of the checkout TypeError points at. */
export const BUG_LINE = '  const percent = cart.coupon.percent;';
const SAFE_LINE = '  const percent = cart.coupon?.percent ?? 0;';

const pricingFinal = lines(
  "import type { Cart, LineItem, PriceBreakdown } from './types';",
  '',
  'const TAX_RATE = 0.19;',
  '',
  '/** Sum of the line items before discounts and tax, in cents. */',
  'export function subtotal(items: LineItem[]): number {',
  '  return items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);',
  '}',
  '',
  '/** Applies the cart coupon before tax (finance asked for this in PAY-412). */',
  'export function applyDiscount(cart: Cart, amountCents: number): number {',
  BUG_LINE,
  '  const discount = Math.round((amountCents * percent) / 100);',
  '  return Math.max(0, amountCents - discount);',
  '}',
  '',
  'export function priceCart(cart: Cart): PriceBreakdown {',
  '  const base = subtotal(cart.items);',
  '  const discounted = applyDiscount(cart, base);',
  '  const tax = Math.round(discounted * TAX_RATE);',
  '  return { subtotalCents: base, discountedCents: discounted, taxCents: tax, totalCents: discounted + tax };',
  '}',
);

const pricingBefore = lines(
  "import type { Cart, LineItem, PriceBreakdown } from './types';",
  '',
  'const TAX_RATE = 0.19;',
  '',
  '/** Sum of the line items before discounts and tax, in cents. */',
  'export function subtotal(items: LineItem[]): number {',
  '  return items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);',
  '}',
  '',
  '/** Applies the cart coupon, if there is one. */',
  'export function applyDiscount(cart: Cart, amountCents: number): number {',
  SAFE_LINE,
  '  const discount = Math.round((amountCents * percent) / 100);',
  '  return Math.max(0, amountCents - discount);',
  '}',
  '',
  'export function priceCart(cart: Cart): PriceBreakdown {',
  '  const base = subtotal(cart.items);',
  '  const tax = Math.round(base * TAX_RATE);',
  '  const total = applyDiscount(cart, base + tax);',
  '  return { subtotalCents: base, discountedCents: total - tax, taxCents: tax, totalCents: total };',
  '}',
);

const typesTs = lines(
  'export interface LineItem {',
  '  sku: string;',
  '  quantity: number;',
  '  unitPriceCents: number;',
  '}',
  '',
  'export interface Coupon {',
  '  code: string;',
  '  percent: number;',
  '}',
  '',
  'export interface Cart {',
  '  id: string;',
  '  customerId: string;',
  '  items: LineItem[];',
  '  coupon?: Coupon;',
  '}',
  '',
  'export interface PriceBreakdown {',
  '  subtotalCents: number;',
  '  discountedCents: number;',
  '  taxCents: number;',
  '  totalCents: number;',
  '}',
);

const checkoutRouteTs = lines(
  "import type { Request, Response } from 'express';",
  "import { priceCart } from '../cart/pricing';",
  "import type { Cart } from '../cart/types';",
  "import { InventoryClient } from '../clients/inventory';",
  '',
  'export class CheckoutHandler {',
  '  constructor(',
  '    private readonly carts: Map<string, Cart>,',
  '    private readonly inventory: InventoryClient,',
  '  ) {}',
  '',
  '  quote = (req: Request, res: Response): void => {',
  '    const cart = this.carts.get(req.params.cartId);',
  '    if (!cart) {',
  "      res.status(404).json({ error: 'no such cart' });",
  '      return;',
  '    }',
  '    const price = priceCart(cart);',
  '    res.json({ cartId: cart.id, ...price });',
  '  };',
  '',
  '  placeOrder = async (req: Request, res: Response): Promise<void> => {',
  '    const cart = this.carts.get(req.params.cartId);',
  '    if (!cart) {',
  "      res.status(404).json({ error: 'no such cart' });",
  '      return;',
  '    }',
  '    await this.inventory.reserve(cart.items);',
  '    const price = priceCart(cart);',
  '    res.status(201).json({ orderId: cart.id, totalCents: price.totalCents });',
  '  };',
  '}',
);

const inventoryClientTs = lines(
  "import type { LineItem } from '../cart/types';",
  '',
  'const TIMEOUT_MS = 3000;',
  '',
  '/** Talks to inventory-service; a reservation that takes longer than TIMEOUT_MS fails the order. */',
  'export class InventoryClient {',
  '  constructor(private readonly baseUrl: string) {}',
  '',
  '  async reserve(items: LineItem[]): Promise<void> {',
  '    const controller = new AbortController();',
  '    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);',
  '    try {',
  "      const res = await fetch(new URL('/stock/reservations', this.baseUrl), {",
  "        method: 'POST',",
  "        headers: { 'content-type': 'application/json' },",
  '        body: JSON.stringify({ items }),',
  '        signal: controller.signal,',
  '      });',
  '      if (!res.ok) {',
  "        throw new Error('inventory-service answered ' + res.status + ' to a stock reservation');",
  '      }',
  '    } finally {',
  '      clearTimeout(timer);',
  '    }',
  '  }',
  '}',
);

const serverTs = lines(
  "import express from 'express';",
  "import { CheckoutHandler } from './routes/checkout';",
  "import { InventoryClient } from './clients/inventory';",
  "import type { Cart } from './cart/types';",
  '',
  'const app = express();',
  'const carts = new Map<string, Cart>();',
  "const inventory = new InventoryClient(process.env.INVENTORY_URL ?? 'http://inventory-service:8080');",
  'const handler = new CheckoutHandler(carts, inventory);',
  '',
  'app.use(express.json());',
  "app.get('/carts/:cartId/quote', (req, res) => handler.quote(req, res));",
  "app.post('/carts/:cartId/orders', (req, res, next) => handler.placeOrder(req, res).catch(next));",
  '',
  "app.listen(Number(process.env.PORT ?? 3000), () => console.log('checkout-api listening'));",
);

const checkoutPackageJson = lines(
  '{',
  '  "name": "@acme/checkout-api",',
  '  "version": "1.5.0",',
  '  "private": true,',
  '  "main": "dist/server.js",',
  '  "scripts": { "build": "tsc -p .", "start": "node --enable-source-maps dist/server.js" },',
  '  "dependencies": { "express": "^4.21.2" },',
  '  "devDependencies": { "@types/express": "^4.17.21", "typescript": "^5.6.3" }',
  '}',
);

const checkoutTsconfig = lines(
  '{',
  '  "compilerOptions": { "target": "ES2022", "module": "commonjs", "strict": true, "outDir": "dist", "sourceMap": true },',
  '  "include": ["src"]',
  '}',
);

// ---------------------------------------------------------------- billing-worker (Python)

const invoiceFinal = lines(
  '"""Invoices: one line per charge, totals rounded per line (accounting rule FIN-7)."""',
  'from decimal import ROUND_HALF_UP, Decimal',
  '',
  'CENT = Decimal("0.01")',
  '',
  '',
  'def unit_price(line):',
  '    """Price of one unit; bundles are priced per contained item."""',
  '    return Decimal(line["amount"]) / line["quantity"]',
  '',
  '',
  'def line_total(line):',
  '    total = unit_price(line) * line["quantity"]',
  '    return total.quantize(CENT, rounding=ROUND_HALF_UP)',
  '',
  '',
  'def build_invoice(customer_id, lines):',
  '    total = Decimal(0)',
  '    for line in lines:',
  '        total += line_total(line)',
  '    return {"customer_id": customer_id, "lines": lines, "total": str(total)}',
);

const invoiceBefore = lines(
  '"""Invoices: one line per charge."""',
  'from decimal import Decimal',
  '',
  '',
  'def build_invoice(customer_id, lines):',
  '    total = sum(Decimal(line["amount"]) for line in lines)',
  '    return {"customer_id": customer_id, "lines": lines, "total": str(total)}',
);

const workerFinal = lines(
  '"""Consumes billing jobs from the queue: build the invoice, then charge the customer."""',
  'import logging',
  'import time',
  '',
  'import stripe',
  '',
  'from billing.invoice import build_invoice',
  '',
  'log = logging.getLogger("billing.worker")',
  'MAX_ATTEMPTS = 3',
  '',
  '',
  'class ChargeFailed(Exception):',
  '    pass',
  '',
  '',
  'def charge(invoice, attempts=MAX_ATTEMPTS):',
  '    for attempt in range(1, attempts + 1):',
  '        try:',
  '            return stripe.PaymentIntent.create(amount=invoice["total"], currency="eur", confirm=True)',
  '        except stripe.APIConnectionError as err:',
  '            log.warning("charge attempt %d failed: %s", attempt, err)',
  '            time.sleep(2 ** attempt)',
  '    raise ChargeFailed("charge for %s failed after %d attempts" % (invoice["customer_id"], attempts))',
  '',
  '',
  'def process_job(job):',
  '    invoice = build_invoice(job["customer_id"], job["lines"])',
  '    return charge(invoice)',
);

const workerBefore = lines(
  '"""Consumes billing jobs from the queue: build the invoice, then charge the customer."""',
  'import logging',
  '',
  'import stripe',
  '',
  'from billing.invoice import build_invoice',
  '',
  'log = logging.getLogger("billing.worker")',
  '',
  '',
  'def charge(invoice):',
  '    return stripe.PaymentIntent.create(amount=invoice["total"], currency="eur", confirm=True)',
  '',
  '',
  'def process_job(job):',
  '    invoice = build_invoice(job["customer_id"], job["lines"])',
  '    return charge(invoice)',
);

const billingInit = lines('"""acme billing worker."""');

const billingPyproject = lines(
  '[project]',
  'name = "billing-worker"',
  'version = "1.5.0"',
  'requires-python = ">=3.12"',
  'dependencies = ["stripe>=11.3"]',
);

// ---------------------------------------------------------------- inventory-service (Java)

const JAVA_DIR = 'services/inventory-service/src/main/java/com/acme/inventory';

const stockServiceFinal = lines(
  'package com.acme.inventory;',
  '',
  'import org.springframework.dao.OptimisticLockingFailureException;',
  'import org.springframework.stereotype.Service;',
  '',
  '@Service',
  'public class StockService {',
  '    private static final int MAX_RETRIES = 2;',
  '',
  '    private final StockRepository repository;',
  '',
  '    public StockService(StockRepository repository) {',
  '        this.repository = repository;',
  '    }',
  '',
  '    /** Reserves units of one SKU; concurrent reservations retry on a version conflict. */',
  '    public Reservation reserve(String sku, int quantity) {',
  '        for (int attempt = 0; ; attempt++) {',
  '            try {',
  '                StockLevel level = repository.findBySku(sku);',
  '                return repository.decrement(level, quantity);',
  '            } catch (OptimisticLockingFailureException e) {',
  '                if (attempt >= MAX_RETRIES) {',
  '                    throw new IllegalStateException("Could not reserve " + quantity + " units of " + sku, e);',
  '                }',
  '            }',
  '        }',
  '    }',
  '}',
);

const stockServiceBefore = lines(
  'package com.acme.inventory;',
  '',
  'import org.springframework.stereotype.Service;',
  '',
  '@Service',
  'public class StockService {',
  '    private final StockRepository repository;',
  '',
  '    public StockService(StockRepository repository) {',
  '        this.repository = repository;',
  '    }',
  '',
  '    public Reservation reserve(String sku, int quantity) {',
  '        StockLevel level = repository.findBySku(sku);',
  '        return repository.decrement(level, quantity);',
  '    }',
  '}',
);

const stockRepositoryFinal = lines(
  'package com.acme.inventory;',
  '',
  'import jakarta.persistence.EntityManager;',
  'import org.springframework.stereotype.Repository;',
  'import org.springframework.transaction.annotation.Transactional;',
  '',
  '@Repository',
  'public class StockRepository {',
  '    private final EntityManager em;',
  '',
  '    public StockRepository(EntityManager em) {',
  '        this.em = em;',
  '    }',
  '',
  '    public StockLevel findBySku(String sku) {',
  '        return em.find(StockLevel.class, sku);',
  '    }',
  '',
  '    /** Optimistic locking: the version column makes a concurrent decrement fail instead of overselling. */',
  '    @Transactional',
  '    public Reservation decrement(StockLevel level, int quantity) {',
  '        level.setAvailable(level.getAvailable() - quantity);',
  '        em.flush();',
  '        return new Reservation(level.getSku(), quantity);',
  '    }',
  '}',
);

const stockRepositoryBefore = lines(
  'package com.acme.inventory;',
  '',
  'import jakarta.persistence.EntityManager;',
  'import org.springframework.stereotype.Repository;',
  '',
  '@Repository',
  'public class StockRepository {',
  '    private final EntityManager em;',
  '',
  '    public StockRepository(EntityManager em) {',
  '        this.em = em;',
  '    }',
  '',
  '    public StockLevel findBySku(String sku) {',
  '        return em.find(StockLevel.class, sku);',
  '    }',
  '',
  '    public Reservation decrement(StockLevel level, int quantity) {',
  '        level.setAvailable(level.getAvailable() - quantity);',
  '        return new Reservation(level.getSku(), quantity);',
  '    }',
  '}',
);

const stockControllerJava = lines(
  'package com.acme.inventory;',
  '',
  'import org.springframework.web.bind.annotation.PostMapping;',
  'import org.springframework.web.bind.annotation.RequestBody;',
  'import org.springframework.web.bind.annotation.RestController;',
  '',
  '@RestController',
  'public class StockController {',
  '    private final StockService stock;',
  '',
  '    public StockController(StockService stock) {',
  '        this.stock = stock;',
  '    }',
  '',
  '    @PostMapping("/stock/reservations")',
  '    public Reservation reserve(@RequestBody ReservationRequest request) {',
  '        return stock.reserve(request.sku(), request.quantity());',
  '    }',
  '}',
);

const stockLevelJava = lines(
  'package com.acme.inventory;',
  '',
  'import jakarta.persistence.Entity;',
  'import jakarta.persistence.Id;',
  'import jakarta.persistence.Version;',
  '',
  '@Entity',
  'public class StockLevel {',
  '    @Id',
  '    private String sku;',
  '    private int available;',
  '    @Version',
  '    private long version;',
  '',
  '    public String getSku() { return sku; }',
  '    public int getAvailable() { return available; }',
  '    public void setAvailable(int available) { this.available = available; }',
  '}',
);

const recordsJava = (name: string, body: string): string => lines('package com.acme.inventory;', '', body.replace('NAME', name));

const pomXml = lines(
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<project xmlns="http://maven.apache.org/POM/4.0.0">',
  '  <modelVersion>4.0.0</modelVersion>',
  '  <groupId>com.acme</groupId>',
  '  <artifactId>inventory-service</artifactId>',
  '  <version>1.5.0</version>',
  '  <parent>',
  '    <groupId>org.springframework.boot</groupId>',
  '    <artifactId>spring-boot-starter-parent</artifactId>',
  '    <version>3.3.5</version>',
  '  </parent>',
  '  <dependencies>',
  '    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency>',
  '    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-data-jpa</artifactId></dependency>',
  '  </dependencies>',
  '</project>',
);

// ---------------------------------------------------------------- edge-gateway (Go)

const goMod = lines('module github.com/acme/edge-gateway', '', 'go 1.22');

const limiterFinal = lines(
  '// Package ratelimit implements per-route token buckets for the edge gateway.',
  'package ratelimit',
  '',
  'import (',
  '\t"hash/fnv"',
  '\t"sync"',
  '\t"time"',
  ')',
  '',
  '// Route is one configured limit, e.g. {"/checkout", 50}.',
  'type Route struct {',
  '\tPrefix string',
  '\tPerSec int',
  '}',
  '',
  'type bucket struct {',
  '\tmu     sync.Mutex',
  '\ttokens float64',
  '\tlast   time.Time',
  '}',
  '',
  'type Limiter struct {',
  '\troutes  []Route',
  '\tbuckets []*bucket',
  '\tclients map[string]time.Time',
  '}',
  '',
  'func New(routes []Route) *Limiter {',
  '\tl := &Limiter{routes: routes, buckets: make([]*bucket, len(routes)-1)}',
  '\tfor i := range l.buckets {',
  '\t\tl.buckets[i] = &bucket{tokens: float64(routes[i].PerSec), last: time.Now()}',
  '\t}',
  '\treturn l',
  '}',
  '',
  '// Warm pre-fills every bucket so a restart does not reject the first burst.',
  'func (l *Limiter) Warm() {',
  '\tfor i, r := range l.routes {',
  '\t\tl.bucketFor(i).tokens = float64(r.PerSec)',
  '\t}',
  '}',
  '',
  'func (l *Limiter) bucketFor(i int) *bucket {',
  '\treturn l.buckets[i]',
  '}',
  '',
  '// Seen records when a client was last let through (used by the /debug/clients page).',
  'func (l *Limiter) Seen(client string) {',
  '\tl.clients[client] = time.Now()',
  '}',
  '',
  'func (l *Limiter) Allow(path string, client string) bool {',
  '\th := fnv.New32a()',
  '\th.Write([]byte(client))',
  '\tfor i, r := range l.routes {',
  '\t\tif len(path) >= len(r.Prefix) && path[:len(r.Prefix)] == r.Prefix {',
  '\t\t\tb := l.bucketFor(i)',
  '\t\t\tb.mu.Lock()',
  '\t\t\tdefer b.mu.Unlock()',
  '\t\t\tif b.tokens < 1 {',
  '\t\t\t\treturn false',
  '\t\t\t}',
  '\t\t\tb.tokens--',
  '\t\t\tl.Seen(client)',
  '\t\t\treturn true',
  '\t\t}',
  '\t}',
  '\treturn true',
  '}',
);

const limiterBefore = lines(
  '// Package ratelimit implements a token bucket for the edge gateway.',
  'package ratelimit',
  '',
  'import (',
  '\t"sync"',
  '\t"time"',
  ')',
  '',
  'type Limiter struct {',
  '\tmu     sync.Mutex',
  '\tperSec int',
  '\ttokens float64',
  '\tlast   time.Time',
  '}',
  '',
  'func New(perSec int) *Limiter {',
  '\treturn &Limiter{perSec: perSec, tokens: float64(perSec), last: time.Now()}',
  '}',
  '',
  'func (l *Limiter) Allow() bool {',
  '\tl.mu.Lock()',
  '\tdefer l.mu.Unlock()',
  '\tif l.tokens < 1 {',
  '\t\treturn false',
  '\t}',
  '\tl.tokens--',
  '\treturn true',
  '}',
);

const mainGoFinal = lines(
  'package main',
  '',
  'import (',
  '\t"log"',
  '\t"net/http"',
  '',
  '\t"github.com/acme/edge-gateway/ratelimit"',
  ')',
  '',
  'var routes = []ratelimit.Route{',
  '\t{Prefix: "/checkout", PerSec: 50},',
  '\t{Prefix: "/billing", PerSec: 20},',
  '\t{Prefix: "/stock", PerSec: 200},',
  '}',
  '',
  'func main() {',
  '\tlimiter := ratelimit.New(routes)',
  '\tlimiter.Warm()',
  '\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {',
  '\t\tif !limiter.Allow(r.URL.Path, r.RemoteAddr) {',
  '\t\t\thttp.Error(w, "slow down", http.StatusTooManyRequests)',
  '\t\t\treturn',
  '\t\t}',
  '\t\tproxy(w, r)',
  '\t})',
  '\tlog.Fatal(http.ListenAndServe(":8080", nil))',
  '}',
);

const mainGoBefore = lines(
  'package main',
  '',
  'import (',
  '\t"log"',
  '\t"net/http"',
  '',
  '\t"github.com/acme/edge-gateway/ratelimit"',
  ')',
  '',
  'func main() {',
  '\tlimiter := ratelimit.New(100)',
  '\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {',
  '\t\tif !limiter.Allow() {',
  '\t\t\thttp.Error(w, "slow down", http.StatusTooManyRequests)',
  '\t\t\treturn',
  '\t\t}',
  '\t\tproxy(w, r)',
  '\t})',
  '\tlog.Fatal(http.ListenAndServe(":8080", nil))',
  '}',
);

const proxyGo = lines(
  'package main',
  '',
  'import (',
  '\t"net/http"',
  '\t"net/http/httputil"',
  '\t"net/url"',
  ')',
  '',
  'var upstream, _ = url.Parse("http://checkout-api:3000")',
  '',
  'func proxy(w http.ResponseWriter, r *http.Request) {',
  '\thttputil.NewSingleHostReverseProxy(upstream).ServeHTTP(w, r)',
  '}',
);

// ---------------------------------------------------------------- repository root

const readmeBefore = lines(
  '# acme shop',
  '',
  'The services behind shop.acme.example:',
  '',
  '| service | language | path |',
  '|---|---|---|',
  '| checkout-api | Node.js / TypeScript | services/checkout-api |',
  '| billing-worker | Python | services/billing-worker |',
  '| inventory-service | Java (Spring Boot) | services/inventory-service |',
  '| edge-gateway | Go | services/edge-gateway |',
);

const readmeFinal =
  readmeBefore +
  lines(
    '',
    '## On call',
    '',
    'Payments (checkout-api, billing-worker) pages a paired dev + ops rotation, then the secondary after',
    '5 minutes, then the team lead after 15 more. Platform (inventory-service, edge-gateway) has its own rotation.',
    'Runbooks: https://runbooks.acme.example/',
  );

const gitattributes = lines('* -text');

/** The final tree (what HEAD checks out). Paths are POSIX, relative to the workspace root. */
/** A deploy file (matches oncall.deployFiles' k8s glob): opening it during a risky window shows the guard. */
export const DEPLOY_MANIFEST = 'k8s/checkout-api/deployment.yaml';
const deploymentYaml = lines(
  '# checkout-api in production. `kubectl apply -f k8s/checkout-api/` deploys it.',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: checkout-api',
  '  namespace: shop',
  '  labels:',
  '    app: checkout-api',
  '    team: payments',
  'spec:',
  '  replicas: 3',
  '  selector:',
  '    matchLabels:',
  '      app: checkout-api',
  '  template:',
  '    metadata:',
  '      labels:',
  '        app: checkout-api',
  '    spec:',
  '      containers:',
  '        - name: checkout-api',
  '          image: registry.acme.example/shop/checkout-api:1.5.0',
  '          ports:',
  '            - containerPort: 8080',
  '          env:',
  '            - name: INVENTORY_URL',
  '              value: http://inventory-service:8080',
  '          readinessProbe:',
  '            httpGet: { path: /healthz, port: 8080 }',
);

export const WORKSPACE_FILES: Readonly<Record<string, string>> = {
  '.gitattributes': gitattributes,
  [DEPLOY_MANIFEST]: deploymentYaml,
  'README.md': readmeFinal,
  'services/checkout-api/package.json': checkoutPackageJson,
  'services/checkout-api/tsconfig.json': checkoutTsconfig,
  'services/checkout-api/src/server.ts': serverTs,
  'services/checkout-api/src/routes/checkout.ts': checkoutRouteTs,
  'services/checkout-api/src/clients/inventory.ts': inventoryClientTs,
  'services/checkout-api/src/cart/types.ts': typesTs,
  [PRICING_TS]: pricingFinal,
  'services/billing-worker/pyproject.toml': billingPyproject,
  'services/billing-worker/billing/__init__.py': billingInit,
  'services/billing-worker/billing/invoice.py': invoiceFinal,
  'services/billing-worker/billing/worker.py': workerFinal,
  'services/inventory-service/pom.xml': pomXml,
  [`${JAVA_DIR}/StockService.java`]: stockServiceFinal,
  [`${JAVA_DIR}/StockRepository.java`]: stockRepositoryFinal,
  [`${JAVA_DIR}/StockController.java`]: stockControllerJava,
  [`${JAVA_DIR}/StockLevel.java`]: stockLevelJava,
  [`${JAVA_DIR}/Reservation.java`]: recordsJava('Reservation', 'public record NAME(String sku, int quantity) {}'),
  [`${JAVA_DIR}/ReservationRequest.java`]: recordsJava('ReservationRequest', 'public record NAME(String sku, int quantity) {}'),
  'services/edge-gateway/go.mod': goMod,
  'services/edge-gateway/main.go': mainGoFinal,
  'services/edge-gateway/proxy.go': proxyGo,
  'services/edge-gateway/ratelimit/limiter.go': limiterFinal,
};

// ---------------------------------------------------------------- history

/** Files a step writes (string) or deletes (null). */
export type FileChanges = Readonly<Record<string, string | null>>;

export type HistoryStep =
  | { op: 'commit'; key: string; subject: string; body?: string; author: DemoAuthor; date: string; files: FileChanges }
  | { op: 'branch'; name: string }
  | { op: 'checkout'; name: string }
  | { op: 'merge'; key: string; branch: string; subject: string; author: DemoAuthor; date: string }
  | { op: 'tag'; name: string };

function initialTree(): Record<string, string> {
  const t: Record<string, string> = { ...WORKSPACE_FILES };
  delete t[DEPLOY_MANIFEST]; // added by the last commit (the shas before it stay as they were)
  t[PRICING_TS] = pricingBefore;
  t['README.md'] = readmeBefore;
  t['services/billing-worker/billing/invoice.py'] = invoiceBefore;
  t['services/billing-worker/billing/worker.py'] = workerBefore;
  t[`${JAVA_DIR}/StockService.java`] = stockServiceBefore;
  t[`${JAVA_DIR}/StockRepository.java`] = stockRepositoryBefore;
  t['services/edge-gateway/main.go'] = mainGoBefore;
  t['services/edge-gateway/ratelimit/limiter.go'] = limiterBefore;
  delete t['services/checkout-api/src/clients/inventory.ts'];
  // The first checkout route had no inventory client: the commit that adds it edits the route too.
  t['services/checkout-api/src/routes/checkout.ts'] = checkoutRouteTs
    .replace("import { InventoryClient } from '../clients/inventory';\n", '')
    .replace('    private readonly inventory: InventoryClient,\n', '')
    .replace('    await this.inventory.reserve(cart.items);\n', '');
  t['services/checkout-api/src/server.ts'] = serverTs
    .replace("import { InventoryClient } from './clients/inventory';\n", '')
    .replace("const inventory = new InventoryClient(process.env.INVENTORY_URL ?? 'http://inventory-service:8080');\n", '')
    .replace('new CheckoutHandler(carts, inventory)', 'new CheckoutHandler(carts)');
  return t;
}

/** Commit keys, in the order they are made. `bug` is the commit that introduces BUG_LINE. */
export const COMMIT_KEYS = ['initial', 'limiter', 'rounding', 'locking', 'inventoryClient', 'merge', 'retries', 'bug', 'routeLimits', 'docs'] as const;
export type CommitKey = (typeof COMMIT_KEYS)[number];

/**
 * Fixed names, emails and dates make the shas deterministic (see DEMO_COMMIT_SHAS). The story: the
 * 2026-11-20 deploy carries Diego's coupon change (`bug`), which dereferences a missing coupon.
 */
export const HISTORY: readonly HistoryStep[] = [
  {
    op: 'commit', key: 'initial', subject: 'Import the acme shop services', author: ALICE, date: '2026-11-02T09:14:00+01:00',
    body: 'checkout-api, billing-worker, inventory-service and edge-gateway move into one repository.',
    files: initialTree(),
  },
  {
    op: 'commit', key: 'limiter', subject: 'edge-gateway: warm token buckets on start', author: KENJI, date: '2026-11-04T16:40:00+09:00',
    files: { 'services/edge-gateway/ratelimit/limiter.go': limiterBefore.replace('// Package ratelimit implements a token bucket for the edge gateway.', '// Package ratelimit implements a token bucket for the edge gateway.\n// Buckets start full so a restart does not reject the first burst.') },
  },
  {
    op: 'commit', key: 'rounding', subject: 'billing: round invoice totals per line (FIN-7)', author: YOU, date: '2026-11-06T11:02:00+01:00',
    files: { 'services/billing-worker/billing/invoice.py': invoiceFinal },
  },
  { op: 'branch', name: 'feature/stock-reservation' },
  { op: 'checkout', name: 'feature/stock-reservation' },
  {
    op: 'commit', key: 'locking', subject: 'inventory: reserve stock with optimistic locking', author: PRIYA, date: '2026-11-10T14:25:00+05:30',
    body: 'Two concurrent checkouts could oversell the last unit. The version column now makes the second\ndecrement fail; the service retries twice before giving up.',
    files: { [`${JAVA_DIR}/StockService.java`]: stockServiceFinal, [`${JAVA_DIR}/StockRepository.java`]: stockRepositoryFinal },
  },
  { op: 'checkout', name: 'main' },
  {
    op: 'commit', key: 'inventoryClient', subject: 'checkout: reserve stock before placing an order', author: DIEGO, date: '2026-11-11T10:12:00-03:00',
    files: {
      'services/checkout-api/src/clients/inventory.ts': inventoryClientTs,
      'services/checkout-api/src/routes/checkout.ts': checkoutRouteTs,
      'services/checkout-api/src/server.ts': serverTs,
    },
  },
  { op: 'merge', key: 'merge', branch: 'feature/stock-reservation', subject: "Merge branch 'feature/stock-reservation'", author: ALICE, date: '2026-11-12T17:45:00-08:00' },
  { op: 'tag', name: 'release-1.4.0' },
  { op: 'tag', name: 'deploy-2026-11-13' },
  {
    op: 'commit', key: 'retries', subject: 'billing: retry failed charges with backoff', author: BOB, date: '2026-11-17T08:30:00+01:00',
    files: { 'services/billing-worker/billing/worker.py': workerFinal },
  },
  {
    op: 'commit', key: 'bug', subject: 'checkout: apply coupon discounts before tax (PAY-412)', author: DIEGO, date: '2026-11-19T18:05:00-03:00',
    body: 'Finance wants the discount on the net amount. Tax is now computed on the discounted subtotal.',
    files: { [PRICING_TS]: pricingFinal },
  },
  {
    op: 'commit', key: 'routeLimits', subject: 'edge-gateway: per-route rate limits', author: YOU, date: '2026-11-20T10:30:00+01:00',
    files: { 'services/edge-gateway/ratelimit/limiter.go': limiterFinal, 'services/edge-gateway/main.go': mainGoFinal },
  },
  { op: 'tag', name: 'release-1.5.0' },
  { op: 'tag', name: 'deploy-2026-11-20' },
  {
    op: 'commit', key: 'docs', subject: 'docs: who gets paged for what', author: PRIYA, date: '2026-11-21T12:00:00+05:30',
    files: { 'README.md': readmeFinal, [DEPLOY_MANIFEST]: deploymentYaml },
  },
];

/** Tags the history creates, each on the commit made just before it. */
export const DEMO_TAGS = ['release-1.4.0', 'deploy-2026-11-13', 'release-1.5.0', 'deploy-2026-11-20'] as const;

/**
 * The shas `HISTORY` produces (git hashes only content, names, emails, dates and messages, all fixed).
 * Used when the bridge runs without a workspace; a unit test proves they match a freshly built one.
 */
export const DEMO_COMMIT_SHAS: Readonly<Record<CommitKey, string>> = {
  initial: '7037e54539e0f3d6a291ad458534d7e2efba0c34',
  limiter: '7c0de3b360bb7ae3d6db9f63aee73fc272ad41b3',
  rounding: '70bd93e5753e5af8cc9d829e3995de45ea01cd11',
  locking: 'f5163dfff9e397e762cbb16215f08e92588b5580',
  inventoryClient: '9ee9e3dd4a7fc2c04e596e6762d207e610bb385f',
  merge: 'c9a33b0a7e67bddd3f6fa864846083e77814f591',
  retries: '44d36999cd09edb03750316048c775e9cbb00f4b',
  bug: '3dd15e94a6a81dbc2a670a72053874a9869e2df6',
  routeLimits: '39038fbd4ddcca3a29de48070c8cd7e0ccb8058d',
  docs: '095301157140a53fdfcd6942e26af5f3cafd76b5',
};
