#!/usr/bin/env bash
# Applies the provider-aws CRDs listed in provider-crds.txt (both flavours) and waits until they
# are Established. Files come straight from the Go module cache (never copied into the repo).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
dir=$(cd "$ROOT" && go mod download -json "$PROVIDER_AWS_MODULE@$PROVIDER_AWS_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[ -d "$dir/package/crds" ] || die "provider-aws $PROVIDER_AWS_VERSION CRDs not found (go mod download $PROVIDER_AWS_MODULE@$PROVIDER_AWS_VERSION)"
files=(); crds=()
while read -r group plurals; do
  case "$group" in ''|'#'*) continue ;; esac
  for p in $plurals; do
    for g in "$group.aws.m.upbound.io" "$group.aws.upbound.io"; do
      [ "$group" = @ ] && g=${g#@.}
      f="$dir/package/crds/${g}_$p.yaml"
      [ -f "$f" ] && files+=(-f "$f") && crds+=("crd/$p.$g")
    done
  done
done <"$E2E_DIR/provider-crds.txt"
# server-side: some CRDs exceed the 256 KiB last-applied annotation of client-side apply
kubectl apply --server-side --force-conflicts --field-manager=lambdastack-e2e "${files[@]}" >"$LOGS/provider-crds.log"
kubectl wait --for=condition=Established --timeout=120s "${crds[@]}" >/dev/null
echo "${#crds[@]}"
