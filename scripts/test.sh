#!/usr/bin/env bash
# The test command the README names: typecheck, lint, then every test tier.
# Ends with one plain summary line "N passed, N failed, N skipped" read from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp -t luanti-bench-vitest.XXXXXX.json)
trap 'rm -f "$report"' EXIT

npx tsc -p tsconfig.json --noEmit || { echo "typecheck failed"; exit 1; }
npx eslint . || { echo "lint failed"; exit 1; }
npx prettier --check . >/dev/null || { npx prettier --check . ; echo "format check failed (npm run format)"; exit 1; }
npm run build --silent || { echo "build failed"; exit 1; }

npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A test file that fails to load runs no test; count it as a failure so the line never hides it.
  const failed = r.numFailedTests + r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
  if (r.numPassedTests === 0) process.exitCode = 1;
' "$report" || status=1
exit $status
