#!/usr/bin/env bash
# Starts the local e2e control plane, no containers:
#   etcd -> kube-apiserver -> kube-controller-manager -> crossplane core init/start
#   -> function-lambdastack (local process, mTLS) installed as a real Function object
#   -> provider-aws CRDs (no provider runs: see providerstandin/).
# State, logs and PIDs go to test/e2e/.state; stop with down.sh. Binaries come from bin/
# (hack/build-tools.sh kube etcd crossplane-core; the function is built from ./function here).
set -euo pipefail
t0=${t0:-$(date +%s.%N)}
. "$(dirname "$0")/lib.sh"
trap 'rc=$?; [ $rc -eq 0 ] || { echo "e2e: up failed (rc=$rc); logs in $LOGS" >&2; "$E2E_DIR/logs.sh" >&2 || true; }' EXIT

for b in etcd kube-apiserver kube-controller-manager crossplane-core; do
  [ -x "$BIN/$b" ] || die "$BIN/$b missing: run hack/build-tools.sh kube etcd crossplane-core"
done
# a previous run may have left processes behind: stop them (by recorded PID only) and start clean
"$E2E_DIR/down.sh" --quiet
rm -rf "$LOGS"; mkdir -p "$LOGS" "$PIDS"
for p in $ETCD_PORT $ETCD_PEER_PORT $KAS_PORT $XP_METRICS_PORT $XP_HEALTH_PORT $FN_PORT; do
  port_free "$p" || die "port $p is in use (set E2E_PORT_BASE to move all e2e ports)"
done

(cd "$ROOT" && go build -o "$BIN/function-lambdastack" ./function) || die "cannot build ./function"
ts "function-lambdastack built"

"$E2E_DIR/pki.sh"
rm -f "$KUBECONFIG"
kubectl config set-cluster e2e --server="https://127.0.0.1:$KAS_PORT" --certificate-authority="$PKI/ca.crt" --embed-certs >/dev/null
kubectl config set-credentials admin --client-certificate="$PKI/admin.crt" --client-key="$PKI/admin.key" --embed-certs >/dev/null
kubectl config set-context e2e --cluster=e2e --user=admin >/dev/null
kubectl config use-context e2e >/dev/null

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
# core init applies Crossplane's CRDs, the Lock and the default DeploymentRuntimeConfig. Right after
# creating the CRDs the first try can fail with a stale REST mapping ("no matches for kind Lock").
core_dir=$(cd "$ROOT/tools/core" && go list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)
for i in $(seq 1 8); do
  CRDS_PATH=$core_dir/cluster/crds TLS_CA_SECRET_NAME=crossplane-root-ca TLS_CLIENT_SECRET_NAME=crossplane-tls-client \
    timeout 60 "$BIN/crossplane-core" core init --enable-webhooks=false >"$LOGS/crossplane-init.log" 2>&1 && break
  [ "$i" = 8 ] && { tail -20 "$LOGS/crossplane-init.log" >&2; die "crossplane core init failed 8 times"; }
  sleep 1
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

n=$("$E2E_DIR/provider-crds.sh")
ts "$n provider-aws $PROVIDER_AWS_VERSION CRDs established"

start function
for i in $(seq 1 100); do must_live function; port_free "$FN_PORT" || break; sleep 0.1; done
port_free "$FN_PORT" && die "function-lambdastack does not listen on :$FN_PORT"
ts "function-lambdastack listening on :$FN_PORT (mTLS)"

# A real Function object. Its package is pinned by digest and pre-seeded in the xpkg cache, so no
# registry is contacted. Then we play the External package runtime: the revision's endpoint, TLS
# server secret and RuntimeHealthy condition.
ref=$("$E2E_DIR/seed-pkg.sh")
kubectl -n crossplane-system create secret tls "$FN_NAME-tls-server" \
  --cert="$PKI/fn-server.crt" --key="$PKI/fn-server.key" >/dev/null
printf 'apiVersion: pkg.crossplane.io/v1\nkind: Function\nmetadata:\n  name: %s\nspec:\n  package: %s\n' "$FN_NAME" "$ref" |
  kubectl apply -f - >/dev/null
rev=
for i in $(seq 1 150); do
  rev=$(kubectl get functionrevisions.pkg.crossplane.io -l "pkg.crossplane.io/package=$FN_NAME" -o name 2>/dev/null)
  [ -n "$rev" ] && break
  sleep 0.2
done
[ -n "$rev" ] || { kubectl get functions.pkg.crossplane.io "$FN_NAME" -o yaml >&2; die "no FunctionRevision for $FN_NAME after 30s"; }
kubectl patch "$rev" --subresource=status --type=merge \
  -p "{\"status\":{\"endpoint\":\"dns:///localhost:$FN_PORT\",\"tlsServerSecretName\":\"$FN_NAME-tls-server\"}}" >/dev/null
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
kubectl patch "$rev" --subresource=status --type=json \
  -p "[{\"op\":\"add\",\"path\":\"/status/conditions/-\",\"value\":{\"type\":\"RuntimeHealthy\",\"status\":\"True\",\"reason\":\"HealthyPackageRevision\",\"lastTransitionTime\":\"$now\"}}]" >/dev/null
kubectl wait functions.pkg.crossplane.io "$FN_NAME" --for=condition=Healthy --timeout=120s >/dev/null ||
  { kubectl get functions.pkg.crossplane.io,functionrevisions.pkg.crossplane.io -o yaml >&2; die "Function $FN_NAME not Healthy"; }
ts "Function $FN_NAME Healthy ($rev -> dns:///localhost:$FN_PORT)"
echo "e2e: control plane up; export KUBECONFIG=$KUBECONFIG"
