#!/usr/bin/env bash
# Steps of make e2e (test/e2e/run.sh) and make e2e-aws (aws.sh): the harness's exit, and steps
# whose exit status must survive the filters their output goes through; sourced by run.sh, aws.sh
# and steps_test.go, which shows that a failing or overrunning step fails.

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

# step NAME...: a harness step's header line.
step() { ts "== $*"; }

# harness_traps LABEL: the exit of a harness (run.sh, aws.sh) that sets rc: its status (rc, else
# the last command's), the control plane's logs when it failed, and the control plane stopped
# unless E2E_KEEP=1; an interrupt ends it with 130.
harness_traps() {
  HARNESS=$1
  trap harness_finish EXIT
  trap 'rc=130; exit' INT TERM
}
harness_finish() {
  local st=$?
  [ "$rc" -ne 0 ] || rc=$st
  if [ "$rc" -ne 0 ]; then
    echo "$HARNESS: FAILED (rc=$rc); logs of the control plane:" >&2
    "$CP_DIR/logs.sh" >&2 || true
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then
    echo "$HARNESS: E2E_KEEP=1: control plane left running (KUBECONFIG=$KUBECONFIG; stop: test/e2e/controlplane/down.sh)"
  else
    "$CP_DIR/down.sh" >/dev/null
  fi
  ts "== done (rc=$rc)"
  exit "$rc"
}
