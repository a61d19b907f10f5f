// Bundles the extension (dist/extension.js) and the bridge (dist/bridge.js).
// Flags: --production (minified, no source maps), --watch (rebuild on change).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ws's optional native add-ons: ws falls back to JavaScript when they are absent.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
  define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, entryPoints: ['src/bridge/main.ts'], outfile: 'dist/bridge.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/cli/guardCli.ts'], outfile: 'dist/guard-cli.js' },
  // The iCal parser, loaded by the extension only when a feed is configured (keeps dist/extension.js small).
  { ...common, entryPoints: ['src/core/schedule/ical.ts'], outfile: 'dist/ical.js' },
];

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[watch] watching for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
