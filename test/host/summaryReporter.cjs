// Mocha's spec reporter plus one plain closing line, "<label>: N passed, N failed, N skipped",
// which CI reads to know that tests ran. Label from ONCALL_TEST_LABEL (default "unit").
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const label = process.env.ONCALL_TEST_LABEL || 'unit';
      process.stdout.write(`\n${label}: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
      // A test that leaves a socket, server or timer open would keep the run alive for ever (CI waits, then fails
      // with no word). Give the process 10 s to end by itself; then name what is still open, once, and end it.
      const failures = s.failures;
      setTimeout(() => {
        const open = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo() : [];
        const counts = {};
        for (const r of open) counts[r] = (counts[r] || 0) + 1;
        const list = Object.entries(counts).map(([k, n]) => `${k}×${n}`).join(', ');
        process.stderr.write(`${label}: the run ended but the process did not (still open 10 s later: ${list || 'unknown'}); a test leaks a handle — ending it\n`);
        process.exit(failures > 0 ? 1 : 0);
      }, 10_000).unref();
    });
  }
}
module.exports = SummaryReporter;
