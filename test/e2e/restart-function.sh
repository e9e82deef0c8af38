#!/usr/bin/env bash
# Rebuilds ./function and restarts only the function process of a running e2e control plane
# (inner loop while working on fn/: the Function object and its revision stay as they are).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
(cd "$ROOT" && go build -o "$BIN/function-lambdastack" ./function)
if alive function; then
  p=$(cat "$PIDS/function.pid"); kill "$p"
  for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
fi
start function
for i in $(seq 1 100); do must_live function; port_free "$FN_PORT" || break; sleep 0.1; done
port_free "$FN_PORT" && die "function-lambdastack does not listen on :$FN_PORT"
ts "function-lambdastack restarted"
