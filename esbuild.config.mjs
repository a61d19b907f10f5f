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

/**
 * Libraries dist/extension.js loads on first use, from a bundle of their own next to it (issue 22: a smaller
 * extension.js, less code evaluated at activation). `exports` are the names the extension's code imports; each is
 * a getter that loads `dist/lazy-<name>.js` once, the first time one of them is read (a call, a `new`).
 * - croner: the deploy guard's freeze windows (read when a guard rule or setting is checked).
 * - ws: the bridge connection (loaded when the first connection opens; not at all without a configured source).
 *   The WebSocket class only: the extension never serves (the bridge bundle keeps all of ws).
 */
const lazyLibs = [
  // The start (src/host/startup.ts, imported by src/extension.ts only): the context, the status bar, the
  // connection, the schedule view, notifications. activate() runs it on the next tick, so what the host loads
  // and runs at activation is only extension.js's stand-ins.
  { name: 'startup', match: /^\.\/host\/startup$/, importer: 'src/extension.ts', entry: 'src/host/startup.ts', exports: ['startExtension'] },
  // The features built on first need (src/host/lazyFeatures.ts, imported by src/host/startup.ts only): the alerts
  // tree, deploys and git, stack traces, the deploy guard, the loop features. Their bundle keeps its own copy of
  // the few core modules the start bundle also has (no state is shared through module identity).
  { name: 'features', match: /^\.\/lazyFeatures$/, importer: 'src/host/startup.ts', entry: 'src/host/lazyFeatures.ts', exports: ['buildFeatures'] },
  { name: 'croner', match: /^croner$/, entry: 'croner', exports: ['Cron'] },
  { name: 'ws', match: /^ws$/, entry: 'node_modules/ws/lib/websocket.js', exports: ['default'] },
];

/** Resolves each lazy library to a stub of getters that `require`s its own bundle at first use. */
const lazyLibsPlugin = {
  name: 'lazy-libs',
  setup(build) {
    for (const lib of lazyLibs) {
      build.onResolve({ filter: lib.match }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        // A project module is lazy only where it is imported by the one module named (same-named imports elsewhere are not).
        if (lib.importer && !args.importer.replace(/\\/g, '/').endsWith(lib.importer)) return undefined;
        return { path: lib.name, namespace: 'lazy-lib' };
      });
    }
    build.onLoad({ filter: /.*/, namespace: 'lazy-lib' }, (args) => {
      const lib = lazyLibs.find((l) => l.name === args.path);
      const getters = lib.exports.map((k) => `Object.defineProperty(exports, ${JSON.stringify(k)}, { enumerable: true, get: () => ${k === 'default' ? 'load()' : `load()[${JSON.stringify(k)}]`} });`);
      return {
        loader: 'js',
        contents: [
          `let mod;`,
          `// Resolved at run time next to dist/extension.js (a plain require, not bundled).`,
          `const load = () => (mod ??= require(require('node:path').join(__dirname, ${JSON.stringify(`lazy-${lib.name}.js`)})));`,
          `Object.defineProperty(exports, '__esModule', { value: true });`,
          ...getters,
        ].join('\n'),
      };
    });
  },
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: `${outdir}/extension.js`, plugins: [lazyLibsPlugin] },
  // A lazy bundle loads the other lazy libraries the same way (the features' croner), never bundles them.
  ...lazyLibs.map((lib) => ({ ...common, entryPoints: [lib.entry], outfile: `${outdir}/lazy-${lib.name}.js`, plugins: [lazyLibsPlugin] })),
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
