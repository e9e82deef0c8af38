#!/usr/bin/env bash
# the OCI registry the packages are installed from: loopback, TLS from the e2e PKI, blobs on disk
. "$(dirname "$0")/../lib.sh"
exec "$STATE/bin/registry" --address="127.0.0.1:$REG_PORT" \
  --tls-cert="$PKI/registry.crt" --tls-key="$PKI/registry.key" --blobs="$STATE/registry"
