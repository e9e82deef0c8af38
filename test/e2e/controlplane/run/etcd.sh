#!/usr/bin/env bash
# single-node etcd on loopback, plain http (reachable from this machine only), no fsync (throwaway data)
. "$(dirname "$0")/../lib.sh"
exec "$BIN/etcd" --name e2e --data-dir "$STATE/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --quota-backend-bytes=2147483648 --log-level=warn
