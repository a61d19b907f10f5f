/**
 * Seeded regressions, one per class of issue #19: a real git history with a culprit and distractors
 * (whitespace-only commits, a formatter commit, renames, a merged feature branch, a revert pair, callee
 * changes, a culprit before the deploy range). Each trace is captured by running the buggy program with
 * node from a deploy root elsewhere on disk (like a container's /app), then ranked through the one core
 * entry point, suspectsForTrace, exactly as the editor does. Generated in the test run, never committed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitRepository } from '../../../src/core/git/gitRepository';
import type { SuspectReport } from '../../../src/core/git/suspects';
import { suspectsForTrace } from '../../../src/core/git/traceSuspects';
import { parseStackTrace, StackTraceResolver, WorkspaceFileIndex } from '../../../src/core/stackTrace';
import { ALICE, BASE, BOB, CAROL, HOUR, RepoWriter, tmpDir } from './fixtureRepo';

const MAIN = ["const { handle } = require('./handler');", '', "handle([{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }]);"];
const HANDLER = [
  "const { priceOf } = require('./pricing');",
  "const { fmt } = require('./format');",
  '',
  'function handle(items) {',
  '  let total = 0;',
  '  for (const it of items) {',
  '    total += lineTotal(it);',
  '  }',
  '  return fmt(total);',
  '}',
  '',
  'function lineTotal(it) {',
  '  const p = priceOf(it.sku);',
  '  return p.amount * it.qty;',
  '}',
  '',
  'module.exports = { handle };',
];
const PRICING = ["const PRICES = { a: { amount: 5 }, b: { amount: 7 } };", '', 'function priceOf(sku) {', '  return PRICES[sku];', '}', '', 'module.exports = { priceOf };'];
const FORMAT = ['function fmt(n) {', "  return n.toFixed(2) + ' EUR';", '}', '', 'module.exports = { fmt };'];
const OTHER = ['exports.other = 1;'];

function base(prefix: string): { w: RepoWriter; from: string; at: (h: number) => number } {
  const w = RepoWriter.init(prefix);
  w.write('src/main.js', MAIN);
  w.write('src/handler.js', HANDLER);
  w.write('src/pricing.js', PRICING);
  w.write('src/format.js', FORMAT);
  w.write('tools/other.js', OTHER);
  w.write('README.md', '# checkout\n');
  const from = w.commit('initial checkout service', BASE);
  return { w, from, at: (h) => BASE + h * HOUR };
}

function edit(w: RepoWriter, file: string, f: (lines: string[]) => string[]): void {
  const p = path.join(w.dir, file);
  const lines = fs.readFileSync(p, 'utf8').replace(/\n$/, '').split('\n');
  w.write(file, f(lines));
}

/** Runs the program from a copy of the repository's tree in another folder, returns what it printed on stderr. */
function captureTrace(w: RepoWriter, mainFile: string): string {
  const deploy = path.join(tmpDir('oncall-deploy-'), 'srv', 'app');
  fs.mkdirSync(deploy, { recursive: true });
  fs.cpSync(w.dir, deploy, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  const r = spawnSync(process.execPath, [mainFile], { cwd: deploy, encoding: 'utf8' });
  assert.notEqual(r.status, 0, 'the buggy program must crash');
  assert.match(r.stderr, /\n\s+at .*srv\/app\//, 'trace carries the deploy root, not the repository path');
  return r.stderr;
}

async function rank(w: RepoWriter, trace: string, range?: { from: string; to: string }): Promise<SuspectReport> {
  const repo = await GitRepository.open(w.dir);
  const files = w.git(['ls-files']).split('\n');
  const resolver = new StackTraceResolver(WorkspaceFileIndex.fromPaths(files, w.dir));
  const opts: Parameters<typeof suspectsForTrace>[0] = { trace: parseStackTrace(trace), resolver, repo, now: BASE + 100 * HOUR };
  if (range !== undefined) opts.range = range;
  const r = await suspectsForTrace(opts);
  assert.ok(r.report !== undefined);
  assert.ok(r.frames.length >= 2, `frames resolved into the repository: ${JSON.stringify(r.frames)}`);
  return r.report;
}

function explain(report: SuspectReport): string {
  return report.suspects.map((s) => `${s.shortSha} ${s.subject} [${s.score}${s.demoted ? ` ${s.demoted}` : ''}] ${s.reasons[0] ?? ''}`).join('\n');
}

describe('git/suspects — seeded regressions (issue #19)', function () {
  this.timeout(60_000);

  it('whitespace-only and formatter commits never outrank the culprit; .git-blame-ignore-revs is honoured', async () => {
    const { w, from, at } = base('oncall-ws-');
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '  return p.amount * it.qty;' ? '  return p.price.amount * it.qty;' : x)));
    const culprit = w.commit('pricing: read the nested price', at(1), BOB);
    // Re-indents the failing line and strips trailing whitespace: "changes the line" to a naive blame.
    edit(w, 'src/handler.js', (l) => l.map((x) => (x.includes('p.price.amount') ? `\t${x.trim()}` : x)));
    const ws = w.commit('style: tabs', at(2), CAROL);
    // Whole-tree formatter: quotes and semicolons, on every file of the trace.
    for (const f of ['src/main.js', 'src/handler.js', 'src/pricing.js', 'src/format.js']) edit(w, f, (l) => l.map((x) => x.replace(/'/g, '"').replace(/\}$/, '};').replace(/^\};;$/, '};')));
    const fmt = w.commit('chore: prettier', at(3), ALICE);
    // Equivalent rewrite of the failing line a normaliser cannot see, listed in .git-blame-ignore-revs.
    edit(w, 'src/handler.js', (l) => l.map((x) => (x.includes('p.price.amount') ? '\treturn (p.price.amount) * it.qty;' : x)));
    const listed = w.commit('chore: explicit parens (codemod)', at(4), ALICE);
    w.write('.git-blame-ignore-revs', `# formatting\n${listed}\n`);
    w.commit('chore: ignore the codemod in blame', at(5), ALICE);
    const to = w.git(['rev-parse', 'HEAD']);

    const report = await rank(w, captureTrace(w, 'src/main.js'), { from, to });
    assert.equal(report.suspects[0]!.sha, culprit, explain(report));
    assert.match(report.suspects[0]!.reasons[0]!, /^changed line 14 of src\/handler\.js \(top frame\)$/);
    const by = new Map(report.suspects.map((s) => [s.sha, s]));
    assert.equal(by.get(ws)!.demoted, 'formatting', explain(report));
    assert.equal(by.get(fmt)!.demoted, 'formatting', explain(report));
    assert.equal(by.get(listed)!.demoted, 'formatting', explain(report));
    assert.equal(report.suspects.length, report.rangeCommitCount, 'every commit of the range is listed');
    const lastReal = report.suspects.findLastIndex((s) => s.demoted === undefined);
    const firstDemoted = report.suspects.findIndex((s) => s.demoted !== undefined);
    assert.ok(lastReal < firstDemoted, 'formatting commits come after every other commit');
    assert.equal(report.frames[0]!.changedInThisDeploy, true);
  });

  it('a change to a function the failing line calls ranks first, with its reason, even though its file is not on the stack', async () => {
    const { w, at } = base('oncall-callee-');
    // The failing line calls priceOf itself.
    edit(w, 'src/handler.js', (l) => l.filter((x) => x !== '  const p = priceOf(it.sku);').map((x) => (x === '  return p.amount * it.qty;' ? '  return priceOf(it.sku).amount * it.qty;' : x)));
    const from = w.commit('handler: inline the price', at(0.5), ALICE);
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '  let total = 0;' ? '  let total = 0; // running sum' : x)));
    const inFrameFn = w.commit('handler: comment the sum', at(1), CAROL);
    edit(w, 'src/pricing.js', (l) => l.map((x) => (x === '  return PRICES[sku];' ? '  return PRICES[sku.toUpperCase()];' : x)));
    const culprit = w.commit('pricing: case-insensitive skus', at(2), BOB);
    edit(w, 'src/format.js', (l) => l.map((x) => x.replace(' EUR', ' €')));
    const imported = w.commit('format: euro sign', at(3), ALICE);
    w.write('tools/other.js', ['exports.other = 2;']);
    const unrelated = w.commit('other: bump', at(4), ALICE);
    edit(w, 'src/handler.js', (l) => [...l.slice(0, 11), '// line totals', ...l.slice(11)]);
    const near = w.commit('handler: comment above lineTotal', at(5), CAROL);
    const to = w.git(['rev-parse', 'HEAD']);

    const report = await rank(w, captureTrace(w, 'src/main.js'), { from, to });
    const top = report.suspects[0]!;
    assert.equal(top.sha, culprit, explain(report));
    assert.equal(top.reasons[0], 'changed `priceOf` (src/pricing.js), called at src/handler.js:14 (top frame)');
    const order = report.suspects.map((s) => s.sha);
    assert.equal(order.length, 5, 'every commit of the range appears');
    assert.ok(order.indexOf(near) < order.indexOf(inFrameFn), explain(report));
    assert.ok(order.indexOf(imported) < order.indexOf(unrelated), explain(report));
    const other = report.suspects.find((s) => s.sha === unrelated)!;
    assert.match(other.reasons[0]!, /^in the deploy range; changes none of the code in the stack trace \(tools\/other\.js\)$/);
    assert.match(report.suspects.find((s) => s.sha === imported)!.reasons.join('; '), /changed src\/format\.js, imported by src\/handler\.js/);
  });

  it('follows a rename on a merged feature branch and sets a revert pair aside', async () => {
    const { w, from, at } = base('oncall-merge-');
    w.git(['checkout', '-q', '-b', 'feature/move']);
    fs.mkdirSync(path.join(w.dir, 'src', 'checkout'));
    w.git(['mv', 'src/handler.js', 'src/checkout/handler.js']);
    edit(w, 'src/checkout/handler.js', (l) => l.map((x) => x.replace("'./pricing'", "'../pricing'").replace("'./format'", "'../format'")));
    edit(w, 'src/main.js', (l) => l.map((x) => x.replace("'./handler'", "'./checkout/handler'")));
    const moved = w.commit('move the handler into checkout/', at(1), CAROL);
    edit(w, 'src/checkout/handler.js', (l) => l.map((x) => (x === '  return p.amount * it.qty;' ? '  return p.amount.cents.toFixed(2) * it.qty;' : x)));
    const culprit = w.commit('checkout: cents', at(2), BOB);
    w.git(['checkout', '-q', 'main']);
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '  return p.amount * it.qty;' ? '  return p.amount * it.qty * 1.2;' : x)));
    const tried = w.commit('handler: add VAT', at(3), ALICE);
    w.git(['revert', '--no-edit', tried], { at: at(4) });
    const revert = w.git(['rev-parse', 'HEAD']);
    w.git(['merge', '-q', '--no-ff', '-m', 'Merge feature/move', 'feature/move'], { at: at(5) });
    const to = w.git(['rev-parse', 'HEAD']);

    const report = await rank(w, captureTrace(w, 'src/main.js'), { from, to });
    assert.equal(report.suspects[0]!.sha, culprit, explain(report));
    assert.match(report.suspects[0]!.reasons[0]!, /^changed line 14 of src\/checkout\/handler\.js \(top frame\)$/);
    const by = new Map(report.suspects.map((s) => [s.sha, s]));
    assert.equal(by.get(tried)!.demoted, 'reverted', explain(report));
    assert.equal(by.get(revert)!.demoted, 'reverted', explain(report));
    assert.ok(by.has(moved));
    assert.ok(!by.has(to), 'the merge commit is never a suspect');
  });

  it('blame fallback: a culprit before the range ranks above the root commit and above a commit hitting only deeper frames', async () => {
    const { w, at } = base('oncall-fallback-');
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '  return p.amount * it.qty;' ? '  return p.amount.value.toFixed(2) * it.qty;' : x)));
    const culprit = w.commit('handler: format amounts', at(1), BOB);
    // Hits two deeper frames (handle's loop line and main's call line): adds up past the top frame's weight naively.
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '    total += lineTotal(it);' ? '    total += lineTotal(it); // per line' : x)));
    edit(w, 'src/main.js', (l) => l.map((x) => (x.startsWith('handle(') ? `${x} // demo order` : x)));
    const deeper = w.commit('comments', at(2), CAROL);
    const deployed = w.git(['rev-parse', 'HEAD']);

    const trace = captureTrace(w, 'src/main.js');
    const repo = await GitRepository.open(w.dir);
    const resolver = new StackTraceResolver(WorkspaceFileIndex.fromPaths(w.git(['ls-files']).split('\n'), w.dir));
    const r = await suspectsForTrace({ trace: parseStackTrace(trace), resolver, repo, rev: deployed, rangeUnavailableReason: 'no earlier deploy known', now: BASE + 100 * HOUR });
    const report = r.report!;
    assert.equal(report.basis, 'blame-fallback');
    assert.equal(report.suspects[0]!.sha, culprit, explain(report));
    const order = report.suspects.map((s) => s.sha);
    assert.ok(order.indexOf(deeper) > 0, explain(report));
    // Every frame line was rewritten after the root: exactly the two commits, the top frame's first.
    assert.deepEqual(order, [culprit, deeper], explain(report));

    // With a range that starts after the culprit, the line is reported unchanged by this deploy.
    const ranged = await rank(w, trace, { from: culprit, to: deployed });
    assert.equal(ranged.frames[0]!.changedInThisDeploy, false);
    assert.ok(!ranged.suspects.some((s) => s.sha === culprit));
  });
  it('blame fallback: the root commit owning the top frame and another frame never outranks a real commit', async () => {
    const { w, from, at } = base('oncall-boundary-');
    // A crashing build on a side branch, only to capture the trace (its lines are those of the build below).
    w.git(['checkout', '-q', '-b', 'crash']);
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '  return p.amount * it.qty;' ? '  return p.price.amount * it.qty;' : x)));
    w.commit('crash', at(0.5), ALICE);
    const trace = captureTrace(w, 'src/main.js');
    // The ranked build: only frame #2's line (handle's loop) changed after the root; the top frame's line and
    // main.js's call are the root commit's, which adds up past one deeper frame unless boundary commits go last.
    w.git(['checkout', '-q', '-b', 'guard', from]);
    edit(w, 'src/handler.js', (l) => l.map((x) => (x === '    total += lineTotal(it);' ? '    total += lineTotal(it) || 0;' : x)));
    const guard = w.commit('handler: guard the sum', at(1), BOB);
    const repo = await GitRepository.open(w.dir);
    const resolver = new StackTraceResolver(WorkspaceFileIndex.fromPaths(w.git(['ls-files']).split('\n'), w.dir));
    const r = await suspectsForTrace({ trace: parseStackTrace(trace), resolver, repo, rev: guard, rangeUnavailableReason: 'no earlier deploy known', now: BASE + 100 * HOUR });
    const report = r.report!;
    assert.equal(report.basis, 'blame-fallback');
    assert.deepEqual(report.suspects.map((s) => s.sha), [guard, from], explain(report));
    assert.equal(report.suspects[1]!.demoted, 'boundary');
    assert.match(report.suspects[1]!.reasons[0]!, /^last changed line 14 of src\/handler\.js \(top frame\) — blame, deploy range unknown; boundary commit, the line may be older$/);
    assert.ok(report.suspects[1]!.reasons.length >= 2, 'the root holds the top frame and main.js');
  });
});
