#!/usr/bin/env bash
# make chaos: fault injection on the local e2e control plane (docs/reliability.md). Starts the
# control plane as make e2e does (controlplane/up.sh: etcd, kube-apiserver,
# kube-controller-manager, Crossplane core, the package runtime running the function over mTLS,
# LambdaStack installed from the local registry), the platform's setup (platform.sh: provider
# configs, the stages' EnvironmentConfigs) and the provider stand-in (SIMULATED provider-aws), then
# test/e2e/cmd/chaos: CHAOS_N stacks to Ready, then each fault with the invariants checked after
# it. Stops the control plane and checks that no process of it and no port is left.
#   CHAOS_N=50 CHAOS_NAMESPACES=5 CHAOS_KILLS=3 CHAOS_HOLD=40s CHAOS_RECOVERY_BOUND=5m
#   CHAOS_FAULTS=all (function-kill,restart,standin,env-invalid,request-invalid,burst)
#   E2E_PORT_BASE (test/e2e/controlplane/lib.sh); E2E_KEEP=1 leaves the control plane running.
#   chaos.sh --on-running: against the control plane make e2e already started (run.sh), without
#   starting or stopping it.
set -euo pipefail
export t0=${t0:-$(date +%s.%N)}
. "$(dirname "$0")/controlplane/lib.sh"
cd "$ROOT"
on_running=; [ "${1:-}" = --on-running ] && on_running=1

# every process of this control plane and every port it uses, for the leak check
leak_check() {
  local leaked=0 p
  for p in $(cat "$STATE/chaos-function-pids" 2>/dev/null) ${seen_pids:-}; do
    if kill -0 "$p" 2>/dev/null; then echo "chaos: LEAK: process $p ($(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | cut -c1-80)) still runs" >&2; leaked=1; fi
  done
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$STATE/"; then
      echo "chaos: LEAK: process ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline" | cut -c1-80)) runs from $STATE" >&2; leaked=1
    fi
  done
  for p in $ETCD_PORT $ETCD_PEER_PORT $KAS_PORT $XP_METRICS_PORT $XP_HEALTH_PORT $XP_WEBHOOK_PORT $REG_PORT \
    $(seq "$FN_PORT" $((FN_PORT + FN_PORTS - 1))) $(seq "$FN_METRICS_PORT" $((FN_METRICS_PORT + FN_PORTS - 1))); do
    port_free "$p" || { echo "chaos: LEAK: port $p still open" >&2; leaked=1; }
  done
  [ $leaked = 0 ] && echo "chaos: no process and no port of the control plane left after it stopped"
  return $leaked
}

if [ -z "$on_running" ]; then
  trap 'exit 130' INT TERM
  trap 'rc=$?; [ $rc -eq 0 ] || "$CP_DIR/logs.sh" >&2 || true
    if [ "${E2E_KEEP:-}" != 1 ]; then seen_pids=$(cat "$PIDS"/*.pid 2>/dev/null); "$CP_DIR/down.sh" >/dev/null; leak_check || rc=1; fi
    ts "== done (rc=$rc)"; exit $rc' EXIT
  ts "== binaries"
  hack/build-tools.sh kube etcd crossplane-core
  mkdir -p "$STATE"
  go build -trimpath -tags e2e -o "$STATE/provider-standin" ./test/e2e/cmd/provider-standin
fi
go build -trimpath -tags e2e -o "$STATE/chaos" ./test/e2e/cmd/chaos

if [ -z "$on_running" ]; then
  ts "== control plane"
  "$CP_DIR/up.sh"
fi
# the platform (the Configuration is installed): provider configs, the stages'
# EnvironmentConfigs, Crossplane may read namespaces (stages that select them by label); the
# chaos command grants its team namespaces the stages as a platform team would
"$E2E_DIR/platform.sh" >"$LOGS/chaos-setup.log" 2>&1
rm -f "$STATE/standin-faults.json"
if ! alive provider-standin; then
  export STANDIN_WORKERS=${STANDIN_WORKERS:-8}
  start provider-standin
  sleep 2
  must_live provider-standin
fi

ts "== ${CHAOS_N:-50} stacks, then the faults"
"$STATE/chaos" -n "${CHAOS_N:-50}" -namespaces "${CHAOS_NAMESPACES:-5}" -kills "${CHAOS_KILLS:-3}" \
  -hold "${CHAOS_HOLD:-40s}" -recovery-bound "${CHAOS_RECOVERY_BOUND:-5m}" -faults "${CHAOS_FAULTS:-all}" \
  -state "$STATE" -controlplane-dir "$CP_DIR" -out "${CHAOS_OUT:-$ROOT/_output/chaos.md}" 2>&1 | tee "$LOGS/chaos.log"
rc=${PIPESTATUS[0]}
must_live provider-standin
exit "$rc"
