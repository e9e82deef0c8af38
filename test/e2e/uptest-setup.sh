#!/usr/bin/env bash
# uptest setup script (uptest --setup-script): what the platform team has in place before app
# teams apply their requests: platform.sh (the teams' namespaces, one provider config per stage,
# the stages' EnvironmentConfigs, Crossplane may read namespaces, the Kubernetes Secret the prod
# example's created secret reads).
#   UPTEST_INSTALL_API=1          also apply apis/ (XRDs) and compositions/ first (when no
#                                 Configuration package installed them)
#   UPTEST_SKIP_PROVIDERCONFIGS=1 keep the cluster's own provider configs (real AWS accounts:
#                                 hack/uptest-cluster.sh creates them)
#   UPTEST_ENVIRONMENTCONFIGS     the stages' EnvironmentConfigs to apply instead of the
#                                 examples' (hack/uptest-cluster.sh writes copies naming the real
#                                 accounts)
#   UPTEST_SIGNING_KEY            the value of prod's Kubernetes Secret (default: a throwaway one)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
K=${KUBECTL:-kubectl}
if [ "${UPTEST_INSTALL_API:-}" = 1 ]; then
  apis=${E2E_APIS_DIR:-apis} # override only to try XRDs out
  $K apply -f "$apis/lambdastacks.yaml" -f "$apis/xlambdastacks.yaml"
  $K wait --for=condition=Established --timeout=120s xrd/lambdastacks.platform.spec3.io xrd/xlambdastacks.platform.spec3.io
  $K wait --for=condition=Offered --timeout=120s xrd/xlambdastacks.platform.spec3.io
  $K apply -f compositions/
fi
[ "${UPTEST_SKIP_PROVIDERCONFIGS:-}" != 1 ] || export PLATFORM_PROVIDERCONFIGS=none
[ -z "${UPTEST_ENVIRONMENTCONFIGS:-}" ] || export PLATFORM_ENVIRONMENTCONFIGS=$UPTEST_ENVIRONMENTCONFIGS
export PLATFORM_SIGNING_KEY=${UPTEST_SIGNING_KEY:-uptest-$(date +%s)-not-a-real-key}
exec "$ROOT/test/e2e/platform.sh"
