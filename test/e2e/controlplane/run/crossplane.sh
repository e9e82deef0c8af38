#!/usr/bin/env bash
# Crossplane core out of cluster with the admin kubeconfig. Packages come from the local registry
# (ImageConfig rewrite, registry CA from --ca-bundle-path); the "External" package runtime leaves
# running functions and providers to test/e2e/controlplane/cmd/package-runtime. Webhooks on (Usages), served
# on :$XP_WEBHOOK_PORT with the certificate core init made (up.sh).
# The XR circuit breaker gets a larger budget than the default (burst 100, refill 1/s): the
# provider stand-in answers in milliseconds, so the watch events a real provider spreads over
# minutes arrive within a second and would open the breaker (then the XR is only re-checked every
# 30 s). Poll and sync intervals are shortened too (XP_POLL_INTERVAL overrides the poll, e.g. for
# make scale; XP_SYNC_INTERVAL the informers' resync, at which every XR, and every XR whose
# composed resources resync, is reconciled again); XP_EXTRA_ARGS adds flags (e.g.
# --max-reconcile-rate=10, make scale's fleet setting); the rest is Crossplane's default.
. "$(dirname "$0")/../lib.sh"
mkdir -p "$STATE/xpkg-cache"
read -ra extra <<<"${XP_EXTRA_ARGS:-}"
exec "$BIN/crossplane-core" core start --debug \
  --namespace=crossplane-system \
  --webhook-port="$XP_WEBHOOK_PORT" --tls-server-certs-dir="$STATE/webhook-certs" \
  --package-runtime=External \
  --ca-bundle-path="$PKI/ca.crt" \
  --xpkg-cache-dir="$STATE/xpkg-cache" \
  --tls-client-certs-dir="$PKI/xp-client-dir" \
  --metrics-port="$XP_METRICS_PORT" --health-probe-port="$XP_HEALTH_PORT" \
  --poll-interval="${XP_POLL_INTERVAL:-10s}" --sync-interval="${XP_SYNC_INTERVAL:-1m}" \
  --circuit-breaker-burst=1000 --circuit-breaker-refill-rate=20 "${extra[@]}"
