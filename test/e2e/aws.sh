#!/usr/bin/env bash
# make e2e-aws: LambdaStack through the REAL provider-aws against a local AWS (docs/e2e.md):
#   1. binaries: hack/build-tools.sh kube etcd crossplane-core crossplane provider-aws (the real
#      provider for the Configuration's kinds, bin/lambdastack-provider: ~50-70 min cold, cached)
#   2. test/e2e/controlplane/up.sh with E2E_PROVIDER=real: moto with LambdaStack's extension
#      (run/moto.sh), the control plane, the provider packages as published (conversion webhook),
#      the package runtime running bin/lambdastack-provider for every provider revision, the
#      Configuration installed as install.md says
#   3. go test -tags e2e -run '^TestAWS$' ./test/e2e/ (aws_test.go): the platform's accounts in
#      moto, every example applied, time to Ready, read back from AWS, updated, deleted; the table
#      goes to _output/e2e-aws.md
#   4. test/e2e/controlplane/down.sh (always; E2E_KEEP=1 leaves it running)
# E2E_PORT_BASE moves every port; the time budgets are controlplane/lib.sh's (E2E_READY_TIMEOUT:
# each stack's way to Ready; the seed's bar is 5 minutes, the table shows the times).
set -uo pipefail
export t0=$(date +%s.%N)
export E2E_PROVIDER=real
. "$(dirname "$0")/controlplane/lib.sh"
. "$E2E_DIR/steps.sh"
cd "$ROOT" || exit 1
rc=0
harness_traps e2e-aws

step "binaries"
hack/build-tools.sh kube etcd crossplane-core crossplane provider-aws || { rc=$?; exit; }
mkdir -p "$STATE" "$ROOT/_output"
go test -trimpath -tags e2e -c -o "$STATE/e2e.test" ./test/e2e/ || { rc=$?; exit; }

step "control plane, with the real provider and moto"
"$CP_DIR/up.sh" || { rc=$?; exit; }

step "go test -tags e2e -run TestAWS ./test/e2e/"
(cd "$E2E_DIR" && E2E_MOTO_URL="http://127.0.0.1:$MOTO_PORT" E2E_AWS_REPORT="$ROOT/_output/e2e-aws.md" \
  timeout "$E2E_AWS_BUDGET" "$STATE/e2e.test" -test.run '^TestAWS$' -test.v -test.count=1 -test.timeout="$((E2E_AWS_BUDGET - 30))s" 2>&1) |
  tee "$LOGS/go-test-aws.log"
rc=${PIPESTATUS[0]}
