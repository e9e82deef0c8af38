#!/usr/bin/env bash
# Builds and pushes the packages the local control plane installs from its registry
# (test/e2e/controlplane/cmd/registry on 127.0.0.1:$REG_PORT, TLS from the e2e PKI), under the paths they have
# on xpkg.upbound.io; Crossplane's ImageConfig rewrites xpkg.upbound.io/spec3/ and
# xpkg.upbound.io/upbound/ to it.
#
#   packages.sh providers         the provider packages the Configuration depends on, WITHOUT
#                                 their provider binary: for each provider-aws-<service> in
#                                 package/crossplane.yaml, a package of that family's real CRDs
#                                 from the provider-aws $PROVIDER_AWS_VERSION module
#                                 (package/crossplane.yaml.tmpl's metadata: family label,
#                                 SafeStart, a dependency on provider-family-aws), and
#                                 provider-family-aws with the ProviderConfig CRDs; pushed as
#                                 upbound/<name>:$PROVIDER_AWS_VERSION. With E2E_PROVIDER=real
#                                 every CRD also carries what the published packages add to it
#                                 (package/kustomize/webhook.yaml of the module: conversion by the
#                                 provider's webhook at /convert), which Crossplane's package
#                                 manager points at the provider's Service; the package runtime
#                                 runs the real provider (bin/lambdastack-provider) for them.
#                                 Built once into $STATE/packages/providers-$E2E_PROVIDER.
#   packages.sh lambdastack VER [REF]
#                                 `make xpkg` (hack/xpkg.sh, linux/amd64 only here) with VERSION=VER
#                                 into $STATE/packages/VER, pushed as spec3/function-lambdastack:VER
#                                 and spec3/configuration-lambdastack:VER (hack/xpkg.sh push); with
#                                 REF, of that commit of the repository (git archive into
#                                 $STATE/src/REF: the release the upgrade test starts from)
#                                 instead of the working tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export SSL_CERT_FILE=$PKI/ca.crt # the CLI's pushes trust the e2e CA
REG=127.0.0.1:$REG_PORT

# webhook_conversion CRD_FILE: the patch provider-aws's package build applies to every CRD
# (package/kustomize/webhook.yaml of the module): conversion by the provider's webhook at
# /convert, ConversionReview v1. Crossplane's package manager fills in the Service, port and CA.
webhook_conversion() {
  grep -q '^  conversion:' "$1" && die "$1 already has a conversion"
  awk 'BEGIN { done = 0 }
    { print }
    /^spec:$/ && !done {
      print "  conversion:"; print "    strategy: Webhook"; print "    webhook:"
      print "      clientConfig:"; print "        service:"; print "          path: /convert"
      print "      conversionReviewVersions:"; print "      - v1"; done = 1
    }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

providers() {
  local dir=$STATE/packages/providers-$E2E_PROVIDER mod
  mod=$(cd "$ROOT" && go mod download -json "$PROVIDER_AWS_MODULE@$PROVIDER_AWS_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$mod/package/crds" ] || die "provider-aws $PROVIDER_AWS_VERSION CRDs not found in the module cache"
  local services
  services=$(sed -n 's#^ *package: xpkg.upbound.io/upbound/provider-aws-\(.*\)$#\1#p' "$ROOT/package/crossplane.yaml")
  [ -n "$services" ] || die "no provider-aws dependency in package/crossplane.yaml"
  for svc in family $services; do
    local name=provider-aws-$svc groups="$svc.aws.upbound.io $svc.aws.m.upbound.io"
    [ "$svc" = family ] && name=provider-family-aws groups="aws.upbound.io aws.m.upbound.io"
    local out=$dir/$name.xpkg
    if [ ! -f "$out" ]; then
      local root=$dir/work/$name
      rm -rf "$root"; mkdir -p "$root/crds"
      for g in $groups; do cp "$mod/package/crds/${g}"_*.yaml "$root/crds/"; done
      [ "$E2E_PROVIDER" != real ] || for f in "$root"/crds/*.yaml; do webhook_conversion "$f"; done
      {
        printf 'apiVersion: meta.pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: %s\n' "$name"
        printf '  labels:\n    pkg.crossplane.io/provider-family: provider-family-aws\n'
        printf '  annotations:\n    meta.crossplane.io/description: |\n'
        if [ "$E2E_PROVIDER" = real ]; then
          printf '      E2E PACKAGE: the CRDs of provider-aws %s (%s) as published (conversion webhook), without the provider binary: the e2e package runtime runs bin/lambdastack-provider.\n' "$PROVIDER_AWS_VERSION" "$svc"
        else
          printf '      E2E STAND-IN PACKAGE: the CRDs of provider-aws %s (%s) without the provider binary.\n' "$PROVIDER_AWS_VERSION" "$svc"
        fi
        printf 'spec:\n  capabilities:\n  - SafeStart\n  crossplane:\n    version: ">=v1.12.1-0"\n'
        [ "$svc" = family ] ||
          printf '  dependsOn:\n  - apiVersion: pkg.crossplane.io/v1\n    kind: Provider\n    package: xpkg.upbound.io/upbound/provider-family-aws\n    version: ">=%s"\n' "$PROVIDER_AWS_VERSION"
      } >"$root/crossplane.yaml"
      "$BIN/crossplane" xpkg build --package-root="$root" --examples-root="$root/no-examples" -o "$out.tmp" >/dev/null
      mv "$out.tmp" "$out"
      rm -rf "$root"
    fi
    "$BIN/crossplane" xpkg push -f "$out" "$REG/upbound/$name:$PROVIDER_AWS_VERSION" >/dev/null
    echo "upbound/$name:$PROVIDER_AWS_VERSION ($(ls "$mod/package/crds" | grep -cE "^(${groups// /|})_") CRDs)"
  done
}

lambdastack() {
  local version=$1 ref=${2:-} out=$STATE/packages/$1 src=$ROOT
  if [ -n "$ref" ]; then
    src=$STATE/src/$ref
    rm -rf "$src" && mkdir -p "$src"
    git -C "$ROOT" archive "$ref" | tar -x -C "$src" || die "git archive $ref failed (the upgrade test's release must be in the repository)"
    ln -s "$BIN" "$src/bin"
  fi
  (cd "$src" && XPKG_OUTPUT=$out XPKG_ARCHES=amd64 VERSION=$version hack/xpkg.sh build >"$LOGS/xpkg-$version.log" 2>&1) ||
    { tail -20 "$LOGS/xpkg-$version.log" >&2; die "make xpkg VERSION=$version failed"; }
  (cd "$src" && XPKG_OUTPUT=$out XPKG_ARCHES=amd64 VERSION=$version REGISTRY=$REG/spec3 hack/xpkg.sh push >>"$LOGS/xpkg-$version.log" 2>&1) ||
    { tail -20 "$LOGS/xpkg-$version.log" >&2; die "hack/xpkg.sh push VERSION=$version failed"; }
  echo "spec3/function-lambdastack:$version spec3/configuration-lambdastack:$version${ref:+ (of $ref)}"
}

case "${1:-}" in
  providers) providers ;;
  lambdastack) lambdastack "${2:?version}" "${3:-}" ;;
  *) echo "usage: packages.sh providers | lambdastack VERSION [REF]" >&2; exit 2 ;;
esac
