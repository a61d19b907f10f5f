/**
 * Generates the "shop" test repository in a temp dir: fixed authors and dates, several deploys (events and
 * tags), a bug commit on a feature branch merged with --no-ff, noise commits, a rename, a hostile subject
 * and an awkward file name. Built once per mocha process (a few dozen git calls, well under a second).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Deploy } from '../../../src/core/protocol/types';

export const BASE = Date.UTC(2024, 4, 1, 10, 0, 0);
export const HOUR = 3_600_000;

const toRemove: string[] = [];
process.on('exit', () => {
  for (const d of toRemove) fs.rmSync(d, { recursive: true, force: true });
});

export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  toRemove.push(d);
  return d;
}

export interface Person {
  name: string;
  email: string;
}
export const ALICE: Person = { name: 'Alice Anders', email: 'alice@example.com' };
export const BOB: Person = { name: 'Bob Berg', email: 'bob@example.com' };
export const CAROL: Person = { name: 'Carol Chen', email: 'carol@example.com' };

/** Runs git in a fixture repo with a clean, fixed environment (no user/system config, fixed dates). */
export class RepoWriter {
  constructor(readonly dir: string, private readonly home: string) {}

  git(args: string[], opts: { at?: number; who?: Person } = {}): string {
    const who = opts.who ?? ALICE;
    const date = `@${Math.floor((opts.at ?? BASE) / 1000)} +0000`;
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: this.home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
        LC_ALL: 'C',
      },
    }).trimEnd();
  }

  write(file: string, content: string | string[]): void {
    const p = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, Array.isArray(content) ? `${content.join('\n')}\n` : content);
  }

  commit(subject: string, at: number, who: Person = ALICE): string {
    this.git(['add', '-A']);
    this.git(['commit', '-q', '--no-verify', '-m', subject], { at, who });
    return this.git(['rev-parse', 'HEAD']);
  }

  static init(prefix: string): RepoWriter {
    const dir = tmpDir(prefix);
    const home = tmpDir(`${prefix}home-`);
    const w = new RepoWriter(dir, home);
    w.git(['init', '-q', '-b', 'main']);
    w.git(['config', 'commit.gpgsign', 'false']);
    w.git(['config', 'tag.gpgsign', 'false']);
    return w;
  }
}

export const CART_V1 = [
  "import { price } from './price';",
  '',
  'export interface Item { sku: string; qty: number }',
  '',
  'export class CartService {',
  '  private items: Item[] = [];',
  '',
  '  addItem(item: Item): void {',
  "    if (item.qty <= 0) throw new Error('bad qty');",
  '    const p = price(item.sku);',
  '    this.items.push(item);',
  '    this.total += p * item.qty;',
  '  }',
  '',
  '  removeItem(sku: string): void {',
  '    const i = this.items.findIndex((x) => x.sku === sku);',
  '    if (i >= 0) this.items.splice(i, 1);',
  '  }',
  '',
  '  count(): number {',
  '    return this.items.length;',
  '  }',
  '',
  '  total = 0;',
  '}',
];

export const TOTAL_V1 = [
  "import type { Item } from '../cart/cart';",
  'export function computeTotal(items: Item[], rate: number): number {',
  '  let sum = 0;',
  '  const factor = 1;',
  '  for (const it of items) {',
  '    sum += it.qty;',
  '  }',
  '  // tax',
  '  const taxed = sum * rate;',
  '  // rounding',
  '  const rounded = Math.round(taxed * 100) / 100;',
  '  return rounded * factor;',
  '}',
];

export const HOSTILE_SUBJECT = '--output=/tmp/x $(touch /tmp/pwned) `id` "quoted" \u0001 \\x00 %H ; rm -rf /';
export const WEIRD_FILE = 'src/other/weird name ü\t"q".ts';

export interface ShopRepo {
  dir: string;
  sha: Record<'c1' | 'c2' | 'c3' | 'c4' | 'c5' | 'f1' | 'f2' | 'c6' | 'm1' | 'c7' | 'c8' | 'c9', string>;
  /** Commit times by name. */
  at: Record<string, number>;
  events: Deploy[];
  /** Line of the bug in the deployed (c9) version of src/cart/cart.ts. */
  bugLine: number;
  /** Line of `return rounded * factor` in the deployed version of src/cart/total.ts. */
  totalLine: number;
}

let cached: ShopRepo | undefined;

export function shopRepo(): ShopRepo {
  if (cached !== undefined) return cached;
  const w = RepoWriter.init('oncall-git-shop-');
  const t = (h: number): number => BASE + h * HOUR;
  const sha: Partial<ShopRepo['sha']> = {};
  const at: Record<string, number> = {};
  const commit = (name: keyof ShopRepo['sha'], subject: string, hour: number, who: Person = ALICE): void => {
    sha[name] = w.commit(subject, t(hour), who);
    at[name] = t(hour);
  };

  let cart = [...CART_V1];
  w.write('src/cart/cart.ts', cart);
  w.write('src/cart/price.ts', ['export function price(sku: string): number {', '  return sku.length;', '}']);
  w.write('src/other/util.ts', ['export function fmt(n: number): string {', '  return n.toFixed(2);', '}']);
  w.write('src/legacy/total.ts', TOTAL_V1);
  w.write('README.md', ['# shop']);
  commit('c1', 'Initial shop', 0);
  // Annotated deploy tag, tagged 30 min after the commit (tagger date).
  w.git(['tag', '-a', 'deploy-checkout-prod-1', '-m', 'deploy checkout to prod', sha.c1!], { at: t(0.5) });

  w.write('src/other/util.ts', ['export function fmt(n: number): string {', '  return n.toFixed(3);', '}']);
  commit('c2', 'util: three decimals', 1, BOB);

  cart = [cart[0]!, '// cart module', '// (c) shop', ...cart.slice(1)];
  w.write('src/cart/cart.ts', cart);
  commit('c3', 'cart: header comment', 2, BOB);
  w.git(['tag', 'release-2024.05', sha.c3!]); // lightweight: date = commit date

  // --- deploy d2 (c3) at t(2.5); everything below is in the range c3..c9 ---
  const iRemove = cart.indexOf('    if (i >= 0) this.items.splice(i, 1);');
  cart[iRemove] = '    if (i !== -1) this.items.splice(i, 1);';
  w.write('src/cart/cart.ts', cart);
  commit('c4', 'cart: tidy removeItem', 3, CAROL);

  w.write('src/cart/price.ts', ['export function price(sku: string): number {', '  return sku.length * 2;', '}']);
  commit('c5', 'price: double it', 4, CAROL);

  w.git(['checkout', '-q', '-b', 'feature/discount']);
  const iBug = cart.indexOf('    const p = price(item.sku);');
  cart[iBug] = '    const p = price(item.sku.trim()).valueOf();';
  w.write('src/cart/cart.ts', cart);
  commit('f1', 'cart: trim skus before pricing', 5, BOB);
  w.write('README.md', ['# shop', '', 'Discounts soon.']);
  commit('f2', 'docs: discounts', 6, BOB);

  w.git(['checkout', '-q', 'main']);
  w.write('src/other/util.ts', ['export function fmt(n: number): string {', '  return n.toFixed(3) + "";', '}']);
  commit('c6', 'util: string', 7, ALICE);
  w.git(['merge', '-q', '--no-ff', '--no-edit', '-m', 'Merge branch feature/discount', 'feature/discount'], { at: t(8), who: ALICE });
  sha.m1 = w.git(['rev-parse', 'HEAD']);
  at.m1 = t(8);

  // Rename with a small modification inside computeTotal, far (>3 lines) from the frame line.
  fs.mkdirSync(path.join(w.dir, 'src/cart'), { recursive: true });
  w.git(['mv', 'src/legacy/total.ts', 'src/cart/total.ts']);
  const total = [...TOTAL_V1];
  total[3] = '  const factor = 1.0;';
  w.write('src/cart/total.ts', total);
  commit('c7', 'move total next to cart', 9, CAROL);

  cart = [cart[0]!, cart[1]!, '// lint: allow', '// owners: cart-team', '// see docs', ...cart.slice(2)];
  w.write('src/cart/cart.ts', cart);
  commit('c8', 'cart: more header', 10, CAROL);

  w.write(WEIRD_FILE, ['export const weird = 1;']);
  commit('c9', HOSTILE_SUBJECT, 11, ALICE);
  w.git(['tag', '-a', 'v1.2.0', '-m', 'v1.2.0', sha.c9!], { at: t(11.5) });
  w.git(['tag', 'deploy-search-staging-7', sha.c6!]);
  w.git(['tag', 'other-tag', sha.c9!]);

  const bugLine = cart.indexOf('    const p = price(item.sku.trim()).valueOf();') + 1;
  const totalLine = total.indexOf('  return rounded * factor;') + 1;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const events: Deploy[] = [
    { id: 'd1', service: 'checkout', environment: 'production', commitSha: sha.c1!, author: ALICE, deployedAt: iso(t(0.5)), status: 'succeeded' },
    { id: 'd2', service: 'checkout', environment: 'production', commitSha: sha.c3!, author: BOB, deployedAt: iso(t(2.5)), status: 'succeeded' },
    { id: 'd-stg', service: 'checkout', environment: 'staging', commitSha: sha.c5!, author: CAROL, deployedAt: iso(t(4.25)), status: 'succeeded' },
    { id: 'p1', service: 'payments', environment: 'production', commitSha: sha.c6!, author: ALICE, deployedAt: iso(t(7.5)) },
    { id: 'd3', service: 'checkout', environment: 'production', commitSha: sha.c9!, author: ALICE, deployedAt: iso(t(11.5)), status: 'succeeded' },
    { id: 'd4', service: 'checkout', environment: 'production', commitSha: sha.c9!, author: ALICE, deployedAt: iso(t(12.5)), status: 'failed' },
  ];
  cached = { dir: w.dir, sha: sha as ShopRepo['sha'], at, events, bugLine, totalLine };
  return cached;
}
