#!/usr/bin/env bash
# uptest setup script (uptest --setup-script): what the platform team has in place before app
# teams apply their requests: the teams' namespaces, one provider config per stage, the stages'
# EnvironmentConfigs and the Kubernetes Secret the prod example's created secret reads.
#   UPTEST_INSTALL_API=1         also apply apis/ (XRDs) and compositions/ (when no Configuration
#                                package installed them, e.g. the local e2e control plane)
#   UPTEST_SKIP_PROVIDERCONFIGS=1 keep the cluster's own provider configs (real AWS accounts)
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
for ns in team-mcp-dev team-mcp-staging team-mcp-prod team-mcp-qa; do
  $K create namespace "$ns" --dry-run=client -o yaml | $K apply -f -
done
[ "${UPTEST_SKIP_PROVIDERCONFIGS:-}" = 1 ] || $K apply -f examples/providerconfigs.yaml
$K apply -f examples/environmentconfigs/
$K -n team-mcp-prod create secret generic mcp-signing-key \
  --from-literal=value="${UPTEST_SIGNING_KEY:-uptest-$(date +%s)-not-a-real-key}" --dry-run=client -o yaml | $K apply -f -
