#!/usr/bin/env bash
# make scale: the local e2e control plane (test/e2e/controlplane/up.sh: etcd, kube-apiserver,
# kube-controller-manager, Crossplane core, the function over mTLS) with the provider stand-in
# (SIMULATED provider-aws), N LambdaStacks applied at once over the namespaced stage examples and
# team namespaces; reports time to all Ready, steady-state CPU and peak RSS per process, the
# function's share of the control plane's CPU and the latency of one XR update
# (test/e2e/cmd/scale). Not part of make test. Report: _output/scale.md; logs: test/e2e/.state/logs.
#   SCALE_N=300 SCALE_NAMESPACES=10 SCALE_STEADY=5m SCALE_TIMEOUT=30m STANDIN_WORKERS=8
#   XP_POLL_INTERVAL (Crossplane's --poll-interval, run/crossplane.sh: 10s);
#   E2E_PORT_BASE (test/e2e/controlplane/lib.sh); E2E_KEEP=1 leaves the control plane running.
set -euo pipefail
export t0=$(date +%s.%N)
. "$(dirname "$0")/controlplane/lib.sh"
cd "$ROOT"
# on failure the tail of every log; then stop (by recorded PID) unless E2E_KEEP=1
trap 'exit 130' INT TERM
trap 'rc=$?; [ $rc -eq 0 ] || "$CP_DIR/logs.sh" >&2 || true; [ "${E2E_KEEP:-}" = 1 ] || "$CP_DIR/down.sh" >/dev/null; ts "== done (rc=$rc)"' EXIT

ts "== binaries"
hack/build-tools.sh kube etcd crossplane-core
mkdir -p "$STATE"
go build -trimpath -tags e2e -o "$STATE/provider-standin" ./test/e2e/cmd/provider-standin
go build -trimpath -tags e2e -o "$STATE/scale" ./test/e2e/cmd/scale

ts "== control plane"
"$CP_DIR/up.sh"
# the platform (up.sh installed the Configuration): provider configs, the stages'
# EnvironmentConfigs, Crossplane may read namespaces (stages that select them by label); the
# scale command grants its team namespaces the stages as a platform team would
"$E2E_DIR/platform.sh" >"$LOGS/scale-setup.log" 2>&1
export STANDIN_WORKERS=${STANDIN_WORKERS:-8}
start provider-standin
sleep 2
must_live provider-standin

ts "== ${SCALE_N:-300} LambdaStacks"
"$STATE/scale" -n "${SCALE_N:-300}" -namespaces "${SCALE_NAMESPACES:-10}" -steady "${SCALE_STEADY:-5m}" \
  -timeout "${SCALE_TIMEOUT:-30m}" -pids "$PIDS" -out "$ROOT/_output/scale.md" 2>&1 | tee "$LOGS/scale.log"
must_live function
must_live provider-standin
