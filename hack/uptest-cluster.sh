#!/usr/bin/env bash
# make uptest-cluster: prepares the cluster at the current kubeconfig (e.g. a fresh kind cluster)
# for `make uptest` against real AWS, the way a platform team installs LambdaStack
# (docs/install.md): Crossplane (Helm), the LambdaStack Configuration from a registry (which
# installs function-lambdastack and the provider-aws v2.5.0 service providers it depends on), then
# the platform's part with the real accounts:
#   - the examples' ProviderConfigs (same names and namespaces), each reading the stage's AWS
#     credentials from a Secret in its namespace and assuming AWS_ROLE_ARN[_<STAGE>] if set
#     (go run ./hack/providerconfigs); CI only: keys in team namespaces are for a throwaway
#     cluster, a platform gives the providers an identity instead (docs/install.md);
#   - copies of the stages' EnvironmentConfigs naming each stage's real account (its credentials'
#     account, or AWS_ACCOUNT_ID[_<STAGE>]) instead of the examples' made-up ones, written to
#     $UPTEST_PLATFORM_DIR/environmentconfigs for uptest's setup script
#     (UPTEST_ENVIRONMENTCONFIGS; the workflow sets it, and UPTEST_SKIP_PROVIDERCONFIGS=1).
# The namespaces, EnvironmentConfigs and the prod Secret come from test/e2e/uptest-setup.sh when
# uptest runs.
#
# The packages are the ones `make xpkg` built from this checkout: this script pushes them
# (hack/xpkg.sh push, with the docker config's credentials) to a scratch registry, tagged with the
# version they were built for (hack/xpkg.sh version), and an ImageConfig rewrites the Configuration's
# dependency xpkg.upbound.io/spec3/function-lambdastack to that registry, so the real dependency
# resolution runs without publishing a release.
#
#   UPTEST_REGISTRY           scratch registry prefix (required), e.g. ghcr.io/acme/lambdastack-uptest
#   UPTEST_SKIP_PUSH=1        the packages are already there
#   UPTEST_REGISTRY_USER      pull credentials for it (optional; a private ghcr package needs them)
#   UPTEST_REGISTRY_PASSWORD
#   AWS_CREDENTIALS           AWS shared-credentials file content ([default] aws_access_key_id=...,
#                             aws_secret_access_key=...) used for every stage, unless
#   AWS_CREDENTIALS_<STAGE>   (DEV, STAGING, QA, PROD) gives a stage its own account
#   AWS_ROLE_ARN[_<STAGE>]    a role the stage's ProviderConfig assumes with those credentials
#   AWS_ACCOUNT_ID[_<STAGE>]  the stage's account, when the AWS CLI cannot ask STS for it
#   UPTEST_PLATFORM_DIR       where the EnvironmentConfigs go (default _output/uptest-platform)
#   CROSSPLANE_VERSION        Helm chart version (default 2.4.0)
#   UPTEST_PACKAGE_TIMEOUT    how long packages may take to become healthy (default 20m)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
K=${KUBECTL:-kubectl}
NS=crossplane-system
: "${UPTEST_REGISTRY:?set UPTEST_REGISTRY to the registry prefix the packages were pushed to}"
REG=${UPTEST_REGISTRY%/}
TIMEOUT=${UPTEST_PACKAGE_TIMEOUT:-20m}
log() { echo "uptest-cluster: $*" >&2; }

# Both packages are tagged with the version they were built for (xpkg.sh push refuses others): the
# Configuration's function dependency admits it.
version=$(hack/xpkg.sh version)
[ -n "$version" ] || { log "no version: run make xpkg first"; exit 1; }

if [ "${UPTEST_SKIP_PUSH:-}" != 1 ]; then
  log "pushing the packages of make xpkg to $REG (tag $version)"
  REGISTRY=$REG VERSION=$version hack/xpkg.sh push
fi

log "Crossplane ${CROSSPLANE_VERSION:-2.4.0}"
helm repo add crossplane-stable https://charts.crossplane.io/stable --force-update >/dev/null
helm upgrade --install crossplane crossplane-stable/crossplane --version "${CROSSPLANE_VERSION:-2.4.0}" \
  --namespace "$NS" --create-namespace --wait --timeout 10m

pull_secrets='[]'
if [ -n "${UPTEST_REGISTRY_USER:-}" ]; then
  $K -n "$NS" create secret docker-registry uptest-registry --docker-server="${REG%%/*}" \
    --docker-username="$UPTEST_REGISTRY_USER" --docker-password="${UPTEST_REGISTRY_PASSWORD:?}" \
    --dry-run=client -o yaml | $K apply -f -
  pull_secrets='[{"name": "uptest-registry"}]'
fi

log "package source: $REG (version $version)"
$K apply -f - <<EOF
# xpkg.upbound.io/spec3/* (the Configuration's function dependency) comes from the scratch registry.
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: lambdastack-uptest-rewrite
spec:
  matchImages:
  - prefix: xpkg.upbound.io/spec3/
  rewriteImage:
    prefix: $REG/
EOF
if [ -n "${UPTEST_REGISTRY_USER:-}" ]; then
  # the pull secret for the packages (matched before and after the rewrite); Crossplane also gives
  # it to the function's runtime Deployment, which pulls the same image
  $K apply -f - <<EOF
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: lambdastack-uptest-registry
spec:
  matchImages:
  - prefix: $REG/
  - prefix: xpkg.upbound.io/spec3/
  registry:
    authentication:
      pullSecretRef:
        name: uptest-registry
EOF
fi

log "Configuration $REG/configuration-lambdastack:$version"
$K apply -f - <<EOF
apiVersion: pkg.crossplane.io/v1
kind: Configuration
metadata:
  name: configuration-lambdastack
spec:
  package: $REG/configuration-lambdastack:$version
  packagePullSecrets: $pull_secrets
EOF
log "waiting up to $TIMEOUT for the Configuration and its dependencies"
$K wait configuration.pkg.crossplane.io/configuration-lambdastack --for=condition=Healthy --timeout="$TIMEOUT"
# the dependencies are created by the package manager: wait until they exist, then until healthy
for kind in function provider; do
  for _ in $(seq 60); do [ -n "$($K get "$kind.pkg.crossplane.io" -o name)" ] && break; sleep 5; done
  $K wait "$kind.pkg.crossplane.io" --all --for=condition=Healthy --timeout="$TIMEOUT"
done
$K wait --for=condition=Established --timeout=5m \
  xrd/lambdastacks.platform.spec3.io xrd/xlambdastacks.platform.spec3.io \
  crd/clusterproviderconfigs.aws.m.upbound.io crd/providerconfigs.aws.upbound.io
$K get configuration.pkg.crossplane.io,provider.pkg.crossplane.io,function.pkg.crossplane.io

log "ProviderConfigs of the examples, with each stage's credentials"
go run ./hack/providerconfigs | $K apply -f -

# account_of STAGE: AWS_ACCOUNT_ID_<STAGE>, AWS_ACCOUNT_ID, or the account of the stage's
# credentials (STS, through the AWS CLI)
account_of() {
  local up=${1^^} v
  v=AWS_ACCOUNT_ID_$up; [ -z "${!v:-}" ] || { echo "${!v}"; return; }
  [ -z "${AWS_ACCOUNT_ID:-}" ] || { echo "$AWS_ACCOUNT_ID"; return; }
  v=AWS_CREDENTIALS_$up
  local creds=${!v:-${AWS_CREDENTIALS:-}} f
  [ -n "$creds" ] || { log "no credentials for stage $1"; return 1; }
  f=$(mktemp); printf '%s\n' "$creds" >"$f"
  AWS_SHARED_CREDENTIALS_FILE=$f aws sts get-caller-identity --query Account --output text; local rc=$?
  rm -f "$f"; return $rc
}
dir=${UPTEST_PLATFORM_DIR:-_output/uptest-platform}/environmentconfigs
mkdir -p "$dir"
for f in examples/environmentconfigs/*.yaml; do
  stage=$(sed -n 's/^ *platform\.spec3\.io\/stage: *//p' "$f" | head -1)
  made_up=$(sed -n 's/^ *accountId: *"\{0,1\}\([0-9]\{12\}\)"\{0,1\}/\1/p' "$f" | head -1)
  account=$(account_of "$stage") || { log "cannot tell stage $stage's account: set AWS_ACCOUNT_ID_${stage^^}"; exit 1; }
  # the made-up account everywhere in the stage's settings (accountId, its ARNs) becomes the real one
  sed "s/$made_up/$account/g" "$f" >"$dir/$(basename "$f")"
  log "stage $stage: account $account ($dir/$(basename "$f"))"
done
log "ready: run UPTEST_SKIP_PROVIDERCONFIGS=1 UPTEST_ENVIRONMENTCONFIGS=$dir make uptest"
