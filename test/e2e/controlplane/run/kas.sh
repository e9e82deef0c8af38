#!/usr/bin/env bash
# kube-apiserver on loopback; --endpoint-reconciler-type=none because 127.0.0.1 cannot be an
# endpoint of the kubernetes Service. No kubelet/scheduler run, so pods never start.
# KAS_EXTRA_ARGS adds flags (make scale: --disabled-metrics for the histograms it does not read).
. "$(dirname "$0")/../lib.sh"
read -ra extra <<<"${KAS_EXTRA_ARGS:-}"
exec "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$KAS_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --authorization-mode=RBAC \
  --allow-privileged=true \
  --enable-priority-and-fairness=false \
  --profiling=false \
  --endpoint-reconciler-type=none \
  --v=1 "${extra[@]}"
