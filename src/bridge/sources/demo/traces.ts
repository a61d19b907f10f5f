import { BUG_LINE, demoWorkspaceFiles, PRICING_TS } from './workspaceFiles';

/**
 * Demo stack traces, each in its runtime's exact format, with deployment paths (/app, /srv, /go/src)
 * whose file and line point at real code of the demo workspace. Line and column numbers are computed
 * from the workspace's files (demo/history/), never typed in, so editing a file cannot leave a trace pointing at the
 * wrong line; `frames` records what each in-app frame must show so tests can check the real workspace.
 */

export interface InAppFrame {
  /** Workspace-relative POSIX path. */
  file: string;
  /** 1-based. */
  line: number;
  /** Text the line contains (trimmed). */
  code: string;
}

export interface DemoTrace {
  id: string;
  service: string;
  language: 'node' | 'python' | 'java' | 'go';
  text: string;
  /** In-app frames, innermost (where the error was raised) first. */
  frames: InAppFrame[];
}

interface Located extends InAppFrame {
  /** 1-based column of the snippet's first character. */
  column: number;
}

/** Finds the one line of `file` that contains `snippet`; throws when there is none or more than one. */
export function locate(file: string, snippet: string, columnOf?: string): Located {
  const content = demoWorkspaceFiles()[file];
  if (content === undefined) throw new Error(`demo workspace has no ${file}`);
  const ls = content.split('\n');
  const hits = ls.flatMap((l, i) => (l.includes(snippet) ? [i] : []));
  if (hits.length !== 1) throw new Error(`"${snippet}" occurs ${hits.length} times in ${file}`);
  const i = hits[0]!;
  const text = ls[i]!;
  const col = text.indexOf(columnOf ?? snippet);
  return { file, line: i + 1, column: (col < 0 ? text.indexOf(snippet) : col) + 1, code: text.trim() };
}

const CHECKOUT = 'services/checkout-api/src';
const BILLING = 'services/billing-worker/billing';
const JAVA = 'services/inventory-service/src/main/java/com/acme/inventory';
const GATEWAY = 'services/edge-gateway';

function build(id: string, service: string, language: DemoTrace['language'], parts: (f: (l: Located) => Located) => string[]): DemoTrace {
  const frames: InAppFrame[] = [];
  const use = (l: Located): Located => {
    frames.push({ file: l.file, line: l.line, code: l.code });
    return l;
  };
  const text = parts(use).join('\n');
  return { id, service, language, text, frames };
}

// ---- Node (V8): "    at fn (/app/src/x.ts:line:col)", deployed from services/checkout-api to /app.
const v8 = (fn: string | undefined, l: Located, prefix = ''): string => {
  const where = `/app/${l.file.slice('services/checkout-api/'.length)}:${l.line}:${l.column}`;
  return fn ? `    at ${prefix}${fn} (${where})` : `    at ${prefix}${where}`;
};

const checkoutCoupon = (): DemoTrace => build('checkout-coupon', 'checkout-api', 'node', (use) => [
  "TypeError: Cannot read properties of undefined (reading 'percent')",
  v8('applyDiscount', use(locate(PRICING_TS, BUG_LINE.trim(), 'percent;'))),
  v8('priceCart', use(locate(PRICING_TS, 'const discounted = applyDiscount(cart, base);', 'applyDiscount'))),
  v8('CheckoutHandler.quote', use(quoteLine())),
  v8(undefined, use(locate(`${CHECKOUT}/server.ts`, "app.get('/carts/:cartId/quote'", 'handler.quote'))),
  '    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)',
  '    at next (/app/node_modules/express/lib/router/route.js:149:13)',
  '    at Route.dispatch (/app/node_modules/express/lib/router/route.js:119:3)',
  '    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)',
  '    at /app/node_modules/express/lib/router/index.js:284:15',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
]);

/** `priceCart(cart)` appears twice in checkout.ts (quote and placeOrder): the first is quote's. */
function quoteLine(): Located {
  const file = `${CHECKOUT}/routes/checkout.ts`;
  const ls = demoWorkspaceFiles()[file]!.split('\n');
  const start = ls.findIndex((l) => l.includes('quote = (req'));
  const i = ls.findIndex((l, j) => j > start && l.includes('priceCart(cart)'));
  const text = ls[i]!;
  return { file, line: i + 1, column: text.indexOf('priceCart') + 1, code: text.trim() };
}

const checkoutInventory = (): DemoTrace => build('checkout-inventory', 'checkout-api', 'node', (use) => [
  'Error: inventory-service answered 503 to a stock reservation',
  v8('InventoryClient.reserve', use(locate(`${CHECKOUT}/clients/inventory.ts`, "throw new Error('inventory-service answered", 'new Error'))),
  v8('CheckoutHandler.placeOrder', use(locate(`${CHECKOUT}/routes/checkout.ts`, 'await this.inventory.reserve(cart.items);', 'this.inventory')), 'async '),
]);

// ---- Python: outermost call first, each frame followed by its source line.
const py = (fn: string, l: Located): string[] => [
  `  File "/srv/billing-worker/billing/${l.file.slice(BILLING.length + 1)}", line ${l.line}, in ${fn}`,
  `    ${l.code}`,
];

const billingDivision = (): DemoTrace => {
  const t = build('billing-division', 'billing-worker', 'python', (use) => {
    const worker = use(locate(`${BILLING}/worker.py`, 'invoice = build_invoice(job["customer_id"], job["lines"])'));
    const build_ = use(locate(`${BILLING}/invoice.py`, 'total += line_total(line)'));
    const total = use(locate(`${BILLING}/invoice.py`, 'total = unit_price(line) * line["quantity"]'));
    const unit = use(locate(`${BILLING}/invoice.py`, 'return Decimal(line["amount"]) / line["quantity"]'));
    return [
      'Traceback (most recent call last):',
      '  File "/usr/local/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task',
      '    R = retval = fun(*args, **kwargs)',
      ...py('process_job', worker),
      ...py('build_invoice', build_),
      ...py('line_total', total),
      ...py('unit_price', unit),
      "decimal.DivisionByZero: [<class 'decimal.DivisionByZero'>]",
    ];
  });
  // Python prints outermost first; `frames` is innermost first like every other trace.
  t.frames.reverse();
  return t;
};

const billingCharge = (): DemoTrace => {
  const t = build('billing-charge', 'billing-worker', 'python', (use) => {
    const job = use(locate(`${BILLING}/worker.py`, 'return charge(invoice)'));
    const raise = use(locate(`${BILLING}/worker.py`, 'raise ChargeFailed('));
    return [
      'Traceback (most recent call last):',
      '  File "/usr/local/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task',
      '    R = retval = fun(*args, **kwargs)',
      ...py('process_job', job),
      ...py('charge', raise),
      'billing.worker.ChargeFailed: charge for cus_R4nd0mC0ffee failed after 3 attempts',
    ];
  });
  t.frames.reverse();
  return t;
};

// ---- Java: "\tat pkg.Class.method(File.java:line)"; causes after "Caused by:".
const jv = (method: string, l: Located): string => {
  const file = l.file.slice(JAVA.length + 1);
  return `\tat com.acme.inventory.${file.replace(/\.java$/, '')}.${method}(${file}:${l.line})`;
};

const inventoryLock = (): DemoTrace => build('inventory-lock', 'inventory-service', 'java', (use) => {
  const thrown = use(locate(`${JAVA}/StockService.java`, 'throw new IllegalStateException('));
  const controller = use(locate(`${JAVA}/StockController.java`, 'return stock.reserve('));
  const flush = use(locate(`${JAVA}/StockRepository.java`, 'em.flush();'));
  const call = use(locate(`${JAVA}/StockService.java`, 'return repository.decrement(level, quantity);'));
  return [
    'java.lang.IllegalStateException: Could not reserve 3 units of SKU-88412',
    jv('reserve', thrown),
    jv('reserve', controller),
    '\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)',
    '\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)',
    '\tat org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)',
    '\tat org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:118)',
    '\tat org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)',
    '\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)',
    '\tat org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:659)',
    '\tat java.base/java.lang.Thread.run(Thread.java:1583)',
    'Caused by: org.springframework.orm.ObjectOptimisticLockingFailureException: Row was updated or deleted by another transaction (or unsaved-value mapping was incorrect) : [com.acme.inventory.StockLevel#SKU-88412]',
    '\tat org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:325)',
    '\tat org.springframework.orm.jpa.EntityManagerFactoryUtils.convertJpaAccessExceptionIfPossible(EntityManagerFactoryUtils.java:427)',
    jv('decrement', flush),
    '\tat com.acme.inventory.StockRepository$$SpringCGLIB$$0.decrement(<generated>)',
    jv('reserve', call),
    '\t... 9 more',
    'Caused by: org.hibernate.StaleObjectStateException: Row was updated or deleted by another transaction (or unsaved-value mapping was incorrect) : [com.acme.inventory.StockLevel#SKU-88412]',
    '\tat org.hibernate.persister.entity.AbstractEntityPersister.check(AbstractEntityPersister.java:2512)',
    '\tat org.hibernate.engine.jdbc.mutation.internal.ModelMutationHelper.identifiedResultsCheck(ModelMutationHelper.java:75)',
    '\t... 14 more',
  ];
});

const inventoryNpe = (): DemoTrace => build('inventory-npe', 'inventory-service', 'java', (use) => {
  const dec = use(locate(`${JAVA}/StockRepository.java`, 'level.setAvailable(level.getAvailable() - quantity);'));
  const call = use(locate(`${JAVA}/StockService.java`, 'return repository.decrement(level, quantity);'));
  const controller = use(locate(`${JAVA}/StockController.java`, 'return stock.reserve('));
  return [
    'java.lang.NullPointerException: Cannot invoke "com.acme.inventory.StockLevel.getAvailable()" because "level" is null',
    jv('decrement', dec),
    '\tat com.acme.inventory.StockRepository$$SpringCGLIB$$0.decrement(<generated>)',
    jv('reserve', call),
    jv('reserve', controller),
    '\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)',
    '\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)',
    '\tat java.base/java.lang.Thread.run(Thread.java:1583)',
  ];
});

// ---- Go: "pkg.fn(args)\n\t/go/src/module/path/file.go:line +0xNN".
const goPath = (l: Located): string => `/go/src/github.com/acme/edge-gateway/${l.file.slice(GATEWAY.length + 1)}`;
// Inlined frames ("(...)") carry no PC offset.
const goFrame = (fn: string, l: Located, pc: string): string[] => [fn, `\t${goPath(l)}:${l.line}${pc ? ' ' + pc : ''}`];

const gatewayPanic = (): DemoTrace => build('gateway-index', 'edge-gateway', 'go', (use) => [
  'panic: runtime error: index out of range [2] with length 2',
  '',
  'goroutine 1 [running]:',
  ...goFrame('github.com/acme/edge-gateway/ratelimit.(*Limiter).bucketFor(...)', use(locate(`${GATEWAY}/ratelimit/limiter.go`, 'return l.buckets[i]')), ''),
  ...goFrame('github.com/acme/edge-gateway/ratelimit.(*Limiter).Warm(0xc0000a8180)', use(locate(`${GATEWAY}/ratelimit/limiter.go`, 'l.bucketFor(i).tokens = float64(r.PerSec)')), '+0x7c'),
  ...goFrame('main.main()', use(locate(`${GATEWAY}/main.go`, 'limiter.Warm()')), '+0x45'),
  'exit status 2',
]);

const gatewayNilMap = (): DemoTrace => build('gateway-nilmap', 'edge-gateway', 'go', (use) => [
  'panic: assignment to entry in nil map',
  '',
  'goroutine 87 [running]:',
  ...goFrame('github.com/acme/edge-gateway/ratelimit.(*Limiter).Seen(...)', use(locate(`${GATEWAY}/ratelimit/limiter.go`, 'l.clients[client] = time.Now()')), ''),
  ...goFrame('github.com/acme/edge-gateway/ratelimit.(*Limiter).Allow(0xc0000a8180, {0xc00029a0f0, 0x9}, {0xc0002a4000, 0xf})', use(locate(`${GATEWAY}/ratelimit/limiter.go`, 'l.Seen(client)')), '+0x1b6'),
  ...goFrame('main.main.func1({0x7f3a20, 0xc0002b6000}, 0xc0002ac000)', use(locate(`${GATEWAY}/main.go`, 'if !limiter.Allow(r.URL.Path, r.RemoteAddr) {')), '+0x5e'),
  'net/http.HandlerFunc.ServeHTTP(0x0?, {0x7f3a20?, 0xc0002b6000?}, 0x0?)',
  '\t/usr/local/go/src/net/http/server.go:2220 +0x29',
  'net/http.(*ServeMux).ServeHTTP(0x0?, {0x7f3a20, 0xc0002b6000}, 0xc0002ac000)',
  '\t/usr/local/go/src/net/http/server.go:2747 +0x1ca',
  'net/http.serverHandler.ServeHTTP({0xc000290000?}, {0x7f3a20?, 0xc0002b6000?}, 0x6?)',
  '\t/usr/local/go/src/net/http/server.go:3210 +0x8e',
  'net/http.(*conn).serve(0xc0002a2000, {0x7f3e18, 0xc000288ea0})',
  '\t/usr/local/go/src/net/http/server.go:2092 +0x5d0',
  'created by net/http.(*Server).Serve in goroutine 1',
  '\t/usr/local/go/src/net/http/server.go:3360 +0x485',
]);

let traces: Readonly<Record<string, DemoTrace>> | undefined;

/** Every demo trace, by id (built the first time the demo needs one: they read the workspace's files). */
export function demoTraces(): Readonly<Record<string, DemoTrace>> {
  traces ??= Object.fromEntries(
    [checkoutCoupon, checkoutInventory, billingDivision, billingCharge, inventoryLock, inventoryNpe, gatewayPanic, gatewayNilMap].map((make) => {
      const t = make();
      return [t.id, t];
    }),
  );
  return traces;
}

export function demoTrace(id: string): DemoTrace {
  const t = demoTraces()[id];
  if (!t) throw new Error(`no demo trace ${id}`);
  return t;
}
