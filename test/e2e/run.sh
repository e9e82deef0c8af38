#!/usr/bin/env bash
# make e2e: the whole end-to-end run, from a clean state, in one command:
#   1. binaries: hack/build-tools.sh kube etcd crossplane-core crossplane uptest chainsaw (built once)
#   2. test/e2e/controlplane/up.sh: etcd, kube-apiserver, kube-controller-manager, Crossplane, the registry,
#      the package runtime; LambdaStack installed from the registry (install.sh)
#   3. go test -tags e2e ./test/e2e/ (with the provider stand-in in-process)
#   4. uptest over the examples against the same control plane, stand-in as a process, then
#      uptest over a request that is never Ready, which must fail (the step can fail)
#   5. make chaos, short: 4 stacks, every fault kind once (test/e2e/chaos.sh --on-running)
#   6. test/e2e/controlplane/down.sh (always); on failure the tail of every log is printed first
# Every step's failure fails the run. Logs stay in test/e2e/.state/logs. E2E_SKIP_UPTEST=1 skips
# step 4, E2E_SKIP_CHAOS=1 step 5; E2E_KEEP=1 skips step 6. E2E_UPTEST_EXAMPLES: the requests of
# step 4 (comma-separated; default: the stage examples of examples/index.txt). Step 2 installs the
# release of testdata/upgrade-from (E2E_RELEASE_REF) and step 3 starts by upgrading every example
# stack from it to this build (upgrade_test.go); E2E_SKIP_UPGRADE=1 installs this build at once.
set -uo pipefail
export t0=$(date +%s.%N)
. "$(dirname "$0")/controlplane/lib.sh"
. "$E2E_DIR/steps.sh"
cd "$ROOT" || exit 1
rc=0
harness_traps e2e

step "binaries"
hack/build-tools.sh kube etcd crossplane-core crossplane uptest chainsaw || { rc=$?; exit; }
mkdir -p "$STATE"
# -trimpath like hack/build-tools.sh: the client-go/grpc packages compiled for crossplane-core
# (same versions) are reused from the build cache, so a cold build costs seconds, not minutes
go build -trimpath -tags e2e -o "$STATE/provider-standin" ./test/e2e/cmd/provider-standin || { rc=$?; exit; }
go test -trimpath -tags e2e -c -o "$STATE/e2e.test" ./test/e2e/ || { rc=$?; exit; }

if [ "${E2E_SKIP_UPGRADE:-}" != 1 ]; then
  export E2E_RELEASE_REF=${E2E_RELEASE_REF:-$(grep -v '^#' "$E2E_DIR/testdata/upgrade-from" | head -1)}
fi
step "control plane${E2E_RELEASE_REF:+ (the release $E2E_RELEASE_REF installed)}"
"$CP_DIR/up.sh" || { rc=$?; exit; }

step "go test -tags e2e ./test/e2e/"
# budgets (controlplane/lib.sh): the suite's own, each stack's E2E_READY_TIMEOUT/E2E_DELETE_TIMEOUT
(cd "$E2E_DIR" && timeout "$E2E_GO_TEST_BUDGET" "$STATE/e2e.test" -test.v -test.count=1 -test.timeout="$((E2E_GO_TEST_BUDGET - 30))s" 2>&1) |
  tee "$LOGS/go-test.log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || exit

if [ "${E2E_SKIP_UPTEST:-}" != 1 ]; then
  step "uptest (examples, against the local control plane with the provider stand-in)"
  start provider-standin
  uptest_step "$LOGS/uptest.log" "${E2E_UPTEST_BUDGET}s" "${E2E_UPTEST_EXAMPLES:-$(awk '$1 == "stage" { print $3 }' examples/index.txt | paste -sd,)}"
  rc=$?
  must_live provider-standin
  [ "$rc" -eq 0 ] || { echo "e2e: uptest failed (rc=$rc); its output: $LOGS/uptest.log" >&2; exit; }
  # the step above can fail: the same step over a request that is never Ready must fail
  step "uptest fails on a request that is never Ready (testdata/uptest-never-ready.yaml)"
  UPTEST_TIMEOUT=20 UPTEST_DIR=$STATE/uptest-never-ready \
    uptest_step "$LOGS/uptest-never-ready.log" 5m test/e2e/testdata/uptest-never-ready.yaml >/dev/null
  st=$?
  [ "$st" -ne 0 ] || { rc=1; echo "e2e: uptest passed a request that is never Ready: its failures would go unseen ($LOGS/uptest-never-ready.log)" >&2; exit; }
  ts "uptest failed on it (rc=$st), as it must"
fi

if [ "${E2E_SKIP_CHAOS:-}" != 1 ]; then
  # last: it restarts Crossplane, the API server and etcd
  step "chaos, short (every fault kind once on ${E2E_CHAOS_N:-4} stacks; make chaos runs 50)"
  CHAOS_N=${E2E_CHAOS_N:-4} CHAOS_KILLS=1 CHAOS_HOLD=15s CHAOS_OUT="$ROOT/_output/chaos-e2e.md" \
    timeout "$E2E_CHAOS_BUDGET" "$E2E_DIR/chaos.sh" --on-running
  rc=$?
fi
