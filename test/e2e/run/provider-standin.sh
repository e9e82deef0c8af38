#!/usr/bin/env bash
# the provider stand-in as a process (for uptest and make scale; the Go suite runs it in-process)
. "$(dirname "$0")/../lib.sh"
exec "$STATE/provider-standin" --kubeconfig="$KUBECONFIG" --workers="${STANDIN_WORKERS:-4}"
