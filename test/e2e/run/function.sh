#!/usr/bin/env bash
# function-lambdastack as a local process, gRPC over mTLS (server cert signed by the CA that also
# signed Crossplane's client cert).
. "$(dirname "$0")/../lib.sh"
exec "$BIN/function-lambdastack" --debug \
  --address="127.0.0.1:$FN_PORT" \
  --tls-server-certs-dir="$PKI/fn-server-dir"
