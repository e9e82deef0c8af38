#!/usr/bin/env bash
# the provider stand-in as a process (for uptest, make scale and make chaos; the Go suite runs it
# in-process). $STATE/standin-faults.json is its SIMULATION control file: make chaos writes the
# provider failure to play there (absent: none).
. "$(dirname "$0")/../lib.sh"
exec "$STATE/provider-standin" --kubeconfig="$KUBECONFIG" --workers="${STANDIN_WORKERS:-4}" \
  --faults-file="$STATE/standin-faults.json"
