// Checks package.json against the settings table (src/core/config/settings.ts) and the context keys
// (src/host/constants.ts), and keeps the generated settings tables in README.md and docs/settings.md in step:
//   - contributes.configuration: the same keys, and per key the same type, default, scope, enum, minimum, maximum;
//   - capabilities.untrustedWorkspaces.restrictedConfigurations: exactly the table's restricted keys, and every
//     setting a workspace can set that makes the editor contact a server or run something is restricted (or the
//     table says why not);
//   - every `when` / `enablement` clause (menus, views, viewsWelcome, keybindings, walkthroughs, commands) names only
//     context keys that ContextKeys declares and the code sets, VS Code's own keys (listed below), or `config.oncall.*`
//     keys of the table; `view == x` names a contributed view; walkthrough completion events name real keys.
// Usage: node scripts/check-settings.mjs [--write] [--package <package.json>]
//   --write     regenerates the tables in README.md and docs/settings.md instead of failing on their drift.
//   --package   checks another copy of package.json (the unit test passes a drifted one).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const write = args.includes('--write');
const pkgArg = args.indexOf('--package');
const pkgFile = pkgArg >= 0 ? path.resolve(args[pkgArg + 1] ?? '') : path.join(root, 'package.json');
const PREFIX = 'oncall.';

/**
 * Context keys VS Code itself sets that our clauses may use. Add one here only with the VS Code documentation
 * (https://code.visualstudio.com/api/references/when-clause-contexts) saying it exists.
 */
export const BUILT_IN_CONTEXT_KEYS = [
  'true', 'false',
  'view', 'viewItem', 'focusedView', 'activeViewlet', 'sideBarVisible', 'panelFocus',
  'resourceLangId', 'resourceScheme', 'resourceFilename', 'resourceExtname', 'resourcePath', 'resource',
  'editorFocus', 'editorTextFocus', 'editorLangId', 'textInputFocus', 'inputFocus', 'terminalFocus',
  'isWorkspaceTrusted', 'workspaceFolderCount', 'workbenchState', 'isWeb', 'isLinux', 'isMac', 'isWindows', 'remoteName',
  'gitOpenRepositoryCount', 'listFocus', 'listMultiSelection',
];

// ---- the table (TypeScript): bundled on the fly, so the check reads exactly what the extension reads ----
async function loadTable() {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'check-settings-')), 'settings.cjs');
  try {
    await esbuild.build({ entryPoints: [path.join(root, 'src/core/config/settings.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'error' });
    return createRequire(import.meta.url)(out);
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

function constantsBlock(name) {
  const text = fs.readFileSync(path.join(root, 'src/host/constants.ts'), 'utf8');
  const m = text.match(new RegExp(`export const ${name} = \\{([\\s\\S]*?)\\} as const;`));
  if (!m) throw new Error(`check-settings: ${name} block not found in src/host/constants.ts`);
  return new Map([...m[1].matchAll(/(\w+):\s*'([^']+)'/g)].map((x) => [x[1], x[2]]));
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The context keys a when clause tests. Strings and regex literals are values, so is the right side of ==, !=, =~
 * and of < > <= >=; the right side of `in` / `not in` is a key (a context key holding a list or an object).
 */
export function contextKeysOf(clause) {
  const keys = [];
  const views = [];
  const text = String(clause)
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/=~\s*\/(?:[^/\\]|\\.)*\/[a-z]*/g, "=~ ''");
  for (const term of text.split(/&&|\|\|/)) {
    const t = term.replace(/[()]/g, ' ').trim().replace(/^!+\s*/, '');
    if (!t) continue;
    const m = t.match(/^([\w.:\-/]+)\s*(?:(not\s+in|in|==|!=|=~|<=|>=|<|>)\s*(.*))?$/);
    if (!m) {
      keys.push({ key: t, bad: true });
      continue;
    }
    keys.push({ key: m[1] });
    if (m[2] && /in$/.test(m[2]) && m[3]) keys.push({ key: m[3].trim() });
    if (m[1] === 'view' && (m[2] === '==' || m[2] === '!=') && m[3]) views.push(m[3].trim().replace(/^'|'$/g, ''));
  }
  return { keys, views };
}

/** Every `when` / `enablement` in the parts of package.json that take one, with where it is. */
function clausesOf(pkg) {
  const found = [];
  const c = pkg.contributes ?? {};
  const visit = (node, where) => {
    if (Array.isArray(node)) node.forEach((x, i) => visit(x, `${where}[${i}]`));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'when' || k === 'enablement') && typeof v === 'string') found.push({ where: `${where}.${k}`, clause: v });
        else visit(v, `${where}.${k}`);
      }
    }
  };
  for (const part of ['menus', 'views', 'viewsWelcome', 'keybindings', 'walkthroughs', 'commands']) visit(c[part], `contributes.${part}`);
  return found;
}

export function check(pkg, table, src) {
  const problems = [];
  const specs = new Map(table.SETTINGS.map((s) => [PREFIX + s.key, s]));
  const props = pkg.contributes?.configuration?.properties ?? {};

  // Settings: key set, then per key.
  for (const key of Object.keys(props)) if (!specs.has(key)) problems.push(`package.json contributes setting ${key}, which is not in the table (src/core/config/settings.ts)`);
  for (const [key, s] of specs) {
    const p = props[key];
    if (!p) {
      problems.push(`${key} is in the table but not contributed in package.json`);
      continue;
    }
    if (p.type !== s.type) problems.push(`${key}: type is ${JSON.stringify(p.type)} in package.json, ${JSON.stringify(s.type)} in the table`);
    if (!same(p.default, s.default)) problems.push(`${key}: default is ${JSON.stringify(p.default)} in package.json, ${JSON.stringify(s.default)} in the table`);
    if ((p.scope ?? 'window') !== s.scope) problems.push(`${key}: scope is ${p.scope ?? 'window (unset)'} in package.json, ${s.scope} in the table`);
    if (!same(p.enum, s.enum)) problems.push(`${key}: enum is ${JSON.stringify(p.enum)} in package.json, ${JSON.stringify(s.enum)} in the table`);
    if (p.minimum !== s.minimum || p.maximum !== s.maximum) problems.push(`${key}: range is ${p.minimum}..${p.maximum} in package.json, ${s.minimum}..${s.maximum} in the table`);
  }

  // Workspace trust.
  const restricted = new Set(pkg.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []);
  for (const [key, s] of specs) {
    if (s.restricted && !restricted.has(key)) problems.push(`${key} is restricted in the table but missing from capabilities.untrustedWorkspaces.restrictedConfigurations`);
    if (!s.restricted && restricted.has(key)) problems.push(`${key} is in restrictedConfigurations but not restricted in the table`);
    const workspaceCanSet = s.scope !== 'application' && s.scope !== 'machine';
    if (s.effect !== 'none' && workspaceCanSet && !s.restricted && !s.trustException) {
      problems.push(`${key} can make the editor ${s.effect === 'network' ? 'contact a server' : 'run a process'} and a workspace can set it: restrict it (restrictedConfigurations) or give the table's trustException`);
    }
  }
  for (const key of restricted) if (!specs.has(key)) problems.push(`restrictedConfigurations names ${key}, which is not a setting`);

  // Context keys in when clauses.
  const declared = constantsBlock('ContextKeys');
  const set = new Set();
  for (const m of src.matchAll(/\bset\(\s*(?:Keys|ContextKeys)\.(\w+)/g)) if (declared.has(m[1])) set.add(declared.get(m[1]));
  for (const m of src.matchAll(/'setContext',\s*'([^']+)'/g)) set.add(m[1]);
  for (const [name, key] of declared) if (!set.has(key)) problems.push(`ContextKeys.${name} (${key}) is declared but never set in src/ (a clause on it is never true)`);
  const builtIn = new Set(BUILT_IN_CONTEXT_KEYS);
  const viewIds = new Set(Object.values(pkg.contributes?.views ?? {}).flat().map((v) => v.id));
  const known = (key) => builtIn.has(key) || set.has(key) || (key.startsWith(`config.${PREFIX}`) ? specs.has(key.slice('config.'.length)) : key.startsWith('config.'));
  for (const { where, clause } of clausesOf(pkg)) {
    const { keys, views } = contextKeysOf(clause);
    for (const k of keys) {
      if (k.bad) problems.push(`${where}: cannot read ${JSON.stringify(k.key)} in "${clause}"`);
      else if (!known(k.key)) problems.push(`${where}: context key ${k.key} is not set by ContextKeys (src/host/constants.ts) nor a VS Code key (scripts/check-settings.mjs BUILT_IN_CONTEXT_KEYS), in "${clause}"`);
    }
    for (const v of views) if (!viewIds.has(v)) problems.push(`${where}: view ${v} is not contributed, in "${clause}"`);
  }
  for (const [wi, w] of (pkg.contributes?.walkthroughs ?? []).entries()) {
    for (const [si, step] of (w.steps ?? []).entries()) {
      for (const ev of step.completionEvents ?? []) {
        const [kind, arg] = [ev.slice(0, ev.indexOf(':')), ev.slice(ev.indexOf(':') + 1)];
        if (kind === 'onContext' && !known(arg)) problems.push(`walkthroughs[${wi}].steps[${si}]: completion event ${ev} names a context key nothing sets`);
        if (kind === 'onSettingChanged' && !specs.has(arg)) problems.push(`walkthroughs[${wi}].steps[${si}]: completion event ${ev} names a setting that is not in the table`);
      }
    }
  }
  return problems;
}

// ---- generated docs ----
function defaultText(s) {
  const d = s.default;
  if (d === '') return '—';
  if (Array.isArray(d)) return d.length === 0 ? '`[]`' : d.length > 3 ? `${d.length} globs (\`${d[0]}\`, …)` : d.map((x) => `\`${x}\``).join(', ');
  if (d && typeof d === 'object') return Object.keys(d).length ? '`' + JSON.stringify(d) + '`' : 'built-in';
  return typeof d === 'string' ? `\`${d}\`` : String(d);
}
const workspaceText = (s, exception = 'yes (see below)') => (s.scope === 'application' || s.scope === 'machine' ? 'no' : s.restricted ? 'only when trusted' : s.trustException ? exception : 'yes');
const effectText = { network: 'contacts a server', process: 'runs git / your regexes', none: '—' };

export function readmeTable(table) {
  return [
    '| setting | default | what it does | a workspace may set it |',
    '|---|---|---|---|',
    ...table.SETTINGS.map((s) => `| \`${PREFIX}${s.key}\` | ${defaultText(s)} | ${s.summary} | ${workspaceText(s, 'yes, even untrusted ([why](docs/settings.md#workspace-trust))')} |`),
  ].join('\n');
}

export function docsTable(table) {
  const exceptions = [...new Set(table.SETTINGS.filter((s) => s.trustException).map((s) => s.trustException))];
  return [
    '| setting | type | scope | a workspace may set it | effect of a value | why |',
    '|---|---|---|---|---|---|',
    ...table.SETTINGS.map((s) => `| \`${PREFIX}${s.key}\` | ${s.type}${s.enum ? ` (${s.enum.map((e) => `\`${e}\``).join(', ')})` : ''} | \`${s.scope}\` | ${workspaceText(s)} | ${effectText[s.effect]} | ${s.why} |`),
    '',
    ...exceptions.map((e) => `**Set by a workspace without trust** (${table.SETTINGS.filter((s) => s.trustException === e).map((s) => `\`${PREFIX}${s.key}\``).join(', ')}): ${e}`),
  ].join('\n');
}

const BEGIN = '<!-- settings-table:begin (generated by `node scripts/check-settings.mjs --write` from src/core/config/settings.ts) -->';
const END = '<!-- settings-table:end -->';

function syncDoc(file, body, problems) {
  const abs = path.join(root, file);
  const text = fs.readFileSync(abs, 'utf8');
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  if (i < 0 || j < i) {
    problems.push(`${file}: the generated settings table's markers are missing (${BEGIN} … ${END})`);
    return;
  }
  const next = `${text.slice(0, i)}${BEGIN}\n${body}\n${text.slice(j)}`;
  if (next === text) return;
  if (write) fs.writeFileSync(abs, next);
  else problems.push(`${file}: the settings table is out of date; run node scripts/check-settings.mjs --write`);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
async function main() {
  const table = await loadTable();
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  const src = walk(path.join(root, 'src')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const problems = check(pkg, table, src);
  syncDoc('README.md', readmeTable(table), problems);
  syncDoc('docs/settings.md', docsTable(table), problems);
  if (problems.length) {
    console.error('check-settings:\n  ' + problems.join('\n  '));
    process.exit(1);
  }
  console.log(`check-settings: ${table.SETTINGS.length} settings match package.json; when clauses name only known context keys`);
}
if (isMain) {
  main().catch((e) => {
    console.error(`check-settings: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  });
}
