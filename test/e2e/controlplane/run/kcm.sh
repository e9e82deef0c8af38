#!/usr/bin/env bash
# minimal kube-controller-manager: garbage collector (ownerReference cascade), namespace deletion,
# service account + token controllers, kube-root-ca.crt publisher. Nothing else.
. "$(dirname "$0")/../lib.sh"
exec "$BIN/kube-controller-manager" \
  --kubeconfig="$KUBECONFIG" \
  --controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 \
  --v=1
