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

# Time budgets of the e2e runs, one place: each is a baseline measured on the quiet 2-core machine
# (docs/e2e.md, "Timings") times E2E_LOAD_FACTOR, so that load alone does not fail a run and a
# hang or a real failure still does. Measured on this machine at load 21-27 (two other control
# planes and the provider's build): the install 15.5 min (quiet 72 s: 13x), prod 8.5 min to Ready
# (quiet 10-30 s), the Go suite's requests alone 10 min; at load 8-10 prod needed 132 s. The
# default factor 20 leaves room above that. E2E_READY_TIMEOUT etc. override one budget (seconds).
E2E_LOAD_FACTOR=${E2E_LOAD_FACTOR:-20}
budget() { echo $(($1 * E2E_LOAD_FACTOR)); }
export E2E_READY_TIMEOUT=${E2E_READY_TIMEOUT:-$(budget 30)}      # a stack to Ready (quiet: 10-30 s)
export E2E_DELETE_TIMEOUT=${E2E_DELETE_TIMEOUT:-$(budget 20)}    # a stack gone (quiet: ~10 s)
E2E_INSTALL_TIMEOUT=${E2E_INSTALL_TIMEOUT:-$(budget 72)}         # the install (quiet: 72 s)
E2E_GO_TEST_BUDGET=${E2E_GO_TEST_BUDGET:-$(budget 150)}          # the Go suite (quiet: ~150 s with tenancy and release)
E2E_UPTEST_BUDGET=${E2E_UPTEST_BUDGET:-$(budget 60)}             # uptest over the examples (quiet: 33 s)
E2E_CHAOS_BUDGET=${E2E_CHAOS_BUDGET:-$(budget 90)}               # the short chaos run (quiet: ~80 s)
E2E_AWS_BUDGET=${E2E_AWS_BUDGET:-$(budget 360)}                  # make e2e-aws's suite (TestAWS)

# The version the packages are built and installed as (a second build is pushed as
# E2E_UPGRADE_VERSION by the upgrade test).
E2E_VERSION=${E2E_VERSION:-v0.1.0}
E2E_UPGRADE_VERSION=${E2E_UPGRADE_VERSION:-v0.2.0}

# Who plays provider-aws: "standin" (make e2e, make chaos, make scale: the provider stand-in,
# SIMULATED, test/e2e/providerstandin) or "real" (make e2e-aws: bin/lambdastack-provider, the real
# provider-aws controllers, against moto on $MOTO_PORT; docs/e2e.md).
E2E_PROVIDER=${E2E_PROVIDER:-standin}
MOTO_PORT=$((PORT_BASE + 190))      # 27490 moto's server (make e2e-aws), with LambdaStack's extension
# The real provider's listeners: metrics, health probes, and its conversion webhook. Crossplane
# points a provider's CRDs at https://<provider Service>:9443 (a fixed port); the package runtime
# makes each provider Service an ExternalName for this loopback address, unique per port base.
PROVIDER_METRICS_PORT=$((PORT_BASE + 191)) # 27491
PROVIDER_HEALTH_PORT=$((PORT_BASE + 192))  # 27492
PROVIDER_WEBHOOK_HOST=127.0.$((PORT_BASE / 100 % 256)).1

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
# port_free PORT [HOST]: nothing listens on HOST (default 127.0.0.1) PORT
port_free() { ! (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }
