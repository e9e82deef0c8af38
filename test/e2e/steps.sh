#!/usr/bin/env bash
# Steps of make e2e (test/e2e/run.sh) whose exit status must survive the filters their output
# goes through; sourced by run.sh and by steps_test.go, which shows that a failing or overrunning
# step fails.

# uptest_step LOG BUDGET EXAMPLES: uptest (test/e2e/uptest.sh, or $UPTEST_SH) over the comma-
# separated EXAMPLES against the local control plane, killed after BUDGET (timeout(1) syntax).
# Its whole output goes to LOG, its progress lines to stdout. Returns uptest's exit status (124
# when the budget ran out), never the filter's: grep finding no progress line is no failure, and
# a failing uptest is never hidden by a filter that succeeded.
uptest_step() {
  local log=$1 budget=$2 examples=$3
  UPTEST_LOCAL=1 UPTEST_EXAMPLES=$examples timeout "$budget" "${UPTEST_SH:-$E2E_DIR/uptest.sh}" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' | tee "$log" |
    { grep -E --line-buffered 'sink.go.*(TRY|ASSERT|ERROR|FAIL)|--- (PASS|FAIL)|Tests Summary|Passed|Failed|level=error|cannot|error' || true; }
  return "${PIPESTATUS[0]}"
}
