#!/usr/bin/env bash
# Writes the certificates of the local control plane into $STATE/pki (once; reused while present)
# with cmd/pki, the project's one test PKI (internal/testpki): one CA; the API server's serving
# cert; an admin client cert (O=system:masters) for kubectl, the controller manager, Crossplane and
# the tests; the local registry's and Crossplane's webhook serving certs; the functions' gRPC
# server cert and Crossplane's gRPC client cert (mTLS); the service-account keys.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$STATE/bin"
(cd "$ROOT" && go build -o "$STATE/bin/pki" ./test/e2e/controlplane/cmd/pki)
"$STATE/bin/pki" --dir "$PKI"
