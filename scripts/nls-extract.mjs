// Moves the user-visible strings of package.json into package.nls.json (%key% placeholders), so the
// manifest is localisable. Idempotent: strings already replaced stay as they are.
import * as fs from 'node:fs';
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const nlsPath = 'package.nls.json';
const nls = fs.existsSync(nlsPath) ? JSON.parse(fs.readFileSync(nlsPath, 'utf8')) : {};
const put = (key, value) => {
  if (typeof value !== 'string' || value.startsWith('%')) return value;
  nls[key] = value;
  return `%${key}%`;
};
pkg.displayName = put('displayName', pkg.displayName);
pkg.description = put('description', pkg.description);
const c = pkg.contributes;
for (const cmd of c.commands) {
  cmd.title = put(`command.${cmd.command.replace(/^oncall\./, '')}.title`, cmd.title);
  if (typeof cmd.category === 'string' && !cmd.category.startsWith('%')) cmd.category = put('category', cmd.category);
}
for (const v of c.viewsContainers.activitybar) v.title = put(`viewsContainer.${v.id}.title`, v.title);
for (const v of c.views.oncall) v.name = put(`view.${v.id.replace(/^oncall\./, '')}.name`, v.name);
c.viewsWelcome.forEach((w, i) => (w.contents = put(`viewsWelcome.${w.view.replace(/^oncall\./, '')}.${i}`, w.contents)));
c.configuration.title = put('configuration.title', c.configuration.title);
for (const [key, prop] of Object.entries(c.configuration.properties)) {
  const k = key.replace(/^oncall\./, '');
  if (prop.markdownDescription) prop.markdownDescription = put(`config.${k}.description`, prop.markdownDescription);
  if (Array.isArray(prop.enumDescriptions)) prop.enumDescriptions = prop.enumDescriptions.map((d, i) => put(`config.${k}.enum.${i}`, d));
}
for (const w of c.walkthroughs ?? []) {
  w.title = put(`walkthrough.${w.id}.title`, w.title);
  w.description = put(`walkthrough.${w.id}.description`, w.description);
  for (const s of w.steps) {
    s.title = put(`walkthrough.${w.id}.${s.id}.title`, s.title);
    s.description = put(`walkthrough.${w.id}.${s.id}.description`, s.description);
  }
}
const u = pkg.capabilities?.untrustedWorkspaces;
if (u?.description) u.description = put('capabilities.untrusted.description', u.description);
fs.writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\n');
fs.writeFileSync(nlsPath, JSON.stringify(Object.fromEntries(Object.entries(nls).sort(([a], [b]) => a.localeCompare(b))), null, 2) + '\n');
console.log(`package.nls.json: ${Object.keys(nls).length} strings`);
