// The layering of src/ (docs/architecture.md, "The layers and what may import what"), checked by
// `npm run lint:deps` (scripts/check-deps.mjs) on TypeScript sources, type-only imports included.
// Each rule is proved to fire by test/unit/lint/layering.test.ts on a small tree with one violation of each.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles in src/ (type-only imports count: a cycle of types is still two files that cannot be read apart). Move the shared types to their own file.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'src/core is plain TypeScript shared by the extension, the bridge and the CLI: it imports nothing from them.',
      from: { path: '^src/core/' },
      to: { path: '^src/(host|bridge|cli)/|^src/extension\\.ts$' },
    },
    {
      name: 'bridge-not-host-or-cli',
      severity: 'error',
      comment: 'The bridge is a server of its own: it shares src/core with the extension, never src/host or src/cli.',
      from: { path: '^src/bridge/' },
      to: { path: '^src/(host|cli)/|^src/extension\\.ts$' },
    },
    {
      name: 'cli-not-host-or-bridge',
      severity: 'error',
      comment: 'The push-guard CLI runs in git hooks and terminals: it shares src/core only.',
      from: { path: '^src/cli/' },
      to: { path: '^src/(host|bridge)/|^src/extension\\.ts$' },
    },
    {
      name: 'host-not-bridge',
      severity: 'error',
      comment: 'The extension talks to the bridge over the protocol (src/core/protocol), never by importing it.',
      from: { path: '^src/host/' },
      to: { path: '^src/bridge/' },
    },
    {
      name: 'vscode-only-in-host',
      severity: 'error',
      comment: 'Only src/host and src/extension.ts import vscode (also eslint no-restricted-imports); everything else runs on plain Node.',
      from: { path: '^src/', pathNot: '^src/host/|^src/extension\\.ts$' },
      to: { path: '^vscode$|(^|/)node_modules/@types/vscode/' },
    },
    {
      name: 'src-not-tests',
      severity: 'error',
      comment: 'Shipped code never imports test or benchmark code.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    // Read the TypeScript sources, before compilation: type-only imports are edges too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist|test/fixtures|bench/\\.data)/' },
  },
};
