#!/usr/bin/env bash
# the External package runtime (test/e2e/controlplane/cmd/package-runtime): runs each active FunctionRevision's
# function from its package as a local process over mTLS; marks provider runtimes healthy
# without starting a controller (the provider stand-in plays it). Like the kubelet, it restarts a
# function that exited after a back-off ($FN_RESTART_BACKOFF); the image's metrics listener moves to
# a loopback port ($FN_METRICS_PORT + n)
. "$(dirname "$0")/../lib.sh"
exec "$STATE/bin/package-runtime" --kubeconfig="$KUBECONFIG" \
  --function-certs-dir="$PKI/fn-server-dir" --registry-ca="$PKI/ca.crt" \
  --work="$STATE/functions" --function-log="$LOGS/function.log" --function-pid-file="$PIDS/function.pid" \
  --first-port="$FN_PORT" --first-metrics-port="$FN_METRICS_PORT" --restart-backoff="$FN_RESTART_BACKOFF"
