#!/usr/bin/env bash
# Crossplane core out of cluster with the admin kubeconfig: no webhooks, functions use the
# "External" package runtime (the harness plays it: endpoint, TLS secret, RuntimeHealthy).
# The XR circuit breaker gets a larger budget than the default (burst 100, refill 1/s): the
# provider stand-in answers in milliseconds, so the watch events a real provider spreads over
# minutes arrive within a second and would open the breaker (then the XR is only re-checked every
# 30 s). Poll and sync intervals are shortened too (XP_POLL_INTERVAL overrides the poll, e.g. for
# make scale); the rest is Crossplane's default.
. "$(dirname "$0")/../lib.sh"
mkdir -p "$STATE/xpkg-cache"
exec "$BIN/crossplane-core" core start --debug \
  --namespace=crossplane-system \
  --enable-webhooks=false \
  --package-runtime=External \
  --xpkg-cache-dir="$STATE/xpkg-cache" \
  --tls-client-certs-dir="$PKI/xp-client-dir" \
  --metrics-port="$XP_METRICS_PORT" --health-probe-port="$XP_HEALTH_PORT" \
  --poll-interval="${XP_POLL_INTERVAL:-10s}" --sync-interval=1m \
  --circuit-breaker-burst=1000 --circuit-breaker-refill-rate=20
