// Benchmark-only empty extension: activation does nothing, so activating it costs only what the
// extension host itself spends per extension (module load, context, activate call). The harness
// (bench/src/host.ts) registers the minimal TreeDataProvider for its view.
exports.activate = function activate() {};
exports.deactivate = function deactivate() {};
