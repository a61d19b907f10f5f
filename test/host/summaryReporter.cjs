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
    });
  }
}
module.exports = SummaryReporter;
