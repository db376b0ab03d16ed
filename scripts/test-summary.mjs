// Prints one line "N passed, N failed" summed over vitest JSON reports (one per CI leg);
// exits 1 when any test failed, none ran, or a report is missing (lint or typecheck
// stopped that leg before its tests). `--failed-checks N` adds checks that are not
// vitest tests (the release check) and failed, so that they count as failures too.
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
let failedChecks = 0;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--failed-checks") failedChecks += Number(args[++i] ?? 0) || 0;
  else files.push(args[i]);
}
let passed = 0;
let failed = failedChecks;
let skipped = 0;
if (files.length === 0) failed += 1;
for (const file of files) {
  if (!existsSync(file)) {
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
