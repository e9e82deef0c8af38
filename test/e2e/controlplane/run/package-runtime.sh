#!/usr/bin/env bash
# the External package runtime (test/e2e/controlplane/cmd/package-runtime): runs each active
# FunctionRevision's function from its package as a local process over mTLS. Like the kubelet, it
# restarts a function that exited after a back-off ($FN_RESTART_BACKOFF); the image's metrics
# listener moves to a loopback port ($FN_METRICS_PORT + n). Provider revisions: with
# E2E_PROVIDER=standin it marks them healthy without starting a controller (the provider stand-in
# plays it); with E2E_PROVIDER=real it runs bin/lambdastack-provider, the real provider-aws
# controllers, for all of them (E2E_PROVIDER_ARGS: more of its flags, e.g. --debug), with moto as
# STS in its environment (AWS_ENDPOINT_URL_STS, what a DeploymentRuntimeConfig's env would set):
# provider-aws v2.5.0 assumes a ProviderConfig's assumeRoleChain with an STS client made before
# the ProviderConfig's endpoint applies (GetRoleChainConfig runs before SetResolver), so without
# it the provider asks the real sts.amazonaws.com.
. "$(dirname "$0")/../lib.sh"
provider=()
if [ "$E2E_PROVIDER" = real ]; then
  provider=(--provider-binary="$BIN/lambdastack-provider" --provider-certs-dir="$PKI/provider-server-dir"
    --provider-webhook-host="$PROVIDER_WEBHOOK_HOST" --provider-log="$LOGS/provider.log" --provider-pid-file="$PIDS/provider.pid"
    --provider-env=AWS_ENDPOINT_URL_STS="http://127.0.0.1:$MOTO_PORT"
    --provider-args="--metrics-bind-address=127.0.0.1:$PROVIDER_METRICS_PORT --health-probe-bind-addr=127.0.0.1:$PROVIDER_HEALTH_PORT ${E2E_PROVIDER_ARGS:-}")
fi
exec "$STATE/bin/package-runtime" --kubeconfig="$KUBECONFIG" \
  --function-certs-dir="$PKI/fn-server-dir" --registry-ca="$PKI/ca.crt" \
  --work="$STATE/functions" --function-log="$LOGS/function.log" --function-pid-file="$PIDS/function.pid" \
  --first-port="$FN_PORT" --first-metrics-port="$FN_METRICS_PORT" --restart-backoff="$FN_RESTART_BACKOFF" \
  "${provider[@]}"
