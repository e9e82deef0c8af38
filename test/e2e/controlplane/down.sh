#!/usr/bin/env bash
# Stops every process up.sh started, by recorded PID only (reverse start order), and wipes the
# cluster data. Logs stay in test/e2e/.state/logs for post-mortems; PKI is kept for the next run.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
quiet=; [ "${1:-}" = --quiet ] && quiet=1
for n in provider-standin function provider package-runtime crossplane registry kcm kas etcd moto; do
  f=$PIDS/$n.pid
  [ -f "$f" ] || continue
  p=$(cat "$f")
  if kill "$p" 2>/dev/null; then
    for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null && echo "e2e: $n ($p) killed after 5s" >&2
    [ -n "$quiet" ] || echo "e2e: stopped $n ($p)"
  fi
  rm -f "$f"
done
rm -rf "$STATE/etcd-data" "$STATE/xpkg-cache" "$STATE/registry" "$STATE/functions"
