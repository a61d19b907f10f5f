import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The demo workspace: a small "acme shop" monorepo (TypeScript, Python, Java, Go services) and the
 * story of its git history.
 *
 * The files are real files under demo/history/ in the repository (and in the .vsix, beside dist/): one
 * directory per commit holding exactly the files that commit writes, as it writes them
 * (demo/history/07-bug/services/checkout-api/src/cart/pricing.ts is the pricing.ts of the bug commit).
 * This module holds what git needs besides the files (authors, dates, messages, branches, tags) and
 * reads the directories at runtime, once, when the demo first needs them.
 *
 * Demo stack traces are generated from the final contents (see traces.ts), so every in-app frame points
 * at a real file, line and the code the trace quotes. Editing a file changes the shas: update
 * DEMO_COMMIT_SHAS and the recorded history (UPDATE_DEMO_FIXTURE=1, see test/unit/bridge/workspace.test.ts).
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

export const PRICING_TS = 'services/checkout-api/src/cart/pricing.ts';
/** The line the bug commit introduces and the top frame of the checkout TypeError points at. */
export const BUG_LINE = '  const percent = cart.coupon.percent;';
/** A deploy file (matches oncall.deployFiles' k8s glob): opening it during a risky window shows the guard. */
export const DEPLOY_MANIFEST = 'k8s/checkout-api/deployment.yaml';

// ---------------------------------------------------------------- history

/**
 * One step of the history. A commit writes the files of its directory under demo/history/ (`dir`), as
 * they are there, then commits everything.
 */
export type HistoryStep =
  | { op: 'commit'; key: string; dir: string; subject: string; body?: string; author: DemoAuthor; date: string }
  | { op: 'branch'; name: string }
  | { op: 'checkout'; name: string }
  | { op: 'merge'; key: string; branch: string; subject: string; author: DemoAuthor; date: string }
  | { op: 'tag'; name: string };

/** Commit keys, in the order they are made. `bug` is the commit that introduces BUG_LINE. */
export const COMMIT_KEYS = ['initial', 'limiter', 'rounding', 'locking', 'inventoryClient', 'merge', 'retries', 'bug', 'routeLimits', 'docs'] as const;
export type CommitKey = (typeof COMMIT_KEYS)[number];

/**
 * Fixed names, emails and dates make the shas deterministic (see DEMO_COMMIT_SHAS). The story: the
 * 2026-11-20 deploy carries Diego's coupon change (`bug`), which dereferences a missing coupon.
 */
export const HISTORY: readonly HistoryStep[] = [
  {
    op: 'commit', key: 'initial', dir: '01-initial', subject: 'Import the acme shop services', author: ALICE, date: '2026-11-02T09:14:00+01:00',
    body: 'checkout-api, billing-worker, inventory-service and edge-gateway move into one repository.',
  },
  {
    op: 'commit', key: 'limiter', dir: '02-limiter', subject: 'edge-gateway: warm token buckets on start', author: KENJI, date: '2026-11-04T16:40:00+09:00',
  },
  {
    op: 'commit', key: 'rounding', dir: '03-rounding', subject: 'billing: round invoice totals per line (FIN-7)', author: YOU, date: '2026-11-06T11:02:00+01:00',
  },
  { op: 'branch', name: 'feature/stock-reservation' },
  { op: 'checkout', name: 'feature/stock-reservation' },
  {
    op: 'commit', key: 'locking', dir: '04-locking', subject: 'inventory: reserve stock with optimistic locking', author: PRIYA, date: '2026-11-10T14:25:00+05:30',
    body: 'Two concurrent checkouts could oversell the last unit. The version column now makes the second\ndecrement fail; the service retries twice before giving up.',
  },
  { op: 'checkout', name: 'main' },
  {
    op: 'commit', key: 'inventoryClient', dir: '05-inventoryClient', subject: 'checkout: reserve stock before placing an order', author: DIEGO, date: '2026-11-11T10:12:00-03:00',
  },
  { op: 'merge', key: 'merge', branch: 'feature/stock-reservation', subject: "Merge branch 'feature/stock-reservation'", author: ALICE, date: '2026-11-12T17:45:00-08:00' },
  { op: 'tag', name: 'release-1.4.0' },
  { op: 'tag', name: 'deploy-2026-11-13' },
  {
    op: 'commit', key: 'retries', dir: '06-retries', subject: 'billing: retry failed charges with backoff', author: BOB, date: '2026-11-17T08:30:00+01:00',
  },
  {
    op: 'commit', key: 'bug', dir: '07-bug', subject: 'checkout: apply coupon discounts before tax (PAY-412)', author: DIEGO, date: '2026-11-19T18:05:00-03:00',
    body: 'Finance wants the discount on the net amount. Tax is now computed on the discounted subtotal.',
  },
  {
    op: 'commit', key: 'routeLimits', dir: '08-routeLimits', subject: 'edge-gateway: per-route rate limits', author: YOU, date: '2026-11-20T10:30:00+01:00',
  },
  { op: 'tag', name: 'release-1.5.0' },
  { op: 'tag', name: 'deploy-2026-11-20' },
  {
    op: 'commit', key: 'docs', dir: '09-docs', subject: 'docs: who gets paged for what', author: PRIYA, date: '2026-11-21T12:00:00+05:30',
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

// ---------------------------------------------------------------- the files, read from demo/history/

/** Workspace-relative POSIX path → content. */
export type DemoFiles = Readonly<Record<string, string>>;

/** The demo's files are missing or not what this module expects: the demo cannot run (say what to do). */
export class DemoFilesError extends Error {}

/** The files are ours, but they come from disk: bound what one directory may hold. */
const MAX_FILES = 500;
const MAX_TOTAL_BYTES = 4 * 1024 * 1024;
/** dist/bridge.js and the compiled tests (out/src/bridge/sources/demo/) are at most this deep below the root. */
const MAX_LEVELS_UP = 8;

/** demo/history/ of the checkout or installed extension this code runs from (searched upwards from it). */
export function demoHistoryDir(from = __dirname): string {
  let dir = from;
  for (let i = 0; i <= MAX_LEVELS_UP; i++) {
    const candidate = path.join(dir, 'demo', 'history');
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new DemoFilesError(
    `the demo's files (demo/history/) are not in ${from} or a folder above it: run the demo from a checkout of ` +
      "vscode-oncall or the installed extension, or copy the repository's demo/ folder next to bridge.js",
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every regular file below `root`, by POSIX path relative to it; anything else (a symlink, a device) is an error. */
function readTree(root: string, budget: { files: number; bytes: number }): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (e.isDirectory()) {
        walk(abs);
        continue;
      }
      if (!e.isFile()) throw new DemoFilesError(`demo file ${abs} is not a regular file`);
      const bytes = fs.readFileSync(abs);
      budget.files -= 1;
      budget.bytes -= bytes.length;
      if (budget.files < 0 || budget.bytes < 0) throw new DemoFilesError(`demo/history/ holds more than ${MAX_FILES} files or ${MAX_TOTAL_BYTES} bytes (at ${abs})`);
      try {
        out[rel] = utf8.decode(bytes);
      } catch {
        throw new DemoFilesError(`demo file ${abs} is not UTF-8 text`);
      }
    }
  };
  walk(root);
  return out;
}

interface LoadedDemoFiles {
  /** The demo/history/ directory read. */
  root: string;
  /** Commit directory name → the files it writes. */
  byDir: ReadonlyMap<string, DemoFiles>;
  /** The final tree (what HEAD checks out). */
  workspace: DemoFiles;
}

let loaded: LoadedDemoFiles | undefined;

/**
 * Reads demo/history/ once (synchronously: a few dozen small files, read the first time the demo needs them),
 * checking that every commit of HISTORY has its directory and that there is no other one.
 */
export function loadDemoFiles(): LoadedDemoFiles {
  if (loaded) return loaded;
  const root = demoHistoryDir();
  const budget = { files: MAX_FILES, bytes: MAX_TOTAL_BYTES };
  const byDir = new Map<string, DemoFiles>();
  const workspace: Record<string, string> = {};
  const expected = new Set<string>();
  for (const step of HISTORY) {
    if (step.op !== 'commit') continue;
    expected.add(step.dir);
    const dir = path.join(root, step.dir);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new DemoFilesError(`the demo commit "${step.subject}" has no directory ${dir}`);
    const files = readTree(dir, budget);
    byDir.set(step.dir, files);
    // The branch merges without conflicts, so the final tree is every commit's files in history order.
    Object.assign(workspace, files);
  }
  const stray = fs.readdirSync(root).filter((n) => !expected.has(n));
  if (stray.length) throw new DemoFilesError(`demo/history/ has entries no commit of the demo history uses: ${stray.join(', ')} (${root})`);
  loaded = { root, byDir, workspace };
  return loaded;
}

/** The files the commit step writes. */
export function commitFiles(step: Extract<HistoryStep, { op: 'commit' }>): DemoFiles {
  const files = loadDemoFiles().byDir.get(step.dir);
  if (!files) throw new DemoFilesError(`no files for the demo commit directory ${step.dir}`);
  return files;
}

/** The final tree (what HEAD checks out), for the traces and tests. */
export function demoWorkspaceFiles(): DemoFiles {
  return loadDemoFiles().workspace;
}
