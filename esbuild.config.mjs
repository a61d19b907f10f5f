// Bundles the extension (dist/extension.js) and the bridge (dist/bridge.js).
// Flags: --production (minified, no source maps), --watch (rebuild on change), --outdir=DIR (default dist;
// the benchmark builds into its own folder so it never overwrites the dist/ other runs use), --metafile
// (writes DIR/meta-<name>.json, which bench/run.mjs reads for the bundle's biggest inputs).
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const metafile = process.argv.includes('--metafile');
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) || 'dist';

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
  { ...common, entryPoints: ['src/extension.ts'], outfile: `${outdir}/extension.js` },
  { ...common, entryPoints: ['src/bridge/main.ts'], outfile: `${outdir}/bridge.js`, banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/cli/guardCli.ts'], outfile: `${outdir}/guard-cli.js` },
  // The iCal parser, run in a worker thread only when a feed is configured (keeps dist/extension.js small,
  // and a feed that makes ical.js loop for ever costs a terminated worker, not the extension host).
  { ...common, entryPoints: ['src/core/schedule/icalWorker.ts'], outfile: `${outdir}/icalWorker.js` },
].map((b) => (metafile ? { ...b, metafile: true } : b));

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[watch] watching for changes');
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  if (metafile) {
    results.forEach((r, i) => {
      const name = builds[i].outfile.split('/').pop().replace(/\.js$/, '');
      fs.writeFileSync(`${outdir}/meta-${name}.json`, JSON.stringify(r.metafile));
    });
  }
}
