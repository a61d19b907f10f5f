// Writes l10n/bundle.l10n.json, the English source bundle of the runtime strings (`vscode.l10n.t(...)` in
// src/host/**/*.ts): every message as key and value, sorted. Translators copy it to bundle.l10n.<lang>.json.
//
//   node scripts/l10n-extract.mjs          regenerate the bundle
//   node scripts/l10n-extract.mjs --check  fail when the bundle on disk is stale (for `npm run lint`)
//
// Only a string literal (quotes, or a backtick without ${}) can be a key: any other first argument is an
// error, because it could never be translated. Uses the TypeScript parser, so comments and strings that
// merely contain "l10n.t(" are not mistaken for calls.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const srcDir = path.join(root, 'src', 'host');
const bundlePath = path.join(root, 'l10n', 'bundle.l10n.json');
const check = process.argv.includes('--check');

function walk(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

/** `l10n.t`, `vscode.l10n.t`, `(anything).l10n.t`. */
function isL10nT(callee) {
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 't' && (
    (ts.isIdentifier(callee.expression) && callee.expression.text === 'l10n') ||
    (ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'l10n')
  );
}

const messages = new Map(); // message -> first location
const problems = [];
for (const file of walk(srcDir)) {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes('l10n')) continue;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const rel = path.relative(root, file).split(path.sep).join('/');
  const where = (node) => `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
  const visit = (node) => {
    if (ts.isCallExpression(node) && isL10nT(node.expression)) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
        if (first.text.length === 0) problems.push(`${where(node)}: l10n.t('') has an empty message`);
        else if (!messages.has(first.text)) messages.set(first.text, where(node));
      } else {
        const shown = first ? first.getText(sf).replace(/\s+/g, ' ').slice(0, 80) : '(nothing)';
        problems.push(`${where(node)}: the first argument of l10n.t must be a string literal (without \${}), got ${shown}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

if (problems.length) {
  console.error(`l10n-extract: ${problems.length} call(s) cannot be translated:\n  ${problems.join('\n  ')}\n` +
    'Put the text in the message with {0}, {1}… placeholders: vscode.l10n.t(\'could not open {0}\', name).');
  process.exit(1);
}

const bundle = Object.fromEntries([...messages.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((m) => [m, m]));
const json = JSON.stringify(bundle, null, 2) + '\n';
const rel = path.relative(root, bundlePath);
if (check) {
  const onDisk = fs.existsSync(bundlePath) ? fs.readFileSync(bundlePath, 'utf8') : undefined;
  if (onDisk !== json) {
    let detail = onDisk === undefined ? `${rel} does not exist` : '';
    if (onDisk !== undefined) {
      try {
        const old = JSON.parse(onDisk);
        const added = Object.keys(bundle).filter((k) => !(k in old));
        const removed = Object.keys(old).filter((k) => !(k in bundle));
        detail = [...added.slice(0, 10).map((k) => `missing: ${JSON.stringify(k)}`), ...removed.slice(0, 10).map((k) => `no longer used: ${JSON.stringify(k)}`)].join('\n  ') || 'formatting or order differs';
      } catch {
        detail = `${rel} is not valid JSON`;
      }
    }
    console.error(`l10n-extract: ${rel} is stale (run: node scripts/l10n-extract.mjs)\n  ${detail}`);
    process.exit(1);
  }
  console.log(`l10n-extract: ${rel} is up to date (${messages.size} strings)`);
} else {
  fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
  fs.writeFileSync(bundlePath, json);
  console.log(`l10n-extract: wrote ${rel} (${messages.size} strings)`);
}
