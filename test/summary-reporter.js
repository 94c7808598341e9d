"use strict";
// Mocha's spec output plus the closing line CI reads: "N passed, N failed, N skipped", with every skipped test named
// just above it, so a skip is never quiet.
const Mocha = require("mocha");
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const skipped = [];
    runner.on(EVENT_TEST_PENDING, (test) => skipped.push(test.fullTitle()));
    runner.once(EVENT_RUN_END, () => {
      for (const title of skipped) process.stdout.write(`SKIPPED: ${title}\n`);
      const s = runner.stats;
      process.stdout.write(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}
module.exports = SpecWithSummary;
