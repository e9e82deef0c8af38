#!/usr/bin/env bash
# Builds the pinned third-party binaries the project runs (never committed) into bin/.
# Each binary is built once; an existing one is reused. Usage: hack/build-tools.sh [crossplane|crossplane-core|kube|etcd|controller-gen|golangci-lint|uptest|chainsaw|provider-aws ...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin
mkdir -p "$BIN"
log() { echo "build-tools: $*" >&2; }

CLI_VERSION=v2.5.0
CORE_VERSION=v2.4.0

# from_path NAME VERSION ARGS...: link bin/NAME to a NAME already on the PATH when `NAME ARGS`
# prints exactly VERSION as a word (the pinned release installed the usual way); else fail.
from_path() {
  local name=$1 want=$2; shift 2
  local found; found=$(command -v "$name" 2>/dev/null) || return 1
  [ "$(readlink -f "$found")" != "$(readlink -f "$BIN/$name" 2>/dev/null)" ] || return 1
  "$found" "$@" 2>/dev/null | grep -qw -- "$want" || { log "$found is not $want: building $name $want instead"; return 1; }
  ln -sf "$found" "$BIN/$name" && log "using $found ($want) as bin/$name"
}

# cold NAME VERSION MINUTES: the one-line notice before a build that takes minutes, so nobody
# thinks the first `make render` hangs.
cold() { log "building $1 $2 from source: about $3 minutes on 2 cores with an empty Go cache (once; kept in bin/)"; }

build_crossplane() { # the CLI: built inside its own module so its go.sum pins everything
  [ -x "$BIN/crossplane" ] && return
  from_path crossplane "$CLI_VERSION" version --client && return
  cold "crossplane CLI" "$CLI_VERSION" "10-15"
  go mod download github.com/crossplane/cli/v2@$CLI_VERSION
  local dir; dir=$(go mod download -json github.com/crossplane/cli/v2@$CLI_VERSION | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  (cd "$dir" && go build -trimpath \
    -ldflags="-s -w -X=github.com/crossplane/crossplane-runtime/v2/pkg/version.version=$CLI_VERSION" \
    -o "$BIN/crossplane.tmp" ./cmd/crossplane)
  mv "$BIN/crossplane.tmp" "$BIN/crossplane"
}

build_crossplane-core() { # core: render engine (--crossplane-binary) and the e2e control plane
  [ -x "$BIN/crossplane-core" ] && return
  from_path crossplane-core "$CORE_VERSION" --version && return
  cold "crossplane core" "$CORE_VERSION" "10-20"
  (cd "$ROOT/tools/core" && go build -trimpath \
    -ldflags="-s -w -X=github.com/crossplane/crossplane-runtime/v2/pkg/version.version=$CORE_VERSION" \
    -o "$BIN/crossplane-core.tmp" github.com/crossplane/crossplane/v2/cmd/crossplane)
  mv "$BIN/crossplane-core.tmp" "$BIN/crossplane-core"
}

build_kube() { # kube-apiserver + kube-controller-manager in one build so shared packages compile once
  [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && return
  log "building kube-apiserver + kube-controller-manager v1.37.2 (cold: ~20 min)"
  mkdir -p "$BIN/.kube"
  (cd "$ROOT/tools/kube" && go build -trimpath -ldflags="$(cat ldflags.txt)" -o "$BIN/.kube/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
  mv "$BIN/.kube/kube-apiserver" "$BIN/.kube/kube-controller-manager" "$BIN/" && rmdir "$BIN/.kube"
}

build_etcd() {
  [ -x "$BIN/etcd" ] && return
  log "building etcd v3.6.5"
  (cd "$ROOT/tools/etcd" && go build -trimpath -ldflags="-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$BIN/etcd.tmp" "$BIN/etcd"
}

build_uptest() { # uptest v1.3.0 (v2 is not served by the proxy here); drives chainsaw
  [ -x "$BIN/uptest" ] && return
  log "building uptest v1.3.0"
  (cd "$ROOT/tools/uptest" && go build -trimpath -ldflags="-s -w" -o "$BIN/uptest.tmp" github.com/crossplane/uptest/cmd/uptest)
  mv "$BIN/uptest.tmp" "$BIN/uptest"
}

build_chainsaw() { # chainsaw v0.2.15 (v0.2.13 does not build with Go 1.26)
  [ -x "$BIN/chainsaw" ] && return
  log "building chainsaw v0.2.15 (cold: ~4 min)"
  (cd "$ROOT/tools/chainsaw" && go build -trimpath -ldflags="-s -w" -o "$BIN/chainsaw.tmp" github.com/kyverno/chainsaw)
  mv "$BIN/chainsaw.tmp" "$BIN/chainsaw"
}

build_controller-gen() { # controller-tools v0.23.0: CRDs from apis/v1alpha1, converted to XRDs
  [ -x "$BIN/controller-gen" ] && return
  log "building controller-gen v0.23.0"
  (cd "$ROOT/tools/controller-gen" && go build -trimpath -ldflags="-s -w" -o "$BIN/controller-gen.tmp" sigs.k8s.io/controller-tools/cmd/controller-gen)
  mv "$BIN/controller-gen.tmp" "$BIN/controller-gen"
}

build_golangci-lint() { # golangci-lint v2.15.0 (make lint; config: .golangci.yml)
  [ -x "$BIN/golangci-lint" ] && return
  log "building golangci-lint v2.15.0 (cold: ~6 min)"
  (cd "$ROOT/tools/golangci-lint" && go build -trimpath -ldflags="-s -w" -o "$BIN/golangci-lint.tmp" github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
  mv "$BIN/golangci-lint.tmp" "$BIN/golangci-lint"
}

# provider-aws, the real one, for the kinds LambdaStack composes (make e2e-aws). The pin is
# test/e2e/controlplane/lib.sh's PROVIDER_AWS_VERSION (the release the CRDs come from). Every cmd/provider/<svc>
# main of the module compiles the whole provider; hack/providergen writes a main that registers
# only the controllers of package/activation-policy.yaml's kinds (and the API groups their
# references name). Those packages are internal to the module, so the main is built inside an
# unpacked copy of it under $PROVIDER_SRC_CACHE (never in this repository). Rebuilt only when the
# pin, the policy, the generator or Go change (bin/lambdastack-provider.key).
PROVIDER_SRC_CACHE=${PROVIDER_SRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lambdastack}
build_provider-aws() {
  local version; version=$(sed -n 's/^PROVIDER_AWS_VERSION=//p' "$ROOT/test/e2e/controlplane/lib.sh")
  [ -n "$version" ] || { log "no PROVIDER_AWS_VERSION in test/e2e/controlplane/lib.sh"; return 1; }
  local key; key=$( { echo "$version"; go version; cat "$ROOT/package/activation-policy.yaml" "$ROOT/hack/providergen/main.go" "$ROOT/internal/activation/activation.go"; } | sha256sum | cut -c1-16)
  if [ -x "$BIN/lambdastack-provider" ] && [ "$(cat "$BIN/lambdastack-provider.key" 2>/dev/null)" = "$key" ]; then return; fi
  local mod; mod=$(go mod download -json "github.com/upbound/provider-aws/v2@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$mod/internal/controller" ] || { log "provider-aws $version source not in the module cache"; return 1; }
  local src=$PROVIDER_SRC_CACHE/provider-aws-$version
  if [ ! -f "$src/go.mod" ]; then
    log "unpacking provider-aws $version into $src"
    rm -rf "$src.tmp" && mkdir -p "$src.tmp"
    (cd "$mod" && tar --exclude=./package/crds --exclude=./examples --exclude=./examples-generated --exclude=./docs -cf - .) | tar -C "$src.tmp" -xf -
    chmod -R u+w "$src.tmp" && mv "$src.tmp" "$src"
  fi
  mkdir -p "$src/cmd/lambdastack-provider"
  (cd "$ROOT" && go run ./hack/providergen -module "$mod" -policy package/activation-policy.yaml) >"$src/cmd/lambdastack-provider/main.go"
  cold "provider-aws (LambdaStack's kinds only)" "$version" "50-70 (10 GB of memory at link)"
  (cd "$src" && go build -trimpath -ldflags="-s -w" -o "$BIN/lambdastack-provider.tmp" ./cmd/lambdastack-provider)
  mv "$BIN/lambdastack-provider.tmp" "$BIN/lambdastack-provider"
  echo "$key" >"$BIN/lambdastack-provider.key"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(crossplane crossplane-core)
for t in "${targets[@]}"; do "build_$t"; done
