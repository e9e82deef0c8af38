#!/usr/bin/env bash
# Builds the `lambdastack` CLI release binaries into _output/cli/: one static binary per
# target (linux and darwin, amd64 and arm64), named lambdastack-<version>-<os>-<arch>, and
# SHA256SUMS beside them (`sha256sum -c SHA256SUMS` checks a download).
# Reproducible: no cgo, -trimpath, no VCS stamp, no build ID, the version the only input besides
# the source and the Go version (go.mod's toolchain): two builds of one commit give the same bytes.
# Usage: hack/cli-release.sh VERSION   (CLI_TARGETS="linux/amd64 ..." builds fewer targets; CLI_OUT=DIR)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
version=${1:?usage: hack/cli-release.sh VERSION (e.g. v0.1.0)}
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "cli-release: $version is not a semver tag like v0.1.0" >&2; exit 2; }
out=${CLI_OUT:-_output/cli}
rm -rf "$out"; mkdir -p "$out"
for target in ${CLI_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}; do
  os=${target%/*} arch=${target#*/}
  bin=lambdastack-$version-$os-$arch
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags="-s -w -buildid= -X main.version=$version" -o "$out/$bin" ./cmd/lambdastack
  echo "cli-release: $out/$bin" >&2
done
(cd "$out" && sha256sum lambdastack-* >SHA256SUMS)
cat "$out/SHA256SUMS"
