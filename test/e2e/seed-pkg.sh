#!/usr/bin/env bash
# Seeds Crossplane's package cache with testdata/function-package.yaml so the real Function object
# installs offline: when the package reference is pinned by digest and the cache holds it,
# Crossplane never contacts a registry. Prints the digest-pinned reference.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hex=$(sha256sum "$E2E_DIR/testdata/function-package.yaml" | cut -c1-64)
# cache key = FriendlyID(source, digest) = DNS label of source[:50] + "-" + "sha256:" + hex[:5]
key=$(printf '%s-sha256-%s' "${FN_SOURCE:0:50}" "${hex:0:5}" | tr './:' '---')
mkdir -p "$STATE/xpkg-cache"
gzip -c "$E2E_DIR/testdata/function-package.yaml" >"$STATE/xpkg-cache/$key.gz"
echo "$FN_SOURCE@sha256:$hex"
