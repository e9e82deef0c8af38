#!/usr/bin/env bash
# make uptest: runs uptest v1.3.0 (which drives chainsaw v0.2.15) over the example requests
# against the current kubeconfig: apply each request, wait for its uptest.upbound.io/conditions
# (Ready,Synced) within its uptest.upbound.io/timeout, delete it, wait until it and every managed
# resource are gone. Against a real cluster this needs Crossplane, provider-aws v2.5.0, the
# LambdaStack Configuration (or UPTEST_INSTALL_API=1) and AWS credentials (docs/e2e.md).
#   UPTEST_EXAMPLES   comma-separated requests (default: the stage examples of examples/index.txt)
#   UPTEST_LOCAL=1    run against the local e2e control plane (test/e2e/.state/kubeconfig, where
#                     test/e2e/controlplane/install.sh installed the Configuration) with the provider stand-in;
#                     the examples' timeout annotation is lowered to UPTEST_TIMEOUT seconds
#                     (default E2E_READY_TIMEOUT of test/e2e/controlplane/lib.sh) in a copy.
#   UPTEST_CODE_BUCKET_PREFIX   against AWS: the examples' code zip is in the bucket
#                     <prefix>-<region> of each example's region (the uptest workflow uploads it
#                     there; Lambda reads code only from its own region); copies say so.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
hack/build-tools.sh uptest chainsaw
timeout=1800s
examples=${UPTEST_EXAMPLES:-$(awk '$1 == "stage" { print $3 }' examples/index.txt | paste -sd,)}
dir=${UPTEST_DIR:-$ROOT/_output/uptest}
if [ "${UPTEST_LOCAL:-}" = 1 ]; then
  . test/e2e/controlplane/lib.sh # KUBECONFIG of the local control plane
  dir=${UPTEST_DIR:-$STATE/uptest}
  UPTEST_TIMEOUT=${UPTEST_TIMEOUT:-$E2E_READY_TIMEOUT} # a stack's budget (lib.sh)
  timeout=${UPTEST_TIMEOUT}s
fi
if [ "${UPTEST_LOCAL:-}" = 1 ] || [ -n "${UPTEST_CODE_BUCKET_PREFIX:-}" ]; then
  # copies of the requests: locally with a short timeout (the stand-in makes a stack Ready in
  # seconds); against AWS with the code bucket of the example's own region
  # (<UPTEST_CODE_BUCKET_PREFIX>-<region>, where the workflow uploaded the zip)
  mkdir -p "$dir/input"
  list=()
  for e in ${examples//,/ }; do
    copy=$dir/input/$(basename "$e")
    cp "$e" "$copy"
    [ "${UPTEST_LOCAL:-}" != 1 ] || sed -i -E 's#^( *uptest\.upbound\.io/timeout: ).*#\1"'"$UPTEST_TIMEOUT"'"#' "$copy"
    if [ -n "${UPTEST_CODE_BUCKET_PREFIX:-}" ]; then
      region=$(test/e2e/example-region.sh "$e")
      sed -i -E 's#^( *bucket: ).*#\1'"$UPTEST_CODE_BUCKET_PREFIX-$region"'#' "$copy"
    fi
    list+=("$copy")
  done
  examples=$(IFS=,; echo "${list[*]}")
fi
kubectl version >/dev/null || { echo "uptest: no cluster at the current kubeconfig" >&2; exit 1; }
mkdir -p "$dir"
export CHAINSAW=$ROOT/bin/chainsaw KUBECTL=kubectl CROSSPLANE_NAMESPACE=${CROSSPLANE_NAMESPACE:-crossplane-system}
# the crossplane CLI only feeds uptest's periodic `crossplane beta trace` log lines (optional)
export CROSSPLANE_CLI=${CROSSPLANE_CLI:-$ROOT/bin/crossplane}
# --skip-import: the import step scales the crossplane and provider Deployments and downloads
# helper scripts from GitHub; it re-imports managed resources, which does not apply to composites.
# The update step needs a cluster-scoped "root" managed resource: uptest skips it for composites.
# uptest resolves manifest paths against the working directory: pass them relative to it.
rel=()
for e in ${examples//,/ }; do rel+=("$(realpath --relative-to="$ROOT" "$e")"); done
exec bin/uptest e2e "$(IFS=,; echo "${rel[*]}")" \
  --setup-script=test/e2e/uptest-setup.sh \
  --default-timeout="$timeout" --default-conditions=Ready,Synced \
  --skip-import \
  --test-directory="$dir"
