#!/usr/bin/env bash
# Restarts one process of the local control plane as its supervisor would (make chaos): stops it
# by its recorded PID (SIGTERM; SIGKILL after 30 s, a pod's default grace period), waits PAUSE
# seconds, starts it again with the same command (run/NAME.sh; etcd keeps its data directory) and
# waits until it is healthy. The old log is appended to NAME.log.prev.
#   restart.sh etcd|kas|crossplane|kcm|provider-standin [PAUSE]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=$1 pause=${2:-0}
[ -x "$CP_DIR/run/$name.sh" ] || die "restart.sh: no run/$name.sh"
if [ -f "$PIDS/$name.pid" ]; then
  p=$(cat "$PIDS/$name.pid")
  if kill "$p" 2>/dev/null; then
    for i in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null && echo "restart.sh: $name ($p) killed after 30s" >&2
  fi
fi
sleep "$pause"
cat "$LOGS/$name.log" >>"$LOGS/$name.log.prev" 2>/dev/null || true
start "$name"
healthy() {
  case $name in
  etcd) curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null ;;
  kas) [ "$(kubectl get --raw /readyz 2>/dev/null)" = ok ] ;;
  crossplane) curl -sf "http://127.0.0.1:$XP_HEALTH_PORT/readyz" >/dev/null ;;
  *) true ;;
  esac
}
for i in $(seq 1 240); do
  must_live "$name"
  healthy && exit 0
  sleep 0.5
done
die "$name not healthy 120 s after its restart"
