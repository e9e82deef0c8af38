#!/usr/bin/env bash
# Prints the AWS region a stage example deploys to: the region its composite reports
# (status.region in test/e2e/testdata/expected.yaml, which make e2e checks). uptest uses it to
# put the example's code zip in a bucket of that region (Lambda reads code only from its own).
#   example-region.sh examples/dev.yaml
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
req=$(realpath --relative-to="$ROOT" "$1")
name=$(awk -v r="$req" '$1 == "stage" && $3 == r { print $2 }' "$ROOT/examples/index.txt")
[ -n "$name" ] || { echo "example-region.sh: $req is not a stage example of examples/index.txt" >&2; exit 1; }
region=$(awk -v n="$name:" '$1 == n { found = 1; next } found && /^ +status:/ { if (match($0, /region: [a-z0-9-]+/)) print substr($0, RSTART + 8, RLENGTH - 8); exit }' \
  "$ROOT/test/e2e/testdata/expected.yaml")
[ -n "$region" ] || { echo "example-region.sh: no status.region for $name in test/e2e/testdata/expected.yaml" >&2; exit 1; }
echo "$region"
