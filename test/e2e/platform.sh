#!/usr/bin/env bash
# The platform team's part, on a cluster where the LambdaStack Configuration is installed: what
# docs/install.md and docs/tenancy.md have a platform team apply before app teams send requests.
# The one platform setup of make e2e (the Go suite's platform step), make e2e-aws, make chaos,
# make scale and uptest (uptest-setup.sh), against the current kubeconfig:
#   - the teams' namespaces of the examples;
#   - one provider config per stage: the file PLATFORM_PROVIDERCONFIGS (default
#     examples/providerconfigs.yaml; "none" keeps the cluster's own, e.g. real AWS accounts);
#   - the stages' EnvironmentConfigs (PLATFORM_ENVIRONMENTCONFIGS, default
#     examples/environmentconfigs/; make e2e-aws gives copies naming its local AWS's resources);
#   - Crossplane may read namespaces (examples/crossplane-namespace-reader.yaml: the dev stage
#     selects namespaces by label);
#   - the Kubernetes Secret prod's created secret reads (PLATFORM_SIGNING_KEY, default a throwaway
#     value).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
K=${KUBECTL:-kubectl}
for ns in team-mcp-dev team-mcp-staging team-mcp-prod team-mcp-qa; do
  $K create namespace "$ns" --dry-run=client -o yaml | $K apply -f -
done
pcs=${PLATFORM_PROVIDERCONFIGS:-examples/providerconfigs.yaml}
[ "$pcs" = none ] || $K apply -f "$pcs"
$K apply -f "${PLATFORM_ENVIRONMENTCONFIGS:-examples/environmentconfigs/}"
$K apply -f examples/crossplane-namespace-reader.yaml
$K -n team-mcp-prod create secret generic mcp-signing-key \
  --from-literal=value="${PLATFORM_SIGNING_KEY:-e2e-not-a-real-key}" --dry-run=client -o yaml | $K apply -f -
