#!/usr/bin/env bash
# Shared settings of the local e2e control plane (sourced by the scripts of test/e2e/controlplane,
# run/*.sh and the suites that drive it: test/e2e/run.sh, chaos.sh, scale.sh, uptest.sh).
# Everything it writes lives under $STATE (test/e2e/.state, gitignored).
CP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) # test/e2e/controlplane: the control plane's scripts
E2E_DIR=$(cd "$CP_DIR/.." && pwd)                   # test/e2e: the suites
ROOT=$(cd "$E2E_DIR/../.." && pwd)
BIN=${E2E_BIN:-$ROOT/bin}
STATE=${E2E_STATE:-$E2E_DIR/.state}
PKI=$STATE/pki
LOGS=$STATE/logs
PIDS=$STATE/pids
export KUBECONFIG=$STATE/kubeconfig

# Fixed, unusual loopback ports (outside the Linux ephemeral range 32768-60999 and away from the
# defaults 2379/6443/8080/8081/9443 other programs like to hold). Shift them all with E2E_PORT_BASE.
PORT_BASE=${E2E_PORT_BASE:-27300}
ETCD_PORT=$((PORT_BASE + 79))       # 27379 etcd clients
ETCD_PEER_PORT=$((PORT_BASE + 80))  # 27380 etcd peers
KAS_PORT=$((PORT_BASE + 143))       # 27443 kube-apiserver
XP_METRICS_PORT=$((PORT_BASE + 180)) # 27480 crossplane metrics
XP_HEALTH_PORT=$((PORT_BASE + 181))  # 27481 crossplane /readyz
XP_WEBHOOK_PORT=$((PORT_BASE + 182)) # 27482 crossplane webhooks (TLS)
REG_PORT=$((PORT_BASE + 150))       # 27450 the OCI registry (TLS) the packages are installed from
FN_PORT=$((PORT_BASE + 144))        # 27444.. functions' gRPC (mTLS), one port per FunctionRevision
FN_PORTS=4                          # 27444-27447 handed out by the package runtime
FN_METRICS_PORT=$((PORT_BASE + 184)) # 27484-27487 the functions' metrics (Prometheus), one per revision
# how long the package runtime leaves a crashed function down before restarting it (the kubelet's
# first restart back-off is 10 s)
FN_RESTART_BACKOFF=${FN_RESTART_BACKOFF:-10s}

# The version the packages are built and installed as (a second build is pushed as
# E2E_UPGRADE_VERSION by the upgrade test).
E2E_VERSION=${E2E_VERSION:-v0.1.0}
E2E_UPGRADE_VERSION=${E2E_UPGRADE_VERSION:-v0.2.0}

# provider-aws release whose CRDs the provider packages carry (read from the Go module cache).
PROVIDER_AWS_MODULE=github.com/upbound/provider-aws/v2
PROVIDER_AWS_VERSION=v2.5.0

t0=${t0:-$(date +%s.%N)}
ts() { printf '[e2e %6.1fs] %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$*"; }
die() { echo "e2e: ERROR: $*" >&2; exit 1; }

# start NAME: run run/NAME.sh in the background, log to $LOGS/NAME.log, record its PID.
start() {
  nohup "$CP_DIR/run/$1.sh" >"$LOGS/$1.log" 2>&1 &
  echo $! >"$PIDS/$1.pid"
}
alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }
# must_live NAME: fail with the tail of its log when the process died.
must_live() { alive "$1" || { echo "--- tail $LOGS/$1.log" >&2; tail -30 "$LOGS/$1.log" >&2; die "$1 exited"; }; }
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
