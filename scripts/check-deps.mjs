// The layering and import-cycle check (`npm run lint:deps`): runs dependency-cruiser with .dependency-cruiser.cjs
// over src/ and fails on any violation. It also fails when dependency-cruiser read fewer TypeScript files than
// there are: a dependency-cruiser that cannot load the installed TypeScript reads no .ts file and reports
// "no violations" — a check that passes because it looked at nothing.
//
//   node scripts/check-deps.mjs [--config FILE] [DIR...]     (defaults: .dependency-cruiser.cjs, src)
//   run from the tree to check (the rules' paths are relative to it). ONCALL_DEPCRUISE_BIN: another
//   dependency-cruiser CLI to run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
let config = path.join(repo, '.dependency-cruiser.cjs');
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--config') config = path.resolve(args[++i] ?? '');
  else dirs.push(args[i]);
}
if (dirs.length === 0) dirs.push('src');

const dcDir = path.join(repo, 'node_modules', 'dependency-cruiser');
const bin = process.env.ONCALL_DEPCRUISE_BIN || path.join(dcDir, 'bin', 'dependency-cruise.mjs');
const r = spawnSync(process.execPath, [bin, '--config', config, '--output-type', 'json', ...dirs], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
let result;
try {
  result = JSON.parse(r.stdout);
} catch {
  console.error(`check-deps: dependency-cruiser did not run (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(0, 2000)}`);
  process.exit(2);
}

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.(?:ts|mts|cts)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}
const tsFiles = dirs.flatMap((d) => walk(d)).map((f) => path.relative(process.cwd(), f).split(path.sep).join('/'));
const cruised = new Set(result.modules.map((m) => m.source));
const unread = tsFiles.filter((f) => !cruised.has(f) && !/^(out|dist|test\/fixtures|bench\/\.data)\//.test(f));
if (unread.length > 0) {
  const version = (p) => { try { return JSON.parse(fs.readFileSync(p, 'utf8')).version; } catch { return '?'; } };
  console.error(
    `check-deps: dependency-cruiser ${version(path.join(dcDir, 'package.json'))} did not read ${unread.length} of ${tsFiles.length} TypeScript files (e.g. ${unread[0]}). ` +
      `It reads .ts only through a TypeScript version it supports (installed: typescript ${version(path.join(repo, 'node_modules', 'typescript', 'package.json'))}; dependency-cruiser 16 supports < 6, 17.4 supports < 7): ` +
      'update the dependency-cruiser devDependency. See `npx depcruise --info`.',
  );
  process.exit(2);
}

const violations = result.summary.violations ?? [];
for (const v of violations) {
  const cycle = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => (typeof c === 'string' ? c : c.name))].join(' → ')})` : '';
  console.error(`${v.rule.severity} ${v.rule.name}: ${v.from} → ${v.to}${cycle}`);
}
if (process.env.ONCALL_DEPCRUISE_JSON === '1') process.stdout.write(JSON.stringify(violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }))) + '\n');
if (violations.length > 0) {
  console.error(`check-deps: ${violations.length} layering violation(s) in ${result.summary.totalCruised} modules (rules and why: .dependency-cruiser.cjs, docs/architecture.md)`);
  process.exit(1);
}
console.log(`check-deps: ${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} imports: no cycles, layering holds`);
