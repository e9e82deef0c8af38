#!/usr/bin/env bash
# Generates the certificates of the local control plane into $STATE/pki (once; reused while present):
#   ca             one CA for everything (10 years, never leaves the machine)
#   apiserver      kube-apiserver serving cert (SAN localhost, 127.0.0.1, kubernetes.default...)
#   admin          client cert, O=system:masters (kubectl, kube-controller-manager, Crossplane, tests)
#   sa             service-account token signing key pair
#   xp-client-dir  Crossplane's gRPC client cert for calling functions (ca.crt, tls.crt, tls.key)
#   fn-server-dir  function-lambdastack's gRPC server cert, SAN localhost/127.0.0.1 (same layout)
# Crossplane and the function verify each other with the same CA (mTLS).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$PKI"
cd "$PKI"
[ -f complete ] && exit 0
rm -rf ./*
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=lambdastack-e2e-ca" 2>/dev/null
mk() { # name cn org sans
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2${3:+/O=$3}" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n%s\n' \
    "${4:+subjectAltName=$4}" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
mk apiserver kube-apiserver "" "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.0.0.1"
mk admin admin system:masters
mk fn-server function-lambdastack "" "DNS:localhost,IP:127.0.0.1"
mk xp-client crossplane ""
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
mkdir -p xp-client-dir fn-server-dir
cp ca.crt xp-client-dir/ca.crt; cp xp-client.crt xp-client-dir/tls.crt; cp xp-client.key xp-client-dir/tls.key
cp ca.crt fn-server-dir/ca.crt; cp fn-server.crt fn-server-dir/tls.crt; cp fn-server.key fn-server-dir/tls.key
touch complete
