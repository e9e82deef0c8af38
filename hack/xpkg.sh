#!/usr/bin/env bash
# Builds the Crossplane packages without Docker (make xpkg), or pushes them (make xpkg-push).
#
#   hack/xpkg.sh [build]   into $XPKG_OUTPUT (default _output/):
#     function-<arch>.tar                   the function's runtime image per arch (OCI image
#                                           tarball, hack/image): static binary on scratch + CA
#                                           certificates, user 65532, entrypoint /function
#     function-lambdastack-<arch>.xpkg      Function package (function/crossplane.yaml) with that
#                                           runtime image embedded
#     configuration-lambdastack.xpkg        Configuration package: package/crossplane.yaml, the
#                                           XRDs (apis/*.yaml), the Compositions (compositions/*.yaml),
#                                           the ManagedResourceActivationPolicy of the provider kinds
#                                           the stacks use (package/activation-policy.yaml);
#                                           with VERSION set, its function dependency is stamped
#                                           ">=$VERSION" (the function released with it or newer)
#     version                               the VERSION the packages were built for
#   hack/xpkg.sh version   prints the version the packages in $XPKG_OUTPUT are for
#   hack/xpkg.sh push      pushes them as $REGISTRY/function-lambdastack:$VERSION (one index over
#                          both arches) and $REGISTRY/configuration-lambdastack:$VERSION, with the
#                          registry credentials of ~/.docker/config.json. VERSION must be the one
#                          the packages were built for (make xpkg VERSION=...).
#
#   XPKG_ARCHES   architectures (default "amd64 arm64")
#   VERSION       recorded as the images' org.opencontainers.image.version label (build); the tag (push)
#   REGISTRY      push target prefix (default xpkg.upbound.io/spec3)
#   SOURCE_DATE_EPOCH  time stamped into the images (default 0: reproducible)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${XPKG_OUTPUT:-$ROOT/_output}
ARCHES=${XPKG_ARCHES:-amd64 arm64}
REGISTRY=${REGISTRY:-xpkg.upbound.io/spec3}
export GOFLAGS=${GOFLAGS:--buildvcs=false}
log() { echo "xpkg: $*" >&2; }

build() {
  hack/build-tools.sh crossplane
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  local work=$OUT/xpkg-work
  rm -rf "$work"
  mkdir -p "$work/bin" "$work/function" "$work/configuration/apis" "$work/configuration/compositions"
  go build -o "$work/bin/image" ./hack/image

  for arch in $ARCHES; do
    log "function binary linux/$arch (static)"
    CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags="-s -w" \
      -o "$work/bin/function-linux-$arch" ./function
    "$work/bin/image" -binary "$work/bin/function-linux-$arch" -arch "$arch" \
      -version "${VERSION:-}" -o "$OUT/function-$arch.tar"
  done

  # Package roots hold only what belongs in the package: crossplane build reads every *.yaml
  # under --package-root, and --examples-root (default ./examples of the working directory)
  # points at a directory that does not exist, so no examples layer is added.
  cp function/crossplane.yaml "$work/function/"
  for arch in $ARCHES; do
    bin/crossplane xpkg build --package-root="$work/function" --examples-root="$work/no-examples" \
      --embed-runtime-image-tarball="$OUT/function-$arch.tar" -o "$OUT/function-lambdastack-$arch.xpkg"
  done
  # The function dependency's lower bound is the release being built: package/crossplane.yaml
  # holds the last release's, the packaged copy gets VERSION's.
  if [ -n "${VERSION:-}" ]; then
    awk -v v="$VERSION" '/kind: Function/ {f=1} f && /^ *version:/ {sub(/version:.*/, "version: \">=" v "\""); f=0} {print}' \
      package/crossplane.yaml >"$work/configuration/crossplane.yaml"
  else
    cp package/crossplane.yaml "$work/configuration/"
  fi
  cp package/activation-policy.yaml "$work/configuration/"
  cp apis/*.yaml "$work/configuration/apis/"
  cp compositions/*.yaml "$work/configuration/compositions/"
  bin/crossplane xpkg build --package-root="$work/configuration" --examples-root="$work/no-examples" \
    -o "$OUT/configuration-lambdastack.xpkg"

  local files=()
  for arch in $ARCHES; do files+=("$OUT/function-$arch.tar" "$OUT/function-lambdastack-$arch.xpkg"); done
  files+=("$OUT/configuration-lambdastack.xpkg")
  "$work/bin/image" digest "${files[@]}"
  echo "${VERSION:-}" >"$OUT/version"
}

push() {
  [ -n "${VERSION:-}" ] || { log "VERSION (the tag, e.g. v0.1.0) is required"; exit 1; }
  # the Configuration's function dependency starts at the version it was built for (built without
  # VERSION: package/crossplane.yaml's lower bound)
  local built
  built=$(cat "$OUT/version" 2>/dev/null || true)
  [ -n "$built" ] || built=$(file_version)
  [ "$built" = "$VERSION" ] || {
    log "the packages in $OUT were built for version '$built', not $VERSION: run make xpkg VERSION=$VERSION first"
    exit 1
  }
  hack/build-tools.sh crossplane
  local fns=()
  for arch in $ARCHES; do fns+=("$OUT/function-lambdastack-$arch.xpkg"); done
  for f in "${fns[@]}" "$OUT/configuration-lambdastack.xpkg"; do
    [ -f "$f" ] || { log "$f missing: run make xpkg first"; exit 1; }
  done
  bin/crossplane xpkg push -f "$(IFS=,; echo "${fns[*]}")" "$REGISTRY/function-lambdastack:$VERSION"
  bin/crossplane xpkg push -f "$OUT/configuration-lambdastack.xpkg" "$REGISTRY/configuration-lambdastack:$VERSION"
}

# file_version: the lower bound of package/crossplane.yaml's function dependency (">=v0.1.0" -> v0.1.0)
file_version() {
  awk '/kind: Function/ {f=1} f && /^ *version:/ {gsub(/["'\'' >=]/, "", $2); print $2; exit}' package/crossplane.yaml
}

case "${1:-build}" in
  build) build ;;
  push) push ;;
  version) cat "$OUT/version" 2>/dev/null | grep . || file_version ;;
  *) echo "usage: hack/xpkg.sh [build|push|version]" >&2; exit 2 ;;
esac
