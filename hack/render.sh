#!/usr/bin/env bash
# Renders every example request through the real Crossplane CLI (v2.5.0) and render engine
# (core v2.4.0) with the function running locally, and prints the YAML.
# Usage: hack/render.sh [example.yaml ...]   (default: the stage examples of examples/index.txt)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
hack/build-tools.sh crossplane crossplane-core
go build -o bin/function-lambdastack ./function

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bin/function-lambdastack --insecure --address="127.0.0.1:$port" >"${TMPDIR:-/tmp}/function-lambdastack-render.log" 2>&1 &
fn_pid=$!
work=$(mktemp -d)
trap 'kill $fn_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

requests=("$@")
[ ${#requests[@]} -gt 0 ] || mapfile -t requests < <(awk '$1 == "stage" { print $3 }' examples/index.txt)
go build -o "$work/claimtoxr" ./hack/claimtoxr

for req in "${requests[@]}"; do
  xr=$req comp=compositions/lambdastack.yaml xrd=apis/lambdastacks.yaml
  if grep -q '^kind: LambdaStackClaim' "$req"; then
    # render takes the composite, not the claim: the XLambdaStack Crossplane creates for it
    xr=$work/$(basename "$req")
    "$work/claimtoxr" "$req" >"$xr"
    comp=compositions/xlambdastack.yaml xrd=apis/xlambdastacks.yaml
  fi
  xrd_flag=()
  [ -f "$xrd" ] && xrd_flag=(--xrd="$xrd")
  render() {
    bin/crossplane composition render "$xr" "$comp" examples/functions.yaml "${xrd_flag[@]}" -x \
      --crossplane-binary=bin/crossplane-core \
      -a "render.crossplane.io/runtime-development-target=127.0.0.1:$port" \
      --required-resources=examples/environmentconfigs/ "$@"
  }
  echo "# ---- $req: what applying it creates"
  render
  observed=examples/observed/$(basename "$req")
  if [ -f "$observed" ]; then
    # Some parts need IDs only AWS assigns (the API stage's log ARN, the invoke permission, API
    # alarms): show the whole stack with the simulated provider status of $observed.
    echo "# ---- $req: the whole stack, once the provider has reported IDs (SIMULATED observed state: $observed)"
    render -o "$observed"
  fi
done
