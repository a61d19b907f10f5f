// Checks that every command contributed in package.json is registered in code (through the ids in
// src/host/constants.ts and a registerCommand call), and that every registered command is contributed.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributed = new Set((pkg.contributes?.commands ?? []).map((c) => c.command));

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}
const files = walk(path.join(root, 'src'));
const source = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');

// Map constant names to ids: `showLogs: 'oncall.showLogs'` inside the Commands object.
const constants = fs.readFileSync(path.join(root, 'src/host/constants.ts'), 'utf8');
const block = constants.match(/export const Commands = \{([\s\S]*?)\} as const;/);
if (!block) { console.error('check-commands: Commands block not found in src/host/constants.ts'); process.exit(1); }
const idsByName = new Map([...block[1].matchAll(/(\w+):\s*'([^']+)'/g)].map((m) => [m[1], m[2]]));

const registered = new Set();
for (const m of source.matchAll(/registerCommand\(\s*Commands\.(\w+)/g)) {
  const id = idsByName.get(m[1]);
  if (id) registered.add(id);
}
for (const m of source.matchAll(/registerCommand\(\s*'([^']+)'/g)) registered.add(m[1]);

const problems = [];
for (const id of contributed) if (!registered.has(id)) problems.push(`contributed in package.json but never registered: ${id}`);
for (const id of registered) if (!contributed.has(id)) problems.push(`registered in code but not contributed in package.json: ${id}`);
for (const [name, id] of idsByName) if (!contributed.has(id)) problems.push(`Commands.${name} (${id}) is not contributed in package.json`);
if (problems.length) {
  console.error('check-commands:\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log(`check-commands: ${contributed.size} commands, all registered`);
