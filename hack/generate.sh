#!/usr/bin/env bash
# Generates the XRDs from the Go API types: controller-gen writes CRDs, hack/xrdgen turns them
# into Crossplane XRDs. Usage: hack/generate.sh [OUT_DIR]  (default: apis)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(cd "${1:-$ROOT/apis}" && pwd)
cd "$ROOT"
hack/build-tools.sh controller-gen
crds=$(mktemp -d)
trap 'rm -rf "$crds"' EXIT
bin/controller-gen crd:crdVersions=v1 paths=./apis/... output:crd:dir="$crds"
go run ./hack/xrdgen -crds "$crds" -out "$OUT"
go run ./hack/iampolicy
