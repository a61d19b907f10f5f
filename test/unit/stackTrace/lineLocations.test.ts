import * as assert from 'node:assert';
import { locationsInLine } from '../../../src/core/stackTrace/lineLocations';

describe('locationsInLine (terminal lines, one at a time)', () => {
  const cases: Array<[string, string, Array<{ file: string; line: number; column?: number }>]> = [
    ['Go file line', '\t/go/src/github.com/acme/edge-gateway/ratelimit/limiter.go:44 +0x1d', [{ file: '/go/src/github.com/acme/edge-gateway/ratelimit/limiter.go', line: 44 }]],
    ['Python frame line', '  File "/app/billing/invoice.py", line 9, in compute', [{ file: '/app/billing/invoice.py', line: 9 }]],
    ['JVM frame line', '\tat com.acme.inventory.StockService.reserve(StockService.java:24)', [{ file: 'StockService.java', line: 24 }]],
    ['Node frame line', '    at applyDiscount (/app/src/cart/pricing.ts:12:31)', [{ file: '/app/src/cart/pricing.ts', line: 12, column: 31 }]],
    ['.NET frame line', '   at Billing.Invoice.Total() in /src/Billing/Invoice.cs:line 42', [{ file: '/src/Billing/Invoice.cs', line: 42 }]],
    ['PHP frame line', '#0 /var/www/app/src/Cart.php(12): Cart->total()', [{ file: '/var/www/app/src/Cart.php', line: 12 }]],
    ['two locations', 'a.ts:1 and b/c.py:2:3', [{ file: 'a.ts', line: 1 }, { file: 'b/c.py', line: 2, column: 3 }]],
    ['no location', 'Error: connection refused (is the server up?)', []],
    ['a version number is not a file', 'node v20.20.2 started at 12:30:15', []],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => assert.deepStrictEqual(locationsInLine(text).map(({ file, line, column }) => ({ file, line, ...(column !== undefined ? { column } : {}) })), want));
  }

  it('the reported index/length cover the printed location', () => {
    const text = '    at applyDiscount (/app/src/cart/pricing.ts:12:31)';
    const [loc] = locationsInLine(text);
    assert.strictEqual(text.slice(loc!.index, loc!.index + loc!.length), '/app/src/cart/pricing.ts:12:31');
  });

  it('stays bounded on a hostile 1 MB line', () => {
    assert.ok(Array.isArray(locationsInLine(`${'a/'.repeat(500_000)}x.ts:1`)));
  });
});
