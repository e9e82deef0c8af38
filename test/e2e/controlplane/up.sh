#!/usr/bin/env bash
# Starts the local e2e control plane, no containers, and installs LambdaStack as a user does:
#   etcd -> kube-apiserver -> kube-controller-manager -> crossplane core init/start
#   the OCI registry (loopback, TLS) with the packages pushed (packages.sh: make xpkg's function
#   and Configuration as $E2E_VERSION, the provider-aws packages without their binary)
#   the External package runtime (cmd/package-runtime: runs the function from its package)
#   -> install.sh: ImageConfigs + kubectl apply of the Configuration, every package Healthy.
# E2E_PROVIDER=standin (default): no provider runs, see ../providerstandin/. E2E_PROVIDER=real
# (make e2e-aws): moto (run/moto.sh) first, and the package runtime runs bin/lambdastack-provider.
# State, logs and PIDs go to test/e2e/.state; stop with down.sh. Binaries come from bin/
# (hack/build-tools.sh kube etcd crossplane-core crossplane [provider-aws]).
set -euo pipefail
t0=${t0:-$(date +%s.%N)}
. "$(dirname "$0")/lib.sh"
trap 'rc=$?; [ $rc -eq 0 ] || { echo "e2e: up failed (rc=$rc); logs in $LOGS" >&2; "$CP_DIR/logs.sh" >&2 || true; }' EXIT

for b in etcd kube-apiserver kube-controller-manager crossplane-core crossplane; do
  [ -x "$BIN/$b" ] || die "$BIN/$b missing: run hack/build-tools.sh kube etcd crossplane-core crossplane"
done
case $E2E_PROVIDER in
standin) ;;
real) [ -x "$BIN/lambdastack-provider" ] || die "$BIN/lambdastack-provider missing: run hack/build-tools.sh provider-aws" ;;
*) die "E2E_PROVIDER=$E2E_PROVIDER: want standin or real" ;;
esac
# a previous run may have left processes behind: stop them (by recorded PID only) and start clean
"$CP_DIR/down.sh" --quiet
rm -rf "$LOGS"; mkdir -p "$LOGS" "$PIDS"
for p in $ETCD_PORT $ETCD_PEER_PORT $KAS_PORT $XP_METRICS_PORT $XP_HEALTH_PORT $XP_WEBHOOK_PORT $REG_PORT \
  $(seq "$FN_PORT" $((FN_PORT + FN_PORTS - 1))) $(seq "$FN_METRICS_PORT" $((FN_METRICS_PORT + FN_PORTS - 1))); do
  port_free "$p" || die "port $p is in use (set E2E_PORT_BASE to move all e2e ports)"
done
if [ "$E2E_PROVIDER" = real ]; then
  for p in $MOTO_PORT $PROVIDER_METRICS_PORT $PROVIDER_HEALTH_PORT; do
    port_free "$p" || die "port $p is in use (set E2E_PORT_BASE to move all e2e ports)"
  done
  port_free 9443 "$PROVIDER_WEBHOOK_HOST" || die "$PROVIDER_WEBHOOK_HOST:9443 is in use (set E2E_PORT_BASE to move it)"
fi

mkdir -p "$STATE/bin"
(cd "$ROOT" && go build -trimpath -o "$STATE/bin/" ./test/e2e/controlplane/cmd/registry ./test/e2e/controlplane/cmd/package-runtime) ||
  die "cannot build test/e2e/controlplane/cmd/registry and package-runtime"
"$CP_DIR/pki.sh"

# the registry, and the packages pushed to it while the control plane starts
start registry
for i in $(seq 1 100); do must_live registry; port_free "$REG_PORT" || break; sleep 0.1; done
port_free "$REG_PORT" && die "registry does not listen on :$REG_PORT"
"$CP_DIR/packages.sh" providers >"$LOGS/packages-providers.log" 2>&1 & providers_pid=$!
# E2E_RELEASE_REF: install that commit (the release the upgrade test starts from) as E2E_VERSION
"$CP_DIR/packages.sh" lambdastack "$E2E_VERSION" ${E2E_RELEASE_REF:+"$E2E_RELEASE_REF"} >"$LOGS/packages-lambdastack.log" 2>&1 & lambdastack_pid=$!
ts "registry on 127.0.0.1:$REG_PORT; building and pushing the packages"
rm -f "$KUBECONFIG"
kubectl config set-cluster e2e --server="https://127.0.0.1:$KAS_PORT" --certificate-authority="$PKI/ca.crt" --embed-certs >/dev/null
kubectl config set-credentials admin --client-certificate="$PKI/admin.crt" --client-key="$PKI/admin.key" --embed-certs >/dev/null
kubectl config set-context e2e --cluster=e2e --user=admin >/dev/null
kubectl config use-context e2e >/dev/null

if [ "$E2E_PROVIDER" = real ]; then
  # the local AWS the real provider talks to (through the ProviderConfigs of test/e2e/aws/)
  rm -f "$STATE/moto-calls.jsonl"
  start moto
  for i in $(seq 1 200); do must_live moto; port_free "$MOTO_PORT" || break; sleep 0.1; done
  port_free "$MOTO_PORT" && die "moto does not listen on :$MOTO_PORT"
  ts "moto (with LambdaStack's extension) on 127.0.0.1:$MOTO_PORT"
fi

start etcd
for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null && break; must_live etcd; sleep 0.1; done
curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null || die "etcd not healthy"
ts "etcd healthy"

start kas
for i in $(seq 1 240); do
  must_live kas
  [ "$(kubectl get --raw /readyz 2>/dev/null)" = ok ] && break
  sleep 0.5
done
[ "$(kubectl get --raw /readyz 2>/dev/null)" = ok ] || die "kube-apiserver not ready after 120s"
ts "kube-apiserver ready on :$KAS_PORT"

start kcm
ts "kube-controller-manager started"

kubectl create namespace crossplane-system >/dev/null
# Crossplane's webhooks (Usages) as the API server reaches them: the webhook configurations name
# the Service crossplane-webhooks; here it is an ExternalName Service for localhost, so the API
# server calls https://localhost:$XP_WEBHOOK_PORT (verifying the certificate as
# crossplane-webhooks.crossplane-system.svc against the CA bundle core init put in the
# configurations), where core start serves them.
kubectl -n crossplane-system create service externalname crossplane-webhooks --external-name=localhost >/dev/null
# core init applies Crossplane's CRDs, the Lock, the default DeploymentRuntimeConfig, the TLS
# secrets (Crossplane's own CA: function clients, webhook server) and the webhook configurations.
# Right after creating the CRDs the first try can fail with a stale REST mapping ("no matches for
# kind Lock"). No default ManagedResourceActivationPolicy: the Configuration's own policy
# activates the provider kinds the stacks use (package/activation-policy.yaml).
core_dir=$(cd "$ROOT/tools/core" && go list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)
for i in $(seq 1 8); do
  CRDS_PATH=$core_dir/cluster/crds WEBHOOK_CONFIGS_PATH=$core_dir/cluster/webhookconfigurations \
    TLS_CA_SECRET_NAME=crossplane-root-ca TLS_CLIENT_SECRET_NAME=crossplane-tls-client \
    TLS_SERVER_SECRET_NAME=crossplane-tls-server WEBHOOK_SERVICE_NAME=crossplane-webhooks \
    WEBHOOK_SERVICE_NAMESPACE=crossplane-system WEBHOOK_SERVICE_PORT=$XP_WEBHOOK_PORT \
    timeout 60 "$BIN/crossplane-core" core init >"$LOGS/crossplane-init.log" 2>&1 && break
  [ "$i" = 8 ] && { tail -20 "$LOGS/crossplane-init.log" >&2; die "crossplane core init failed 8 times"; }
  sleep 1
done
# the webhook server's certificate, as the pod would mount the Secret
mkdir -p "$STATE/webhook-certs"
for k in tls.crt tls.key; do
  kubectl -n crossplane-system get secret crossplane-tls-server -o "jsonpath={.data.${k//./\\.}}" | base64 -d >"$STATE/webhook-certs/$k"
done
ts "crossplane core init done (attempt $i)"

start crossplane
for i in $(seq 1 240); do
  must_live crossplane
  curl -sf "http://127.0.0.1:$XP_HEALTH_PORT/readyz" >/dev/null && break
  sleep 0.25
done
curl -sf "http://127.0.0.1:$XP_HEALTH_PORT/readyz" >/dev/null || die "crossplane not ready after 60s"
ts "crossplane ready"

start package-runtime
ts "package runtime started"

wait "$providers_pid" || { cat "$LOGS/packages-providers.log" >&2; die "provider packages"; }
wait "$lambdastack_pid" || { cat "$LOGS/packages-lambdastack.log" >&2; die "LambdaStack packages"; }
ts "packages pushed: $(cat "$LOGS/packages-providers.log" "$LOGS/packages-lambdastack.log" | tr '\n' ' ')"

"$CP_DIR/install.sh" "$E2E_VERSION" | tee "$LOGS/install.log"
ts "LambdaStack $E2E_VERSION installed from the registry: every package Healthy"
echo "e2e: control plane up; export KUBECONFIG=$KUBECONFIG"
